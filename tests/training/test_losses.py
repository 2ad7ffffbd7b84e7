"""Training losses: what each one rewards."""

import numpy as np

from soundnet_app.training import losses


def _example(seed=0):
    """Vocals and accompaniment in disjoint bins, so |X| = |V| + |A| exactly."""
    rng = np.random.default_rng(seed)
    vocals = rng.uniform(0.1, 1, (2, 128, 64, 2)).astype("float32")
    accompaniment = rng.uniform(0.1, 1, (2, 128, 64, 2)).astype("float32")
    vocals[:, :, 32:] = 0
    accompaniment[:, :, :32] = 0
    mixture = vocals + accompaniment
    return np.concatenate([vocals, accompaniment, mixture], axis=-1)


def test_separated_mae_scores_the_soft_mask_output():
    y_true = _example()
    perfect = y_true[..., :4]
    assert float(losses.separated_mae(y_true, perfect)) < 1e-3
    # Estimates off by a common factor give the same soft mask: no loss...
    assert float(losses.separated_mae(y_true, 3 * perfect)) < 1e-3
    # ...while a vocal estimate leaking into the accompaniment bins costs.
    leaky = perfect.copy()
    leaky[..., 32:, 0:2] = 0.5 * leaky[..., 32:, 2:4]
    assert float(losses.separated_mae(y_true, leaky)) > 0.05


def test_balanced_mae_weighs_quiet_and_loud_passages_alike():
    y_true = _example()
    error = np.random.default_rng(1).uniform(0, 0.1, (2, 128, 64, 4)).astype("float32")
    y_pred = y_true[..., :4] + error
    base = float(losses.loudness_balanced_mae(y_true, y_pred))
    # Scaling a whole example (targets, estimates, mixture) leaves it unchanged.
    assert abs(float(losses.loudness_balanced_mae(10 * y_true, 10 * y_pred)) - base) < 1e-4
    # The same absolute error costs more in a quiet example than in a loud one.
    quiet = y_true.copy()
    quiet[0] *= 0.05
    quiet_pred = quiet[..., :4] + error
    assert float(losses.loudness_balanced_mae(quiet, quiet_pred)) > 2 * base


def test_a_checkpoint_compiled_with_a_custom_loss_resumes_in_safe_mode(tmp_path):
    from soundnet_app.separation.model import build_unet, keras

    model = build_unet(n_bins=64)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=losses.loudness_balanced_mae)
    x = np.random.default_rng(0).uniform(0, 1, (1, 64, 64, 2)).astype("float32")
    y = np.concatenate([model.predict(x, verbose=0), x], axis=-1)
    model.train_on_batch(x, y)
    model.save(tmp_path / "checkpoint.keras")
    resumed = keras.saving.load_model(str(tmp_path / "checkpoint.keras"), compile=True, safe_mode=True)
    assert int(resumed.optimizer.iterations) == 1
    assert float(resumed.evaluate(x, y, verbose=0)) == np.float32(model.evaluate(x, y, verbose=0))
