"""Guidance planner: mastery tracking, prerequisite graph, learning paths,
difficulty/pace control and sentiment-aware strategy.

Pure library code: no Rasa, no database sessions, and Keras only when the
offline DKT model is used (:mod:`assistant.guidance.dkt`, imported lazily).
The action server builds inputs with :mod:`assistant.guidance.adapter` and calls
:class:`GuidancePlanner`::

    planner = GuidancePlanner(courses)              # list[CourseInfo]
    path = planner.plan(learner)                     # LearningPath | GuidanceError
    decision = planner.next_step(learner)            # Decision | GuidanceError
    outcome = planner.record_result(learner, "sql-joins", 0.4)
    decision = planner.adjust(learner, Signal("frustrated", help_need=0.8))
    text = planner.explain(decision).text

See README.md in this folder for the design and the benchmark.
"""

from .graph import OverrideError, PrerequisiteGraph
from .mastery import MasteryTracker
from .path import LearningPath, PathStep, WeekPlan
from .planner import Decision, Explanation, GuidancePlanner, ResultRecorded
from .schema import CourseInfo, GuidanceError, LearnerState, QuizResult, Signal
from .strategy import Strategy

__all__ = [
    "CourseInfo", "Decision", "Explanation", "GuidanceError", "GuidancePlanner", "LearnerState",
    "LearningPath", "MasteryTracker", "OverrideError", "PathStep", "PrerequisiteGraph", "QuizResult",
    "ResultRecorded", "Signal", "Strategy", "WeekPlan",
]
