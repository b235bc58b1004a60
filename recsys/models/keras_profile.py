"""Keras learner-profile model: profile -> softmax over all courses.

The learner profile concatenates

* SVD factors of the history (fold-in projection ``h V``, L2-normalised,
  plus ``log(1 + history length)``),
* learner side features (continuous ones standardised; zeros when unknown),
* a content profile: the mean of the course side-feature vectors (reduced by
  truncated SVD) over the history.

An MLP maps the profile to logits over all courses and is trained with
softmax cross-entropy by Adam to predict *held-out* courses: every epoch a
random share of each training learner's history is hidden, the profile is
built from the rest and the hidden courses are the target distribution.
L2 weight decay and dropout regularise; early stopping watches the loss on
validation learners carved from the training matrix (never the test set)
and restores the best weights. Scoring runs a NumPy forward pass, so
inference needs no TensorFlow session (fast, picklable).
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from tqdm.auto import tqdm

from recsys.base import RecommenderBase
from recsys.models.svd import SVDProfiles


def _l2_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero); cheaper than sklearn's per call."""
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))[:, None]
    return a / np.where(norms > 0, norms, 1.0)


def _limit_tf_threads(n: int) -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # already initialised: keep what is set
        pass


class KerasProfile(RecommenderBase):
    """Learner profile (SVD + side features + content) -> softmax over courses.

    Args:
        n_factors: SVD factors in the profile.
        n_content: Max dimensions of the content profile (0 disables it).
        hidden: Hidden layer widths.
        dropout: Dropout rate after each hidden layer (and on the input).
        l2: L2 penalty on all kernels.
        learning_rate: Adam step size.
        batch_size: Learners per batch.
        max_epochs: Upper bound on epochs.
        patience: Early-stopping patience in epochs.
        holdout: Share of each history hidden per epoch as the target.
        val_fraction: Share of training learners kept for early stopping.
        n_threads: TensorFlow threads.
        random_state: Seed.
    """

    uses_user_features = True
    uses_item_features = True

    def __init__(
        self,
        n_factors: int = 128,
        n_content: int = 32,
        hidden: tuple[int, ...] = (512,),
        dropout: float = 0.3,
        l2: float = 1e-5,
        learning_rate: float = 1e-3,
        batch_size: int = 256,
        max_epochs: int = 100,
        patience: int = 5,
        holdout: float = 0.25,
        val_fraction: float = 0.1,
        n_threads: int = 2,
        random_state: int = 0,
    ) -> None:
        self.n_factors = n_factors
        self.n_content = n_content
        self.hidden = hidden
        self.dropout = dropout
        self.l2 = l2
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.holdout = holdout
        self.val_fraction = val_fraction
        self.n_threads = n_threads
        self.random_state = random_state

    # ------------------------------------------------------------ profiles
    def _fit_profile(self, x, user_features, item_features) -> None:
        self.svd_ = SVDProfiles(n_components=self.n_factors, random_state=self.random_state)
        self.svd_.fit(x, show_progress=False)
        if user_features is not None and user_features.shape[1]:
            # Standardise continuous columns only: a standardised rare one-hot
            # column reaches values near 10 and dominates the profile.
            binary = np.all((user_features == 0) | (user_features == 1), axis=0)
            self.uf_mean_ = np.where(binary, 0.0, user_features.mean(axis=0)).astype(np.float32)
            self.uf_std_ = np.where(binary, 1.0, user_features.std(axis=0) + 1e-6).astype(np.float32)
        else:
            self.uf_mean_ = self.uf_std_ = None
        self.item_content_ = None
        if item_features is not None and self.n_content > 0:
            f = sp.csr_matrix(item_features, dtype=np.float32) if sp.issparse(item_features) else np.asarray(item_features, np.float32)
            if f.shape[1] > self.n_content:
                f = TruncatedSVD(self.n_content, random_state=self.random_state).fit_transform(f)
            f = np.asarray(f.todense() if sp.issparse(f) else f, dtype=np.float32)
            self.item_content_ = normalize(f)

    def transform(self, histories: sp.csr_matrix, user_features: np.ndarray | None = None) -> np.ndarray:
        """Learner profiles ``(n_rows, d)`` from histories ``(n_rows, n_items)``."""
        h = sp.csr_matrix(histories, dtype=np.float32)
        parts = [_l2_rows(self.svd_.transform(h))]
        length = np.asarray(h.getnnz(axis=1), dtype=np.float32)[:, None]
        parts.append(np.log1p(length) / 5.0)
        if self.uf_mean_ is not None:
            if user_features is None:
                parts.append(np.zeros((h.shape[0], self.uf_mean_.size), dtype=np.float32))
            else:
                parts.append(((user_features - self.uf_mean_) / self.uf_std_).astype(np.float32))
        if self.item_content_ is not None:
            hb = h.copy()
            hb.data[:] = 1.0
            parts.append(_l2_rows(np.asarray(hb @ self.item_content_)))
        return np.hstack(parts).astype(np.float32)

    # ----------------------------------------------------------------- fit
    def _split_history(self, x: sp.csr_matrix, rng: np.random.Generator) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Hide a random share (at least one course) of every history row."""
        u = rng.random(x.nnz)
        hide = u < self.holdout
        lengths = np.diff(x.indptr)
        nonempty = np.flatnonzero(lengths)
        first_min = np.minimum.reduceat(u, x.indptr[nonempty]) if x.nnz else np.empty(0)
        row_of = np.repeat(np.arange(x.shape[0]), lengths)
        hide |= u == first_min[np.searchsorted(nonempty, row_of)]
        inp = x.copy()
        inp.data = np.where(hide, 0.0, inp.data).astype(np.float32)
        inp.eliminate_zeros()
        tgt = x.copy()
        tgt.data = hide.astype(np.float32)
        tgt.eliminate_zeros()
        return inp, tgt

    def _build(self, d_in: int):
        import keras

        reg = keras.regularizers.l2(self.l2)
        inputs = keras.Input(shape=(d_in,))
        z = keras.layers.Dropout(self.dropout)(inputs)
        for width in self.hidden:
            z = keras.layers.Dense(width, activation="relu", kernel_regularizer=reg)(z)
            z = keras.layers.Dropout(self.dropout)(z)
        logits = keras.layers.Dense(self.n_items_, kernel_regularizer=reg)(z)
        model = keras.Model(inputs, logits)
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        )
        return model

    def _fit(self, x, user_features, item_features, show_progress: bool) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        _limit_tf_threads(self.n_threads)
        import keras

        keras.utils.set_random_seed(self.random_state)
        rng = np.random.default_rng(self.random_state)
        users = np.flatnonzero(np.diff(x.indptr) > 0)
        rng.shuffle(users)
        n_val = int(round(len(users) * self.val_fraction)) if len(users) >= 10 else 0
        val_users, train_users = users[:n_val], users[n_val:]
        uf = user_features
        xv_in, xv_tgt = self._split_history(x[val_users], np.random.default_rng(self.random_state + 1))
        # The profile (SVD, content) never sees the validation learners' hidden courses.
        self._fit_profile(sp.vstack([x[train_users], xv_in]).tocsr(), user_features, item_features)
        pv = self.transform(xv_in, None if uf is None else uf[val_users])
        tv = normalize(xv_tgt, norm="l1").toarray()
        net = self._build(pv.shape[1])
        best, best_w, bad = np.inf, None, 0
        self.history_ = []
        bar = tqdm(range(self.max_epochs), desc="keras", disable=not show_progress, leave=False)
        for _epoch in bar:
            xt_in, xt_tgt = self._split_history(x[train_users], rng)
            pt = self.transform(xt_in, None if uf is None else uf[train_users])
            tt = normalize(xt_tgt, norm="l1")
            order = rng.permutation(len(train_users))
            losses = []
            for start in range(0, len(order), self.batch_size):
                b = order[start : start + self.batch_size]
                losses.append(float(net.train_on_batch(pt[b], tt[b].toarray())))
            val = self._cross_entropy(net.get_weights(), pv, tv) if n_val else float(np.mean(losses))
            self.history_.append((float(np.mean(losses)), val))
            bar.set_postfix(loss=f"{np.mean(losses):.3f}", val=f"{val:.3f}")
            if val < best - 1e-4:
                best, best_w, bad = val, net.get_weights(), 0
            else:
                bad += 1
                if bad >= self.patience:
                    break
        net.set_weights(best_w)
        self.best_val_loss_ = best
        self.epochs_ = len(self.history_)
        self.weights_ = [w.astype(np.float32) for w in net.get_weights()]

    @staticmethod
    def _forward(weights: list[np.ndarray], z: np.ndarray) -> np.ndarray:
        """NumPy inference pass: ReLU hidden layers, linear logits."""
        for i in range(0, len(weights) - 2, 2):
            z = np.maximum(z @ weights[i] + weights[i + 1], 0.0)
        return z @ weights[-2] + weights[-1]

    @classmethod
    def _cross_entropy(cls, weights: list[np.ndarray], profiles: np.ndarray, targets: np.ndarray) -> float:
        """Mean softmax cross-entropy (no regularisation term) of ``targets`` rows."""
        total = 0.0
        for start in range(0, len(profiles), 2048):
            logits = cls._forward(weights, profiles[start : start + 2048]).astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            total += float(-(targets[start : start + 2048] * logp).sum())
        return total / max(len(profiles), 1)

    def _score(self, h, user_features, userids) -> np.ndarray:
        return self._forward(self.weights_, self.transform(h, user_features))
