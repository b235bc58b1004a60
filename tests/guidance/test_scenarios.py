"""Concrete learners end to end through the planner API.

Each scenario asserts the exact decision and that a plain-language
explanation built from the learner's own data is present.
"""

from __future__ import annotations

from assistant.guidance import pace as P
from assistant.guidance.planner import HANDOFF_OFFER, NO_PATH, Decision, ResultRecorded
from assistant.guidance.schema import GuidanceError, LearnerState, QuizResult, Signal


def test_beginner_with_no_money_and_three_hours_aiming_at_data_analyst(planner):
    learner = LearnerState(goal="become a data analyst", level="beginner", weekly_hours=3, budget=0)
    path = planner.plan(learner)
    assert path.feasible
    assert [s.course_id for s in path.steps] == ["sql-basics", "sql-analysis"]
    assert path.total_cost == 0 and {s.track for s in path.steps} == {"audit"}
    assert all(sum(h for _, _, h in w.hours) <= 3 + 1e-9 for w in path.schedule)
    assert path.weeks == 9  # 10 h + 16 h at 3 h/week
    decision = planner.next_step(learner)
    assert decision.action == P.START and decision.course_id == "sql-basics"
    text = planner.explain(decision).text
    assert "'Relational Databases and SQL'" in text and "$0" in text and "3 h/week" in text
    assert "1. Relational Databases and SQL (weeks 1-4, $0)" in planner.explain(path).text


def test_two_failed_quizzes_in_a_row_review_the_prerequisite(planner):
    learner = LearnerState(goal="Data Analysis with SQL", level="beginner", weekly_hours=4,
                           current_course="sql-analysis", in_progress={"sql-analysis": 0.3},
                           mastery={"sql-select": 0.55, "sql-keys": 0.6})
    first = planner.record_result(learner, "sql-joins", 0.5)
    assert isinstance(first, ResultRecorded)
    second = planner.record_result(first.learner, "sql-joins", 0.4)
    passed = planner.record_result(first.learner, "sql-joins", 0.9)
    assert second.mastery_after < second.mastery_before + 0.1 < passed.mastery_after
    d = second.decision
    assert d.action == P.REVIEW_PREREQUISITE and d.course_id == "sql-basics"
    assert d.evidence["fails_in_a_row"] == 2
    assert planner.explain(d).summary == (
        "Your last 2 quizzes on sql-joins were below 60% (50% and 40%), so let's review "
        "'Relational Databases and SQL' (your mastery there is about 57%) before going on with "
        "'Data Analysis with SQL'.")
    # the input learner was not modified
    assert learner.results == []


def test_two_failures_without_weak_prerequisite_mean_easier_practice(planner):
    learner = LearnerState(goal="Data Analysis with SQL", weekly_hours=4, current_course="sql-analysis",
                           completed=frozenset({"sql-basics"}),
                           results=[QuizResult("sql-joins", 0.3, "sql-analysis")])
    d = planner.record_result(learner, "sql-joins", 0.2).decision
    assert d.action == P.PRACTICE and d.course_id == "sql-analysis"
    assert "easier practice on sql-joins" in planner.explain(d).summary


def test_too_easy_steps_up_or_skips_ahead(planner):
    base = dict(goal="Data Analysis with SQL", level="beginner", weekly_hours=4, current_course="sql-basics",
                in_progress={"sql-basics": 0.2})
    d = planner.adjust(LearnerState(**base, mastery={"sql-select": 0.6}), Signal("too_easy", polarity=0.2))
    assert d.action == P.STEP_UP and d.course_id == "sql-basics"
    assert d.strategy.more_challenge and "too easy" in planner.explain(d).text
    mastered = LearnerState(**base, mastery={"sql-select": 0.97, "sql-keys": 0.98})
    d = planner.adjust(mastered, Signal("too_easy"))
    assert d.action == P.SKIP_AHEAD and d.course_id == "sql-analysis"
    assert "98%" in d.reason and "'Data Analysis with SQL'" in d.reason


def test_frustrated_learner_gets_encouragement_review_and_handoff(planner):
    learner = LearnerState(goal="Data Analysis with SQL", level="beginner", weekly_hours=4,
                           current_course="sql-analysis", mastery={"sql-select": 0.7},
                           results=[QuizResult("sql-joins", 0.5, "sql-analysis")])
    d = planner.adjust(learner, Signal("frustrated", polarity=-0.8, help_need=0.8, text="I give up"))
    assert isinstance(d, Decision)
    assert d.action == P.REVIEW_PREREQUISITE and d.course_id == "sql-basics"
    s = d.strategy
    assert (s.tone, s.simpler_explanation, s.add_review, s.offer_handoff) == ("encouraging", True, True, True)
    text = planner.explain(d).text
    assert "feels hard" in text and "simpler words" in text and text.endswith(HANDOFF_OFFER)
    assert "you said you feel frustrated" in text


