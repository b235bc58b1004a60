"""Plain data passed in and out of the guidance planner.

Nothing here knows about Rasa or the database: the action server builds these
objects (see :mod:`assistant.guidance.adapter`) and turns the returned ones
into chat messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LEVELS = ("beginner", "intermediate", "advanced")
LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}
DEFAULT_COURSE_HOURS = 20.0


@dataclass(frozen=True)
class CourseInfo:
    """What the planner needs to know about one course.

    Attributes:
        id: catalog id (DB primary key or any stable string).
        title: human title.
        subject: subject area (edX vocabulary).
        level: beginner, intermediate or advanced.
        summary, description, syllabus: free text (prerequisite sentences are read from it).
        price_kind: free, paid or audit (free to follow, certificate costs extra).
        price: cost of access for paid courses.
        certificate_price: cost of the certificate for audit courses.
        weekly_hours_min, weekly_hours_max: stated effort per week.
        length_weeks: stated length.
        total_hours: stated total effort, if known.
        popularity: enrolment count, used to break ties.
        skills: skill / quiz item ids assessed in the course.
    """

    id: Any
    title: str
    subject: str = ""
    level: str = "beginner"
    summary: str = ""
    description: str = ""
    syllabus: str = ""
    price_kind: str = "free"
    price: float = 0.0
    certificate_price: float | None = None
    weekly_hours_min: float | None = None
    weekly_hours_max: float | None = None
    length_weeks: float | None = None
    total_hours: float | None = None
    popularity: int = 0
    skills: tuple[str, ...] = ()

    @property
    def level_rank(self) -> int:
        """0 for beginner, 1 intermediate, 2 advanced."""
        return LEVEL_RANK.get(self.level, 0)

    @property
    def effort_hours(self) -> float:
        """Total study hours: stated total, else mean weekly effort times length."""
        if self.total_hours and self.total_hours > 0:
            return float(self.total_hours)
        weekly = [h for h in (self.weekly_hours_min, self.weekly_hours_max) if h]
        if weekly and self.length_weeks:
            return float(sum(weekly) / len(weekly) * self.length_weeks)
        return DEFAULT_COURSE_HOURS

    def cost(self, certificate: bool = False) -> float:
        """Money needed to follow the course on its cheapest suitable track.

        Args:
            certificate: whether the learner wants the certificate.
        """
        if self.price_kind == "paid":
            return float(self.price)
        if self.price_kind == "audit" and certificate:
            return float(self.certificate_price or 0.0)
        return 0.0

    def track(self, certificate: bool = False) -> str:
        """Name of the track :meth:`cost` refers to (free, audit, certificate or paid)."""
        if self.price_kind == "paid":
            return "paid"
        if self.price_kind == "audit":
            return "certificate" if certificate else "audit"
        return "free"


@dataclass(frozen=True)
class QuizResult:
    """One scored attempt.

    Attributes:
        item: skill or quiz identifier.
        score: fraction correct in [0, 1].
        course_id: course the item belongs to, if known.
        at: when it happened.
    """

    item: str
    score: float
    course_id: Any = None
    at: datetime | None = None


@dataclass
class LearnerState:
    """Everything the planner knows about one learner.

    Attributes:
        learner_id: any stable id.
        goal: free text ("become a data analyst") or a course id/title.
        level: self-declared level (beginner/intermediate/advanced).
        weekly_hours: hours per week available.
        budget: money available for the whole path (``None`` = not stated).
        completed: ids of finished courses.
        in_progress: course id -> progress in [0, 1].
        mastery: skill id -> P(mastered) from the mastery model.
        results: past quiz results, oldest first.
        want_certificate: plan paid certificates on audit courses.
        current_course: course being studied now.
        weeks_elapsed: weeks since the current plan started.
        planned_progress: progress the plan expected by now on the current course.
    """

    learner_id: Any = None
    goal: str | None = None
    level: str | None = None
    weekly_hours: float | None = None
    budget: float | None = None
    completed: frozenset = frozenset()
    in_progress: dict = field(default_factory=dict)
    mastery: dict[str, float] = field(default_factory=dict)
    results: list[QuizResult] = field(default_factory=list)
    want_certificate: bool = False
    current_course: Any = None
    weeks_elapsed: float = 0.0
    planned_progress: float | None = None


@dataclass(frozen=True)
class Signal:
    """What the learner just told us, as the NLU understood it.

    Attributes:
        kind: ``too_easy``, ``too_hard``, ``confused``, ``frustrated``, ``bored``,
            ``positive`` or ``neutral``.
        polarity: sentiment in [-1, 1].
        help_need: urgency of help in [0, 1] (forum-urgency style score).
        text: the learner's words, for the record.
    """

    kind: str = "neutral"
    polarity: float = 0.0
    help_need: float = 0.0
    text: str = ""


SIGNAL_KINDS = ("too_easy", "too_hard", "confused", "frustrated", "bored", "positive", "neutral")


@dataclass(frozen=True)
class GuidanceError:
    """A bad input, returned as a value so the chat can answer politely.

    Attributes:
        code: machine-readable code (``unknown_course``, ``bad_score`` ...).
        message: one plain sentence for the learner or operator.
        field: the offending input field.
    """

    code: str
    message: str
    field: str = ""

    def __bool__(self) -> bool:  # an error is falsy, so ``if result:`` reads naturally
        return False
