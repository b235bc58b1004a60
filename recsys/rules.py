"""Business rules applied to a model's scores: exclusions, budget, level,
language, weekly effort and title diversity.

The catalogue is a pandas DataFrame whose columns follow
``assistant.db.models.Course`` and whose row ``i`` is matrix column ``i``.
Unknown values are treated as matching: an empty ``language`` matches any
language, a missing ``weekly_hours_min`` matches any effort limit.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("id", "title", "level", "language", "price_kind", "price")
OPTIONAL_COLUMNS = {
    "subject": "",
    "certificate_price": np.nan,
    "weekly_hours_min": np.nan,
    "weekly_hours_max": np.nan,
    "length_weeks": np.nan,
    "total_hours": np.nan,
    "popularity": 0,
}
LEVELS = ("beginner", "intermediate", "advanced")
PRICE_KINDS = ("free", "paid", "audit")

# Tokens that differ between parts of one series ("Calculus I", "Calculus 2",
# "Python, Part 3") and so do not make two titles different courses.
_SERIES_TOKENS = {"part", "vol", "volume", "course", "i", "ii", "iii", "iv", "v", "vi", "the", "a", "an", "and", "to", "of", "for", "in", "with"}
_TOKEN = re.compile(r"[a-z]+")


@dataclass
class Filters:
    """Business rules for one recommendation request.

    Attributes:
        exclude: Course indices the learner owns or finished (never recommended).
            The learner's history is always excluded as well.
        budget: Maximum price the learner will pay, or None for no limit. Free
            courses and audit tracks always fit (audit is free to follow).
        want_certificate: If True, an audit course's certificate price must also
            fit the budget.
        levels: Allowed levels (subset of beginner|intermediate|advanced), or None.
        language: Required language, or None. Courses with unknown ('') language match.
        max_weekly_hours: Learner's weekly time; a course fits when its minimum
            weekly effort is at most this (unknown effort matches).
        diversity: Forbid a third near-identical title in one list.
        similarity: Token-Jaccard threshold above which two titles are near-identical.
    """

    exclude: Collection[int] = ()
    budget: float | None = None
    want_certificate: bool = False
    levels: Collection[str] | None = None
    language: str | None = None
    max_weekly_hours: float | None = None
    diversity: bool = True
    similarity: float = 0.6
    _needs_catalog: bool = field(init=False, default=False, repr=False)

    def __post_init__(self) -> None:
        if self.budget is not None and (not np.isfinite(self.budget) or self.budget < 0):
            raise ValueError(f"budget must be a non-negative number, got {self.budget!r}")
        if self.max_weekly_hours is not None and self.max_weekly_hours <= 0:
            raise ValueError(f"max_weekly_hours must be positive, got {self.max_weekly_hours!r}")
        if self.levels is not None:
            levels = {str(lv).lower() for lv in self.levels}
            unknown = levels - set(LEVELS)
            if unknown:
                raise ValueError(f"unknown level(s) {sorted(unknown)}; use {', '.join(LEVELS)}")
            self.levels = levels
        if not 0 < self.similarity <= 1:
            raise ValueError("similarity must be in (0, 1]")
        self._needs_catalog = any(
            v is not None for v in (self.budget, self.levels, self.language, self.max_weekly_hours)
        )


def validate_catalog(courses: pd.DataFrame, n_items: int | None = None) -> pd.DataFrame:
    """Check a course DataFrame and precompute the arrays the rules use.

    Args:
        courses: One row per course (matrix column order).
        n_items: Expected number of rows, or None.

    Returns:
        A copy with optional columns filled in and cached NumPy arrays (see :func:`catalog_arrays`).

    Raises:
        ValueError: Naming the missing column, bad level/price_kind value or row count.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in courses.columns]
    if missing:
        raise ValueError(f"course catalogue lacks column(s): {', '.join(missing)}")
    if n_items is not None and len(courses) != n_items:
        raise ValueError(f"course catalogue has {len(courses)} rows but the model knows {n_items} courses")
    df = courses.reset_index(drop=True).copy()
    for col, default in OPTIONAL_COLUMNS.items():
        if col not in df.columns:
            df[col] = default
    df["level"] = df["level"].fillna("").astype(str).str.lower()
    df["price_kind"] = df["price_kind"].astype(str).str.lower()
    bad_kind = sorted(set(df["price_kind"]) - set(PRICE_KINDS))
    if bad_kind:
        raise ValueError(f"unknown price_kind value(s) {bad_kind}; use {', '.join(PRICE_KINDS)}")
    df["language"] = df["language"].fillna("").astype(str)
    df["title"] = df["title"].fillna("").astype(str)
    catalog_arrays(df, rebuild=True)
    return df


