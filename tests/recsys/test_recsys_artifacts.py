"""Versioned artifacts: round trip, metadata, lazy loading, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recsys import artifacts
from recsys.data import matrix_hash
from recsys.models.ease import EASE


@pytest.fixture
def saved(tmp_path, tiny):
    x, *_ = tiny
    model = EASE(l2=10.0).fit(x, show_progress=False)
    folder = artifacts.save_model(model, "ease", version="v1", data_hash=matrix_hash(x), metrics={"ndcg@10": 0.5}, root=tmp_path)
    return tmp_path, folder, model, x


def test_round_trip_and_metadata(saved):
    root, folder, model, x = saved
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["name"] == "ease" and meta["params"] == {"l2": 10.0, "binarize": True}
    assert meta["data_hash"] == matrix_hash(x) and meta["metrics"] == {"ndcg@10": 0.5}
    assert meta["created_at"] and len(meta["files"]["model.pkl"]) == 64
    loaded = artifacts.load_model("v1", root=root)
    np.testing.assert_allclose(loaded.score(x[:3]), model.score(x[:3]))
    assert artifacts.list_versions(root) == ["v1"]


def test_existing_version_is_not_overwritten(saved):
    root, _folder, model, _x = saved
    with pytest.raises(artifacts.ArtifactError, match="already exists"):
        artifacts.save_model(model, "ease", version="v1", root=root)


def test_missing_model_file_names_the_file(saved):
    root, folder, *_ = saved
    (folder / "model.pkl").unlink()
    with pytest.raises(artifacts.ArtifactError, match=r"missing artifact file .*v1.model\.pkl"):
        artifacts.load_model("v1", root=root)


def test_corrupt_model_file_names_the_file(saved):
    root, folder, *_ = saved
    path = folder / "model.pkl"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(artifacts.ArtifactError, match=r"corrupt artifact file .*model\.pkl"):
        artifacts.load_model("v1", root=root)


def test_corrupt_metadata_names_the_file(saved):
    root, folder, *_ = saved
    (folder / "metadata.json").write_text("{not json")
    with pytest.raises(artifacts.ArtifactError, match=r"corrupt artifact file .*metadata\.json"):
        artifacts.load_model("v1", root=root)


def test_no_artifacts_and_unknown_version(tmp_path):
    with pytest.raises(artifacts.ArtifactError, match="no model artifacts"):
        artifacts.load_model(root=tmp_path)
    with pytest.raises(artifacts.ArtifactError, match="missing artifact file"):
        artifacts.load_model("nope", root=tmp_path)


def test_lazy_model_loads_on_first_use(saved):
    root, _folder, model, _x = saved
    lazy = artifacts.LazyModel(root=root)
    assert not lazy.loaded
    recs = lazy.recommend([0, 1], n=3)
    assert lazy.loaded and [r.item for r in recs] == [r.item for r in model.recommend([0, 1], n=3)]


def test_lazy_model_error_surfaces_at_use(tmp_path):
    lazy = artifacts.LazyModel(root=tmp_path)
    with pytest.raises(artifacts.ArtifactError):
        lazy.recommend([0])


def test_verify_checks_the_file_without_loading_it(saved, monkeypatch):
    root, folder, *_ = saved
    monkeypatch.setattr(artifacts.pickle, "load", lambda _fh: pytest.fail("verify must not unpickle"))
    assert artifacts.verify("v1", root=root) == folder / "model.pkl"
    path = folder / "model.pkl"
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(artifacts.ArtifactError, match=r"corrupt artifact file .*model\.pkl: checksum"):
        artifacts.verify("v1", root=root)
