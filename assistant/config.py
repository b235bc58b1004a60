"""Settings, read from environment variables with embedded defaults.

The defaults give the embedded profile: everything under ``var/`` in the
project (SQLite learner database, secrets, search index), no servers needed.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from recsys.paths import models_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pathwise"


PROFILES = ("embedded", "production")


def _profile(name: str) -> str:
    if name not in PROFILES:
        raise ValueError(f"ASSISTANT_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
    return name


@dataclass(frozen=True)
class Settings:
    """All knobs of the assistant; see docs/configuration.md."""

    var_dir: Path
    db_url: str
    cache_dir: Path
    models_dir: Path
    rasa_port: int
    action_port: int
    web_port: int
    host: str
    # Largest drop of held-back NDCG@10 (absolute) a retrained recommender may show and still be promoted.
    promote_tolerance: float = 0.01
    # Course staff's prerequisite overrides (docs/staff.md); ignored when the file is absent.
    prerequisites_file: Path = PROJECT_ROOT / "data" / "prerequisites.yml"
    # Days a conversation (Rasa's tracker events) is kept, and days a learner's records are kept after
    # their last visit; applied by `python -m assistant expire-conversations` (docs/privacy.md).
    retention_days: int = 90
    learner_retention_days: int = 365
    # "embedded" (SQLite, in-memory lock store) or "production" (PostgreSQL + Redis lock store, replicas).
    profile: str = "embedded"
    # Rasa's conversation store; None keeps it in <var_dir>/tracker.db, so a replaced var_dir moves it too.
    tracker_store_url: str | None = None
    # Redis for Rasa's lock store; only the production profile uses it.
    lock_store_url: str = "redis://127.0.0.1:6379/1"

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(os.environ.get("ASSISTANT_VAR_DIR", PROJECT_ROOT / "var"))
        return cls(
            var_dir=var_dir,
            db_url=os.environ.get("ASSISTANT_DB_URL") or f"sqlite:///{var_dir / 'assistant.db'}",
            cache_dir=Path(os.environ.get("ASSISTANT_CACHE_DIR") or _cache_home()),
            models_dir=models_dir(),
            rasa_port=int(os.environ.get("RASA_PORT", "5005")),
            action_port=int(os.environ.get("ACTION_PORT", "5055")),
            web_port=int(os.environ.get("WEB_PORT", "8080")),
            host=os.environ.get("ASSISTANT_HOST", "127.0.0.1"),
            promote_tolerance=float(os.environ.get("ASSISTANT_PROMOTE_TOLERANCE", "0.01")),
            prerequisites_file=Path(os.environ.get("ASSISTANT_PREREQUISITES")
                                    or PROJECT_ROOT / "data" / "prerequisites.yml"),
            retention_days=int(os.environ.get("ASSISTANT_RETENTION_DAYS") or 90),
            learner_retention_days=int(os.environ.get("ASSISTANT_LEARNER_RETENTION_DAYS") or 365),
            profile=_profile(os.environ.get("ASSISTANT_PROFILE") or "embedded"),
            tracker_store_url=os.environ.get("TRACKER_STORE_URL") or None,
            lock_store_url=os.environ.get("LOCK_STORE_URL") or "redis://127.0.0.1:6379/1",
        )

    @property
    def tracker_url(self) -> str:
        """The tracker store URL Rasa gets: the configured one or SQLite under ``var_dir``."""
        return self.tracker_store_url or f"sqlite:///{(self.var_dir / 'tracker.db').resolve()}"

    def secret(self, name: str) -> str:
        """A secret from the environment, or one generated once and kept in var/.

        Production sets ``ASSISTANT_<NAME>``; the embedded profile keeps a
        random value in ``var/secrets/<name>`` (mode 600) so restarts agree.
        """
        env_value = os.environ.get(f"ASSISTANT_{name.upper()}")
        if env_value:
            return env_value
        path = self.var_dir / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Servers started together (the Procfile) race here: each writes a whole file aside and
            # links it into place; the first link wins and everyone reads that one.
            draft = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()
