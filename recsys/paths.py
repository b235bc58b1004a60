"""Where the recommender finds shared data and writes its artifacts.

The project never hard-codes a machine path: the shared datasets live at
``<project root>/../shared/data`` unless ``ASSISTANT_SHARED_DATA`` says
otherwise, and artifacts go under ``<project root>/models/recsys`` unless
``PATHWISE_MODELS_DIR`` says otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """Return the folder holding the real (read-only) research datasets.

    Returns:
        ``$ASSISTANT_SHARED_DATA`` when set, else ``<project root>/../shared/data``.
        The folder may not exist (a user's fresh checkout has no shared data).
    """
    env = os.environ.get("ASSISTANT_SHARED_DATA")
    return Path(env) if env else PROJECT_ROOT.parent / "shared" / "data"


def models_dir() -> Path:
    """Return the root folder of versioned recommender artifacts."""
    env = os.environ.get("PATHWISE_MODELS_DIR")
    return Path(env) if env else PROJECT_ROOT / "models" / "recsys"
