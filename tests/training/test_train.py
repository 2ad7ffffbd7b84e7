"""Training helpers: the learning-rate schedule and snapshot averaging."""

import numpy as np
import pytest

from soundnet_app.training import train


def test_cosine_schedule_runs_from_base_to_floor():
    assert train.learning_rate(0.0, 1e-3, 0.05) == pytest.approx(1e-3)
    assert train.learning_rate(0.5, 1e-3, 0.05) == pytest.approx(0.525e-3)
    assert train.learning_rate(1.0, 1e-3, 0.05) == pytest.approx(0.05e-3)
    assert train.learning_rate(2.0, 1e-3, 0.05) == pytest.approx(0.05e-3)


def test_average_of_snapshots_is_the_mean_of_each_weight(tmp_path):
    from soundnet_app.separation.model import build_unet, load_model
    from soundnet_app.separation.transforms import MODEL_BINS

    paths, weights = [], []
    for seed in range(3):
        model = build_unet(n_bins=MODEL_BINS)
        model.set_weights([np.random.default_rng(seed).normal(size=w.shape).astype("float32")
                           for w in model.get_weights()])
        paths.append(tmp_path / f"step-{seed}.weights.h5")
        model.save_weights(paths[-1])
        weights.append(model.get_weights())
    out = tmp_path / "averaged.keras"
    assert train.main(["--average", *map(str, paths), "--export", str(out)]) == 0
    averaged = load_model(out).get_weights()
    for i in (0, len(averaged) // 2, -1):
        expected = np.mean([w[i] for w in weights], axis=0)
        np.testing.assert_allclose(averaged[i], expected, rtol=2e-3, atol=2e-3)  # float16 storage


def test_windowed_sdr_measures_the_error_level():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(44100 * 4, 2)).astype(np.float32)
    noise = rng.normal(size=reference.shape).astype(np.float32)
    assert train._windowed_sdr(reference, reference + 0.1 * noise) == pytest.approx(20.0, abs=0.2)
    assert train._windowed_sdr(reference, reference + 1.0 * noise) == pytest.approx(0.0, abs=0.2)
    silent = np.zeros_like(reference)
    assert np.isnan(train._windowed_sdr(silent, noise))  # silent windows are not scored


@pytest.mark.data
@pytest.mark.slow
def test_validation_sdr_of_the_bundled_model(musdb_root, model_path):
    """The in-training validation score is close to museval's for the shipped model (7.1 / 10.5 dB)."""
    from soundnet_app.separation.model import load_model
    from soundnet_app.training import data

    tracks = data.spectrogram_bank(data.list_stem_tracks(musdb_root, "train", "valid")[:3])
    sdr = train.validation_sdr(load_model(model_path), tracks, mask_power=1.0)
    assert sdr["vocals"] > 5.0 and sdr["accompaniment"] > 8.0


def test_port_spleeter_needs_export():
    with pytest.raises(SystemExit):
        train.main(["--port-spleeter", "whatever.whl"])
