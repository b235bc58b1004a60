"""Sequence-aware Keras profile model: profile + last courses -> next course.

Where the interaction weights carry the order of a learner's courses (the
value is the course's position in the learner's sequence, higher = more
recent, as in :attr:`recsys.data.Dataset.train_order`), the model is trained
to predict the *next* course. Its input is

* the static learner profile of :class:`KerasProfile` (SVD factors of the
  binarised history, history length, learner side features, content
  profile of the course side features),
* a recency-weighted SVD profile (``decay ** age`` per course, age 0 = the
  most recent course),
* the ids of the ``last_k`` most recent courses, through a learned
  embedding (position-specific, concatenated).

An MLP maps them to logits over all courses; training is softmax
cross-entropy with Adam. The training samples are, per learner, the
``n_targets`` most recent courses, each predicted from the courses before
it. Early stopping watches the loss of validation learners carved from the
training matrix (their most recent course hidden; never the test set) and
restores the best weights. A share ``p_unordered`` of the training samples
hide the last-course ids, so histories without order (all weights equal,
e.g. a plain list of course indices) still get a sensible static profile
score. On a matrix without order the model trains on random held-out
courses instead. Scoring is a NumPy forward pass (no TensorFlow session).
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from recsys.models.keras_profile import KerasProfile, _l2_rows, _limit_tf_threads


def recency_ranks(h: sp.csr_matrix, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Age of each stored entry (0 = most recent) and whether its row has an order.

    A row "has order" when its weights are not all equal. Ties (and rows
    without order) are broken by ``rng`` (random) or by column index.

    Returns:
        ``(age (nnz,) int64, ordered (n_rows,) bool)``.
    """
    h = sp.csr_matrix(h)
    n = h.shape[0]
    lengths = np.diff(h.indptr)
    row_of = np.repeat(np.arange(n), lengths)
    tie = rng.random(h.nnz) if rng is not None else np.zeros(h.nnz)
    order = np.lexsort((tie, -h.data, row_of))  # by row, then weight descending
    age = np.empty(h.nnz, dtype=np.int64)
    age[order] = np.arange(h.nnz) - np.repeat(h.indptr[:-1], lengths)
    ordered = np.zeros(n, dtype=bool)
    nonempty = lengths > 0
    if h.nnz:
        mx = np.maximum.reduceat(h.data, h.indptr[:-1][nonempty])
        mn = np.minimum.reduceat(h.data, h.indptr[:-1][nonempty])
        ordered[nonempty] = mx > mn
    return age, ordered


