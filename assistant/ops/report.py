"""The retrain report: ``report.md``, ``report.json`` and PNG plots in one folder."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from assistant.ops.gate import GATE_METRIC  # noqa: E402

if TYPE_CHECKING:
    from assistant.ops.retrain import RetrainResult

SPLIT = ("each learner with at least two courses keeps one back from training: real learners their most recent "
         "enrolment or purchase, synthetic learners one drawn with a fixed seed; both models rank every course "
         "by fold-in from the remaining history")
TABLE_METRICS = ("ndcg@5", "ndcg@10", "ndcg@20", "hr@10", "recall@10", "precision@10", "mrr", "coverage@10")
BAR_METRICS = ("ndcg@10", "hr@10", "recall@10", "mrr")


def report_data(result: RetrainResult, tolerance: float) -> dict:
    """Everything the report shows, JSON-able."""
    def held(metrics):  # type: ignore[no-untyped-def]
        return None if metrics is None else asdict(metrics)

    return {
        "started_at": result.started_at,
        "outcome": result.outcome,
        "decision": {"promote": result.decision.promote, "reason": result.decision.reason,
                     "gate_metric": GATE_METRIC, "tolerance": tolerance},
        "candidate": {"version": result.candidate, "newly_trained": result.trained,
                      "held_back": held(result.candidate_metrics)},
        "production": {"version": result.production, "held_back": held(result.production_metrics)},
        "data": result.data,
        "split": SPLIT,
        "online": {version: metrics.as_dict() for version, metrics in sorted(result.online.items())},
    }


def _finite(value: Any) -> Any:
    """``value`` with NaN floats replaced by None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _markdown(data: dict) -> str:
    cand, prod = data["candidate"], data["production"]
    rows = [("all learners", "overall"), ("real learners only", "real")]
    lines = [
        f"# Recommender retrain {data['started_at']}", "",
        f"**Outcome: {data['outcome']}** ({data['decision']['reason']}).", "",
        f"Candidate `{cand['version']}` ({'newly trained' if cand['newly_trained'] else 'trained earlier on this data'})"
        f" against production `{prod['version'] or 'none'}`. Promotion rule: held-back {data['decision']['gate_metric']}"
        f" may drop by at most {data['decision']['tolerance']:g} (absolute).", "",
        f"Data: {data['data']['courses']} courses, {data['data']['real_learners']} real and "
        f"{data['data']['synthetic_learners']} synthetic learners (synthetic histories are invented, see "
        f"recsys/synthetic.py), {data['data']['interactions']} interactions, {data['data']['held_back']} held back.",
        "", f"Held-back split: {data['split']}.", "",
        "## Held-back ranking", "",
        "| learners | model | n | " + " | ".join(TABLE_METRICS) + " |",
        "|---|---|---|" + "---|" * len(TABLE_METRICS),
    ]
    for label, key in rows:
        for name, side in (("production", prod), ("candidate", cand)):
            metrics = (side["held_back"] or {}).get(key) or {}
            if metrics.get("n_users"):
                lines.append(f"| {label} | {name} | {metrics['n_users']} | "
                             + " | ".join(_fmt(metrics.get(m)) for m in TABLE_METRICS) + " |")
    lines += ["", "![held-back metrics and NDCG@k](held_back.png)", "",
              "## Online, per model version", "",
              "Impressions are courses shown; a click is a details request for a shown course; rates per impression.",
              "", "| model version | lists | impressions | clicks | CTR | enrolments | enrolment rate |",
              "|---|---|---|---|---|---|---|"]
    for version, m in data["online"].items():
        lines.append(f"| {version} | {m['lists']} | {m['impressions']} | {m['clicks']} | "
                     f"{m['click_through_rate']:.1%} | {m['enrolments']} | {m['enrolment_rate']:.1%} |")
    if not data["online"]:
        lines.append("| (nothing shown yet) | | | | | | |")
    else:
        lines += ["", "![online metrics](online.png)"]
    return "\n".join(lines) + "\n"


def _plot_held_back(data: dict, path: Path) -> None:
    fig, (bars, curve) = plt.subplots(1, 2, figsize=(11, 4))
    sides = [(f"production {data['production']['version']}", data["production"]["held_back"]),
             (f"candidate {data['candidate']['version']}", data["candidate"]["held_back"])]
    sides = [(label, held) for label, held in sides if held]
    width = 0.8 / len(sides)
    for i, (label, held) in enumerate(sides):
        xs = [j + i * width for j in range(len(BAR_METRICS))]
        bars.bar(xs, [held["overall"].get(m, 0.0) for m in BAR_METRICS], width, label=label)
        curve.plot(range(1, len(held["ndcg_curve"]) + 1), held["ndcg_curve"], marker=".", label=label)
    bars.set_xticks([j + width * (len(sides) - 1) / 2 for j in range(len(BAR_METRICS))], BAR_METRICS)
    bars.set_title("held-back ranking, all learners")
    bars.legend(fontsize=8)
    curve.set_xlabel("k")
    curve.set_ylabel("NDCG@k")
    curve.set_title("NDCG@k on the held-back split")
    curve.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_online(data: dict, path: Path) -> None:
    versions = list(data["online"])
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(versions)), 4))
    xs = range(len(versions))
    ax.bar([x - 0.2 for x in xs], [data["online"][v]["click_through_rate"] for v in versions], 0.4, label="CTR")
    ax.bar([x + 0.2 for x in xs], [data["online"][v]["enrolment_rate"] for v in versions], 0.4,
           label="enrolment rate")
    ax.set_xticks(list(xs), [f"{v}\n({data['online'][v]['impressions']} shown)" for v in versions], fontsize=7)
    ax.set_ylabel("per impression")
    ax.set_title("online metrics per model version")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(result: RetrainResult, tolerance: float, folder: Path) -> Path:
    """Write ``report.json``, ``report.md``, ``held_back.png`` and (once anything was shown) ``online.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = _finite(report_data(result, tolerance))
    (folder / "report.json").write_text(json.dumps(data, indent=2, allow_nan=False))
    (folder / "report.md").write_text(_markdown(data))
    _plot_held_back(data, folder / "held_back.png")
    if data["online"]:
        _plot_online(data, folder / "online.png")
    return folder
