"""models list and rollback, on saved artifacts; the CLI's one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assistant.__main__ import main
from assistant.ops.online_metrics import OnlineMetrics
from assistant.ops.registry import RollbackError, format_rows, model_rows, previous_production, rollback
from recsys import artifacts
from recsys.models import make


def _save(root, version: str, ndcg: float) -> str:
    x = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.float32))
    model = make("pop").fit(x, show_progress=False)
    artifacts.save_model(model, "pop", version=version, metrics={"held_back.ndcg@10": ndcg}, root=root)
    return version


@pytest.fixture
def three_versions(tmp_path):
    root = tmp_path / "models"
    for version, ndcg in (("v1", 0.20), ("v2", 0.25), ("v3", 0.24)):
        _save(root, version, ndcg)
        artifacts.promote(version, root)
    return root


def test_models_list_marks_production_and_shows_metrics(three_versions):
    online = {"hybrid/v2": OnlineMetrics(impressions=10, lists=4, clicks=3, enrolments=1)}
    rows = model_rows(three_versions, online)
    assert [(r.version, r.in_production) for r in rows] == [("v1", False), ("v2", False), ("v3", True)]
    assert rows[1].held_back_ndcg == 0.25 and rows[1].online.click_through_rate == 0.3
    text = format_rows(rows)
    assert "* v3" in text and "30.0%" in text and "0.2500" in text


def test_rollback_defaults_to_the_previous_production_version(three_versions):
    assert previous_production(three_versions) == "v2"
    assert rollback(three_versions) == ("v3", "v2")
    assert artifacts.current_version(three_versions) == "v2"
    assert rollback(three_versions) == ("v2", "v3")  # the previous one is now v3
    assert rollback(three_versions, "v1") == ("v3", "v1")
    assert [e["version"] for e in artifacts.promotion_history(three_versions)] == ["v1", "v2", "v3", "v2", "v3", "v1"]


def test_promoting_the_current_version_again_adds_no_history(three_versions):
    artifacts.promote("v3", three_versions)
    assert len(artifacts.promotion_history(three_versions)) == 3


def test_rollback_refuses_unknown_versions_and_missing_history(tmp_path, three_versions):
    with pytest.raises(RollbackError, match="unknown model version 'v9'"):
        rollback(three_versions, "v9")
    lonely = tmp_path / "lonely"
    _save(lonely, "only", 0.1)
    artifacts.promote("only", lonely)
    with pytest.raises(RollbackError, match="no earlier production version"):
        rollback(lonely)


def test_rollback_refuses_a_corrupt_artifact(three_versions):
    (three_versions / "v1" / artifacts.MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(RollbackError, match="cannot serve v1"):
        rollback(three_versions, "v1")
    assert artifacts.current_version(three_versions) == "v3"


def test_cli_models_list_and_rollback(three_versions, settings, monkeypatch, capsys):
    monkeypatch.setenv("PATHWISE_MODELS_DIR", str(three_versions))
    monkeypatch.setenv("ASSISTANT_DB_URL", settings.db_url)
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(settings.var_dir))
    assert main(["models", "list"]) == 0
    assert "* v3" in capsys.readouterr().out
    assert main(["rollback", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown model version 'nope'") and err.count("\n") == 1
    assert main(["rollback"]) == 0
    assert "v2 is in production again (was v3)" in capsys.readouterr().out
