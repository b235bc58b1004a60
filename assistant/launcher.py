"""Train the Rasa model when its inputs change, and run the two servers.

Rasa runs in its own Python 3.10 virtual environment (``.venv-rasa``); the
action server runs in this one. Both are child processes whose output goes to
``var/logs/``. The same code starts the servers for ``python -m assistant run``
and for the end-to-end tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
DEMO_CATALOG = sorted((PROJECT_ROOT / "data" / "catalog").glob("*.csv"))
RASA_DATA = ["data/nlu", "data/rules", "data/stories"]
# Everything that changes the trained Rasa model.
RASA_INPUTS = ["domain.yml", "config.yml", *RASA_DATA, "data/sentiment", "assistant/nlu", "requirements-rasa.txt"]


class LaunchError(RuntimeError):
    """A server could not be trained or started; the message says why."""


def rasa_executable() -> Path:
    path = RASA_VENV / "bin" / "rasa"
    if not path.exists():
        raise LaunchError(f"{path} not found: run 'make setup' first")
    return path


def rasa_inputs_digest(root: Path = PROJECT_ROOT) -> str:
    """Hash of every file that goes into the Rasa model (names and contents)."""
    digest = hashlib.sha256()
    for entry in RASA_INPUTS:
        path = root / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".pyc" or "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode() + b"\0")
            digest.update(file.read_bytes() if file.exists() else b"<missing>")
    return digest.hexdigest()[:16]


def rasa_environment(settings: Settings, action_port: int) -> dict[str, str]:
    """Environment for any ``rasa`` command: endpoints.yml reads these variables."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONPATH=str(PROJECT_ROOT),
        ACTION_SERVER_URL=f"http://{settings.host}:{action_port}/webhook",
        TRACKER_STORE_URL=os.environ.get("TRACKER_STORE_URL")
        or f"sqlite:///{(settings.var_dir / 'tracker.db').resolve()}",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


def train_rasa_model(settings: Settings, force: bool = False) -> Path:
    """Return the trained model for the current inputs, training it if needed.

    Models are cached as ``<cache>/rasa-models/<digest>.tar.gz``, so unchanged
    inputs never retrain, and a lock keeps two processes from training at once.
    """
    models = settings.cache_dir / "rasa-models"
    models.mkdir(parents=True, exist_ok=True)
    digest = rasa_inputs_digest()
    target = models / f"{digest}.tar.gz"
    with (models / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            return target
        log = settings.var_dir / "logs" / "rasa-train.log"
        print(f"Training the Rasa model ({digest}); this takes a few minutes (log: {log})...",
              file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(dir=models) as out:
            command = [str(rasa_executable()), "train", "--config", "config.yml", "--domain", "domain.yml",
                       "--data", *RASA_DATA, "--out", out, "--fixed-model-name", digest]
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w") as handle:
                result = subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_environment(settings, settings.action_port),
                                        stdout=handle, stderr=subprocess.STDOUT)
            if result.returncode != 0:
                raise LaunchError(f"rasa train failed (exit {result.returncode}); see {log}:\n{_tail(log)}")
            shutil.move(str(Path(out) / f"{digest}.tar.gz"), target)
        return target


def prepare(settings: Settings, say: Callable[[str], None] = lambda _line: None, progress: bool = False) -> Path:
    """Everything the servers need, each step a no-op when already done: the database
    schema, the demo catalog, the course index, the recommender and the Rasa model."""
    from assistant.catalog.importer import import_catalog
    from assistant.course_search import CourseSearch
    from assistant.db.engine import session_factory
    from assistant.db.migrate import upgrade
    from assistant.recommender_training import needs_training, train_recommender

    upgrade(settings.db_url)
    sessions = session_factory(settings.db_url)
    for path in DEMO_CATALOG:
        with sessions() as session, session.begin():
            say(f"{path.name}: {import_catalog(session, path, progress=False).summary()}")
    count = CourseSearch(sessions, settings.cache_dir / "content-index").refresh(progress=progress)
    say(f"course index: {count} courses")
    if needs_training(settings.models_dir):
        train_recommender(sessions, settings.cache_dir / "content-index", settings.models_dir, say=say,
                          progress=progress)
    else:
        say("recommender: serving the production model (python -m assistant retrain brings in new data)")
    return train_rasa_model(settings)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, OSError):
        return 0, b""


@dataclass
class Servers:
    """The running Rasa and action servers, with the URLs to talk to them."""

    rasa_url: str
    action_url: str
    token: str
    processes: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def check_alive(self) -> None:
        for name, process, log in self.processes:
            if process.poll() is not None:
                raise LaunchError(f"the {name} exited (code {process.returncode}); see {log}:\n{_tail(log)}")

    def warm_up(self) -> None:
        """Ask the action server to load the encoder and the course index now.

        Best effort: if it fails, the first recommendation loads them instead.
        """
        body = json.dumps({
            "next_action": "action_warm_up",
            "sender_id": "warm-up",
            "version": "3.6.21",
            "tracker": {"sender_id": "warm-up", "slots": {}, "latest_message": {}, "events": [],
                        "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": None},
            "domain": {},
        }).encode()
        request = urllib.request.Request(self.action_url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=180) as response:
                response.read()
        except (urllib.error.URLError, OSError) as error:
            print(f"warning: action server warm-up failed ({error}); the first answer will be slower",
                  file=sys.stderr)


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("ab")
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_until(servers: Servers, url: str, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        servers.check_alive()
        status, _ = _get(url)
        if status == 200:
            return
        time.sleep(0.5)
    raise LaunchError(f"the {what} did not answer at {url} within {timeout:.0f} s")


@contextmanager
def running_servers(settings: Settings, model: Path, rasa_port: int, action_port: int,
                    cors: str | None = None) -> Iterator[Servers]:
    """Start the action server and Rasa, wait until both answer, stop them on exit."""
    token = settings.secret("rasa_token")
    logs = settings.var_dir / "logs"
    servers = Servers(
        rasa_url=f"http://{settings.host}:{rasa_port}",
        action_url=f"http://{settings.host}:{action_port}/webhook",
        token=token,
    )
    action_env = dict(os.environ, SANIC_HOST=settings.host, ASSISTANT_VAR_DIR=str(settings.var_dir),
                      ASSISTANT_DB_URL=settings.db_url, ASSISTANT_CACHE_DIR=str(settings.cache_dir),
                      PATHWISE_MODELS_DIR=str(settings.models_dir), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONPATH=str(PROJECT_ROOT))
    try:
        servers.processes.append(("action server", _spawn(
            [sys.executable, "-m", "assistant.action_server", "--actions", "actions", "--host", settings.host,
             "--port", str(action_port)],
            action_env, logs / "action-server.log"), logs / "action-server.log"))
        rasa_command = [str(rasa_executable()), "run", "--model", str(model), "--endpoints", "endpoints.yml",
                        "--credentials", "credentials.yml", "--enable-api", "--auth-token", token,
                        "--interface", settings.host, "--port", str(rasa_port)]
        if cors:
            rasa_command += ["--cors", cors]
        servers.processes.append(("Rasa server", _spawn(
            rasa_command, rasa_environment(settings, action_port), logs / "rasa.log"),
            logs / "rasa.log"))
        _wait_until(servers, f"http://{settings.host}:{action_port}/health", "action server", 120)
        servers.warm_up()
        _wait_until(servers, f"{servers.rasa_url}/status?token={token}", "Rasa server", 400)
        yield servers
    finally:
        servers.stop()
