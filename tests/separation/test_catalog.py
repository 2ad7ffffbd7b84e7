"""The model catalogue: bundled models, their tuned settings, versions without TensorFlow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from soundnet_app.separation import catalog


def test_default_model_is_the_spleeter_port_and_listed_first():
    models = catalog.available_models()
    assert [m.path.name for m in models][:1] == [catalog.DEFAULT_MODEL_NAME]
    assert {m.path.name for m in models} >= {"spleeter-2stems.keras", "soundnet.keras"}
    assert catalog.default_model_path().name == catalog.DEFAULT_MODEL_NAME
    # Each model keeps the settings that scored best with it on validation.
    settings = {m.path.name: m.settings.mask_power for m in models}
    assert settings["spleeter-2stems.keras"] == 1.0 and settings["soundnet.keras"] == 0.5


def test_environment_overrides_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SOUNDNET_MODEL", str(tmp_path / "mine.keras"))
    assert catalog.default_model_path() == tmp_path / "mine.keras"


def test_version_follows_file_and_settings(tmp_path):
    source = catalog.models_dir() / "soundnet.keras"
    copy = tmp_path / "soundnet.keras"
    shutil.copy(source, copy)
    base = catalog.model_version(copy)
    assert catalog.model_version(copy, catalog.SeparationSettings()) == base  # no sidecar: defaults
    (tmp_path / "soundnet.json").write_text(json.dumps({"settings": {"mask_power": 2.0}}))
    assert catalog.model_info(copy).settings.mask_power == 2.0
    assert catalog.model_version(copy) != base
    with open(copy, "ab") as f:
        f.write(b"\0")
    assert catalog.model_version(copy, catalog.SeparationSettings()) != base


@pytest.mark.parametrize("sidecar", ["{not json", json.dumps({"settings": {"no_such": 1}}), json.dumps([1, 2])])
def test_a_broken_sidecar_falls_back_to_defaults(tmp_path, sidecar):
    model = tmp_path / "m.keras"
    model.write_bytes(b"x")
    (tmp_path / "m.json").write_text(sidecar)
    info = catalog.model_info(model)
    assert info.settings == catalog.SeparationSettings() and info.name == "m"


def test_version_needs_no_tensorflow():
    """The app looks up cached stems before the network has loaded."""
    code = (
        "import sys; from soundnet_app.separation import catalog; "
        "print(catalog.model_version(catalog.default_model_path())); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.strip()) == 16
