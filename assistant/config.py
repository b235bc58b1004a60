"""Settings, read from environment variables with embedded defaults.

The defaults give the embedded profile: everything under ``var/`` in the
project (SQLite learner database, secrets, search index), no servers needed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from recsys.paths import models_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pathwise"


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
        )

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
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()
