"""``python -m assistant retrain``: train on current data, compare with production, promote or keep.

1. Build the training data (real enrolments and purchases + synthetic
   histories) and its held-back split (see :mod:`assistant.recommender_training`).
2. Train a candidate on it, or reuse the artifact already trained on exactly
   this data.
3. Score the candidate and the production model on the same held-back courses
   (:mod:`assistant.ops.evaluation`) and apply the promotion rule
   (:mod:`assistant.ops.gate`).
4. Write the report (:mod:`assistant.ops.report`) with the online figures of
   every version (:mod:`assistant.ops.online_metrics`).
5. Train the Rasa model if its inputs changed and load it into a running Rasa
   server through its HTTP API.

A running action server picks up a promoted recommender on its next request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from assistant.config import Settings
from assistant.ops.evaluation import HeldBackResult, held_back_metrics
from assistant.ops.gate import Decision, decide
from assistant.ops.online_metrics import OnlineMetrics, online_metrics
from assistant.recommender_training import (TrainingData, find_version, fit_model, save_trained,
                                            training_data)
from recsys import artifacts
from recsys.synthetic import SyntheticConfig

EXIT_CODES = {"promoted": 0, "unchanged": 0, "rejected": 1}


@dataclass(frozen=True)
class RetrainResult:
    """What one retrain found and did."""

    started_at: str
    candidate: str
    production: str | None  # before this run
    decision: Decision
    trained: bool  # False: the candidate is an artifact already trained on this data
    data: dict[str, int]
    candidate_metrics: HeldBackResult | None = None
    production_metrics: HeldBackResult | None = None
    online: dict[str, OnlineMetrics] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if self.decision.promote:
            return "promoted"
        return "unchanged" if self.candidate == self.production else "rejected"

    def summary(self) -> str:
        """The one line the command ends with."""
        if self.outcome == "promoted":
            return f"recommender: promoted {self.candidate} (was {self.production or 'none'}): {self.decision.reason}"
        if self.outcome == "unchanged":
            return f"recommender: {self.candidate} stays in production: {self.decision.reason}"
        return f"recommender: kept {self.production}, candidate {self.candidate} not promoted: {self.decision.reason}"


def _data_summary(data: TrainingData) -> dict[str, int]:
    return {"courses": len(data.catalog), "real_learners": data.real_learners,
            "synthetic_learners": data.synthetic_learners, "interactions": int(data.interactions.nnz),
            "held_back": int(data.held_back.nnz)}


def retrain_recommender(sessions: sessionmaker[Session], index_dir: Path, root: Path | None, tolerance: float,
                        force: bool = False, fit: Callable[[TrainingData, bool], Any] = fit_model,
                        say: Callable[[str], None] = lambda _line: None, progress: bool = False,
                        config: SyntheticConfig = SyntheticConfig()) -> RetrainResult:
    """Steps 1-3 of the module doc; promotes when :func:`assistant.ops.gate.decide` says so.

    Args:
        sessions: Learner database.
        index_dir: Course embedding cache.
        root: Artifact root.
        tolerance: Largest allowed drop of held-back NDCG@10 (absolute).
        force: Promote even when the candidate is worse.
        fit: Trains a candidate on the data (the assistant's hybrid recipe by default).
        say: Progress lines.
        progress: Training progress bars.
        config: Synthetic history settings.
    """
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if tolerance < 0:
        raise ValueError(f"the promotion tolerance must be >= 0, got {tolerance}")
    data = training_data(sessions, index_dir, config)
    production = artifacts.current_version(root)
    existing = find_version(data.fingerprint, root)
    if existing is not None and existing == production:
        return RetrainResult(started, existing, production, Decision(False, "it was trained on the current data"),
                             trained=False, data=_data_summary(data), online=online_metrics(sessions))
    say(f"recommender: {data.held_back.nnz} held-back courses of {data.real_learners} real and "
        f"{data.synthetic_learners} synthetic learners")
    if existing is None:
        say("recommender: training the candidate")
        candidate_model = fit(data, progress)
    else:
        say(f"recommender: candidate {existing} was already trained on this data")
        candidate_model = artifacts.load_model(existing, root)
    candidate_metrics = held_back_metrics(candidate_model, data)
    production_metrics = None
    if production is not None:
        production_metrics = held_back_metrics(artifacts.load_model(production, root), data)
    candidate = existing or save_trained(candidate_model, data, candidate_metrics.overall, root)
    decision = decide(candidate_metrics.overall, None if production_metrics is None else production_metrics.overall,
                      tolerance, force)
    if decision.promote:
        artifacts.promote(candidate, root)
    return RetrainResult(started, candidate, production, decision, trained=existing is None,
                         data=_data_summary(data), candidate_metrics=candidate_metrics,
                         production_metrics=production_metrics, online=online_metrics(sessions))


@dataclass(frozen=True)
class RetrainRun:
    """A whole ``retrain`` command: the recommender result, its report and the Rasa step."""

    result: RetrainResult
    report_dir: Path | None
    rasa: str

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.result.outcome]


def update_rasa(settings: Settings, rasa_url: str) -> str:
    """Train the Rasa model if its inputs changed; load it into the server at ``rasa_url`` if one runs."""
    from assistant.launcher import train_rasa_model
    from assistant.ops.rasa_model import load_model, served_model

    model = train_rasa_model(settings)
    token = settings.secret("rasa_token")
    if served_model(rasa_url, token) is None:
        return f"Rasa model {model.name} (no Rasa server at {rasa_url}; it is used at the next start)"
    if load_model(rasa_url, token, model):
        return f"Rasa model {model.name} loaded into {rasa_url}"
    return f"Rasa model {model.name} already served by {rasa_url}"


def run_retrain(settings: Settings, tolerance: float, force: bool, rasa_url: str | None,
                say: Callable[[str], None] = print) -> RetrainRun:
    """The ``retrain`` command: recommender (with report), then the Rasa model unless ``rasa_url`` is None."""
    from assistant.db.engine import session_factory
    from assistant.db.migrate import upgrade
    from assistant.ops.report import write_report

    upgrade(settings.db_url)
    result = retrain_recommender(session_factory(settings.db_url), settings.cache_dir / "content-index",
                                 settings.models_dir, tolerance, force, say=say, progress=True)
    report_dir = None
    if result.candidate_metrics is not None:
        stamp = result.started_at.replace(":", "").replace("-", "").replace("+0000", "Z")
        report_dir = write_report(result, tolerance, settings.var_dir / "reports" / f"retrain-{stamp}")
        say(f"report: {report_dir / 'report.md'}")
    rasa = "Rasa: skipped" if rasa_url is None else update_rasa(settings, rasa_url)
    say(rasa)
    return RetrainRun(result, report_dir, rasa)
