"""Damaged settings files (issue #19 items 4 and 11): defaults and a message, the file kept aside, never a failed start."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hostile_inputs import nested_json, song

from soundnet_app.engine.playback import SongPrefs
from soundnet_app.jsonfile import read_json_file
from soundnet_app.separation.catalog import SeparationSettings, model_info

DAMAGED = {
    "nested": "[" * 1000,
    "nested_dict": '{"a":' * 1000,
    "truncated": '{"abc": {"key": 2, "tem',
    "not_utf8": b'{"\xff\xfe": 1}',
    "a_list": "[1, 2, 3]",
    "too_deep": json.dumps({"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
}


def _write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_item4_damaged_json_gives_defaults_a_message_and_is_set_aside(tmp_path, name):
    path = _write(tmp_path / "songs.json", DAMAGED[name])
    before = path.read_bytes()
    read = read_json_file(path, {"default": True}, what="the per-song settings")
    assert read.value == {"default": True} and read.damaged
    assert "The per-song settings (songs.json) was damaged" in read.message and "kept as songs.json.damaged-" in read.message
    assert not path.exists() and read.moved_to.read_bytes() == before
    assert read.moved_to.parent == tmp_path and read.moved_to.name.startswith("songs.json.damaged-")


def test_item4_a_sound_or_missing_file_is_no_problem(tmp_path):
    assert read_json_file(tmp_path / "missing.json", {}).value == {}
    path = _write(tmp_path / "ok.json", '{"a": {"key": 2}}')
    read = read_json_file(path, {})
    assert read.value == {"a": {"key": 2}} and not read.damaged and path.exists()


def test_item4_a_second_damaged_file_is_kept_beside_the_first(tmp_path):
    path = tmp_path / "songs.json"
    moved = []
    for _ in range(2):
        nested_json(path)
        moved.append(read_json_file(path, {}).moved_to)
    assert len(set(moved)) == 2 and all(p.exists() for p in moved)


def test_item4_song_prefs_start_over_a_nested_file(tmp_path):
    path = nested_json(tmp_path / "songs.json")
    prefs = SongPrefs(path)
    assert prefs.get("x") == {} and "damaged" in prefs.problem
    prefs.put("x", key=2)
    prefs.flush()
    assert SongPrefs(path).get("x") == {"key": 2} and SongPrefs(path).problem == ""


def _model_copy(tmp_path, model_path, sidecar: str):
    path = tmp_path / "model.keras"
    path.symlink_to(model_path)
    (tmp_path / "model.json").write_text(sidecar)
    return path


def test_item4_a_nested_model_sidecar_gives_defaults(tmp_path, model_path):
    path = _model_copy(tmp_path, model_path, "[" * 1000)
    info = model_info(path)
    assert info.settings == SeparationSettings() and info.name == "model"
    assert "damaged" in info.problems[0] and (tmp_path / "model.json").exists()  # a model's file is left as it is


@pytest.mark.parametrize("setting", [{"wiener_iterations": 1e6}, {"wiener_iterations": 2.5}, {"chunk_frames": 100},
                                     {"chunk_frames": 1 << 20}, {"overlap_seconds": math.inf},
                                     {"mask_power": -1}, {"swap_channels": "yes"}, {"bogus": 1}])
def test_item11_sidecar_settings_out_of_range_are_ignored(tmp_path, model_path, setting):
    sidecar = json.dumps({"name": "Mine", "settings": {"mask_power": 2.0, **setting}}).replace("Infinity", "1e999")
    info = model_info(_model_copy(tmp_path, model_path, sidecar))
    name = next(iter(setting))
    expected = SeparationSettings(mask_power=2.0 if name != "mask_power" else SeparationSettings().mask_power)
    assert info.settings == expected and info.name == "Mine"
    assert any(name in p for p in info.problems)


def test_item11_a_sidecar_asking_for_a_million_wiener_iterations_does_not_hang_the_cli(tmp_path, model_path):
    """The CLI separates a short song with the model anyway (the setting at its default), and says so."""
    model = _model_copy(tmp_path, model_path, json.dumps({"settings": {"wiener_iterations": 1000000}}))
    wav = song(tmp_path / "in.wav", seconds=1.0)
    done = subprocess.run([sys.executable, "-m", "soundnet_app.cli", str(wav), "-o", str(tmp_path / "out"),
                           "--model", str(model), "--quiet"], check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "wiener_iterations" in done.stderr and (tmp_path / "out" / "in" / "instrumental.wav").exists()
