"""Deep Knowledge Tracing (Keras 3): the offline mastery model.

An LSTM reads the learner's (skill, correct) history. The step that predicts
row ``t`` sees rows ``< t`` only; with ``leak_free=True`` it sees only the
rows before the *question* that row ``t`` belongs to (rows of one
multi-skill question are predicted from the same state, see
:mod:`assistant.guidance.kt_data`). Training and evaluation use the same
protocol.

Keras is imported lazily so that importing :mod:`assistant.guidance` stays
cheap for the action server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .kt_data import Sequence, chunk, group_starts

PAD, START = 0, 1


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras  # noqa: WPS433 (lazy on purpose)

    return keras


@dataclass
class Batch:
    """Padded model inputs for a list of windows.

    Attributes:
        tokens: int (N, L) previous interaction token (START at position 0).
        skills: int (N, L) skill id of the row to predict.
        state: int (N, L) index of the LSTM output used to predict the row.
        labels: float (N, L, 1) answers.
        weights: float (N, L) 1 for real rows, 0 for padding.
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
        epochs: maximum epochs (early stopping on validation loss).
        batch_size: windows per batch.
        learning_rate: Adam step size.
        leak_free: predict multi-skill question rows from the pre-question state.
        patience: early-stopping patience in epochs.
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
        epochs: int = 20,
        batch_size: int = 64,
        learning_rate: float = 2e-3,
        leak_free: bool = True,
        patience: int = 2,
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
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.leak_free = leak_free
        self.patience = patience
        self.combos = combos or set()
        self.seed = seed
        self.verbose = verbose
        self.model_ = None
        self.history_: dict[str, list[float]] = {}

    # ------------------------------------------------------------------ inputs
    def _batch(self, seqs: list[Sequence]) -> Batch:
        windows = chunk(seqs, self.max_len)
        n, length = len(windows), self.max_len
        tokens = np.zeros((n, length), np.int32)
        skills = np.zeros((n, length), np.int32)
        state = np.zeros((n, length), np.int32)
        labels = np.zeros((n, length, 1), np.float32)
        weights = np.zeros((n, length), np.float32)
        for i, w in enumerate(windows):
            t = len(w)
            tokens[i, 0] = START
            tokens[i, 1:t] = 2 + w.skills[:-1] * 2 + w.correct[:-1]
            skills[i, :t] = w.skills
            starts = group_starts(w.skills, self.combos) if self.leak_free else np.arange(t)
            state[i, :t] = starts
            labels[i, :t, 0] = w.correct
            weights[i, :t] = 1.0
        return Batch(tokens, skills, state, labels, weights)

    def _build(self):
        keras = _keras()
        from keras import layers, ops

        keras.utils.set_random_seed(self.seed)
        tok = keras.Input((None,), dtype="int32", name="tokens")
        skill = keras.Input((None,), dtype="int32", name="skills")
        idx = keras.Input((None,), dtype="int32", name="state")
        x = layers.Embedding(2 * (self.n_skills + 1) + 2, self.embed_dim)(tok)
        h = layers.LSTM(self.hidden, return_sequences=True)(x)
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
        """Train on ``train``; early-stop on ``valid`` when given.

        Args:
            train: training sequences.
            valid: validation sequences (a fold, never the test set).

        Returns:
            self
        """
        keras = _keras()
        self.model_ = self._build()
        b = self._batch(train)
        kwargs = {}
        callbacks = []
        if valid:
            v = self._batch(valid)
            kwargs["validation_data"] = ([v.tokens, v.skills, v.state], v.labels, v.weights)
            callbacks.append(
                keras.callbacks.EarlyStopping(patience=self.patience, restore_best_weights=True)
            )
        hist = self.model_.fit(
            [b.tokens, b.skills, b.state],
            b.labels,
            sample_weight=b.weights,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=True,
            callbacks=callbacks,
            verbose=self.verbose,
            **kwargs,
        )
        self.history_ = {k: [float(x) for x in v] for k, v in hist.history.items()}
        return self

    def predict_sequences(self, seqs: list[Sequence]) -> list[np.ndarray]:
        """Predicted P(correct) of every row (same protocol as training).

        Returns:
            One float array (T,) per input sequence.
        """
        if self.model_ is None:
            raise RuntimeError("DKT is not fitted")
        b = self._batch(seqs)
        p = self.model_.predict([b.tokens, b.skills, b.state], batch_size=256, verbose=0)[..., 0]
        flat = p[b.weights > 0]
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
        sk[:, t] = skills
        state = np.zeros((n, self.max_len), np.int32)
        state[:, t] = t
        p = np.asarray(self.model_.predict_on_batch([tokens, sk, state]))[:, t, 0]
        return {int(k): float(v) for k, v in zip(skills, p)}

    def save(self, path: str) -> None:
        """Save the Keras model (``.keras`` file)."""
        self.model_.save(path)
