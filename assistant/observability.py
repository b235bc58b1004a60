"""Structured logs and Prometheus metrics shared by the assistant's servers.

* :func:`configure_logging` turns every log record into one JSON line carrying
  the conversation id (Rasa's ``sender_id``) and the action being run, taken
  from context variables the server sets per request (:func:`bind`), with
  e-mail addresses and phone numbers redacted (docs/privacy.md). Records
  of level ERROR also count in ``pathwise_action_errors_total``, so an action
  that catches an exception and apologises is still counted.
* The metric objects below live in the default ``prometheus_client`` registry;
  :func:`render_metrics` is the body of a ``/metrics`` route.
* :class:`OnlineMetricsCollector` adds the recommendation log's online figures
  per model version as gauges, computed at scrape time.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TextIO

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.privacy.redact import redact, redact_emails

conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)
action_name: ContextVar[str | None] = ContextVar("action_name", default=None)

ACTION_REQUESTS = Counter("pathwise_action_requests", "Action server calls, by action", ["action"])
ACTION_LATENCY = Histogram("pathwise_action_latency_seconds", "Time to run an action call, by action", ["action"],
                           buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
ACTION_ERRORS = Counter("pathwise_action_errors", "Errors logged while running an action, by action", ["action"])
RECOMMENDATIONS_SERVED = Counter("pathwise_recommendations_served",
                                 "Recommendation lists shown to learners, by model version", ["model_version"])
FALLBACKS = Counter("pathwise_fallbacks", "Messages the assistant did not understand (fallback asked to rephrase)")
HANDOFFS = Counter("pathwise_handoffs", "Conversations handed to course staff")

logger = logging.getLogger(__name__)


def bind(sender_id: str | None, action: str | None) -> None:
    """Attach a conversation id and an action to every log record of the current request."""
    conversation_id.set(sender_id)
    action_name.set(action)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.conversation_id = conversation_id.get()
        record.action = action_name.get()
        return True


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ACTION_ERRORS.labels(getattr(record, "action", None) or "none").inc()


class _RedactingJsonFormatter(JsonFormatter):
    """JSON lines without e-mail addresses or phone numbers, whatever a message or traceback quoted.

    The conversation id loses only e-mail addresses: channel ids (a Telegram
    chat id) can look like phone numbers and are needed to follow a conversation.
    """

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for key in ("message", "exc_info", "stack_info"):
            if isinstance(log_data.get(key), str):
                log_data[key] = redact(log_data[key])
        if isinstance(log_data.get("conversation_id"), str):
            log_data["conversation_id"] = redact_emails(log_data["conversation_id"])
        return super().process_log_record(log_data)


def configure_logging(level: int = logging.INFO, stream: TextIO = sys.stderr) -> None:
    """Send every record, as one redacted JSON object per line, to ``stream`` (replaces the root handlers)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_RedactingJsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                                 rename_fields={"asctime": "time", "levelname": "level",
                                                                "name": "logger"}))
    context = _ContextFilter()
    handler.addFilter(context)
    errors = _ErrorCounter()
    errors.addFilter(context)
    root = logging.getLogger()
    root.handlers = [handler, errors]
    root.setLevel(level)


class OnlineMetricsCollector(Collector):
    """Impressions, click-through and enrolment rate per model version, read from the database per scrape."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]]) -> None:
        self._sessions = sessions

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        impressions = GaugeMetricFamily("pathwise_recommendation_impressions",
                                        "Courses shown in recommendation lists, by model version", labels=["model_version"])
        ctr = GaugeMetricFamily("pathwise_recommendation_click_through_rate",
                                "Details requests per shown course, by model version", labels=["model_version"])
        enrolment = GaugeMetricFamily("pathwise_recommendation_enrolment_rate",
                                      "Enrolments per shown course, by model version", labels=["model_version"])
        return impressions, ctr, enrolment

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The metric names, without touching the database (called at registration)."""
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from assistant.ops.online_metrics import online_metrics

        impressions, ctr, enrolment = self._families()
        try:
            figures = online_metrics(self._sessions())
        except SQLAlchemyError as error:
            logger.warning("online metrics unavailable: %s", error)
            figures = {}
        for version, metrics in sorted(figures.items()):
            impressions.add_metric([version], metrics.impressions)
            ctr.add_metric([version], metrics.click_through_rate)
            enrolment.add_metric([version], metrics.enrolment_rate)
        yield from (impressions, ctr, enrolment)


_online_collector: list[OnlineMetricsCollector] = []


def register_online_metrics(sessions: Callable[[], sessionmaker[Session]]) -> None:
    """Add an :class:`OnlineMetricsCollector` to the default registry (once per process)."""
    if not _online_collector:
        _online_collector.append(OnlineMetricsCollector(sessions))
        REGISTRY.register(_online_collector[0])


def render_metrics() -> tuple[bytes, str]:
    """``(body, content type)`` of the Prometheus text exposition of the default registry."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
