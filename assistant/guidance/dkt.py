"""Deep Knowledge Tracing (Keras 3): the offline mastery model.

An LSTM reads the learner's (skill, correct) history. The step that predicts
row ``t`` sees rows ``< t`` only; with ``leak_free=True`` it sees only the
rows before the *question* that row ``t`` belongs to (rows of one
multi-skill question are predicted from the same state, see
:mod:`assistant.guidance.kt_data`). Training and evaluation use the same
protocol.

Long histories are cut into overlapping windows (:func:`kt_data.windows`), each
row scored once, in the window where it has the most context. Early stopping
keeps the epoch with the best validation AUC. :class:`DKTEnsemble` averages
the probabilities of several seeds behind the same interface.

Keras is imported lazily so that importing :mod:`assistant.guidance` stays
cheap for the action server.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

import numpy as np

from .kt_data import Sequence, group_starts, windows

PAD, START = 0, 1
log = logging.getLogger(__name__)


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras  # noqa: WPS433 (lazy on purpose)

    return keras


@dataclass
class Batch:
    """Padded model inputs for a list of windows.

    Attributes:
        tokens: int (N, L) previous interaction token (START at position 0 of a
            sequence's first window; a later window starts with the interaction
            just before it).
        skills: int (N, L) skill id of the row to predict.
        state: int (N, L) index of the LSTM output used to predict the row.
        labels: float (N, L, 1) answers.
        weights: float (N, L) 1 for the rows this window scores, 0 for context
            rows (scored by an earlier window) and padding.
    """

    tokens: np.ndarray
    skills: np.ndarray
    state: np.ndarray
    labels: np.ndarray
    weights: np.ndarray


class DKT:
    """LSTM knowledge tracer with a skill-aware output layer.

    Args:
        n_skills: largest skill id.
        hidden: LSTM units.
        embed_dim: size of the interaction and skill embeddings.
        dropout: dropout on the LSTM output.
        output: ``"dense"`` (classic DKT: one logit per skill) or ``"mlp"``
            (the LSTM state is combined with an embedding of the skill asked).
        max_len: window length for training and evaluation.
        stride: step between overlapping windows (``None``: ``max_len``, i.e.
            non-overlapping chunks); see :func:`kt_data.windows`.
        n_layers: stacked LSTM layers.
        skill_input: also feed the LSTM the skill of the row it is about to
            predict (its id only, never its answer), so the state is
            conditioned on the question asked.
        epochs: maximum epochs (early stopping on validation AUC).
        batch_size: windows per batch.
        learning_rate: Adam step size.
        leak_free: predict multi-skill question rows from the pre-question state.
        patience: early-stopping patience in epochs.
        lr_decay: factor applied to the learning rate when validation AUC did
            not improve for an epoch (``1.0``: constant rate).
        combos: multi-skill pairs from :func:`kt_data.find_combo_pairs`.
        seed: random seed.
        verbose: Keras verbosity.
    """

    def __init__(
        self,
        n_skills: int,
        hidden: int = 128,
        embed_dim: int = 64,
        dropout: float = 0.3,
        output: str = "mlp",
        max_len: int = 200,
        stride: int | None = None,
        n_layers: int = 1,
        skill_input: bool = False,
        epochs: int = 20,
        batch_size: int = 64,
        learning_rate: float = 2e-3,
        leak_free: bool = True,
        patience: int = 2,
        lr_decay: float = 1.0,
        combos: set[tuple[int, int]] | None = None,
        seed: int = 0,
        verbose: int = 0,
    ) -> None:
        self.n_skills = n_skills
        self.hidden = hidden
        self.embed_dim = embed_dim
        self.dropout = dropout
        self.output = output
        self.max_len = max_len
        self.stride = stride
        self.n_layers = n_layers
        self.skill_input = skill_input
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.leak_free = leak_free
        self.patience = patience
        self.lr_decay = lr_decay
        self.combos = combos or set()
        self.seed = seed
        self.verbose = verbose
        self.model_ = None
        self.history_: dict[str, list[float]] = {}

    # ------------------------------------------------------------------ inputs
    def _batch(self, seqs: list[Sequence]) -> Batch:
        spans = [(i, w) for i, s in enumerate(seqs) for w in windows(len(s), self.max_len, self.stride)]
        n, length = len(spans), self.max_len
        tokens = np.zeros((n, length), np.int32)
        skills = np.zeros((n, length), np.int32)
        state = np.zeros((n, length), np.int32)
        labels = np.zeros((n, length, 1), np.float32)
        weights = np.zeros((n, length), np.float32)
        starts: dict[int, np.ndarray] = {}
        for j, (i, (a, b, score_from)) in enumerate(spans):
            s, t = seqs[i], b - a
            inter = 2 + s.skills * 2 + s.correct
            fresh = a == 0 or score_from == a  # no context rows: start from START (classic chunks)
            if fresh:
                tokens[j, 0] = START
                tokens[j, 1:t] = inter[a : b - 1]
            else:
                tokens[j, :t] = inter[a - 1 : b - 1]
            skills[j, :t] = s.skills[a:b]
            if not self.leak_free:
                state[j, :t] = np.arange(t)
            elif fresh:
                state[j, :t] = group_starts(s.skills[a:b], self.combos)
            else:
                if i not in starts:
                    starts = {i: group_starts(s.skills, self.combos)}
                g = starts[i][a:b] - a
                if g[score_from - a :].min() < 0:
                    raise ValueError(f"stride {self.stride} leaves too little context for a multi-skill question")
                state[j, :t] = np.maximum(g, 0)
            labels[j, :t, 0] = s.correct[a:b]
            weights[j, score_from - a : t] = 1.0
        return Batch(tokens, skills, state, labels, weights)

    def _build(self):
        keras = _keras()
        from keras import layers, ops

        keras.utils.set_random_seed(self.seed)
        tok = keras.Input((None,), dtype="int32", name="tokens")
        skill = keras.Input((None,), dtype="int32", name="skills")
        idx = keras.Input((None,), dtype="int32", name="state")
        x = layers.Embedding(2 * (self.n_skills + 1) + 2, self.embed_dim)(tok)
        if self.skill_input:
            x = layers.Concatenate()([x, layers.Embedding(self.n_skills + 1, self.embed_dim)(skill)])
        h = x
        for _ in range(self.n_layers):
            h = layers.LSTM(self.hidden, return_sequences=True)(h)
            h = layers.Dropout(self.dropout)(h)
        h = layers.Lambda(lambda a: ops.take_along_axis(a[0], ops.expand_dims(a[1], -1), axis=1))([h, idx])
        if self.output == "dense":
            logits = layers.Dense(self.n_skills + 1)(h)
            logit = layers.Lambda(
                lambda a: ops.take_along_axis(a[0], ops.expand_dims(a[1], -1), axis=2)
            )([logits, skill])
        else:
            q = layers.Embedding(self.n_skills + 1, self.embed_dim)(skill)
            z = layers.Concatenate()([h, q])
            z = layers.Dense(self.hidden, activation="relu")(z)
            z = layers.Dropout(self.dropout)(z)
            logit = layers.Dense(1)(z)
        out = layers.Activation("sigmoid")(logit)
        model = keras.Model([tok, skill, idx], out)
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate, clipnorm=1.0),
            loss="binary_crossentropy",
            weighted_metrics=[],
        )
        return model

    # --------------------------------------------------------------- estimator
    def fit(self, train: list[Sequence], valid: list[Sequence] | None = None) -> DKT:
        """Train on ``train``; early-stop on the AUC of ``valid`` when given.

        With ``valid`` the best epoch's weights (highest validation AUC) are
        kept, the learning rate is multiplied by ``lr_decay`` after an epoch
        without improvement, and training stops after ``patience`` such epochs.
        ``history_["val_auc"]`` lists the validation AUC of every epoch.

        Args:
            train: training sequences.
            valid: validation sequences (a fold or a hold-out of train, never the test set).

        Returns:
            self
        """
        keras = _keras()
        self.model_ = self._build()
        b = self._batch(train)
        callbacks = []
        if valid:
            callbacks.append(_ValidAUC(self._batch(valid), self.patience, self.lr_decay))
        hist = self.model_.fit(
            [b.tokens, b.skills, b.state],
            b.labels,
            sample_weight=b.weights,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=True,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = {k: [float(x) for x in v] for k, v in hist.history.items()}
        if callbacks:
            self.history_["val_auc"] = list(callbacks[0].aucs)
            self.best_epoch_ = callbacks[0].best_epoch
            self.valid_auc_ = callbacks[0].best
        return self

    def _predict_batch(self, b: Batch) -> np.ndarray:
        p = self.model_.predict([b.tokens, b.skills, b.state], batch_size=256, verbose=0)[..., 0]
        return p[b.weights > 0]

    def predict_sequences(self, seqs: list[Sequence]) -> list[np.ndarray]:
        """Predicted P(correct) of every row (same protocol as training).

        Returns:
            One float array (T,) per input sequence.
        """
        if self.model_ is None:
            raise RuntimeError("DKT is not fitted")
        flat = self._predict_batch(self._batch(seqs))
        out, pos = [], 0
        for s in seqs:
            out.append(flat[pos : pos + len(s)])
            pos += len(s)
        return out

    def skill_mastery(self, history: Sequence | None, skills: list[int]) -> dict[int, float]:
        """P(correct) the model expects on each skill after ``history``.

        Used to refresh the online model's priors (see :mod:`mastery`).

        Args:
            history: the learner's past rows (may be ``None`` or empty).
            skills: skill ids to query.

        Returns:
            ``{skill: probability}``.
        """
        if self.model_ is None:
            raise RuntimeError("DKT is not fitted")
        empty = np.array([], dtype=np.int64)
        keep = self.max_len - 1
        hist_s = history.skills[-keep:] if history is not None and len(history) else empty
        hist_c = history.correct[-keep:] if history is not None and len(history) else empty
        n, t = len(skills), len(hist_s)
        # fixed (n, max_len) shapes: the compiled predict function is traced once and reused;
        # padding after position t cannot change the (causal) state used at t
        tokens = np.zeros((n, self.max_len), np.int32)
        tokens[:, 0] = START
        if t:
            tokens[:, 1 : t + 1] = 2 + hist_s * 2 + hist_c
        sk = np.zeros((n, self.max_len), np.int32)
        sk[:, :t] = hist_s
        sk[:, t] = skills
        state = np.zeros((n, self.max_len), np.int32)
        state[:, t] = t
        p = np.asarray(self.model_.predict_on_batch([tokens, sk, state]))[:, t, 0]
        return {int(k): float(v) for k, v in zip(skills, p)}

    def save(self, path: str) -> None:
        """Save the Keras model (``.keras`` file)."""
        self.model_.save(path)

    def save_weights(self, path: str) -> None:
        """Save the fitted weights (``.weights.h5``); reload with :meth:`load_weights`."""
        self.model_.save_weights(path)

    def load_weights(self, path: str) -> DKT:
        """Build the network for this configuration and load weights saved by :meth:`save_weights`."""
        self.model_ = self._build()
        self.model_.load_weights(path)
        return self


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def _valid_auc_callback():
    keras = _keras()

    class ValidAUC(keras.callbacks.Callback):
        """Validation AUC every epoch: keep the best weights, decay the rate, stop early."""

        def __init__(self, batch: Batch, patience: int, lr_decay: float) -> None:
            super().__init__()
            self.batch, self.patience, self.lr_decay = batch, patience, lr_decay
            self.y = batch.labels[..., 0][batch.weights > 0]
            self.aucs: list[float] = []
            self.best, self.best_epoch, self.best_weights, self.wait = -1.0, -1, None, 0
            self.t0 = time.time()

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.time()

        def on_epoch_end(self, epoch, logs=None):
            b = self.batch
            p = self.model.predict([b.tokens, b.skills, b.state], batch_size=256, verbose=0)[..., 0]
            auc = _auc(self.y, p[b.weights > 0])
            self.aucs.append(auc)
            log.info("epoch %d: loss %.4f, validation AUC %.4f (%.0f s)", epoch + 1,
                     (logs or {}).get("loss", float("nan")), auc, time.time() - self.t0)
            if logs is not None:
                logs["val_auc"] = auc
            if auc > self.best:
                self.best, self.best_epoch, self.wait = auc, epoch, 0
                self.best_weights = self.model.get_weights()
                return
            self.wait += 1
            if self.lr_decay != 1.0:
                lr = self.model.optimizer.learning_rate
                lr.assign(float(np.asarray(lr)) * self.lr_decay)
            if self.wait >= self.patience:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return ValidAUC


def _ValidAUC(batch: Batch, patience: int, lr_decay: float):  # noqa: N802 (class factory)
    return _valid_auc_callback()(batch, patience, lr_decay)


class DKTEnsemble:
    """Several :class:`DKT` models (different seeds); predictions are averaged.

    Same interface as :class:`DKT` (``fit``, ``predict_sequences``,
    ``skill_mastery``), so it can replace it anywhere.

    Args:
        n_skills: largest skill id.
        seeds: one model per seed.
        **kwargs: passed to every :class:`DKT`.
    """

    def __init__(self, n_skills: int, seeds: tuple[int, ...] = (0, 1, 2), **kwargs) -> None:
        self.members = [DKT(n_skills, seed=s, **kwargs) for s in seeds]

    def fit(self, train: list[Sequence], valid: list[Sequence] | None = None) -> DKTEnsemble:
        """Fit every member on the same data (early stopping on ``valid``)."""
        for m in self.members:
            m.fit(train, valid)
        return self

    def predict_sequences(self, seqs: list[Sequence]) -> list[np.ndarray]:
        """Mean of the members' predicted P(correct), one array (T,) per sequence."""
        preds = [m.predict_sequences(seqs) for m in self.members]
        return [np.mean([p[i] for p in preds], axis=0) for i in range(len(seqs))]

    def skill_mastery(self, history: Sequence | None, skills: list[int]) -> dict[int, float]:
        """Mean of the members' expected P(correct) per skill after ``history``."""
        per = [m.skill_mastery(history, skills) for m in self.members]
        return {k: float(np.mean([d[k] for d in per])) for k in per[0]}

    @property
    def history_(self) -> dict[str, list[float]]:
        """The first member's training history."""
        return self.members[0].history_
