"""Long non-ASCII titles (issue #19 item 10) and a zip-bomb model (item 11)."""

from __future__ import annotations

import numpy as np
import pytest
from hostile_inputs import SR, song, zip_bomb_keras

from soundnet_app import cli
from soundnet_app.engine.export import MAX_NAME_BYTES, export_stems, safe_filename


def test_item10_a_long_japanese_title_is_exported(tmp_path):
    v = np.zeros((SR // 10, 2), np.float32)
    paths = export_stems(tmp_path, "日本語の長い曲名" * 11, v, v)  # 88 characters, 264 bytes
    assert all(p.exists() and len(p.name.encode()) <= 255 for p in paths.values())
    assert len(safe_filename("日本語の長い曲名" * 11).encode()) <= MAX_NAME_BYTES


def test_item10_names_are_cut_at_a_character_boundary_and_stay_valid_utf8():
    for title in ("é" * 200, "🎤" * 100, "a" * 149 + "日本"):
        name = safe_filename(title)
        assert name.encode("utf-8").decode("utf-8") == name and len(name.encode()) <= MAX_NAME_BYTES
        assert title.startswith(name)
    assert safe_filename("AC/DC") == "AC DC" and safe_filename("bad\udcff") == "bad\ufffd"


def test_item11_a_zip_bomb_model_is_refused_before_it_unpacks(tmp_path, model_path, capsys):
    from soundnet_app.separation.model import check_model_archive

    bomb = zip_bomb_keras(tmp_path / "bomb.keras", inflated=256 << 20)
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(ValueError, match="damaged or not a model"):
        check_model_archive(bomb)
    check_model_archive(model_path)  # the bundled model is fine
    wav = song(tmp_path / "song.wav", seconds=1.0)
    assert cli.main([str(wav), "-o", str(tmp_path / "out"), "--model", str(bomb), "--quiet"]) == 2
    assert "damaged or not a model" in capsys.readouterr().err
