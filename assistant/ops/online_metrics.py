"""Online figures per model version from the recommendation log.

An impression is one course shown in one list; a click is a "details" request
for a shown course (``clicked_at``); an enrolment is an enrolment in a shown
course (``enrolled_at``). Rates are per impression.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import RecommendationLog


@dataclass(frozen=True)
class OnlineMetrics:
    impressions: int
    lists: int
    clicks: int
    enrolments: int

    @property
    def click_through_rate(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0

    @property
    def enrolment_rate(self) -> float:
        return self.enrolments / self.impressions if self.impressions else 0.0

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "click_through_rate": self.click_through_rate, "enrolment_rate": self.enrolment_rate}


def online_metrics(sessions: sessionmaker[Session]) -> dict[str, OnlineMetrics]:
    """``{model_version: OnlineMetrics}`` over the whole log (versions as logged, e.g. ``hybrid/<version>``)."""
    log = RecommendationLog
    query = select(log.model_version, func.count(), func.count(func.distinct(log.request_id)),
                   func.count(log.clicked_at), func.count(log.enrolled_at)).group_by(log.model_version)
    with sessions() as session:
        return {version: OnlineMetrics(int(shown), int(lists), int(clicks), int(enrolled))
                for version, shown, lists, clicks, enrolled in session.execute(query)}
