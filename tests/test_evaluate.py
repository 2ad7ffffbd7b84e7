"""soundnet-eval on real MUSDB18 previews (skipped where ../shared/data is absent)."""

import json

import numpy as np
import pytest

from soundnet_app import evaluate

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


def test_ideal_ratio_mask_adds_up():
    rng = np.random.default_rng(0)
    refs = {"vocals": rng.standard_normal((20000, 2)).astype(np.float32),
            "accompaniment": rng.standard_normal((20000, 2)).astype(np.float32)}
    mixture = refs["vocals"] + refs["accompaniment"]
    est = evaluate.ideal_ratio_mask(refs, mixture)
    np.testing.assert_allclose(est["vocals"] + est["accompaniment"], mixture, atol=1e-4)


def test_missing_root_is_a_clear_error(tmp_path, capsys):
    assert evaluate.main([str(tmp_path), "--no-model"]) == 2
    assert "no *.stem.mp4 tracks" in capsys.readouterr().err
