"""The built OpenVINO network kept in the cache folder: read back the same, rebuilt when stale or damaged."""

import os
import shutil

import numpy as np
import pytest

from soundnet_app.separation import openvino_cache
from soundnet_app.separation.openvino_net import import_openvino
from soundnet_app.separation.transforms import MODEL_BINS


@pytest.fixture
def model_copy(tmp_path, scratch_model_path):
    """A copy of the bundled from-scratch model (its modification time is the test's to change)."""
    path = tmp_path / "models" / "soundnet.keras"
    path.parent.mkdir()
    shutil.copy2(scratch_model_path, path)
    return path


@pytest.fixture
def builds(monkeypatch):
    """The model files the real builder was called for."""
    calls = []
    real = openvino_cache.build_openvino_model

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(openvino_cache, "build_openvino_model", counting)
    return calls


def _estimates(model) -> np.ndarray:
    core = import_openvino().Core()
    compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    x = np.random.default_rng(0).random((1, 64, MODEL_BINS, 2), dtype=np.float32)
    return np.array(compiled.create_infer_request().infer([x])[0])


def test_the_second_load_reads_the_saved_network_and_computes_the_same(model_copy, tmp_path, builds):
    core = import_openvino().Core()
    cache = tmp_path / "cache"
    built = openvino_cache.cached_openvino_model(core, model_copy, cache)
    entries = [p for p in cache.iterdir()]
    assert len(builds) == 1 and [p.name for p in entries] == [openvino_cache.entry_key(model_copy)]
    assert sorted(p.name for p in entries[0].iterdir()) == ["model.bin", "model.xml", "source.txt"]
    read = openvino_cache.cached_openvino_model(core, model_copy, cache)
    assert len(builds) == 1, "the second load built the network again"
    np.testing.assert_array_equal(_estimates(read), _estimates(built))


def test_a_changed_model_file_is_built_again_and_its_old_entry_removed(model_copy, tmp_path, builds):
    core = import_openvino().Core()
    cache = tmp_path / "cache"
    openvino_cache.cached_openvino_model(core, model_copy, cache)
    first = openvino_cache.entry_key(model_copy)
    st = model_copy.stat()
    os.utime(model_copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a new model in the same place
    openvino_cache.cached_openvino_model(core, model_copy, cache)
    assert len(builds) == 2
    assert [p.name for p in cache.iterdir()] == [openvino_cache.entry_key(model_copy)] != [first]


@pytest.mark.parametrize("damage", ["truncated weights", "garbage graph"])
def test_a_damaged_entry_is_built_again(model_copy, tmp_path, builds, damage):
    core = import_openvino().Core()
    cache = tmp_path / "cache"
    reference = _estimates(openvino_cache.cached_openvino_model(core, model_copy, cache))
    entry = cache / openvino_cache.entry_key(model_copy)
    if damage == "truncated weights":
        with open(entry / "model.bin", "r+b") as f:
            f.truncate(1000)
    else:
        (entry / "model.xml").write_bytes(b"<net><layers>\x00\xff")
    model = openvino_cache.cached_openvino_model(core, model_copy, cache)
    assert len(builds) == 2
    np.testing.assert_array_equal(_estimates(model), reference)
    assert openvino_cache.cached_openvino_model(core, model_copy, cache) is not None and len(builds) == 2


def test_a_cache_folder_that_cannot_be_written_costs_the_build_not_the_load(model_copy, tmp_path, builds):
    blocked = tmp_path / "a file"
    blocked.write_bytes(b"not a folder")
    core = import_openvino().Core()
    assert openvino_cache.cached_openvino_model(core, model_copy, blocked / "cache") is not None
    assert openvino_cache.cached_openvino_model(core, model_copy, blocked / "cache") is not None
    assert len(builds) == 2 and blocked.read_bytes() == b"not a folder"


def test_the_runtime_keeps_its_network_in_the_model_cache_folder(model_copy, tmp_path, monkeypatch):
    from soundnet_app.separation import runtime

    monkeypatch.setenv("SOUNDNET_MODEL_CACHE_DIR", str(tmp_path / "models cache"))
    runtime.OpenVINOForward(model_copy, "float32")
    assert (tmp_path / "models cache" / openvino_cache.entry_key(model_copy) / "model.xml").is_file()
    assert model_copy.stat().st_size == (model_copy.parent / "soundnet.keras").stat().st_size
