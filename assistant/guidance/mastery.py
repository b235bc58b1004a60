"""Online mastery tracking for the chat, with offline refresh from DKT.

:class:`MasteryTracker` wraps a fitted :class:`~assistant.guidance.bkt.BKT`
and works on string skill ids (quiz items). Unknown skills start from a
level-dependent prior and the pooled BKT parameters. Every update is O(1).

The offline :class:`~assistant.guidance.dkt.DKT` refreshes the online model in
two ways (:meth:`MasteryTracker.refresh_priors`): population priors per skill
(DKT's expected correctness with no history) and a learner's current mastery
(DKT's expected correctness after the learner's history), both converted to
P(mastered) by inverting the BKT emission ``p = m (1 - slip) + (1 - m) guess``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .bkt import BKT, SkillParams

LEVEL_PRIORS = {"beginner": 0.2, "intermediate": 0.45, "advanced": 0.65}


class MasteryTracker:
    """O(1) per-answer mastery estimates.

    Args:
        bkt: fitted BKT (parameters per skill and pooled defaults); a default
            BKT with textbook parameters when ``None``.
        level_priors: P(mastered) of a never-seen skill by declared level.
    """

    def __init__(self, bkt: BKT | None = None, level_priors: dict[str, float] | None = None) -> None:
        self.bkt = bkt or BKT()
        self.level_priors = dict(level_priors or LEVEL_PRIORS)
        self.priors: dict[Any, float] = {}

    def prior(self, skill: Any, level: str | None = None) -> float:
        """Starting mastery of ``skill`` for a learner at ``level``."""
        if skill in self.priors:
            return self.priors[skill]
        if skill in self.bkt.params_:
            return self.bkt.params_[skill].init
        return self.level_priors.get(level or "beginner", self.level_priors["beginner"])

    def expected_correct(self, skill: Any, mastery: float) -> float:
        """P(correct) on the next item of ``skill``."""
        return self.bkt.predict_correct(skill, mastery)

    def update(self, skill: Any, mastery: float, score: float) -> float:
        """New mastery after a score in [0, 1] (scores act as soft answers)."""
        return self.bkt.update(skill, mastery, score)

    def mastery_from_correct(self, skill: Any, p_correct: float) -> float:
        """Invert the BKT emission: P(mastered) implied by P(correct)."""
        p = self.bkt.skill_params(skill)
        denom = max(1 - p.slip - p.guess, 1e-6)
        return min(max((p_correct - p.guess) / denom, 0.0), 1.0)

    def refresh_priors(self, expected: dict[Any, float]) -> dict[Any, float]:
        """Replace priors with DKT's expectations.

        Args:
            expected: skill -> P(correct) from the offline model (e.g.
                :meth:`DKT.skill_mastery` with an empty or a learner's history).

        Returns:
            skill -> P(mastered) that was stored.
        """
        new = {k: self.mastery_from_correct(k, v) for k, v in expected.items()}
        self.priors.update(new)
        return new

    # ----------------------------------------------------------- persistence
    def to_dict(self) -> dict:
        """JSON-able parameters."""
        return {
            "default": vars(self.bkt.default_),
            "params": {str(k): vars(v) for k, v in self.bkt.params_.items()},
            "priors": {str(k): v for k, v in self.priors.items()},
            "level_priors": self.level_priors,
        }

    @classmethod
    def from_dict(cls, doc: dict) -> MasteryTracker:
        """Inverse of :meth:`to_dict`."""
        bkt = BKT()
        bkt.default_ = SkillParams(**doc["default"])
        bkt.params_ = {k: SkillParams(**v) for k, v in doc.get("params", {}).items()}
        t = cls(bkt, doc.get("level_priors"))
        t.priors = dict(doc.get("priors", {}))
        return t

    def save(self, path: str | Path) -> None:
        """Write parameters as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> MasteryTracker:
        """Read parameters written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))
