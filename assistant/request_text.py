"""Pull the topic and level out of a learner's free-text course request."""

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
