"""Recommender models and baselines, all behind :class:`recsys.base.RecommenderBase`.

Import light: the registry maps names to ``module:Class`` strings and imports
a model (and its heavy dependency: implicit, cornac/torch, keras) only when
:func:`make` asks for it.
"""

from __future__ import annotations

import importlib
from typing import Any

REGISTRY: dict[str, str] = {
    "pop": "recsys.models.popularity:Popularity",
    "itemknn": "recsys.models.itemknn:ItemKNN",
    "ease": "recsys.models.ease:EASE",
    "svd": "recsys.models.svd:SVDProfiles",
    "als": "recsys.models.implicit_mf:ALS",
    "bpr": "recsys.models.implicit_mf:BPR",
    "bivae": "recsys.models.bivae:BiVAE",
    "keras": "recsys.models.keras_profile:KerasProfile",
    "keras_seq": "recsys.models.keras_sequence:KerasSequence",
    "markov": "recsys.models.markov:Markov",
    "hybrid": "recsys.models.hybrid:Hybrid",
}


def model_class(name: str) -> type:
    """Return the model class registered under ``name``.

    Raises:
        KeyError: For an unknown name, listing the known ones.
    """
    try:
        target = REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def make(name: str, **params: Any):
    """Instantiate the model registered under ``name`` with ``params``."""
    return model_class(name)(**params)
