"""Versioned model artifacts under ``models/recsys/<version>/``.

Each version folder holds ``model.pkl`` (the pickled fitted model) and
``metadata.json`` (model name and class, hyper-parameters, training-data
hash, metrics, creation time, and the SHA-256 of ``model.pkl``). Loading
verifies the checksum, so a truncated or altered file fails with an
:class:`ArtifactError` naming it instead of a pickle traceback.
:class:`LazyModel` defers the load until the model is first used.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from recsys.paths import models_dir

MODEL_FILE = "model.pkl"
META_FILE = "metadata.json"
CURRENT_FILE = "CURRENT"  # names the version in production
HISTORY_FILE = "promotions.jsonl"  # one {"version", "at"} line per change of CURRENT
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ArtifactError(RuntimeError):
    """A model artifact is missing, corrupt or inconsistent (the message names the file)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return repr(value)


def new_version() -> str:
    """A fresh version name: the UTC time, e.g. ``20261204T203015Z``."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def save_model(
    model: Any,
    name: str,
    version: str | None = None,
    data_hash: str = "",
    metrics: dict[str, float] | None = None,
    extra: dict[str, Any] | None = None,
    root: Path | None = None,
) -> Path:
    """Write a fitted model and its metadata to ``<root>/<version>/``.

    Args:
        model: Fitted recommender.
        name: Registry name (``hybrid``, ``svd``, ...).
        version: Folder name; default a UTC timestamp. Existing versions are never overwritten.
        data_hash: Fingerprint of the training data (see :func:`recsys.data.matrix_hash`).
        metrics: Evaluation figures to record.
        extra: Any further JSON-able metadata.
        root: Artifact root (default :func:`recsys.paths.models_dir`).

    Returns:
        The version folder.

    Raises:
        ArtifactError: If the version exists or its name is invalid.
    """
    version = version or new_version()
    if not _VERSION.match(version):
        raise ArtifactError(f"invalid artifact version name {version!r}")
    folder = Path(root or models_dir()) / version
    if folder.exists():
        raise ArtifactError(f"artifact version already exists: {folder}")
    folder.mkdir(parents=True)
    model_path = folder / MODEL_FILE
    with open(model_path, "wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    meta = {
        "version": version,
        "name": name,
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "params": _jsonable(model.get_params() if hasattr(model, "get_params") else {}),
        "data_hash": data_hash,
        "metrics": _jsonable(metrics or {}),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": {MODEL_FILE: _sha256(model_path)},
        **_jsonable(extra or {}),
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
    return folder


def list_versions(root: Path | None = None) -> list[str]:
    """Version names that have a metadata file, oldest first (by name)."""
    base = Path(root or models_dir())
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / META_FILE).is_file())


def promote(version: str, root: Path | None = None) -> None:
    """Make ``version`` the one in production (written atomically).

    Raises:
        ArtifactError: If the version has no readable metadata.
    """
    base = Path(root or models_dir())
    read_metadata(version, base)
    pointer = base / CURRENT_FILE
    if pointer.is_file() and pointer.read_text().strip() == version:
        return
    tmp = base / f".{CURRENT_FILE}.tmp"
    tmp.write_text(version + "\n")
    tmp.replace(pointer)
    with open(base / HISTORY_FILE, "a") as fh:
        fh.write(json.dumps({"version": version, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}) + "\n")


def promotion_history(root: Path | None = None) -> list[dict[str, str]]:
    """Every promotion, oldest first (``[{"version": ..., "at": ...}, ...]``)."""
    path = Path(root or models_dir()) / HISTORY_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def current_stamp(root: Path | None = None) -> tuple[int, int, int] | None:
    """A cheap identity of the ``CURRENT`` file (inode, mtime, size); changes whenever it is rewritten."""
    try:
        stat = (Path(root or models_dir()) / CURRENT_FILE).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def current_version(root: Path | None = None) -> str | None:
    """The version in production: the promoted one, else the newest, else None."""
    base = Path(root or models_dir())
    pointer = base / CURRENT_FILE
    if pointer.is_file():
        version = pointer.read_text().strip()
        if (base / version / META_FILE).is_file():
            return version
    versions = list_versions(base)
    return versions[-1] if versions else None


def read_metadata(version: str | None = None, root: Path | None = None) -> dict[str, Any]:
    """Metadata of ``version`` (default: the newest).

    Raises:
        ArtifactError: Naming the missing or unreadable ``metadata.json``.
    """
    base = Path(root or models_dir())
    if version is None:
        versions = list_versions(base)
        if not versions:
            raise ArtifactError(f"no model artifacts found under {base}: train one first")
        version = versions[-1]
    path = base / version / META_FILE
    if not path.is_file():
        raise ArtifactError(f"missing artifact file {path}")
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"corrupt artifact file {path}: {exc}") from None
    if not isinstance(meta, dict) or "files" not in meta:
        raise ArtifactError(f"corrupt artifact file {path}: no 'files' entry")
    return meta


def verify(version: str | None = None, root: Path | None = None) -> Path:
    """Check that an artifact's model file is there and matches its checksum, without loading it.

    Returns:
        The model file.

    Raises:
        ArtifactError: Naming the missing or corrupt file.
    """
    base = Path(root or models_dir())
    meta = read_metadata(version, base)
    path = base / meta["version"] / MODEL_FILE
    if not path.is_file():
        raise ArtifactError(f"missing artifact file {path}")
    expected = meta["files"].get(MODEL_FILE)
    if expected and _sha256(path) != expected:
        raise ArtifactError(f"corrupt artifact file {path}: checksum does not match metadata.json")
    return path


def load_model(version: str | None = None, root: Path | None = None) -> Any:
    """Load and verify a model artifact (default: the newest version).

    Raises:
        ArtifactError: Naming the missing or corrupt file.
    """
    path = verify(version, root)
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a corrupt artifact
        raise ArtifactError(f"corrupt artifact file {path}: {type(exc).__name__}: {exc}") from None


class LazyModel:
    """A model artifact loaded on first use (thread-safe).

    Attribute access (``recommend``, ``score``...) triggers the load, so
    start-up stays fast and a missing artifact fails where it is used.

    Args:
        version: Version to load; None means the newest at load time.
        root: Artifact root.
    """

    def __init__(self, version: str | None = None, root: Path | None = None) -> None:
        self._version = version
        self._root = root
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the artifact has been loaded."""
        return self._model is not None

    def get(self) -> Any:
        """Return the loaded model, loading it now if needed."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model(self._version, self._root)
        return self._model

    def __getattr__(self, item: str) -> Any:
        if item.startswith("_"):
            raise AttributeError(item)
        return getattr(self.get(), item)
