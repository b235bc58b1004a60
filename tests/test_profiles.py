"""The embedded and production profiles: settings, the endpoints files' variables, the Procfile."""

from __future__ import annotations

import os
import re
import shlex
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import yaml

from assistant.__main__ import build_parser
from assistant.config import PROJECT_ROOT, Settings
from assistant.launcher import (LaunchError, action_server_command, check_profile, endpoints_file,
                                lock_store_environment, rasa_environment)

PG = "postgresql+psycopg://app@db.internal:5432/pathwise"
PG_TRACKER = "postgresql://app@db.internal:5432/pathwise_tracker"


@pytest.fixture
def production(settings: Settings) -> Settings:
    return replace(settings, profile="production", db_url=PG, tracker_store_url=PG_TRACKER,
                   lock_store_url="redis://:s%40cret@redis.internal:6380/3")


def test_the_profile_and_stores_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_PROFILE", "production")
    monkeypatch.setenv("TRACKER_STORE_URL", PG_TRACKER)
    monkeypatch.setenv("LOCK_STORE_URL", "redis://redis.internal:6379/2")
    settings = Settings.from_env()
    assert (settings.profile, settings.tracker_url, settings.lock_store_url) == (
        "production", PG_TRACKER, "redis://redis.internal:6379/2")


def test_an_unknown_profile_is_refused(monkeypatch):
    monkeypatch.setenv("ASSISTANT_PROFILE", "staging")
    with pytest.raises(ValueError, match="embedded, production"):
        Settings.from_env()


def test_the_embedded_tracker_store_follows_the_var_folder(settings: Settings, monkeypatch):
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    env = rasa_environment(replace(settings, tracker_store_url=None), 5055)
    assert env["TRACKER_STORE_URL"] == f"sqlite:///{(settings.var_dir / 'tracker.db').resolve()}"
    assert endpoints_file(settings) == "endpoints.yml"
    assert not any(name.startswith("LOCK_STORE_") for name in set(env) - set(os.environ))


def test_the_lock_store_url_is_split_for_rasa():
    assert lock_store_environment("redis://:s%40cret@redis.internal:6380/3") == {
        "LOCK_STORE_HOST": "redis.internal", "LOCK_STORE_PORT": "6380", "LOCK_STORE_DB": "3",
        "LOCK_STORE_PASSWORD": "s@cret"}
    assert lock_store_environment("redis://localhost") == {
        "LOCK_STORE_HOST": "localhost", "LOCK_STORE_PORT": "6379", "LOCK_STORE_DB": "0", "LOCK_STORE_PASSWORD": ""}
    with pytest.raises(LaunchError, match="redis://"):
        lock_store_environment("memcached://localhost")


def test_every_variable_of_the_production_endpoints_is_set(production: Settings):
    assert endpoints_file(production) == "endpoints.production.yml"
    lines = (PROJECT_ROOT / "endpoints.production.yml").read_text().splitlines()
    wanted = set(re.findall(r"\$\{(\w+)\}", "\n".join(line for line in lines if not line.startswith("#"))))
    assert {"LOCK_STORE_HOST", "TRACKER_STORE_URL", "ACTION_SERVER_URL"} <= wanted
    env = rasa_environment(production, 5056)
    assert {name: env[name] for name in wanted} == {
        "ACTION_SERVER_URL": f"http://{production.host}:5056/webhook", "TRACKER_STORE_URL": PG_TRACKER,
        "LOCK_STORE_HOST": "redis.internal", "LOCK_STORE_PORT": "6380", "LOCK_STORE_DB": "3",
        "LOCK_STORE_PASSWORD": "s@cret"}
    assert "lock_store" not in (PROJECT_ROOT / "endpoints.yml").read_text()


@pytest.mark.parametrize("field", ["db_url", "tracker_store_url"])
def test_production_refuses_sqlite_stores(production: Settings, field: str):
    check_profile(production)
    local = replace(production, **{field: f"sqlite:///{production.var_dir / 'x.db'}"})
    with pytest.raises(LaunchError, match="PostgreSQL"):
        action_server_command(local, 5055)


def test_replicas_get_their_own_log_and_name(production: Settings):
    first, second = action_server_command(production, 5055, 1), action_server_command(production, 5056, 2)
    assert (first.name, first.log.name) == ("action server", "action-server.log")
    assert (second.name, second.log.name) == ("action server 2", "action-server-2.log")
    assert second.argv[-2:] == ["--port", "5056"] and second.env["ASSISTANT_DB_URL"] == PG


def test_every_procfile_process_is_a_valid_command():
    lines = [line for line in (PROJECT_ROOT / "Procfile").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    processes = dict(line.split(": ", 1) for line in lines)
    served = []
    for command in processes.values():
        argv = shlex.split(command)
        assert argv[:3] == [".venv/bin/python", "-m", "assistant"], command
        args = build_parser().parse_args(argv[3:])
        if args.command == "serve":
            served.append((args.server, args.replica))
    assert sorted(served) == [("action", 1), ("action", 2), ("rasa", 1), ("rasa", 2)]


def test_servers_starting_together_agree_on_a_generated_secret(settings: Settings, monkeypatch):
    monkeypatch.delenv("ASSISTANT_RASA_TOKEN", raising=False)
    start = threading.Barrier(16)

    def read() -> str:
        start.wait()
        return settings.secret("rasa_token")

    with ThreadPoolExecutor(16) as pool:
        values = set(pool.map(lambda _: read(), range(16)))
    assert len(values) == 1
    folder = settings.var_dir / "secrets"
    assert [p.name for p in folder.iterdir()] == ["rasa_token"]
    assert (folder / "rasa_token").stat().st_mode & 0o777 == 0o600


def test_both_endpoints_files_share_the_action_endpoint_and_tracker_store():
    embedded, production = (yaml.safe_load((PROJECT_ROOT / name).read_text())
                            for name in ("endpoints.yml", "endpoints.production.yml"))
    for block in ("action_endpoint", "tracker_store"):
        assert production[block] == embedded[block], block
    assert production["lock_store"]["type"] == "assistant.rasa_lock_store.AtomicRedisLockStore"
