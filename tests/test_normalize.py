import pytest

from assistant.catalog import normalize as norm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FREE-Add a Verified Certificate for $49 USD", norm.Price("audit", 0.0, 49.0)),
        ("FREE-Add a Verified Certificate for $99.5 USD", norm.Price("audit", 0.0, 99.5)),
        ("FREE", norm.Price("free")),
        ("$120", norm.Price("paid", 120.0)),
    ],
)
def test_edx_price(text, expected):
    assert norm.parse_edx_price(text) == expected


def test_edx_price_rejects_unknown_text():
    with pytest.raises(ValueError, match="price 'call us' is not understood"):
        norm.parse_edx_price("call us")


@pytest.mark.parametrize(
    ("is_paid", "price", "expected"),
    [("TRUE", "20", norm.Price("paid", 20.0)), ("FALSE", "0", norm.Price("free")), ("TRUE", "0", norm.Price("free"))],
)
def test_udemy_price(is_paid, price, expected):
    assert norm.parse_udemy_price(is_paid, price) == expected


@pytest.mark.parametrize(("is_paid", "price"), [("maybe", "20"), ("TRUE", "-5"), ("TRUE", "twenty")])
def test_udemy_price_errors(is_paid, price):
    with pytest.raises(ValueError):
        norm.parse_udemy_price(is_paid, price)


@pytest.mark.parametrize(
    ("text", "level"),
    [("Introductory", "beginner"), ("All Levels", "beginner"), ("Intermediate Level", "intermediate"),
     ("Expert Level", "advanced"), ("Advanced", "advanced")],
)
def test_level(text, level):
    assert norm.parse_level(text) == level


def test_level_rejects_banana():
    with pytest.raises(ValueError, match="level 'banana'"):
        norm.parse_level("banana")


def test_weekly_effort_and_length():
    assert norm.parse_weekly_effort("2–3 hours per week") == (2.0, 3.0)
    assert norm.parse_weekly_effort("5 hours per week") == (5.0, 5.0)
    assert norm.parse_weekly_effort("") is None
    assert norm.parse_length_weeks("6 Weeks") == 6.0
    with pytest.raises(ValueError):
        norm.parse_weekly_effort("5–2 hours per week")
    with pytest.raises(ValueError):
        norm.parse_length_weeks("0 Weeks")


def test_subject_language_and_counts():
    assert norm.normalise_subject("Web Development") == "Computer Science"
    assert norm.normalise_subject("Data Analysis & Statistics") == "Data Analysis & Statistics"
    assert norm.normalise_language("Español") == "Spanish"
    assert norm.parse_count("124,980") == 124980
    assert norm.parse_count("NA") == 0
    with pytest.raises(ValueError):
        norm.normalise_subject("  ")
