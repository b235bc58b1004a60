"""Path planning: order, skipping, schedule, budget and horizon."""

from __future__ import annotations

from assistant.guidance.path import PathStep, schedule_weeks
from assistant.guidance.schema import LearnerState


def test_schedule_fills_weeks_in_order():
    steps = [PathStep("a", "A", "beginner", 5, 0, "free", "prerequisite", ""),
             PathStep("b", "B", "beginner", 4, 0, "free", "target", "")]
    out, weeks = schedule_weeks(steps, 3)
    assert [(s.start_week, s.end_week) for s in out] == [(1, 2), (2, 3)]
    assert [sum(h for _, _, h in w.hours) for w in weeks] == [3, 3, 3]
    assert weeks[1].hours == (("a", "A", 2), ("b", "B", 1))


def test_target_course_goal_gets_prerequisites_first(planner):
    p = planner.plan(LearnerState(goal="Data Analysis with SQL", level="beginner", weekly_hours=4, budget=None))
    assert p.feasible
    assert [s.course_id for s in p.steps] == ["sql-basics", "sql-analysis"]
    assert p.steps[0].role == "prerequisite" and "lists 'Relational Databases and SQL'" in p.steps[0].reason
    assert p.total_hours == 10 + 16
    assert p.weeks == 7


def test_completed_and_mastered_courses_are_skipped(planner):
    done = planner.plan(LearnerState(goal="Data Analysis with SQL", weekly_hours=4,
                                     completed=frozenset({"sql-basics"})))
    assert [s.course_id for s in done.steps] == ["sql-analysis"]
    assert done.skipped == (("Relational Databases and SQL", "you have completed it"),)
    mastered = planner.plan(LearnerState(goal="Data Analysis with SQL", weekly_hours=4,
                                         mastery={"sql-select": 0.97, "sql-keys": 0.99}))
    assert [s.course_id for s in mastered.steps] == ["sql-analysis"]
    assert "98% mastery" in mastered.skipped[0][1]


def test_in_progress_counts_remaining_hours(planner):
    p = planner.plan(LearnerState(goal="Data Analysis with SQL", weekly_hours=4,
                                  in_progress={"sql-basics": 0.5}))
    assert p.steps[0].hours == 5
    assert "50% through" in p.steps[0].reason


def test_budget_prefers_free_tracks_and_drops_certificates(planner):
    want = LearnerState(goal="Data Analysis with SQL", weekly_hours=4, want_certificate=True, budget=500)
    p = planner.plan(want)
    assert p.total_cost == 49 + 99 and {s.track for s in p.steps} == {"certificate"}
    poor = planner.plan(LearnerState(goal="Data Analysis with SQL", weekly_hours=4, want_certificate=True, budget=20))
    assert p.feasible and poor.total_cost == 0 and {s.track for s in poor.steps} == {"audit"}
    assert "Certificates were left out" in poor.reason


def test_cheapest_candidate_within_horizon(planner):
    # "data analyst" matches the free SQL path and the paid statistics path; $0 forces the free one
    p = planner.plan(LearnerState(goal="I want to become a data analyst", level="beginner", weekly_hours=10,
                                  budget=0))
    assert p.feasible and p.total_cost == 0
    assert p.steps[-1].course_id == "sql-analysis"


def test_infeasible_goal_says_what_would_help(planner):
    p = planner.plan(LearnerState(goal="Deep Learning", level="beginner", weekly_hours=2, budget=0),
                     horizon_weeks=4)
    assert not p.feasible
    assert p.reason.startswith("No path reaches 'Deep Learning'")
    assert "80 h of study" in p.reason  # python 10 h + deep learning 70 h
    assert "20 h/week to finish in 4 weeks" in p.suggestions
    assert "a horizon of 40 weeks at 2 h/week" in p.suggestions
    money = planner.plan(LearnerState(goal="Statistics for Data Analysts", level="intermediate", weekly_hours=5,
                                      budget=100))
    assert not money.feasible and "a budget of $150" in money.reason


def test_level_gap_is_bridged_unless_already_closed(catalog):
    from assistant.guidance.graph import PrerequisiteGraph
    from assistant.guidance.planner import GuidancePlanner

    # no similarity: the graph has only the text edge, so Statistics (intermediate) has no prerequisite
    planner = GuidancePlanner(catalog, graph=PrerequisiteGraph(catalog, similarity=lambda a, b: 0.0))
    p = planner.plan(LearnerState(goal="Statistics for Data Analysts", level="beginner", weekly_hours=5))
    assert [s.course_id for s in p.steps][-1] == "stats-analysts" and len(p.steps) == 2
    bridge = p.steps[0]
    assert bridge.level == "beginner" and bridge.role == "prerequisite"
    assert "you said you are a beginner learner and 'Statistics for Data Analysts' is intermediate" in bridge.reason
    closed = planner.plan(LearnerState(goal="Statistics for Data Analysts", level="beginner", weekly_hours=5,
                                       completed=frozenset({"sql-basics"})))
    assert [s.course_id for s in closed.steps] == ["stats-analysts"]
    mastered_target = planner.plan(LearnerState(goal="Statistics for Data Analysts", level="advanced",
                                                weekly_hours=5, mastery={"stats-tests": 0.99}))
    assert mastered_target.steps == () and "99% mastery" in mastered_target.skipped[0][1]
    assert mastered_target.reason.startswith("You have already completed or mastered everything")
