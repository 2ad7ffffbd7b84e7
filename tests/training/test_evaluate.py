"""soundnet-eval on real MUSDB18 previews (skipped where ../shared/data is absent)."""

import json

import numpy as np
import pytest

from soundnet_app.training import evaluate


@pytest.mark.data
@pytest.mark.slow
def test_eval_writes_the_documented_json(musdb_root, model_path, tmp_path, capsys):
    out = tmp_path / "scores.json"
    rc = evaluate.main([str(musdb_root), "--subset", "train", "--split", "valid", "--limit", "1",
                        "--model", str(model_path), "--oracle", "--json", str(out)])
    assert rc == 0
    result = json.loads(out.read_text())
    assert set(result["median"]) == {"vocals", "accompaniment"}
    assert set(result["mixture_median"]) == {"vocals", "accompaniment"}
    track = result["tracks"][0]
    assert {"name", "vocals", "accompaniment"} <= set(track)
    assert all(np.isfinite(track[k]) for k in ("vocals", "accompaniment"))
    # The ideal ratio mask is the ceiling; the mixture is the floor for vocals.
    assert result["oracle_median"]["vocals"] > result["mixture_median"]["vocals"]
    assert "median over 1 tracks" in capsys.readouterr().out


def test_ideal_ratio_mask_recovers_sources_in_separate_bands():
    t = np.arange(3 * 44100) / 44100
    tone = np.sin(2 * np.pi * 440 * t)[:, None].repeat(2, axis=1).astype(np.float32)
    high = np.sin(2 * np.pi * 5000 * t)[:, None].repeat(2, axis=1).astype(np.float32)
    refs = {"vocals": tone, "accompaniment": high}
    est = evaluate.ideal_ratio_mask(refs, tone + high)
    snr = 10 * np.log10(np.sum(tone**2) / np.sum((est["vocals"] - tone) ** 2))
    assert snr > 30


def test_missing_model_is_a_clear_error(musdb_root, tmp_path, capsys):
    rc = evaluate.main([str(musdb_root), "--subset", "train", "--model", str(tmp_path / "none.keras")])
    assert rc == 2
    assert "model not found" in capsys.readouterr().err


def test_missing_root_is_a_clear_error(tmp_path, capsys):
    assert evaluate.main([str(tmp_path), "--no-model"]) == 2
    assert "no *.stem.mp4 tracks" in capsys.readouterr().err
