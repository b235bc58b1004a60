"""Train the assistant's hybrid recommender on the current catalog.

The training matrix has one row per learner: the real learners' enrolments
and purchases from the learner database, plus the SYNTHETIC demo histories of
:mod:`recsys.synthetic` (the shipped catalog has no real histories). Columns
are the catalog's courses ordered by id. Course side features are the
MiniLM text embeddings of the content index plus level and free flags.

The artifact is versioned under ``recsys.paths.models_dir()`` and keyed by a
fingerprint of everything that shapes it, so an unchanged catalog and
unchanged histories reuse the last artifact instead of training again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

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
RECIPE = "assistant-hybrid-v1"
CATALOG_COLUMNS = ("id", "title", "subject", "level", "language", "price_kind", "price", "certificate_price",
                   "weekly_hours_min", "weekly_hours_max", "length_weeks", "total_hours", "popularity", "url")
STATUS_WEIGHT = {"completed": 2.0, "enrolled": 1.0, "dropped": 0.5}


@dataclass(frozen=True)
class TrainingData:
    catalog: pd.DataFrame
    interactions: sp.csr_matrix
    item_features: np.ndarray
    real_learners: int
    synthetic_learners: int
    fingerprint: str


def catalog_frame(courses: Sequence[Course]) -> pd.DataFrame:
    """The catalog as a DataFrame in the given order (row i is matrix column i)."""
    return pd.DataFrame([{col: getattr(c, col) for col in CATALOG_COLUMNS} for c in courses],
                        columns=list(CATALOG_COLUMNS))


def real_interactions(session: Session, column_of: dict[int, int]) -> sp.csr_matrix:
    """Learner x course weights from enrolments (by status) and purchases."""
    weights: dict[tuple[int, int], float] = {}
    for learner_id, course_id, status in session.execute(
            select(Enrolment.learner_id, Enrolment.course_id, Enrolment.status)):
        if course_id in column_of:
            key = (learner_id, column_of[course_id])
            weights[key] = max(weights.get(key, 0.0), STATUS_WEIGHT.get(status, 1.0))
    for learner_id, course_id in session.execute(select(Purchase.learner_id, Purchase.course_id)):
        if course_id in column_of:
            key = (learner_id, column_of[course_id])
            weights[key] = max(weights.get(key, 0.0), 1.0)
    learners = sorted({learner for learner, _ in weights})
    row_of = {learner: row for row, learner in enumerate(learners)}
    rows = [row_of[learner] for learner, _ in weights]
    cols = [col for _, col in weights]
    return sp.csr_matrix((np.fromiter(weights.values(), np.float32, len(weights)), (rows, cols)),
                         shape=(len(learners), len(column_of)))


def course_features(catalog: pd.DataFrame, index: CourseIndex) -> np.ndarray:
    """Text embedding + one-hot level + free flag, one row per catalog course."""
    position = {int(cid): i for i, cid in enumerate(index.course_ids)}
    text = index.vectors[[position[int(cid)] for cid in catalog["id"]]]
    level = np.stack([(catalog["level"] == lv).to_numpy(np.float32)
                      for lv in ("beginner", "intermediate", "advanced")], axis=1)
    free = catalog["price_kind"].isin(["free", "audit"]).to_numpy(np.float32)[:, None]
    return np.hstack([text, level, free]).astype(np.float32)


def _fingerprint(catalog: pd.DataFrame, real: sp.csr_matrix, index: CourseIndex, config: SyntheticConfig) -> str:
    h = hashlib.sha256()
    h.update(RECIPE.encode())
    h.update(json.dumps(asdict(config), sort_keys=True).encode())
    h.update(index.digest.encode())
    h.update(pd.util.hash_pandas_object(catalog.drop(columns=["url"]), index=False).to_numpy().tobytes())
    for part in (real.indptr, real.indices, real.data):
        h.update(np.ascontiguousarray(part).tobytes())
    return h.hexdigest()[:24]


def training_data(sessions: sessionmaker[Session], index_dir: Path,
                  config: SyntheticConfig = SyntheticConfig()) -> TrainingData:
    with sessions() as session:
        courses = session.scalars(select(Course).order_by(Course.id)).all()
        if not courses:
            raise ValueError("the catalog is empty: import courses first (python -m assistant import-catalog)")
        catalog = catalog_frame(courses)
        real = real_interactions(session, {course.id: i for i, course in enumerate(courses)})
        index = CourseIndex.build(courses, index_dir)
    synthetic = synthetic_histories(catalog, config)
    return TrainingData(
        catalog=catalog,
        interactions=sp.vstack([real, synthetic]).tocsr(),
        item_features=course_features(catalog, index),
        real_learners=real.shape[0],
        synthetic_learners=synthetic.shape[0],
        fingerprint=_fingerprint(catalog, real, index, config),
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


def train_recommender(sessions: sessionmaker[Session], index_dir: Path, root: Path | None = None,
                      force: bool = False, say: Callable[[str], None] = lambda _line: None,
                      progress: bool = False, config: SyntheticConfig = SyntheticConfig()) -> str:
    """Train (or reuse) the hybrid for the current catalog, promote it and return its version."""
    data = training_data(sessions, index_dir, config)
    existing = None if force else find_version(data.fingerprint, root)
    if existing is not None:
        say(f"recommender: reusing model {existing}")
        artifacts.promote(existing, root)
        return existing
    say(f"recommender: training on {data.real_learners} real and {data.synthetic_learners} synthetic learners "
        f"x {len(data.catalog)} courses")
    model = make_model().fit(data.interactions, item_features=data.item_features, show_progress=progress)
    model.set_catalog(data.catalog)
    folder = artifacts.save_model(
        model, "hybrid", data_hash=data.fingerprint,
        metrics={f"validation.ndcg@10.{name}": value for name, value in model.val_ndcg_.items()},
        extra={"weights": model.weights_, "recipe": RECIPE, "real_learners": data.real_learners,
               "synthetic_learners": data.synthetic_learners, "synthetic_config": asdict(config),
               "note": "collaborative signal learned mostly from SYNTHETIC histories (recsys/synthetic.py)"},
        root=root,
    )
    artifacts.promote(folder.name, root)
    say(f"recommender: saved and promoted model {folder.name} (blend {model.weights_})")
    return folder.name