def test_bored_gets_challenge_positive_carries_on(planner):
    learner = LearnerState(goal="Data Analysis with SQL", weekly_hours=4, current_course="sql-basics",
                           mastery={"sql-select": 0.5, "sql-keys": 0.5})
    bored = planner.adjust(learner, Signal("bored"))
    assert bored.action == P.STEP_UP and bored.strategy.tone == "challenging"
    happy = planner.adjust(learner, Signal("positive", polarity=0.7))
    assert happy.action == P.CONTINUE and not happy.strategy.offer_handoff
    assert "carry on" in planner.explain(happy).text


def test_impossible_goal_advanced_course_in_one_week_at_one_hour(planner):
    learner = LearnerState(goal="Deep Learning", level="beginner", weekly_hours=1, budget=0)
    path = planner.plan(learner, horizon_weeks=1)
    assert not path.feasible and path.schedule == ()
    assert "80 h/week to finish in 1 week" in path.suggestions
    assert "a horizon of 80 weeks at 1 h/week" in path.suggestions
    assert "takes 80 weeks, more than your 1 week" in planner.explain(path).text
    # without a deadline the same learner gets a (long) plan
    assert planner.plan(learner).weeks == 80
    assert planner.next_step(LearnerState(goal="Deep Learning", weekly_hours=1)).action == P.START


def test_no_feasible_path_is_a_decision_not_an_error(planner):
    d = planner.next_step(LearnerState(goal="Statistics for Data Analysts", level="intermediate",
                                       weekly_hours=5, budget=10))
    assert d.action == NO_PATH and "a budget of $150" in planner.explain(d).text


def test_behind_schedule_replans_and_ahead_accelerates(planner):
    base = dict(goal="Data Analysis with SQL", weekly_hours=4, current_course="sql-basics")
    behind = planner.next_step(LearnerState(**base, in_progress={"sql-basics": 0.2}, planned_progress=0.6))
    assert behind.action == P.REPLAN and "20% through" in behind.reason and "60%" in behind.reason
    ahead = planner.next_step(LearnerState(**base, in_progress={"sql-basics": 0.9}, planned_progress=0.5))
    assert ahead.action == P.ACCELERATE


def test_bad_inputs_come_back_as_error_values(planner):
    ok = LearnerState(goal="Data Analysis with SQL", weekly_hours=4, current_course="sql-basics")
    e = planner.record_result(ok, "sql-select", 1.4)
    assert isinstance(e, GuidanceError) and e.code == "bad_score" and "140%" in e.message and not e
    assert planner.record_result(ok, "sql-select", 140).code == "bad_score"
    assert planner.record_result(ok, "sql-select", float("nan")).code == "bad_score"
    assert planner.record_result(ok, "sql-select", "high").code == "bad_score"
    assert planner.record_result(ok, "sql-select", 0.5, course_id="nope").code == "unknown_course"
    neg = LearnerState(goal="x", weekly_hours=-3)
    assert planner.plan(neg).code == "bad_hours" and "-3" in planner.plan(neg).message
    assert planner.next_step(neg).code == "bad_hours"
    assert planner.plan(LearnerState(goal="x", weekly_hours=3, budget=-5)).code == "bad_budget"
    assert planner.plan(LearnerState(weekly_hours=3)).code == "missing_goal"
    assert planner.next_step(LearnerState(goal="x", weekly_hours=3, current_course="nope")).code == "unknown_course"
    assert planner.adjust(ok, Signal("angry")).code == "bad_signal"
    assert planner.adjust(ok, Signal("confused", help_need=3)).code == "bad_signal"
    assert planner.plan(ok, horizon_weeks=0).code == "bad_horizon"
    assert planner.explain(e).text == e.message


def test_result_is_kept_when_no_next_step_can_be_decided(planner):
    out = planner.record_result(LearnerState(weekly_hours=3), "py-loops", 1.0)
    assert isinstance(out, ResultRecorded)
    assert out.learner.mastery["py-loops"] == out.mastery_after > out.mastery_before
    assert out.learner.current_course == "python"  # the item's course
    assert isinstance(out.decision, GuidanceError) is False and out.decision.action == P.CONTINUE
    no_course = planner.record_result(LearnerState(weekly_hours=3), "unknown-item", 1.0)
    assert no_course.learner.results[-1].item == "unknown-item"
    assert isinstance(no_course.decision, GuidanceError) and no_course.decision.code == "missing_goal"
