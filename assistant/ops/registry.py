"""The recommender versions on disk: list them with their figures, and roll production back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.ops.online_metrics import OnlineMetrics
from assistant.recommender import hybrid_label
from recsys import artifacts


class RollbackError(ValueError):
    """The rollback target does not exist or cannot be served; the message says why."""


@dataclass(frozen=True)
class ModelRow:
    version: str
    created_at: str
    in_production: bool
    held_back_ndcg: float | None  # NDCG@10 on the held-back split at training time
    real_learners: int | None
    online: OnlineMetrics | None


def model_rows(root: Path | None, online: dict[str, OnlineMetrics]) -> list[ModelRow]:
    """One row per saved version, oldest first."""
    current = artifacts.current_version(root)
    rows = []
    for version in artifacts.list_versions(root):
        meta = artifacts.read_metadata(version, root)
        rows.append(ModelRow(
            version=version,
            created_at=str(meta.get("created_at", "")),
            in_production=version == current,
            held_back_ndcg=meta.get("metrics", {}).get("held_back.ndcg@10"),
            real_learners=meta.get("real_learners"),
            online=online.get(hybrid_label(version)),
        ))
    return rows


def format_rows(rows: list[ModelRow]) -> str:
    """A plain-text table; ``*`` marks the version in production."""
    lines = [f"  {'version':<24} {'created (UTC)':<26} {'NDCG@10':>8} {'real':>6} {'shown':>7} {'CTR':>7} "
             f"{'enrol':>7}"]
    for row in rows:
        ndcg = "-" if row.held_back_ndcg is None else f"{row.held_back_ndcg:.4f}"
        online = row.online
        shown, ctr, enrol = ("0", "-", "-") if online is None else (
            str(online.impressions), f"{online.click_through_rate:.1%}", f"{online.enrolment_rate:.1%}")
        lines.append(f"{'*' if row.in_production else ' '} {row.version:<24} {row.created_at:<26} {ndcg:>8} "
                     f"{row.real_learners if row.real_learners is not None else '-':>6} {shown:>7} {ctr:>7} "
                     f"{enrol:>7}")
    return "\n".join(lines)


def previous_production(root: Path | None = None) -> str | None:
    """The version that was in production before the current one (None if there was none)."""
    current = artifacts.current_version(root)
    for entry in reversed(artifacts.promotion_history(root)):
        if entry["version"] != current and entry["version"] in artifacts.list_versions(root):
            return entry["version"]
    return None


def rollback(root: Path | None = None, version: str | None = None) -> tuple[str | None, str]:
    """Put ``version`` (default: the previous production one) back in production.

    Returns:
        ``(was, now)``: the version replaced and the one now in production.

    Raises:
        RollbackError: Unknown version, no earlier version, or an artifact that fails to load.
    """
    was = artifacts.current_version(root)
    target = version or previous_production(root)
    if target is None:
        raise RollbackError("no earlier production version to return to; name one (python -m assistant models list)")
    if target not in artifacts.list_versions(root):
        raise RollbackError(f"unknown model version {target!r} (python -m assistant models list shows them)")
    try:
        artifacts.load_model(target, root)
    except artifacts.ArtifactError as error:
        raise RollbackError(f"cannot serve {target}: {error}") from None
    artifacts.promote(target, root)
    return was, target