class KerasSequence(KerasProfile):
    """Profile + recency profile + last ``last_k`` course embeddings -> softmax over courses.

    Args (besides those of :class:`KerasProfile`):
        last_k: Number of most recent courses fed as ids.
        emb_dim: Embedding size of a course id.
        decay: Recency decay of the weighted SVD profile.
        n_targets: Training samples per learner (its most recent courses).
        p_unordered: Share of training samples whose last-course ids are hidden.
        max_val_users: Cap on early-stopping validation learners.
        bf16: Train the dense layers in mixed bfloat16 (weights stay float32);
            about 1.8x faster on CPUs with AVX512-BF16. Scoring is float32.
    """

    uses_order = True

    def __init__(
        self,
        n_factors: int = 64,
        n_content: int = 32,
        hidden: tuple[int, ...] = (256,),
        dropout: float = 0.2,
        l2: float = 0.0,
        learning_rate: float = 2e-3,
        batch_size: int = 512,
        max_epochs: int = 30,
        patience: int = 2,
        holdout: float = 0.25,
        val_fraction: float = 0.1,
        n_threads: int = 2,
        random_state: int = 0,
        last_k: int = 3,
        emb_dim: int = 32,
        decay: float = 0.7,
        n_targets: int = 2,
        p_unordered: float = 0.1,
        max_val_users: int = 5000,
        bf16: bool = False,
    ) -> None:
        super().__init__(
            n_factors=n_factors,
            n_content=n_content,
            hidden=hidden,
            dropout=dropout,
            l2=l2,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_epochs=max_epochs,
            patience=patience,
            holdout=holdout,
            val_fraction=val_fraction,
            n_threads=n_threads,
            random_state=random_state,
        )
        self.last_k = last_k
        self.emb_dim = emb_dim
        self.decay = decay
        self.n_targets = n_targets
        self.p_unordered = p_unordered
        self.max_val_users = max_val_users
        self.bf16 = bf16

    # ------------------------------------------------------------ features
    def features(
        self, h: sp.csr_matrix, user_features: np.ndarray | None = None, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(profile (n, d) float32, last ids (n, last_k) int32)``; id 0 = none, course i = i + 1."""
        h = sp.csr_matrix(h, dtype=np.float32)
        age, ordered = recency_ranks(h, rng)
        hb = h.copy()
        hb.data[:] = 1.0
        base = self.transform(hb, user_features)
        row_ordered = np.repeat(ordered, np.diff(h.indptr))
        rec = hb.copy()
        rec.data = np.where(row_ordered, self.decay ** age.astype(np.float32), 1.0).astype(np.float32)
        parts = [base, _l2_rows(self.svd_.transform(rec))]
        if self.item_content_ is not None:
            parts.append(_l2_rows(np.asarray(rec @ self.item_content_)))
        ids = np.zeros((h.shape[0], self.last_k), dtype=np.int32)
        sel = row_ordered & (age < self.last_k)
        rows = np.repeat(np.arange(h.shape[0]), np.diff(h.indptr))
        ids[rows[sel], age[sel]] = h.indices[sel] + 1
        return np.hstack(parts).astype(np.float32), ids

    # ----------------------------------------------------------------- fit
    @staticmethod
    def _drop_recent(x: sp.csr_matrix, age: np.ndarray, t: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Rows with > t courses: history without the t most recent, and the t-th most recent course."""
        lengths = np.diff(x.indptr)
        rows = np.repeat(np.arange(x.shape[0]), lengths)
        keep_rows = np.flatnonzero(lengths > t)
        tgt_mask = (age == t - 1) & (lengths[rows] > t)
        target = np.zeros(x.shape[0], dtype=np.int64)
        target[rows[tgt_mask]] = x.indices[tgt_mask]
        inp = x.copy()
        inp.data = np.where(age < t, 0.0, inp.data).astype(np.float32)
        inp.eliminate_zeros()
        return inp[keep_rows], keep_rows, target[keep_rows]

    def _samples(self, x, uf, rng, n_targets):
        """Stacked ``(profiles, ids, targets)`` for the ``n_targets`` most recent courses of each row."""
        age, _ordered = recency_ranks(x, rng)
        profs, idss, tgts = [], [], []
        for t in range(1, n_targets + 1):
            inp, rows, target = self._drop_recent(x, age, t)
            if not len(rows):
                break
            p, ids = self.features(inp, None if uf is None else uf[rows], rng)
            profs.append(p)
            idss.append(ids)
            tgts.append(target)
        return np.vstack(profs), np.vstack(idss), np.concatenate(tgts)

    def _build_seq(self, d_in: int):
        import keras

        reg = keras.regularizers.l2(self.l2) if self.l2 else None
        dt = keras.DTypePolicy("mixed_bfloat16") if self.bf16 else None
        prof = keras.Input(shape=(d_in,), name="profile")
        ids = keras.Input(shape=(self.last_k,), dtype="int32", name="last")
        emb = keras.layers.Embedding(self.n_items_ + 1, self.emb_dim, name="emb")(ids)
        z = keras.layers.Concatenate()([prof, keras.layers.Flatten()(emb)])
        z = keras.layers.Dropout(self.dropout)(z)
        for width in self.hidden:
            z = keras.layers.Dense(width, activation="relu", kernel_regularizer=reg, dtype=dt)(z)
            z = keras.layers.Dropout(self.dropout)(z)
        logits = keras.layers.Dense(self.n_items_, kernel_regularizer=reg, dtype=dt)(z)
        if self.bf16:
            logits = keras.layers.Activation("linear", dtype="float32")(logits)  # softmax loss in float32
        model = keras.Model([prof, ids], logits)
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        return model

    def _fit(self, x, user_features, item_features, show_progress: bool) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        _limit_tf_threads(self.n_threads)
        import keras

        keras.utils.set_random_seed(self.random_state)
        rng = np.random.default_rng(self.random_state)
        uf = user_features
        users = np.flatnonzero(np.diff(x.indptr) >= 2)
        rng.shuffle(users)
        n_val = min(self.max_val_users, int(round(len(users) * self.val_fraction))) if len(users) >= 10 else 0
        val_users = users[:n_val]
        # The validation learners' most recent course is hidden from everything (profile and network).
        age, _ = recency_ranks(x, np.random.default_rng(self.random_state + 1))
        is_val = np.zeros(x.shape[0], dtype=bool)
        is_val[val_users] = True
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        x_tr = x.copy()
        x_tr.data = np.where(is_val[rows] & (age == 0), 0.0, x_tr.data).astype(np.float32)
        x_tr.eliminate_zeros()
        xb = x_tr.copy()
        xb.data[:] = 1.0
        self._fit_profile(xb, user_features, item_features)
        if n_val:
            v_tgt = np.zeros(x.shape[0], dtype=np.int64)
            v_tgt[rows[is_val[rows] & (age == 0)]] = x.indices[is_val[rows] & (age == 0)]
            pv, iv = self.features(x_tr[val_users], None if uf is None else uf[val_users])
            tv = v_tgt[val_users]
        train_rows = np.flatnonzero(~is_val & (np.diff(x_tr.indptr) >= 2))
        pt, it, tt = self._samples(x_tr[train_rows], None if uf is None else uf[train_rows], rng, self.n_targets)
        net = self._build_seq(pt.shape[1])
        best, best_w, bad = np.inf, None, 0
        self.history_ = []
        bar = tqdm(range(self.max_epochs), desc="keras-seq", disable=not show_progress, leave=False)
        for _epoch in bar:
            order = rng.permutation(len(tt))
            losses = []
            for start in range(0, len(order), self.batch_size):
                b = order[start : start + self.batch_size]
                ids = it[b]
                if self.p_unordered:
                    ids = np.where(rng.random((len(b), 1)) < self.p_unordered, 0, ids)
                losses.append(float(net.train_on_batch([pt[b], ids], tt[b])))
            self.weights_ = [w.astype(np.float32) for w in net.get_weights()]
            val = self._seq_cross_entropy(pv, iv, tv) if n_val else float(np.mean(losses))
            self.history_.append((float(np.mean(losses)), val))
            bar.set_postfix(loss=f"{np.mean(losses):.3f}", val=f"{val:.3f}")
            if val < best - 1e-4:
                best, best_w, bad = val, net.get_weights(), 0
            else:
                bad += 1
                if bad >= self.patience:
                    break
        self.weights_ = [w.astype(np.float32) for w in best_w]
        self.best_val_loss_ = best
        self.epochs_ = len(self.history_)

    # --------------------------------------------------------------- score
    def _seq_forward(self, prof: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """NumPy inference pass: embedding lookup, ReLU hidden layers, linear logits."""
        emb, rest = self.weights_[0], self.weights_[1:]
        z = np.hstack([prof, emb[ids].reshape(len(ids), -1)])
        for i in range(0, len(rest) - 2, 2):
            z = np.maximum(z @ rest[i] + rest[i + 1], 0.0)
        return z @ rest[-2] + rest[-1]

    def _seq_cross_entropy(self, prof, ids, targets) -> float:
        total = 0.0
        for start in range(0, len(prof), 2048):
            sl = slice(start, start + 2048)
            logits = self._seq_forward(prof[sl], ids[sl]).astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            total -= float(logp[np.arange(len(logp)), targets[sl]].sum())
        return total / max(len(prof), 1)

    def _score(self, h, user_features, userids) -> np.ndarray:
        prof, ids = self.features(h, user_features)
        return self._seq_forward(prof, ids)