def catalog_arrays(catalog: pd.DataFrame, rebuild: bool = False) -> dict[str, Any]:
    """NumPy views of a validated catalogue, cached on the DataFrame object.

    The cache is a private attribute, not ``DataFrame.attrs``: pandas deep-copies
    ``attrs`` on every column access, which made each lookup cost milliseconds.
    """
    cached = getattr(catalog, "_pathwise_arrays", None)
    if cached is not None and not rebuild:
        return cached
    df = catalog
    arrays = {
        "id": df["id"].to_numpy(),
        "title": df["title"].fillna("").astype(str).to_numpy(),
        "kind": df["price_kind"].astype(str).str.lower().to_numpy(),
        "price": df["price"].fillna(0).to_numpy(dtype=np.float64),
        "cert": (df["certificate_price"] if "certificate_price" in df else pd.Series(np.nan, index=df.index)).to_numpy(dtype=np.float64),
        "level": df["level"].fillna("").astype(str).str.lower().to_numpy(),
        "lang": df["language"].fillna("").astype(str).str.strip().str.lower().to_numpy(),
        "hmin": (df["weekly_hours_min"] if "weekly_hours_min" in df else pd.Series(np.nan, index=df.index)).to_numpy(dtype=np.float64),
        "tokens": [title_tokens(t) for t in df["title"].fillna("").astype(str)],
    }
    object.__setattr__(catalog, "_pathwise_arrays", arrays)
    return arrays


def title_tokens(title: str) -> frozenset[str]:
    """Content words of a title, ignoring series markers (part, II, 3, ...)."""
    return frozenset(t for t in _TOKEN.findall(title.lower()) if t not in _SERIES_TOKENS)


def near_identical(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """Whether two title token sets are near-identical (Jaccard >= threshold)."""
    if not a or not b:
        return a == b and bool(a)
    return len(a & b) / len(a | b) >= threshold


def catalog_mask(catalog: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Boolean ``(n_items,)`` mask of courses that pass the catalogue rules."""
    arr = catalog_arrays(catalog)
    ok = np.ones(len(arr["kind"]), dtype=bool)
    if filters.budget is not None:
        paid_ok = (arr["kind"] != "paid") | (arr["price"] <= filters.budget + 1e-9)
        ok &= paid_ok
        if filters.want_certificate:
            cert = np.nan_to_num(arr["cert"], nan=0.0)
            ok &= (arr["kind"] != "audit") | (cert <= filters.budget + 1e-9)
    if filters.levels is not None:
        ok &= np.isin(arr["level"], list(filters.levels))
    if filters.language:
        want = filters.language.strip().lower()
        ok &= (arr["lang"] == "") | (arr["lang"] == want)
    if filters.max_weekly_hours is not None:
        ok &= ~(arr["hmin"] > filters.max_weekly_hours)  # NaN (unknown) passes
    return ok


def apply_rules(
    scores: np.ndarray,
    seen: np.ndarray,
    n: int,
    filters: Filters,
    catalog: pd.DataFrame | None,
) -> tuple[list[int], dict[int, tuple[str, ...]]]:
    """Rank courses under the business rules.

    Args:
        scores: ``(n_items,)`` float scores.
        seen: Indices in the learner's history (always excluded).
        n: List length wanted.
        filters: The rules.
        catalog: Validated catalogue or None.

    Returns:
        ``(ranked, flags)``: up to ``n`` indices best first, and per index the
        flags ``free`` / ``audit`` / ``paid`` / ``within_budget``.

    Raises:
        ValueError: If a catalogue rule is requested without a catalogue.
    """
    ok = np.isfinite(scores)
    ok[np.asarray(seen, dtype=np.int64)] = False
    if len(filters.exclude):
        excl = np.asarray(list(filters.exclude), dtype=np.int64)
        excl = excl[(excl >= 0) & (excl < ok.size)]
        ok[excl] = False
    if filters._needs_catalog:
        if catalog is None:
            raise ValueError("budget, level, language and effort filters need a course catalogue: call set_catalog()")
        ok &= catalog_mask(catalog, filters)
    candidates = np.flatnonzero(ok)
    if candidates.size == 0:
        return [], {}
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    arr = None if catalog is None else catalog_arrays(catalog)
    if arr is None or not filters.diversity:
        ranked = [int(i) for i in order[:n]]
    else:
        ranked = []
        for item in order:
            tok = arr["tokens"][item]
            twins = sum(near_identical(tok, arr["tokens"][j], filters.similarity) for j in ranked)
            if twins >= 2:
                continue
            ranked.append(int(item))
            if len(ranked) == n:
                break
    flags: dict[int, tuple[str, ...]] = {}
    if arr is not None:
        for item in ranked:
            kind = str(arr["kind"][item])
            f = [kind]
            if filters.budget is not None and kind == "paid":
                f.append("within_budget")
            flags[item] = tuple(f)
    return ranked, flags


def price_text(catalog: pd.DataFrame, item: int, currency: str = "$") -> str:
    """Short pricing phrase for one course, e.g. "free to audit, $49 for the certificate"."""
    arr = catalog_arrays(catalog)
    kind = arr["kind"][item]
    if kind == "free":
        return "free"
    if kind == "audit":
        cert = arr["cert"][item]
        if np.isfinite(cert) and cert > 0:
            return f"free to audit, {currency}{cert:g} for the certificate"
        return "free to audit"
    return f"{currency}{arr['price'][item]:g}"
