"""Train the assistant's hybrid recommender on the current catalog.

The training matrix has one row per learner: the real learners' enrolments
and purchases from the learner database, plus the SYNTHETIC demo histories of
:mod:`recsys.synthetic` (the shipped catalog has no real histories). Columns
are the catalog's courses ordered by id. Course side features are the
MiniLM text embeddings of the content index plus level and free flags.

The artifact is versioned under ``recsys.paths.models_dir()`` and keyed by a
fingerprint of everything that shapes it, so an unchanged catalog and
unchanged histories reuse the last artifact instead of training again.

Held-back split: every learner with at least two courses keeps one back from
training, the real learners their most recent one (latest enrolment or
purchase time, then the highest course id), the synthetic learners (who have
no times) one drawn with the fixed ``HOLD_OUT_SEED``. No model trained with
this recipe ever sees a held-back course, and a course only stops being held
back once a newer one exists, so today's held-back courses are unseen by the
production model too: ``python -m assistant retrain`` compares both on them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import Course, Enrolment, Purchase
from recsys import artifacts
from recsys.content import CourseIndex
from recsys.synthetic import SyntheticConfig, synthetic_histories

# Bump when the training recipe changes, so old artifacts are not reused.
RECIPE = "assistant-hybrid-v2-held-back"
HOLD_OUT_SEED = 0
CATALOG_COLUMNS = ("id", "title", "subject", "level", "language", "price_kind", "price", "certificate_price",
                   "weekly_hours_min", "weekly_hours_max", "length_weeks", "total_hours", "popularity", "url")
STATUS_WEIGHT = {"completed": 2.0, "enrolled": 1.0, "dropped": 0.5}


@dataclass(frozen=True)
class TrainingData:
    """Rows: the real learners (by learner id), then the synthetic ones; columns: ``catalog`` rows."""

    catalog: pd.DataFrame
    interactions: sp.csr_matrix  # everything
    train: sp.csr_matrix  # interactions minus held_back: what models are fitted on
    held_back: sp.csr_matrix  # one course per learner with >= 2 (see the module doc)
    item_features: np.ndarray
    real_learners: int
    synthetic_learners: int
    synthetic_config: SyntheticConfig
    fingerprint: str


def catalog_frame(courses: Sequence[Course]) -> pd.DataFrame:
    """The catalog as a DataFrame in the given order (row i is matrix column i)."""
    return pd.DataFrame([{col: getattr(c, col) for col in CATALOG_COLUMNS} for c in courses],
                        columns=list(CATALOG_COLUMNS))


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.min
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def real_interactions(session: Session, column_of: dict[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Learner x course weights from enrolments (by status) and purchases.

    Returns:
        ``(matrix, latest)``: rows are the learners with any interaction, by id;
        ``latest[row]`` is the column of the learner's most recent interaction.
    """
    weights: dict[tuple[int, int], float] = {}
    latest: dict[int, tuple[datetime, int]] = {}
    rows_found = [
        *((learner, course, STATUS_WEIGHT.get(status, 1.0), at) for learner, course, status, at in session.execute(
            select(Enrolment.learner_id, Enrolment.course_id, Enrolment.status, Enrolment.enrolled_at))),
        *((learner, course, 1.0, at) for learner, course, at in session.execute(
            select(Purchase.learner_id, Purchase.course_id, Purchase.created_at))),
    ]
    for learner_id, course_id, weight, at in rows_found:
        if course_id in column_of:
            key = (learner_id, column_of[course_id])
            weights[key] = max(weights.get(key, 0.0), weight)
            latest[learner_id] = max(latest.get(learner_id, (datetime.min, -1)), (_utc(at), key[1]))
    learners = sorted(latest)
    row_of = {learner: row for row, learner in enumerate(learners)}
    rows = [row_of[learner] for learner, _ in weights]
    cols = [col for _, col in weights]
    matrix = sp.csr_matrix((np.fromiter(weights.values(), np.float32, len(weights)), (rows, cols)),
                           shape=(len(learners), len(column_of)))
    return matrix, np.array([latest[learner][1] for learner in learners], dtype=np.int64)


def seeded_picks(x: sp.csr_matrix, seed: int = HOLD_OUT_SEED) -> np.ndarray:
    """One column per row of ``x`` drawn with ``seed`` (``-1`` for empty rows)."""
    x = sp.csr_matrix(x)
    x.sort_indices()
    lengths = np.diff(x.indptr)
    offsets = (np.random.default_rng(seed).random(x.shape[0]) * lengths).astype(np.int64)
    picks = np.full(x.shape[0], -1, dtype=np.int64)
    filled = lengths > 0
    picks[filled] = x.indices[x.indptr[:-1][filled] + offsets[filled]]
    return picks


