"""Security settings that need no running server: secrets, bind address, start-up checks."""

from __future__ import annotations

import re
import stat
import subprocess
import tarfile
from dataclasses import replace

import pytest

from assistant.action_server import check_recommender
from assistant.config import PROJECT_ROOT
from assistant.launcher import LaunchError, action_server_command, check_rasa_model
from recsys import artifacts

# Shapes of real credentials, and secret-looking names given a literal value.
TOKEN_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),  # Slack
    re.compile(r"\b\d{8,10}:AA[0-9A-Za-z_-]{33}\b"),  # Telegram bot token
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key
    re.compile(r"\bgh[pousr]_[0-9A-Za-z]{36}\b"),  # GitHub token
    re.compile(r"(?i)\b\w*(token|secret|password|passwd|api_key)\w*\s*[:=]\s*[\"'][^\"'\s${}<>]{16,}[\"']"),
]


def tracked_files() -> list[str]:
    try:
        result = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in result.stdout.decode().split("\0") if name]


def test_no_secret_is_tracked_in_the_repository():
    local_secrets = [p.read_text().strip() for p in (PROJECT_ROOT / "var" / "secrets").glob("*") if p.is_file()]
    found = []
    for name in tracked_files():
        if name == "tests/test_security_config.py":
            continue
        try:
            content = (PROJECT_ROOT / name).read_text()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        found += [f"{name}: {m.group(0)[:40]}" for pattern in TOKEN_PATTERNS for m in pattern.finditer(content)]
        found += [f"{name}: a value from var/secrets" for secret in local_secrets if secret and secret in content]
    assert not found


def test_generated_secrets_stay_out_of_git_and_are_private(settings, monkeypatch):
    monkeypatch.delenv("ASSISTANT_RATE_TOKEN_FOR_TEST", raising=False)
    value = settings.secret("rate_token_for_test")
    path = settings.var_dir / "secrets" / "rate_token_for_test"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(value) >= 32
    assert settings.secret("rate_token_for_test") == value  # stable across restarts
    monkeypatch.setenv("ASSISTANT_RATE_TOKEN_FOR_TEST", "from-the-environment")
    assert settings.secret("rate_token_for_test") == "from-the-environment"
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/secrets/rasa_token"], cwd=PROJECT_ROOT)
    assert ignored.returncode == 0


def test_action_server_binds_to_the_configured_internal_address(settings):
    argv = action_server_command(settings, 5055).argv
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    argv = action_server_command(replace(settings, host="10.1.2.3"), 5055).argv
    assert argv[argv.index("--host") + 1] == "10.1.2.3"


def test_a_missing_or_corrupt_rasa_model_is_named(tmp_path):
    model = tmp_path / "model.tar.gz"
    with pytest.raises(LaunchError, match=f"the Rasa model {model} is missing"):
        check_rasa_model(model)
    model.write_bytes(b"not a model")
    with pytest.raises(LaunchError, match=f"the Rasa model {model} is corrupt"):
        check_rasa_model(model)
    (tmp_path / "metadata.json").write_text("{}")
    with tarfile.open(model, "w:gz") as archive:
        archive.add(tmp_path / "metadata.json", arcname="metadata.json")
    check_rasa_model(model)
    model.write_bytes(model.read_bytes()[:-20])
    with pytest.raises(LaunchError, match="is corrupt"):
        check_rasa_model(model)


def test_action_server_start_check_names_the_recommender_file(tmp_path):
    check_recommender(tmp_path)  # no artifact yet: the recommender falls back to content + popularity
    folder = artifacts.save_model({"tiny": True}, "hybrid", version="v1", root=tmp_path)
    artifacts.promote("v1", tmp_path)
    check_recommender(tmp_path)
    (folder / artifacts.MODEL_FILE).write_bytes(b"x")
    with pytest.raises(artifacts.ArtifactError, match=str(folder / artifacts.MODEL_FILE)):
        check_recommender(tmp_path)
