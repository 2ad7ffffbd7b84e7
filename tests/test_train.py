"""Training helpers: the learning-rate schedule and snapshot averaging."""

import numpy as np
import pytest

from soundnet_app import train


def test_cosine_schedule_runs_from_base_to_floor():
    assert train.learning_rate(0.0, 1e-3, 0.05) == pytest.approx(1e-3)
    assert train.learning_rate(0.5, 1e-3, 0.05) == pytest.approx(0.525e-3)
    assert train.learning_rate(1.0, 1e-3, 0.05) == pytest.approx(0.05e-3)
    assert train.learning_rate(2.0, 1e-3, 0.05) == pytest.approx(0.05e-3)


def test_average_of_snapshots_is_the_mean_of_each_weight(tmp_path):
    from soundnet_app.model import build_unet, load_model
    from soundnet_app.transforms import MODEL_BINS

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
