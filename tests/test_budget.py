import pytest

from assistant.budget import Budget, BudgetError, parse_budget


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my budget is $50", Budget(50.0)),
        ("50 bucks", Budget(50.0)),
        ("under 100", Budget(100.0)),
        ("less than €30", Budget(30.0, currency="EUR")),
        ("£20 max", Budget(20.0, currency="GBP")),
        ("free", Budget(0.0, free_only=True)),
        ("only free ones please", Budget(0.0, free_only=True)),
        ("no budget", Budget(None)),
        ("money is no object", Budget(None)),
        ("$0", Budget(0.0, free_only=True)),
        ("I can spend 1.5k dollars", Budget(1500.0)),
    ],
)
def test_parses_budgets(text, expected):
    assert parse_budget(text) == expected


@pytest.mark.parametrize("text", ["", "I want to learn python 3", "5 hours a week", "courses on statistics"])
def test_no_budget_stated(text):
    assert parse_budget(text) is None


def test_hours_are_not_money_even_near_budget_words():
    assert parse_budget("my budget is $40 and I have 5 hours a week") == Budget(40.0)


@pytest.mark.parametrize("text", ["-5", "my budget is -5", "$-20", "a budget of $5000000"])
def test_unusable_budgets_raise_learner_facing_errors(text):
    with pytest.raises(BudgetError) as error:
        parse_budget(text)
    assert str(error.value)


def test_budget_allows_and_describes():
    assert Budget(50).allows(49.99) and not Budget(50).allows(51)
    assert Budget(0, free_only=True).allows(0) and not Budget(0, free_only=True).allows(10)
    assert Budget(None).allows(10_000)
    assert Budget(30, currency="EUR").describe() == "up to €30"
    assert Budget(None).describe() == "no budget limit"
