"""Train the Rasa model when its inputs change, and run the two servers.

Rasa runs in its own Python 3.10 virtual environment (``.venv-rasa``); the
action server runs in this one. Both are child processes whose output goes to
``var/logs/``. The same code starts the servers for ``python -m assistant run``
and for the end-to-end tests.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
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


def endpoints_file(settings: Settings) -> str:
    """The profile's endpoints file: the production one adds the Redis lock store."""
    return "endpoints.production.yml" if settings.profile == "production" else "endpoints.yml"


def lock_store_environment(url: str) -> dict[str, str]:
    """``LOCK_STORE_*`` for endpoints.production.yml from a ``redis://[:password@]host[:port][/db]`` URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "redis":
        raise LaunchError(f"LOCK_STORE_URL must be a redis:// URL, not {url!r}")
    return {
        "LOCK_STORE_HOST": parts.hostname or "127.0.0.1",
        "LOCK_STORE_PORT": str(parts.port or 6379),
        "LOCK_STORE_DB": parts.path.strip("/") or "0",
        "LOCK_STORE_PASSWORD": urllib.parse.unquote(parts.password or ""),
    }


def check_profile(settings: Settings) -> None:
    """The production profile refuses the embedded SQLite stores: replicas must share real servers."""
    if settings.profile != "production":
        return
    local = [name for name, url in (("ASSISTANT_DB_URL", settings.db_url), ("TRACKER_STORE_URL", settings.tracker_url))
             if url.startswith("sqlite")]
    if local:
        raise LaunchError(f"the production profile needs {' and '.join(local)} set to a PostgreSQL URL "
                          "(see docs/configuration.md)")


def rasa_environment(settings: Settings, action_port: int) -> dict[str, str]:
    """Environment for any ``rasa`` command: the endpoints files read these variables."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONPATH=str(PROJECT_ROOT),
        ACTION_SERVER_URL=f"http://{settings.host}:{action_port}/webhook",
        TRACKER_STORE_URL=settings.tracker_url,
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    if settings.profile == "production":
        env.update(lock_store_environment(settings.lock_store_url))
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
    """One running Rasa server and its action server, with the URLs to talk to them."""

    rasa_url: str
    action_url: str
    token: str
    processes: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def terminate(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)

    def stop(self) -> None:
        self.terminate()
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


@dataclass(frozen=True)
class ServerCommand:
    """How to start one server process: what ``running_replicas`` spawns and ``serve`` executes."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path


def _replica_label(replica: int, separator: str) -> str:
    """Nothing for the first replica (so a single pair keeps its plain names), else the number."""
    return "" if replica == 1 else f"{separator}{replica}"


def action_server_command(settings: Settings, port: int, replica: int = 1) -> ServerCommand:
    """The action server (rasa-sdk app with metrics) on ``port``, bound to ``ASSISTANT_HOST``."""
    check_profile(settings)
    env = dict(os.environ, SANIC_HOST=settings.host, ASSISTANT_VAR_DIR=str(settings.var_dir),
               ASSISTANT_DB_URL=settings.db_url, ASSISTANT_CACHE_DIR=str(settings.cache_dir),
               PATHWISE_MODELS_DIR=str(settings.models_dir), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=str(PROJECT_ROOT))
    argv = [sys.executable, "-m", "assistant.action_server", "--actions", "actions", "--host", settings.host,
            "--port", str(port)]
    return ServerCommand(f"action server{_replica_label(replica, ' ')}", argv, env,
                         settings.var_dir / "logs" / f"action-server{_replica_label(replica, '-')}.log")


def check_rasa_model(model: Path) -> None:
    """Refuse a missing or unreadable model archive: ``rasa run`` would start without a model and stay silent."""
    if not model.is_file():
        raise LaunchError(f"the Rasa model {model} is missing: run 'make train' (or 'python -m assistant run')")
    try:  # one pass: the tar structure, then the rest of the gzip stream, so its checksum is verified
        with gzip.open(model) as stream:
            with tarfile.open(fileobj=stream, mode="r|") as archive:
                if not any(True for _ in archive):
                    raise tarfile.TarError("empty archive")
            while stream.read(1 << 20):
                pass
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise LaunchError(f"the Rasa model {model} is corrupt ({error}); delete it and run 'make train'") from None


def rasa_server_command(settings: Settings, model: Path, port: int, action_port: int, cors: str | None = None,
                        replica: int = 1) -> ServerCommand:
    """``rasa run`` with the REST and socket.io channels and the token-protected HTTP API."""
    check_profile(settings)
    check_rasa_model(model)
    # assistant.rasa_server is `rasa` with a fix for a per-turn cost of Rasa 3.6 (see its docstring).
    argv = [str(rasa_executable().with_name("python")), "-m", "assistant.rasa_server", "run", "--model", str(model), "--endpoints", endpoints_file(settings),
            "--credentials", "credentials.yml", "--enable-api", f"--auth-token={settings.secret('rasa_token')}",
            "--interface", settings.host, "--port", str(port)]
    if cors:
        argv += ["--cors", cors]
    return ServerCommand(f"Rasa server{_replica_label(replica, ' ')}", argv, rasa_environment(settings, action_port),
                         settings.var_dir / "logs" / f"rasa{_replica_label(replica, '-')}.log")


def _spawn(command: ServerCommand) -> tuple[str, subprocess.Popen[bytes], Path]:
    command.log.parent.mkdir(parents=True, exist_ok=True)
    handle = command.log.open("ab")
    process = subprocess.Popen(command.argv, cwd=PROJECT_ROOT, env=command.env, stdout=handle,
                               stderr=subprocess.STDOUT, start_new_session=True)
    return command.name, process, command.log


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
def running_replicas(settings: Settings, model: Path, ports: list[tuple[int, int]],
                     cors: str | None = None) -> Iterator[list[Servers]]:
    """Start one Rasa server and one action server per ``(rasa_port, action_port)`` pair, all at once.

    Rasa server *i* calls action server *i*. Wait until every one answers, stop them all on exit.
    """
    token = settings.secret("rasa_token")
    replicas = [Servers(rasa_url=f"http://{settings.host}:{rasa_port}",
                        action_url=f"http://{settings.host}:{action_port}/webhook", token=token)
                for rasa_port, action_port in ports]
    try:
        for replica, (servers, (rasa_port, action_port)) in enumerate(zip(replicas, ports, strict=True), start=1):
            servers.processes.append(_spawn(action_server_command(settings, action_port, replica)))
            servers.processes.append(_spawn(rasa_server_command(settings, model, rasa_port, action_port, cors,
                                                                replica)))
        for servers, (_, action_port) in zip(replicas, ports, strict=True):
            _wait_until(servers, f"http://{settings.host}:{action_port}/health", "action server", 120)
            servers.warm_up()
        for servers in replicas:
            _wait_until(servers, f"{servers.rasa_url}/status?token={token}", "Rasa server", 400)
        yield replicas
    finally:
        for servers in replicas:
            servers.terminate()
        for servers in replicas:
            servers.stop()


@contextmanager
def running_servers(settings: Settings, model: Path, rasa_port: int, action_port: int,
                    cors: str | None = None) -> Iterator[Servers]:
    """Start the action server and Rasa, wait until both answer, stop them on exit."""
    with running_replicas(settings, model, [(rasa_port, action_port)], cors) as (servers,):
        yield servers
