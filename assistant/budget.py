"""Parse what learners say about money: "$50", "50 bucks", "under 100",
"less than €30", "free", "no budget", "-5"."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BUDGET = 100_000.0


class BudgetError(ValueError):
    """A budget was given but cannot be used; the message is learner-facing."""


@dataclass(frozen=True)
class Budget:
    """``limit`` None means no limit; ``free_only`` means only free or audit courses."""

    limit: float | None
    free_only: bool = False
    currency: str = "USD"

    def allows(self, price: float) -> bool:
        if self.free_only:
            return price == 0
        return self.limit is None or price <= self.limit + 1e-9

    def amount(self) -> str:
        """The limit with its currency symbol, e.g. "$50"; only for a set limit."""
        return f"{_SYMBOLS.get(self.currency, '$')}{self.limit:g}"

    def describe(self) -> str:
        if self.free_only:
            return "free only"
        if self.limit is None:
            return "no budget limit"
        return f"up to {self.amount()}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_CURRENCY_WORDS = {"$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "buck": "USD",
                   "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP",
                   "pound": "GBP", "pounds": "GBP", "quid": "GBP"}

_NO_LIMIT = re.compile(r"\b(no|any|unlimited|whatever)\s+(budget|limit|price)\b|\bmoney is no (object|issue)\b", re.I)
_FREE = re.compile(r"\b(free|no cost|without paying|for nothing|zero budget|\$?0 budget|no money)\b", re.I)
_AMOUNT = re.compile(
    r"(?P<neg>-)?\s*(?P<pre>[$€£])?\s*(?P<neg2>-)?(?P<num>\d{1,9}(?:[.,]\d{1,2})?)\s*(?P<k>k\b)?\s*"
    r"(?P<post>usd|dollars?|bucks?|eur|euros?|gbp|pounds?|quid|[$€£])?",
    re.I,
)
_BARE_NUMBER = re.compile(r"-?\s*\d+(?:[.,]\d+)?")
_MONEY_CONTEXT = re.compile(r"budget|spend|pay|price|cost|under|below|less than|max|maximum|up to|cheap", re.I)


def parse_budget(text: str) -> Budget | None:
    """Return the budget stated in ``text``, None when it states none.

    Raises:
        BudgetError: the budget is negative or implausibly large.
    """
    if not text or not text.strip():
        return None
    if _NO_LIMIT.search(text):
        return Budget(None)
    bare_number = _BARE_NUMBER.fullmatch(text.strip()) is not None  # an answer like "-5" or "40"
    for match in _AMOUNT.finditer(text):
        has_currency = bool(match.group("pre") or match.group("post")) or bare_number
        if not has_currency and not _MONEY_CONTEXT.search(text):
            continue  # "5 hours", "python 3" are not budgets
        if not has_currency and _is_other_quantity(text, match.end()):
            continue
        value = float(match.group("num").replace(",", "."))
        if match.group("k"):
            value *= 1000
        if match.group("neg") or match.group("neg2"):
            raise BudgetError("A budget can't be negative. Tell me an amount like $50, or say \"free\".")
        if value > MAX_BUDGET:
            raise BudgetError(f"That budget looks too large; courses here cost at most a few hundred dollars. "
                              f"Try an amount like $100, or say \"no budget\".")
        symbol = (match.group("pre") or match.group("post") or "$").lower()
        currency = _CURRENCY_WORDS.get(symbol, "USD")
        return Budget(0.0, free_only=True, currency=currency) if value == 0 else Budget(value, currency=currency)
    if _FREE.search(text):
        return Budget(0.0, free_only=True)
    return None


def _is_other_quantity(text: str, end: int) -> bool:
    following = text[end:end + 12].lower().lstrip()
    return following.startswith(("hour", "h ", "hrs", "week", "month", "day", "minute", "min", "%", "year"))