def hold_back(x: sp.csr_matrix, picks: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Split ``x`` into ``(train, held_back)``: ``picks[row]`` is held back when the row has >= 2 courses."""
    x = sp.csr_matrix(x)
    lengths = np.diff(x.indptr)
    rows = np.repeat(np.arange(x.shape[0]), lengths)
    held = (x.indices == picks[rows]) & (lengths[rows] >= 2)
    train, back = x.copy(), x.copy()
    train.data = np.where(held, 0, x.data).astype(x.dtype)
    back.data = np.where(held, 1, 0).astype(x.dtype)
    train.eliminate_zeros()
    back.eliminate_zeros()
    return train, back


def course_features(catalog: pd.DataFrame, index: CourseIndex) -> np.ndarray:
    """Text embedding + one-hot level + free flag, one row per catalog course."""
    position = {int(cid): i for i, cid in enumerate(index.course_ids)}
    text = index.vectors[[position[int(cid)] for cid in catalog["id"]]]
    level = np.stack([(catalog["level"] == lv).to_numpy(np.float32)
                      for lv in ("beginner", "intermediate", "advanced")], axis=1)
    free = catalog["price_kind"].isin(["free", "audit"]).to_numpy(np.float32)[:, None]
    return np.hstack([text, level, free]).astype(np.float32)


def _fingerprint(catalog: pd.DataFrame, real: sp.csr_matrix, latest: np.ndarray, index: CourseIndex,
                 config: SyntheticConfig) -> str:
    h = hashlib.sha256()
    h.update(RECIPE.encode())
    h.update(json.dumps(asdict(config), sort_keys=True).encode())
    h.update(index.digest.encode())
    h.update(pd.util.hash_pandas_object(catalog.drop(columns=["url"]), index=False).to_numpy().tobytes())
    for part in (real.indptr, real.indices, real.data, latest):
        h.update(np.ascontiguousarray(part).tobytes())
    return h.hexdigest()[:24]


def training_data(sessions: sessionmaker[Session], index_dir: Path,
                  config: SyntheticConfig = SyntheticConfig()) -> TrainingData:
    with sessions() as session:
        courses = session.scalars(select(Course).order_by(Course.id)).all()
        if not courses:
            raise ValueError("the catalog is empty: import courses first (python -m assistant import-catalog)")
        catalog = catalog_frame(courses)
        real, latest = real_interactions(session, {course.id: i for i, course in enumerate(courses)})
        index = CourseIndex.build(courses, index_dir)
    synthetic = synthetic_histories(catalog, config)
    interactions = sp.vstack([real, synthetic]).tocsr()
    train, held_back = hold_back(interactions, np.concatenate([latest, seeded_picks(synthetic)]))
    return TrainingData(
        catalog=catalog,
        interactions=interactions,
        train=train,
        held_back=held_back,
        item_features=course_features(catalog, index),
        real_learners=real.shape[0],
        synthetic_learners=synthetic.shape[0],
        synthetic_config=config,
        fingerprint=_fingerprint(catalog, real, latest, index, config),
    )


def make_model():  # type: ignore[no-untyped-def]
    """The assistant's hybrid: SVD learner profiles + the Keras profile model, blend tuned on validation."""
    from recsys.models import make

    return make("hybrid", components={
        "svd": make("svd", n_components=48),
        "keras": make("keras", n_factors=48, hidden=(256,), max_epochs=40, patience=3, n_threads=2),
    }, refit=False)


def find_version(fingerprint: str, root: Path | None = None) -> str | None:
    """The newest artifact trained on data with this fingerprint, if any."""
    for version in reversed(artifacts.list_versions(root)):
        try:
            if artifacts.read_metadata(version, root).get("data_hash") == fingerprint:
                return version
        except artifacts.ArtifactError:
            continue
    return None


def fit_model(data: TrainingData, progress: bool = False) -> Any:
    """Fit the assistant's hybrid on the training part of ``data`` and attach the catalog."""
    model = make_model().fit(data.train, item_features=data.item_features, show_progress=progress)
    model.set_catalog(data.catalog)
    return model


def save_trained(model: Any, data: TrainingData, held_back_metrics: dict[str, float],
                 root: Path | None = None) -> str:
    """Save a model fitted on ``data`` (not promoted) and return its version."""
    metrics = {f"held_back.{name}": value for name, value in held_back_metrics.items()}
    metrics.update({f"validation.ndcg@10.{name}": value for name, value in getattr(model, "val_ndcg_", {}).items()})
    folder = artifacts.save_model(
        model, "hybrid", data_hash=data.fingerprint, metrics=metrics,
        extra={"weights": getattr(model, "weights_", {}), "recipe": RECIPE, "real_learners": data.real_learners,
               "synthetic_learners": data.synthetic_learners, "synthetic_config": asdict(data.synthetic_config),
               "held_back_learners": int(held_back_metrics.get("n_users", 0)),
               "note": "collaborative signal learned mostly from SYNTHETIC histories (recsys/synthetic.py)"},
        root=root,
    )
    return folder.name


def needs_training(root: Path | None = None) -> bool:
    """Whether there is no production model, or it comes from an older recipe.

    Start-up trains only then; new data reaches a running production model
    through ``python -m assistant retrain``, which checks it is not worse.
    """
    current = artifacts.current_version(root)
    if current is None:
        return True
    try:
        return artifacts.read_metadata(current, root).get("recipe") != RECIPE
    except artifacts.ArtifactError:
        return True


def train_recommender(sessions: sessionmaker[Session], index_dir: Path, root: Path | None = None,
                      force: bool = False, say: Callable[[str], None] = lambda _line: None,
                      progress: bool = False, config: SyntheticConfig = SyntheticConfig()) -> str:
    """Train (or reuse) the hybrid for the current catalog, promote it and return its version.

    This promotes without comparing; ``python -m assistant retrain`` compares first.
    """
    from assistant.ops.evaluation import held_back_metrics

    data = training_data(sessions, index_dir, config)
    existing = None if force else find_version(data.fingerprint, root)
    if existing is not None:
        say(f"recommender: reusing model {existing}")
        artifacts.promote(existing, root)
        return existing
    say(f"recommender: training on {data.real_learners} real and {data.synthetic_learners} synthetic learners "
        f"x {len(data.catalog)} courses")
    model = fit_model(data, progress)
    version = save_trained(model, data, held_back_metrics(model, data).overall, root)
    artifacts.promote(version, root)
    say(f"recommender: saved and promoted model {version} (blend {model.weights_})")
    return version
