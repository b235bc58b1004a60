"""Pure normalisers for catalog fields. Each raises ``ValueError`` with a short,
human-readable message when a value cannot be understood."""

from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = ("beginner", "intermediate", "advanced")

_LEVEL_ALIASES = {
    "introductory": "beginner",
    "beginner": "beginner",
    "beginner level": "beginner",
    # "All Levels" courses assume no prior knowledge, so they suit beginners.
    "all levels": "beginner",
    "intermediate": "intermediate",
    "intermediate level": "intermediate",
    "advanced": "advanced",
    "expert": "advanced",
    "expert level": "advanced",
}

# Udemy's four subjects mapped onto edX's subject vocabulary, which is the
# canonical one (31 subjects).
SUBJECT_ALIASES = {
    "web development": "Computer Science",
    "business finance": "Economics & Finance",
    "graphic design": "Design",
    "musical instruments": "Music",
}

_LANGUAGE_NAMES = {
    "english": "English",
    "español": "Spanish",
    "spanish": "Spanish",
    "français": "French",
    "french": "French",
    "italiano": "Italian",
    "中文": "Chinese",
    "português": "Portuguese",
    "日本語": "Japanese",
    "اللغة العربية": "Arabic",
    "deutsch": "German",
}


@dataclass(frozen=True)
class Price:
    """``kind`` is free, paid or audit (free access, paid certificate)."""

    kind: str
    price: float = 0.0
    certificate_price: float | None = None


_AUDIT_RE = re.compile(r"^FREE-Add a Verified Certificate for \$(\d+(?:\.\d+)?) USD$", re.I)


def parse_edx_price(text: str) -> Price:
    text = text.strip()
    match = _AUDIT_RE.match(text)
    if match:
        return Price("audit", 0.0, float(match.group(1)))
    if text.upper() in ("FREE", "0"):
        return Price("free")
    amount = re.fullmatch(r"\$?(\d+(?:\.\d+)?)(?: USD)?", text)
    if amount:
        value = float(amount.group(1))
        return Price("paid", value) if value > 0 else Price("free")
    raise ValueError(f"price {text!r} is not understood")


def parse_udemy_price(is_paid: str, price: str) -> Price:
    paid = is_paid.strip().upper()
    if paid not in ("TRUE", "FALSE"):
        raise ValueError(f"is_paid {is_paid!r} is not TRUE or FALSE")
    try:
        value = float(price.strip() or "0")
    except ValueError:
        raise ValueError(f"price {price!r} is not a number") from None
    if value < 0:
        raise ValueError(f"price {price!r} is negative")
    if paid == "FALSE" or value == 0:
        return Price("free")
    return Price("paid", value)


def parse_level(text: str) -> str:
    level = _LEVEL_ALIASES.get(text.strip().lower())
    if level is None:
        raise ValueError(f"level {text!r} is not a known level (e.g. Introductory, Intermediate Level, Expert)")
    return level


def parse_weekly_effort(text: str) -> tuple[float, float] | None:
    """"2–3 hours per week" → (2.0, 3.0); empty → None."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:[–-]\s*(\d+(?:\.\d+)?))?\s*hours? per week", text, re.I)
    if not match:
        raise ValueError(f"effort {text!r} is not like '2–3 hours per week'")
    low = float(match.group(1))
    high = float(match.group(2) or low)
    if high < low or high > 80:
        raise ValueError(f"effort {text!r} is not a plausible weekly range")
    return low, high


def parse_length_weeks(text: str) -> float | None:
    """"6 Weeks" → 6.0; empty → None."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*weeks?", text, re.I)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"length {text!r} is not like '6 Weeks'")
    return float(match.group(1))


def parse_hours(text: str) -> float | None:
    """Udemy's content duration in hours ("1.5"); empty → None."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"duration {text!r} is not a number of hours") from None
    if value < 0:
        raise ValueError(f"duration {text!r} is negative")
    return value


def parse_count(text: str) -> int:
    """"124,980" → 124980; empty or "NA" (not reported) → 0."""
    digits = text.strip().replace(",", "")
    if not digits or digits.upper() in ("NA", "N/A"):
        return 0
    if not digits.isdigit():
        raise ValueError(f"count {text!r} is not a whole number")
    return int(digits)


def normalise_subject(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValueError("subject is empty")
    return SUBJECT_ALIASES.get(text.lower(), text)


def normalise_language(text: str) -> str:
    """A language name in English; empty when the source does not say."""
    text = text.strip()
    return _LANGUAGE_NAMES.get(text.lower(), text)
