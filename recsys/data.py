"""Dataset loaders, matrices and splits for training and evaluation.

Loaders read the real research datasets in the shared data folder
(:func:`recsys.paths.shared_data_dir`); they raise :class:`DataMissingError`
naming the missing file. Side features come only from what each dataset
has: MovieLens-100K user demographics and movie genres, MOOCCubeX user
gender and the course-concept knowledge graph (``kg_final.txt``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys.paths import shared_data_dir


class DataMissingError(FileNotFoundError):
    """A dataset file is not where it should be."""


@dataclass
class Dataset:
    """Interactions plus optional side features.

    Attributes:
        name: Short dataset name.
        train: CSR ``(n_users, n_items)`` training weights.
        test: CSR ``(n_users, n_items)`` held-out items, or None.
        user_features: ``(n_users, d_u)`` float32 or None.
        item_features: CSR ``(n_items, d_i)`` or None.
        train_order: CSR with the sparsity of ``train`` whose values are each
            course's 1-based position in the learner's chronological sequence
            (higher = more recent), or None when the data has no order.
            Order-aware models (``uses_order``) take it as their interaction
            matrix; every other model gets the binary ``train``.
    """

    name: str
    train: sp.csr_matrix
    test: sp.csr_matrix | None = None
    user_features: np.ndarray | None = None
    item_features: sp.csr_matrix | None = None
    train_order: sp.csr_matrix | None = None

    @property
    def n_users(self) -> int:
        return self.train.shape[0]

    @property
    def n_items(self) -> int:
        return self.train.shape[1]


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataMissingError(f"dataset file not found: {path}")
    return path


def file_hash(*paths: Path) -> str:
    """SHA-256 over the bytes of ``paths`` (dataset fingerprint for artifacts)."""
    h = hashlib.sha256()
    for p in paths:
        with open(_need(Path(p)), "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def matrix_hash(x: sp.csr_matrix) -> str:
    """SHA-256 of a CSR matrix's structure and values."""
    x = sp.csr_matrix(x)
    h = hashlib.sha256()
    h.update(np.asarray(x.shape, dtype=np.int64).tobytes())
    for arr in (x.indptr, x.indices, x.data):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def to_matrix(users: np.ndarray, items: np.ndarray, weights: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR ``shape`` from coordinate arrays (duplicates keep the max weight)."""
    coo = sp.coo_matrix((np.asarray(weights, np.float32), (users, items)), shape=shape)
    x = coo.tocsr()  # sums duplicates
    dup = sp.coo_matrix((np.ones(len(users), np.float32), (users, items)), shape=shape).tocsr()
    if dup.nnz and dup.data.max() > 1:  # de-duplicate: keep max
        df = pd.DataFrame({"u": users, "i": items, "w": weights}).groupby(["u", "i"], as_index=False)["w"].max()
        x = sp.csr_matrix((df["w"].to_numpy(np.float32), (df["u"], df["i"])), shape=shape)
    x.sort_indices()
    return x


# ---------------------------------------------------------------- ML-100K
ML_GENRES = 19


def load_ml100k_ratings(folder: Path | None = None) -> pd.DataFrame:
    """MovieLens-100K ratings with 0-based ``user`` and ``item`` columns.

    Returns:
        DataFrame ``user, item, rating, ts`` (100,000 rows).
    """
    folder = Path(folder) if folder else shared_data_dir() / "ml-100k"
    df = pd.read_csv(_need(folder / "u.data"), sep="\t", names=["user", "item", "rating", "ts"])
    df["user"] -= 1
    df["item"] -= 1
    return df


def load_ml100k_features(folder: Path | None = None) -> tuple[np.ndarray, sp.csr_matrix]:
    """ML-100K learner side features (age, gender, occupation) and item genres.

    Returns:
        ``(user_features (943, 23) float32, item_features (1682, 19) CSR)``.
    """
    folder = Path(folder) if folder else shared_data_dir() / "ml-100k"
    users = pd.read_csv(_need(folder / "u.user"), sep="|", names=["user", "age", "gender", "occupation", "zip"])
    users = users.sort_values("user")
    occ = pd.get_dummies(users["occupation"]).to_numpy(np.float32)
    uf = np.column_stack([users["age"].to_numpy(np.float32) / 50.0, (users["gender"] == "F").to_numpy(np.float32), occ])
    items = pd.read_csv(_need(folder / "u.item"), sep="|", header=None, encoding="latin-1")
    items = items.sort_values(0)
    genres = items.iloc[:, -ML_GENRES:].to_numpy(np.float32)
    return uf.astype(np.float32), sp.csr_matrix(genres)


def stratified_split(
    df: pd.DataFrame, ratio: float = 0.75, seed: int = 42, user_col: str = "user"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-user random split (Microsoft Recommenders' ``python_stratified_split``).

    Each user's rows are shuffled with ``seed`` and the first
    ``round(ratio * n)`` go to train, the rest to test.

    Args:
        df: Interaction rows.
        ratio: Train share per user.
        seed: Shuffle seed.
        user_col: User column.

    Returns:
        ``(train, test)`` DataFrames.
    """
    rng = np.random.default_rng(seed)
    shuffled = df.iloc[rng.permutation(len(df))]
    rank = shuffled.groupby(user_col).cumcount().to_numpy()
    size = shuffled.groupby(user_col)[user_col].transform("size").to_numpy()
    is_train = rank < np.round(ratio * size)
    return shuffled[is_train].sort_index(), shuffled[~is_train].sort_index()


def ml100k(seed: int = 42, ratio: float = 0.75, folder: Path | None = None, weight: str = "binary") -> Dataset:
    """ML-100K with the 75/25 per-user stratified split.

    Args:
        seed: Split seed.
        ratio: Train share per user.
        folder: Dataset folder (default: shared data).
        weight: ``binary`` (1 per rating) or ``rating`` (the 1-5 star value).

    Returns:
        A :class:`Dataset` (943 users, 1,682 items) with demographics and genres.
    """
    df = load_ml100k_ratings(folder)
    tr, te = stratified_split(df, ratio, seed)
    shape = (int(df["user"].max()) + 1, int(df["item"].max()) + 1)
    w = tr["rating"].to_numpy() if weight == "rating" else np.ones(len(tr))
    train = to_matrix(tr["user"].to_numpy(), tr["item"].to_numpy(), w, shape)
    test = to_matrix(te["user"].to_numpy(), te["item"].to_numpy(), np.ones(len(te)), shape)
    uf, itf = load_ml100k_features(folder)
    return Dataset("ml100k", train, test, uf, itf)


# -------------------------------------------------------------- MOOCCubeX
MOOC_ITEMS = 3321


def _read_lists(path: Path, drop_last: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(users, items, positions)`` of a ``user item item ...`` file (1-based positions)."""
    users, items, pos = [], [], []
    with open(_need(path)) as fh:
        for line in fh:
            parts = line.split()
            if drop_last:
                parts = parts[:-1]
            if len(parts) < 2:
                continue
            u = int(parts[0])
            its = [int(t) for t in parts[1:]]
            users.extend([u] * len(its))
            items.extend(its)
            pos.extend(range(1, len(its) + 1))
    return np.asarray(users, np.int64), np.asarray(items, np.int64), np.asarray(pos, np.float32)


def mooccubex(folder: Path | None = None, drop_artifact: bool = True) -> Dataset:
    """MOOCCubeX leave-one-out benchmark.

    Rows are the users of ``train.txt`` in file order, compacted to 0..n-1;
    columns are the 3,321 courses. Learner features: one-hot gender code
    from ``user_list.txt``. Course features: TF-IDF-weighted knowledge-graph
    neighbours ``(relation, tail)`` from ``kg_final.txt``.

    Data artifact: in this copy, the last token of *every* ``train.txt`` line
    is the learner's test course id with its last digit cut off (test 2542,
    last train token 254), not an enrolment. It is noise and a partial leak
    of the test label, so it is dropped by default (``drop_artifact``). The
    remaining tokens are in the learner's sequence order (the test course is
    the next one); ``train_order`` keeps that order.

    Args:
        folder: Dataset folder (default: shared data).
        drop_artifact: Drop the last token of every training line.

    Returns:
        A :class:`Dataset` with ``train``, ``train_order`` and ``test`` (one course per learner).
    """
    folder = Path(folder) if folder else shared_data_dir() / "mooccubex"
    tu, ti, tp = _read_lists(folder / "train.txt", drop_last=drop_artifact)
    su, si, _ = _read_lists(folder / "test.txt")
    raw_users = np.unique(np.concatenate([tu, su]))
    row = {u: r for r, u in enumerate(raw_users)}
    to_row = np.vectorize(row.__getitem__, otypes=[np.int64])
    shape = (len(raw_users), MOOC_ITEMS)
    train = to_matrix(to_row(tu), ti, np.ones(len(tu)), shape)
    train_order = to_matrix(to_row(tu), ti, tp, shape)  # a repeated course keeps its latest position
    test = to_matrix(to_row(su), si, np.ones(len(su)), shape)
    ul = pd.read_csv(_need(folder / "user_list.txt"), sep=r"\s+")
    gender = pd.Series(ul["gender"].to_numpy(), index=ul["remap_id"].to_numpy()).reindex(raw_users).fillna(-1)
    codes = sorted(set(gender.unique()))
    uf = np.column_stack([(gender.to_numpy() == c) for c in codes]).astype(np.float32)
    return Dataset("mooccubex", train, test, uf, kg_item_features(folder / "kg_final.txt", MOOC_ITEMS), train_order)


def kg_item_features(path: Path, n_items: int) -> sp.csr_matrix:
    """TF-IDF course x (relation, entity) matrix from a ``head relation tail`` file.

    Triples whose head is a course (``head < n_items``) contribute a feature
    ``(relation, tail)``; features shared by every course carry no weight.
    """
    kg = pd.read_csv(_need(path), sep=r"\s+", names=["h", "r", "t"])
    kg = kg[kg["h"] < n_items].drop_duplicates()
    key = kg["r"].astype(np.int64) * 10_000_000 + kg["t"].astype(np.int64)
    codes, uniq = pd.factorize(key)
    m = sp.csr_matrix((np.ones(len(kg), np.float32), (kg["h"].to_numpy(), codes)), shape=(n_items, len(uniq)))
    m.data[:] = 1.0
    df = np.asarray((m > 0).sum(axis=0)).ravel()
    idf = np.log((1 + n_items) / (1 + df)).astype(np.float32)
    return sp.csr_matrix(m @ sp.diags(idf))


def split_users(n_users: int, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random ``(kept, held_out)`` partition of row ids (fold-in experiments)."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n_users)
    n_out = int(round(n_users * fraction))
    return np.sort(perm[n_out:]), np.sort(perm[:n_out])
