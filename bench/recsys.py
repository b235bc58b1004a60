"""Recommender benchmark: MovieLens-100K and MOOCCubeX, one command.

Usage (from the project root)::

    nice -n 15 .venv/bin/python bench/recsys.py            # full run
    nice -n 15 .venv/bin/python bench/recsys.py --quick    # 1 seed, small grids, short training
    .venv/bin/python bench/recsys.py --report-only         # rebuild table/plots from saved parts

Protocols
---------
* ML-100K (Microsoft Recommenders): per-user stratified random 75/25 split,
  every held-out rating relevant, training items removed from the ranking,
  top-10; mean and std over seeds 42, 43, 44. cornac's BiVAE runs in the
  same process with the published configuration.
* MOOCCubeX: the given leave-one-out ``train.txt`` / ``test.txt``, full
  ranking over all 3,321 courses, training courses removed. The loader drops
  the last token of every training line (a truncated copy of the test course
  id, see ``recsys.data.mooccubex``) and keeps the sequence order for the
  order-aware models (``keras_seq``, ``markov``, ``hybrid``); every model is
  tuned on the same leave-last-out validation split of ``train.txt``.
  ``PEERS`` are the baselines the hybrid is compared against.
* Fold-in (MOOCCubeX): models are trained on 80% of the learners and then
  rank for the other 20% from their training histories alone (no retraining).

Every hyper-parameter is chosen on a validation split carved from the
training matrix (hidden courses of training learners), never on test.

Outputs (``bench/results/``): ``recsys.json`` (flat keys such as
``ml100k.hybrid.ndcg@10``), ``recsys.md`` (side-by-side table with the
published figures), ``recsys_ndcg_at_k.png`` and ``recsys_bars.png``. The
latency benchmark uses a *synthetic*, seeded catalogue (prices, levels,
languages, efforts) attached to MOOCCubeX course ids only to exercise the
filter code path; MOOCCubeX itself has no such attributes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from recsys import artifacts, data, evaluate  # noqa: E402
from recsys.models import make  # noqa: E402
from recsys.models.hybrid import Hybrid, binarize, hide_courses, hide_last  # noqa: E402

RESULTS = ROOT / "bench" / "results"
MODELS = ["hybrid", "keras_seq", "markov", "keras", "svd", "ease", "als", "bpr", "bivae", "itemknn", "pop"]
#: The baselines the hybrid is compared against (``target``: NDCG@10 >= 1.05 x the best of them).
PEERS = ["pop", "itemknn", "ease", "als", "bpr", "bivae"]
KS = (1, 2, 5, 10, 15, 20)
PUBLISHED_ML100K = {  # Microsoft Recommenders algorithm comparison, ML-100K, top-10
    "BiVAE (published)": {"ndcg@10": 0.475, "precision@10": 0.412, "recall@10": 0.219},
    "BPR (published)": {"ndcg@10": 0.442, "precision@10": 0.388, "recall@10": 0.213},
    "LightGCN (published)": {"ndcg@10": 0.420, "precision@10": 0.380, "recall@10": 0.144},
    "NCF (published)": {"ndcg@10": 0.396, "precision@10": 0.347, "recall@10": 0.181},
    "SAR (published)": {"ndcg@10": 0.382, "precision@10": 0.331, "recall@10": 0.176},
}

# Sequence-aware Keras model on MOOCCubeX; its configuration was chosen on
# the leave-last-out validation split of train.txt (see recsys/README.md).
KERAS_SEQ_MOOC = {
    "n_factors": 64, "hidden": (256,), "last_k": 3, "emb_dim": 64, "n_targets": 4, "dropout": 0.3,
    "batch_size": 1024, "learning_rate": 0.003, "max_epochs": 8, "patience": 1,
}

# Candidate hyper-parameters, chosen on validation. Keras and BiVAE are too
# slow to grid-search here: Keras uses its own early stopping on validation
# learners, BiVAE the published configuration.
GRIDS = {
    "ml100k": {
        "pop": [{}],
        "itemknn": [{"k": 50}, {"k": 100}, {"k": 200}],
        "ease": [{"l2": 100.0}, {"l2": 250.0}, {"l2": 500.0}, {"l2": 1000.0}],
        "svd": [{"n_components": c} for c in (16, 24, 32, 48)],
        "als": [
            {"factors": 16, "regularization": 0.05, "alpha": 1.0},
            {"factors": 32, "regularization": 0.05, "alpha": 1.0},
            {"factors": 32, "regularization": 1.0, "alpha": 5.0},
            {"factors": 64, "regularization": 5.0, "alpha": 5.0},
        ],
        "bpr": [
            {"factors": 32, "learning_rate": 0.01, "iterations": 200},
            {"factors": 64, "learning_rate": 0.01, "iterations": 300},
            {"factors": 64, "learning_rate": 0.05, "iterations": 100},
        ],
        "keras": [{"n_factors": 128, "hidden": (512,), "max_epochs": 60}],
        "bivae": [{"k": 50, "encoder_structure": (100,), "n_epochs": 500, "batch_size": 128, "learning_rate": 0.001}],
    },
    "mooccubex": {
        "pop": [{}],
        "itemknn": [{"k": 50}, {"k": 200}],
        "ease": [{"l2": 50.0}, {"l2": 150.0}, {"l2": 400.0}],
        "svd": [{"n_components": c} for c in (64, 128)],
        "als": [{"factors": 64, "regularization": 0.05}, {"factors": 128, "regularization": 1.0, "alpha": 5.0}],
        "bpr": [{"factors": 64, "learning_rate": 0.05, "iterations": 60}],
        "keras": [{"n_factors": 128, "hidden": (128,), "batch_size": 1024, "learning_rate": 0.003, "max_epochs": 8, "patience": 2}],
        "keras_seq": [KERAS_SEQ_MOOC],
        "markov": [{"max_gap": 3, "gap_decay": 0.5, "decay": 0.5}, {"max_gap": 5, "gap_decay": 0.7, "decay": 0.5}, {"max_gap": 3, "gap_decay": 0.5, "decay": 0.3}],
        # BiVAE on MOOCCubeX: ~2 min per epoch on 2 cores (the item side encodes 78k-long rows), so 5 epochs.
        "bivae": [{"k": 50, "encoder_structure": (100,), "n_epochs": 5, "batch_size": 1024, "learning_rate": 0.001}],
    },
}
HYBRID_PARTS = {
    "ml100k": ["ease", "svd", "als", "itemknn", "bpr", "keras"],
    "mooccubex": ["keras_seq", "markov", "svd", "ease", "itemknn"],
}


def quick_grids() -> dict:
    """Smaller grids and shorter training for a smoke run (``--quick``)."""
    g = {ds: {m: cands[:2] for m, cands in grid.items()} for ds, grid in GRIDS.items()}
    g["ml100k"]["keras"] = [{"n_factors": 64, "hidden": (256,), "max_epochs": 15}]
    g["ml100k"]["bivae"] = [{"k": 50, "encoder_structure": (100,), "n_epochs": 50, "batch_size": 128}]
    g["mooccubex"]["keras"] = [{"n_factors": 64, "hidden": (256,), "batch_size": 2048, "learning_rate": 0.003, "max_epochs": 3}]
    g["mooccubex"]["bivae"] = [{"k": 20, "encoder_structure": (50,), "n_epochs": 2, "batch_size": 1024}]
    return g


def fit(name: str, params: dict, ds: data.Dataset, x: sp.csr_matrix, seed: int, progress: bool = False):
    """Instantiate and fit a model with side features where it uses them.

    ``x`` may carry sequence positions (``ds.train_order``); models that do not
    use order get its binarised copy.
    """
    p = dict(params)
    if name in ("svd", "als", "bpr", "keras", "keras_seq"):
        p.setdefault("random_state", seed)
    if name == "bivae":
        p.setdefault("seed", seed)
    model = make(name, **p)
    return model.fit(
        model_input(model, x),
        user_features=ds.user_features if model.uses_user_features else None,
        item_features=ds.item_features if model.uses_item_features else None,
        show_progress=progress,
    )


def model_input(model, x: sp.csr_matrix) -> sp.csr_matrix:
    """Positions for order-aware models, a binary copy for the others (when ``x`` holds positions)."""
    if getattr(model, "uses_order", False) or not ORDERED.get("on"):
        return x
    return binarize(x)


ORDERED: dict = {}  # {"on": True} while a dataset with sequence order is benchmarked


def validation_split(x: sp.csr_matrix, holdout: float, max_users: int, seed: int, last: bool = False):
    """Hide courses of some training learners: ``(x_fit, val_users, hidden)``.

    ``last``: hide each learner's most recent course (``x`` holds positions).
    """
    rng = np.random.default_rng(seed + 1000)
    eligible = np.flatnonzero(np.diff(x.indptr) >= 2)
    users = np.sort(rng.choice(eligible, size=min(max_users, len(eligible)), replace=False))
    x_fit, hidden = hide_last(x, users) if last else hide_courses(x, users, holdout, rng)
    return x_fit, users, hidden


def tune(name: str, grid: list[dict], ds: data.Dataset, split, seed: int, log: list) -> dict:
    """Pick the grid point with the best validation NDCG@10."""
    if len(grid) == 1:
        return grid[0]
    x_fit, users, hidden = split
    best, best_p = -1.0, grid[0]
    for p in grid:
        model = fit(name, p, ds, x_fit, seed)
        ranked = evaluate.rank_users(model, model_input(model, x_fit), users, 10, ds.user_features)
        val = float(np.nanmean(evaluate.ndcg_at_k(ranked, hidden[users], 10)))
        log.append({"model": name, "params": p, "val_ndcg@10": val})
        if val > best:
            best, best_p = val, p
    return best_p


def run_dataset(ds_name: str, ds: data.Dataset, seed: int, grids: dict, models: list[str], holdout: float, max_val: int) -> dict:
    """Tune, fit and evaluate every model on one dataset/seed.

    With sequence order (``ds.train_order``) every model is tuned on the same
    leave-last-out validation split (mimicking the test protocol); models
    that do not use order see the binary matrix.
    """
    ordered = ds.train_order is not None
    ORDERED["on"] = ordered
    x_all = ds.train_order if ordered else ds.train
    split = validation_split(x_all, holdout, max_val, seed, last=ordered)
    out: dict = {"params": {}, "metrics": {}, "fit_seconds": {}, "tuning": []}
    tuned: dict[str, dict] = {}
    for name in tqdm([m for m in models if m != "hybrid" and m in grids[ds_name]], desc=f"{ds_name} seed {seed}"):
        p = tune(name, grids[ds_name][name], ds, split, seed, out["tuning"])
        tuned[name] = p
        t0 = time.perf_counter()
        model = fit(name, p, ds, x_all, seed, progress=name in ("bivae",))
        out["fit_seconds"][name] = time.perf_counter() - t0
        out["metrics"][name] = evaluate.evaluate(model, model_input(model, x_all), ds.test, KS, ds.user_features)
        out["params"][name] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in p.items()}
        tqdm.write(f"{ds_name} seed {seed} {name}: ndcg@10={out['metrics'][name]['ndcg@10']:.4f} ({out['fit_seconds'][name]:.0f}s)")
    if "hybrid" in models:
        parts = [m for m in HYBRID_PARTS[ds_name] if m in tuned]
        hyb = make_hybrid(ds_name, parts, tuned, seed)
        t0 = time.perf_counter()
        hyb.fit(x_all, ds.user_features, ds.item_features, show_progress=True)
        out["fit_seconds"]["hybrid"] = time.perf_counter() - t0
        out["metrics"]["hybrid"] = evaluate.evaluate(hyb, x_all, ds.test, KS, ds.user_features)
        out["params"]["hybrid"] = {"weights": hyb.weights_, "val_ndcg@10": hyb.val_ndcg_}
        tqdm.write(f"{ds_name} seed {seed} hybrid: ndcg@10={out['metrics']['hybrid']['ndcg@10']:.4f} weights={hyb.weights_}")
        out["hybrid_model"] = hyb
        out["hybrid_parts"] = {m: tuned[m] for m in parts}
    return out


def make_hybrid(ds_name: str, parts: list[str], tuned: dict, seed: int, weights: dict | None = None) -> Hybrid:
    """The hybrid of the tuned components (ML-100K refits after tuning; MOOCCubeX does not, for speed)."""
    comps = {}
    for m in parts:
        p = dict(tuned[m])
        if m in ("svd", "als", "bpr", "keras", "keras_seq"):
            p.setdefault("random_state", seed)
        comps[m] = make(m, **p)
    if ds_name == "ml100k":
        return Hybrid(comps, weights=weights, val_fraction=1.0, max_val_users=10**6, val_holdout=0.25, refit=True, random_state=seed)
    # MOOCCubeX: the validation learners hide their most recent course (ordered input).
    return Hybrid(comps, weights=weights, val_fraction=0.1, max_val_users=5000, val_holdout=1, refit=False, random_state=seed, ordered_input=True)


def bench_ml100k(args, grids, out: Path) -> None:
    """Run the ML-100K protocol; each seed is saved as ``recsys.ml100k.seed<N>.part.json``."""
    seeds = [42] if args.quick else args.seeds
    for seed in seeds:
        ds = data.ml100k(seed=seed)
        r = run_dataset("ml100k", ds, seed, grids, args.models, 0.25, 10**6)
        r.pop("hybrid_model", None)
        r.pop("hybrid_parts", None)
        path = out / f"recsys.ml100k.seed{seed}.part.json"
        path.write_text(json.dumps({"seeds": [seed], "runs": [r]}, indent=2, default=_json_default))


def bench_mooccubex(args, grids) -> dict:
    ds = data.mooccubex()
    r = run_dataset("mooccubex", ds, 0, grids, args.models, 1, 5000)
    res = {"seeds": [0], "runs": [r]}
    hyb = r.pop("hybrid_model", None)
    parts = r.pop("hybrid_parts", None)
    if hyb is None:
        return res
    # train_seconds: a full hybrid fit (tuning included) is the hybrid fit time above.
    res["train_seconds"] = r["fit_seconds"]["hybrid"]
    version = artifacts.save_model(
        hyb,
        "hybrid",
        version=f"mooccubex-{artifacts.new_version()}",
        data_hash=data.matrix_hash(ds.train_order if ds.train_order is not None else ds.train),
        metrics={k: r["metrics"]["hybrid"][k] for k in ("ndcg@10", "hr@10", "recall@20")},
        extra={"dataset": "mooccubex", "weights": hyb.weights_},
    )
    res["artifact"] = str(version.relative_to(ROOT))
    res["latency_ms"] = latency(hyb, ds)
    res["model_rss_mb"] = model_rss(version)
    res["foldin"] = foldin(ds, parts, hyb.weights_, grids)
    return res


def synthetic_catalog(n: int, seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC seeded course attributes for MOOCCubeX ids (latency benchmark only)."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["free", "paid", "audit"], size=n, p=[0.3, 0.4, 0.3])
    price = np.where(kinds == "paid", rng.choice([19.0, 49.0, 99.0, 199.0], size=n), 0.0)
    hmin = rng.choice([1.0, 2.0, 4.0, 6.0, np.nan], size=n)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            # distinct letter codes (digits are ignored by the diversity rule); no real names exist
            "title": ["course " + "".join(chr(97 + int(c)) for c in str(i)) for i in range(n)],
            "subject": "synthetic",
            "level": rng.choice(["beginner", "intermediate", "advanced"], size=n),
            "language": rng.choice(["", "zh", "en"], size=n, p=[0.2, 0.6, 0.2]),
            "price_kind": kinds,
            "price": price,
            "certificate_price": np.where(kinds == "audit", 49.0, np.nan),
            "weekly_hours_min": hmin,
            "weekly_hours_max": hmin + 2,
        }
    )


def latency(model, ds: data.Dataset, n_calls: int = 300) -> dict:
    """Per-call latency of ``recommend()`` with filters and explanations, after warm-up."""
    from recsys.rules import Filters

    model.set_catalog(synthetic_catalog(ds.n_items))
    rng = np.random.default_rng(0)
    users = rng.choice(np.flatnonzero(np.diff(ds.train.indptr) > 0), size=n_calls + 20, replace=False)
    flt = Filters(budget=50, levels={"beginner", "intermediate"}, language="zh", max_weekly_hours=4)
    times = []
    x = ds.train_order if ds.train_order is not None and getattr(model, "uses_order", False) else ds.train
    for i, u in enumerate(users):
        lo, hi = x.indptr[u], x.indptr[u + 1]
        hist = dict(zip(x.indices[lo:hi].tolist(), x.data[lo:hi].tolist()))  # {course: position} keeps the order
        t0 = time.perf_counter()
        recs = model.recommend(hist, n=10, filters=flt, user_features=ds.user_features[u])
        dt = (time.perf_counter() - t0) * 1000
        if i >= 20:
            times.append(dt)
    model.catalog = None
    example = [(r.item, round(r.score, 3), r.reason) for r in recs[:3]]
    return {"p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)), "calls": len(times), "example": example}


def model_rss(version: Path) -> float:
    """Resident memory (MB) a fresh process gains by loading the artifact."""
    code = (
        "import sys,re;sys.path.insert(0,sys.argv[1]);"
        "rss=lambda:int(re.search(r'VmRSS:\\s+(\\d+)',open('/proc/self/status').read()).group(1))/1024;"
        "import numpy,scipy.sparse,sklearn,pandas,tqdm;from recsys import artifacts;"
        "import recsys.models.hybrid,recsys.models.ease,recsys.models.svd,recsys.models.itemknn,recsys.models.implicit_mf,recsys.models.keras_profile,recsys.models.keras_sequence;"
        "a=rss();m=artifacts.load_model(sys.argv[2].split('/')[-1],root=__import__('pathlib').Path(sys.argv[2]).parent);print(rss()-a)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(version)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def foldin(ds: data.Dataset, parts: dict, weights: dict, grids: dict) -> dict:
    """Train on 80% of learners, rank for the other 20% from their histories alone."""
    kept, held = data.split_users(ds.n_users, 0.2, seed=0)
    x_all = ds.train_order if ds.train_order is not None else ds.train
    out = {"n_train_users": int(len(kept)), "n_foldin_users": int(len(held))}
    test_held = ds.test[held]
    hist_held = x_all[held]
    comps = {}
    for name, p in parts.items():
        p = dict(p)
        if name in ("svd", "als", "bpr", "keras", "keras_seq"):
            p.setdefault("random_state", 0)
        comps[name] = make(name, **p)
    # Fixed weights (tuned in the main run): the hybrid just fits its components.
    hyb = Hybrid(comps, weights=weights, ordered_input=ds.train_order is not None)
    hyb.fit(x_all[kept], ds.user_features[kept], ds.item_features, show_progress=True)
    models = hyb.components_
    models = {"hybrid": hyb, **models}
    for name, m in models.items():
        hist = hist_held if name == "hybrid" else hyb._input_for(m, hist_held)
        ranked = evaluate.rank_users(m, hist, np.arange(len(held)), 20, ds.user_features[held], use_userids=False)
        out[name] = evaluate.summarize(ranked, test_held, (10, 20), ds.n_items)
        tqdm.write(f"fold-in {name}: ndcg@10={out[name]['ndcg@10']:.4f}")
    return out


# ----------------------------------------------------------------- report
def aggregate(parts: dict) -> dict:
    """Flat JSON keys from the saved parts."""
    flat: dict = {}
    if "ml100k" in parts:
        runs = parts["ml100k"]["runs"]
        names = [m for m in MODELS if any(m in r["metrics"] for r in runs)]
        for name in names:
            for metric in ("ndcg@10", "recall@10", "precision@10", "mrr", "coverage@10"):
                vals = [r["metrics"][name][metric] for r in runs if name in r["metrics"]]
                flat[f"ml100k.{name}.{metric}"] = float(np.mean(vals))
                flat[f"ml100k.{name}.{metric}.std"] = float(np.std(vals))
            flat[f"ml100k.{name}.n_seeds"] = sum(name in r["metrics"] for r in runs)
        flat["ml100k.seeds"] = parts["ml100k"]["seeds"]
    if "mooccubex" in parts:
        m = parts["mooccubex"]
        r = m["runs"][0]
        for name, met in r["metrics"].items():
            for metric in ("ndcg@10", "hr@10", "recall@20", "mrr", "coverage@10"):
                flat[f"mooccubex.{name}.{metric}"] = met[metric]
        peers = {p: r["metrics"][p]["ndcg@10"] for p in PEERS if p in r["metrics"]}
        if peers and "hybrid" in r["metrics"]:
            best = max(peers, key=peers.get)
            flat["mooccubex.best_peer"] = best
            flat["mooccubex.hybrid_over_best_peer"] = r["metrics"]["hybrid"]["ndcg@10"] / peers[best]
        for key in ("train_seconds", "model_rss_mb", "artifact"):
            if key in m:
                flat[key] = m[key]
        if "latency_ms" in m:
            flat["latency_ms.p50"] = m["latency_ms"]["p50"]
            flat["latency_ms.p95"] = m["latency_ms"]["p95"]
        for name, met in m.get("foldin", {}).items():
            if isinstance(met, dict):
                flat[f"foldin_mooccubex.{name}.ndcg@10"] = met["ndcg@10"]
                flat[f"foldin_mooccubex.{name}.hr@10"] = met["hr@10"]
    return flat


def markdown(parts: dict, flat: dict) -> str:
    lines = ["# Recommender benchmark", ""]
    if "ml100k.seeds" in flat:
        seeds = flat["ml100k.seeds"]
        lines += [
            f"## MovieLens-100K (75/25 per-user stratified split, top-10, mean ± std over seeds {seeds})",
            "",
            "| model | nDCG@10 | Precision@10 | Recall@10 | MRR | coverage@10 | seeds |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in MODELS:
            if f"ml100k.{name}.ndcg@10" in flat:
                cells = [f"{flat[f'ml100k.{name}.{m}']:.4f} ± {flat[f'ml100k.{name}.{m}.std']:.4f}" for m in ("ndcg@10", "precision@10", "recall@10", "mrr", "coverage@10")]
                lines.append(f"| {name} | " + " | ".join(cells) + f" | {flat[f'ml100k.{name}.n_seeds']} |")
        for name, met in PUBLISHED_ML100K.items():
            lines.append(f"| {name} | {met['ndcg@10']:.3f} | {met['precision@10']:.3f} | {met['recall@10']:.3f} | | | |")
        if "ml100k" not in parts:
            lines += ["", "(ML-100K figures carried over from the previous `recsys.json`: no ML-100K run in this invocation.)"]
        lines.append("")
    if "mooccubex" in parts:
        lines += [
            "## MOOCCubeX (leave-one-out, full ranking over 3,321 courses)",
            "",
            "| model | NDCG@10 | HR@10 | Recall@20 | MRR | coverage@10 |",
            "|---|---|---|---|---|---|",
        ]
        for name in MODELS:
            if f"mooccubex.{name}.ndcg@10" in flat:
                lines.append(
                    f"| {name} | " + " | ".join(f"{flat[f'mooccubex.{name}.{m}']:.4f}" for m in ("ndcg@10", "hr@10", "recall@20", "mrr", "coverage@10")) + " |"
                )
        lines += [
            "",
            "Data: the last token of every `train.txt` line is the learner's test course id without its last digit",
            "(a preprocessing artifact that leaks part of the test label), so the loader drops it; the remaining",
            "courses are in sequence order and the test course is the next one. All models are tuned on the same",
            "validation split of train.txt (5,000 learners' most recent course hidden); order-aware models",
            "(`keras_seq`, `markov`, `hybrid`) see the positions, the others the binary matrix.",
            f"Peers: {', '.join(p for p in PEERS if f'mooccubex.{p}.ndcg@10' in flat)}. "
            + (f"Hybrid / best peer NDCG@10: {flat['mooccubex.hybrid_over_best_peer']:.3f} (target >= 1.05)." if "mooccubex.hybrid_over_best_peer" in flat else ""),
        ]
        params = parts["mooccubex"]["runs"][0].get("params", {})
        if params:
            lines += ["", "Configurations (chosen on validation): " + "; ".join(f"{k}: {json.dumps(v)}" for k, v in params.items() if k != "hybrid")]
            if "hybrid" in params:
                lines += ["", f"Hybrid weights: {json.dumps(params['hybrid'].get('weights'))}; validation NDCG@10: {json.dumps(params['hybrid'].get('val_ndcg@10'))}"]
        fi = parts["mooccubex"].get("foldin")
        if fi:
            lines += ["", f"Fold-in: trained on {fi['n_train_users']} learners, ranked for {fi['n_foldin_users']} unseen learners from their histories alone.", "", "| model | NDCG@10 | HR@10 | Recall@20 |", "|---|---|---|---|"]
            for name, met in fi.items():
                if isinstance(met, dict):
                    lines.append(f"| {name} | {met['ndcg@10']:.4f} | {met['hr@10']:.4f} | {met['recall@20']:.4f} |")
        lines.append("")
    for key in ("train_seconds", "latency_ms.p50", "latency_ms.p95", "model_rss_mb"):
        if key in flat:
            lines.append(f"- {key}: {flat[key]:.2f}")
    lines += ["", "Latency: one `recommend()` call (budget, level, language, effort filters, diversity, explanations) of the MOOCCubeX hybrid, after 20 warm-up calls, on a *synthetic* seeded catalogue.", ""]
    return "\n".join(lines)


def plots(parts: dict, flat: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = [d for d in ("ml100k", "mooccubex") if f"{d}.hybrid.ndcg@10" in flat or d in parts]
    if not datasets:
        return
    with_runs = [d for d in datasets if d in parts]
    fig, axes = plt.subplots(1, max(len(with_runs), 1), figsize=(6 * max(len(with_runs), 1), 4), squeeze=False)
    for ax, dsn in zip(axes[0], with_runs):
        runs = parts[dsn]["runs"]
        for name in MODELS:
            if any(name in r["metrics"] for r in runs):
                ys = [np.mean([r["metrics"][name][f"ndcg@{k}"] for r in runs if name in r["metrics"]]) for k in KS]
                ax.plot(KS, ys, marker="o", label=name)
        ax.set_title(f"{dsn}: NDCG@K")
        ax.set_xlabel("K")
        ax.set_ylabel("NDCG@K")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "recsys_ndcg_at_k.png", dpi=120)
    plt.close(fig)
    fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4), squeeze=False)
    for ax, dsn in zip(axes[0], datasets):
        names = [m for m in MODELS if f"{dsn}.{m}.ndcg@10" in flat]
        vals = [flat[f"{dsn}.{m}.ndcg@10"] for m in names]
        colors = ["tab:blue"] * len(names)
        if dsn == "ml100k":
            for pub, met in PUBLISHED_ML100K.items():
                names.append(pub.replace(" (published)", "*"))
                vals.append(met["ndcg@10"])
                colors.append("tab:gray")
        ax.bar(names, vals, color=colors)
        ax.set_title(f"{dsn}: NDCG@10" + (" (* = published)" if dsn == "ml100k" else ""))
        ax.tick_params(axis="x", rotation=60)
    fig.tight_layout()
    fig.savefig(out / "recsys_bars.png", dpi=120)
    plt.close(fig)


def report(out: Path) -> dict:
    parts = {}
    seed_parts = sorted(out.glob("recsys.ml100k.seed*.part.json"))
    if seed_parts:
        loaded = [json.loads(p.read_text()) for p in seed_parts]
        parts["ml100k"] = {"seeds": [s for d in loaded for s in d["seeds"]], "runs": [r for d in loaded for r in d["runs"]]}
    p = out / "recsys.mooccubex.part.json"
    if p.exists():
        parts["mooccubex"] = json.loads(p.read_text())
    flat = aggregate(parts)
    previous = out / "recsys.json"
    if "ml100k" not in parts and previous.exists():
        # No ML-100K parts on disk (they are not committed): keep the last reported ML-100K figures.
        flat.update({k: v for k, v in json.loads(previous.read_text()).items() if k.startswith("ml100k.")})
    (out / "recsys.json").write_text(json.dumps(flat, indent=2, sort_keys=True))
    md = markdown(parts, flat)
    (out / "recsys.md").write_text(md)
    plots(parts, flat, out)
    print(md)
    return flat


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="ml100k,mooccubex", help="comma list: ml100k,mooccubex")
    ap.add_argument("--models", default=",".join(MODELS), help="comma list of models")
    ap.add_argument("--seeds", default="42,43,44", help="ML-100K split seeds")
    ap.add_argument("--quick", action="store_true", help="1 seed, small grids, short training (smoke run)")
    ap.add_argument("--report-only", action="store_true", help="rebuild JSON/markdown/plots from saved parts")
    ap.add_argument("--out", default=str(RESULTS), help="results folder")
    ap.add_argument("--latency-only", metavar="VERSION", help="re-measure latency and RSS of a saved MOOCCubeX hybrid artifact")
    ap.add_argument("--time-hybrid", action="store_true",
                    help="re-time the MOOCCubeX hybrid fit with the tuned parameters of the last full run")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.latency_only:
        part = out / "recsys.mooccubex.part.json"
        res = json.loads(part.read_text()) if part.exists() else {}
        ds = data.mooccubex()
        model = artifacts.load_model(args.latency_only)
        res["latency_ms"] = latency(model, ds)
        res["model_rss_mb"] = model_rss(artifacts.models_dir() / args.latency_only)
        part.write_text(json.dumps(res, indent=2, default=_json_default))
    elif args.time_hybrid:
        part = out / "recsys.mooccubex.part.json"
        res = json.loads(part.read_text())
        tuned = {m: p for m, p in res["runs"][0]["params"].items() if m != "hybrid"}
        ds = data.mooccubex()
        hyb = make_hybrid("mooccubex", [m for m in HYBRID_PARTS["mooccubex"] if m in tuned], tuned, 0)
        t0 = time.perf_counter()
        hyb.fit(ds.train_order, ds.user_features, ds.item_features, show_progress=True)
        res["train_seconds"] = time.perf_counter() - t0
        print(f"hybrid fit: {res['train_seconds']:.0f} s, weights {hyb.weights_}")
        part.write_text(json.dumps(res, indent=2, default=_json_default))
    elif not args.report_only:
        args.models = [m.strip() for m in args.models.split(",") if m.strip()]
        unknown = set(args.models) - set(MODELS)
        if unknown:
            print(f"error: unknown model(s) {sorted(unknown)}; known: {', '.join(MODELS)}", file=sys.stderr)
            return 2
        args.seeds = [int(s) for s in args.seeds.split(",")]
        grids = quick_grids() if args.quick else GRIDS
        try:
            import torch

            torch.set_num_threads(1)  # 2 busy cores: more threads oversubscribe
        except ImportError:
            pass
        for dsn in [d.strip() for d in args.datasets.split(",") if d.strip()]:
            if dsn not in ("ml100k", "mooccubex"):
                print(f"error: unknown dataset {dsn!r}", file=sys.stderr)
                return 2
            try:
                if dsn == "ml100k":
                    bench_ml100k(args, grids, out)
                else:
                    res = bench_mooccubex(args, grids)
                    (out / f"recsys.{dsn}.part.json").write_text(json.dumps(res, indent=2, default=_json_default))
            except data.DataMissingError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    report(out)
    return 0


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    return repr(o)


if __name__ == "__main__":
    sys.exit(main())
