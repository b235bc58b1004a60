import pytest

from assistant.identity import pseudonym
from assistant.request_text import (InputError, level_from_text, normalise_language, normalise_level, parse_hours,
                                    parse_position, parse_score, topic_query)


def test_topic_query_keeps_the_topic_words():
    assert topic_query("I want to learn python for data analysis, my budget is $50") == "python data analysis"
    assert topic_query("courses about underwater basket weaving under 30 dollars") == "underwater basket weaving"
    assert topic_query("recommend me some courses please") == ""
    assert len(topic_query("x " * 5000)) <= 300


def test_levels():
    assert level_from_text("an intro course on sql") == "beginner"
    assert level_from_text("something for experts") == "advanced"
    assert level_from_text("python") is None
    assert normalise_level("Intermediate") == "intermediate"
    assert normalise_level("banana") is None


def test_pseudonym_is_stable_keyed_and_not_the_sender_id():
    first = pseudonym("alice@telegram", "key-1")
    assert first == pseudonym("alice@telegram", "key-1")
    assert first != pseudonym("alice@telegram", "key-2")
    assert first != pseudonym("bob@telegram", "key-1")
    assert "alice" not in first and len(first) == 32


@pytest.mark.parametrize(("text", "score"), [
    ("45%", 0.45), ("I got 7/10", 0.7), ("7 out of 10", 0.7), ("80 percent", 0.8), ("0.45", 0.45), ("45", 0.45),
    ("no number here", None),
])
def test_parse_score(text, score):
    assert parse_score(text) == (pytest.approx(score) if score is not None else None)


@pytest.mark.parametrize("text", ["140%", "11 out of 10", "5/0"])
def test_impossible_scores_are_refused_politely(text):
    with pytest.raises(InputError, match=r"score|0–100%"):
        parse_score(text)


@pytest.mark.parametrize(("text", "hours"), [("5 hours a week", 5.0), ("two hours", 2.0), ("2h", 2.0),
                                             ("about 10", 10.0), ("whenever", None)])
def test_parse_hours(text, hours):
    assert parse_hours(text) == hours


@pytest.mark.parametrize("text", ["-5 hours", "0 hours", "1000 hours a week"])
def test_impossible_hours_are_refused_politely(text):
    with pytest.raises(InputError):
        parse_hours(text)


@pytest.mark.parametrize(("text", "index"), [("the second one", 1), ("number 3", 2), ("the last one", 2),
                                             ("1st", 0), ("that one", None)])
def test_parse_position(text, index):
    assert parse_position(text, 3) == index


def test_position_beyond_the_list_is_refused():
    with pytest.raises(InputError, match="only showed 3 courses"):
        parse_position("the fifth one", 3)


def test_normalise_language():
    assert normalise_language("in spanish please") == "Spanish" and normalise_language("klingon") is None
