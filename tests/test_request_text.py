from assistant.identity import pseudonym
from assistant.request_text import level_from_text, normalise_level, topic_query


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
