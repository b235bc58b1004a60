"""Read values out of a learner's free text: topic, level, weekly hours, quiz
scores, list positions and languages. Parsers return ``None`` when the text
holds no such value and raise :class:`InputError` (a polite sentence) when it
holds one that cannot be right ("-5 hours", "140%")."""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 300

_LEVEL_WORDS = {
    "beginner": "beginner", "beginners": "beginner", "introductory": "beginner", "intro": "beginner",
    "basic": "beginner", "novice": "beginner", "newbie": "beginner", "starter": "beginner",
    "intermediate": "intermediate", "advanced": "advanced", "expert": "advanced", "experts": "advanced",
}

# Words that make up requests but say nothing about the topic.
_FILLER = set(
    """i im i'm me my we a an the some any of on in for about to into with and or but please pls plz
    want wanna would like love need looking look find show give get recommend recommendation recommendations
    suggest suggestion suggestions course courses class classes lesson lessons learn learning lern study
    studying teach training something anything stuff can could you your what which is are there good best
    budget under below less than max maximum up cheap cheaper free price cost dollars dollar bucks usd euros
    level only have has spend it its that this be do know hi hello hey thanks thank around maybe if possible
    no limit per week hours hour weekly time""".split()
)
_MONEY = re.compile(r"[-$€£]?\s*\d+(?:[.,]\d+)?\s*(?:k\b)?\s*(?:usd|dollars?|bucks?|eur|euros?|[$€£])?", re.I)


def level_from_text(text: str) -> str | None:
    """The first level word in ``text`` mapped to beginner/intermediate/advanced."""
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _LEVEL_WORDS:
            return _LEVEL_WORDS[word]
    return None


def normalise_level(value: str | None) -> str | None:
    return _LEVEL_WORDS.get(value.strip().lower()) if value else None


def topic_query(text: str) -> str:
    """``text`` without amounts, level words and request filler; '' if nothing is left."""
    text = _MONEY.sub(" ", text[: MAX_QUERY_CHARS * 4])
    words = re.findall(r"[\w+#.'-]+", text.lower())
    kept = [w.strip(".'-") for w in words if w.strip(".'-") and w.strip(".'-") not in _FILLER
            and w.strip(".'-") not in _LEVEL_WORDS]
    return " ".join(kept)[:MAX_QUERY_CHARS]


class InputError(ValueError):
    """A value the learner gave that cannot be right; the message is for the learner."""


MAX_WEEKLY_HOURS = 80.0
_NUMBER = r"(-?\d+(?:[.,]\d+)?)"
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "half an": 0.5, "an": 1, "a": 1}


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_hours(text: str) -> float | None:
    """Weekly hours from "5 hours a week", "2h", "about 10", "two hours"."""
    lowered = text.lower()
    for word, value in _WORD_NUMBERS.items():
        lowered = re.sub(rf"\b{word}\b(?=\s*(h|hours?|hrs?)\b)", str(value), lowered)
    match = re.search(_NUMBER + r"\s*(h|hours?|hrs?)?\b", lowered)
    if not match:
        return None
    hours = _number(match.group(1))
    if hours <= 0:
        raise InputError("Hours per week must be more than zero, for example \"3 hours\".")
    if hours > MAX_WEEKLY_HOURS:
        raise InputError(f"{hours:g} hours a week is more than anyone can study; please give a number up to "
                         f"{MAX_WEEKLY_HOURS:g}.")
    return hours


def parse_score(text: str) -> float | None:
    """A quiz score in [0, 1] from "45%", "0.45", "7/10", "7 out of 10", "80 percent"."""
    lowered = text.lower()
    fraction = re.search(_NUMBER + r"\s*(?:/|out of|of)\s*" + _NUMBER, lowered)
    if fraction:
        got, total = _number(fraction.group(1)), _number(fraction.group(2))
        if total <= 0 or got < 0 or got > total:
            raise InputError(f"{fraction.group(0)} is not a score I can use: give it like \"7 out of 10\" or \"70%\".")
        return got / total
    match = re.search(_NUMBER + r"\s*(%|percent|per cent|pct)?", lowered)
    if not match:
        return None
    value = _number(match.group(1))
    if match.group(2) or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise InputError(f"A score of {match.group(0).strip()} is outside 0–100%. What was your score?")
    return value


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5}


def parse_position(text: str, length: int) -> int | None:
    """0-based index into a shown list of ``length`` from "the second one", "number 3", "last"."""
    lowered = text.lower()
    if re.search(r"\blast\b", lowered) and length:
        return length - 1
    for word in re.findall(r"[a-z0-9]+", lowered):
        if word in _ORDINALS:
            position = _ORDINALS[word]
            break
        if word.isdigit() and len(word) < 3:
            position = int(word)
            break
    else:
        return None
    if not 1 <= position <= length:
        raise InputError(f"I only showed {length} course{'s' if length != 1 else ''}; which one do you mean?")
    return position - 1


LANGUAGES = ("English", "Spanish", "French", "German", "Portuguese", "Chinese", "Japanese", "Arabic", "Hindi",
             "Italian", "Russian", "Korean", "Turkish")


def normalise_language(text: str) -> str | None:
    """A catalog language named in ``text`` ("in spanish", "Español" is not recognised)."""
    lowered = text.lower()
    for language in LANGUAGES:
        if re.search(rf"\b{language.lower()}\b", lowered):
            return language
    return None
