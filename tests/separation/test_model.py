import numpy as np
import pytest

from soundnet_app.separation.catalog import available_models
from soundnet_app.separation.model import (
    ENCODER_FILTERS,
    build_unet,
    init_input_normalization,
    load_model,
)


def test_unet_shapes_and_mask_bounds():
    model = build_unet(n_bins=128)
    magnitude = np.random.default_rng(0).random((2, 64, 128, 2)).astype(np.float32) * 10
    estimates = model(magnitude, training=False).numpy()
    assert estimates.shape == (2, 64, 128, 4)
    # A sigmoid mask times the input: each source estimate lies between 0 and the mixture.
    tiled = np.concatenate([magnitude, magnitude], axis=-1)
    assert (estimates >= 0).all() and (estimates <= tiled + 1e-5).all()


def test_unet_keeps_the_original_widths():
    model = build_unet(n_bins=128)
    widths = [model.get_layer(f"enc{i}_conv").filters for i in range(len(ENCODER_FILTERS))]
    assert widths == [16, 32, 64, 128, 256, 512]


def test_bins_must_be_a_multiple_of_64():
    with pytest.raises(ValueError):
        build_unet(n_bins=100)


def test_input_normalization_standardises_log_magnitudes():
    model = build_unet(n_bins=64)
    magnitude = np.random.default_rng(1).lognormal(0, 2, (4, 64, 64, 2)).astype(np.float32)
    init_input_normalization(model, magnitude)
    normalized = model.get_layer("input_norm")(magnitude).numpy()
    assert abs(normalized.mean()) < 0.05
    assert abs(normalized.std() - 1) < 0.05


def test_saved_model_round_trips_in_safe_mode(tmp_path):
    model = build_unet(n_bins=64)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = load_model(path)
    x = np.random.default_rng(2).random((1, 64, 64, 2)).astype(np.float32)
    np.testing.assert_allclose(loaded(x, training=False), model(x, training=False), atol=1e-5)


@pytest.mark.parametrize("info", available_models(), ids=lambda info: info.path.name)
def test_every_bundled_model_loads_with_the_separator_interface(info):
    model = load_model(info.path)
    nets = 2 if any(layer.name.startswith("vocals_") for layer in model.layers) else 1
    assert model.count_params() <= nets * 10_000_000  # at most 10 M parameters per U-Net
    assert model.input_shape[-2:] == (1024, 2)
    assert model.output_shape[-1] == 4
    assert info.name and info.source  # the app's model choice and About box show these


def test_compact_save_is_small_and_close(tmp_path):
    from soundnet_app.separation.model import save_compact

    model = build_unet(n_bins=64)
    x = np.random.default_rng(3).random((1, 64, 64, 2)).astype(np.float32)
    model(x)
    plain, compact = tmp_path / "plain.keras", tmp_path / "compact.keras"
    model.save(plain)
    save_compact(model, compact)
    assert compact.stat().st_size < 0.6 * plain.stat().st_size
    loaded = load_model(compact)
    assert all(w.dtype == "float32" for w in loaded.weights)
    np.testing.assert_allclose(loaded(x, training=False), model(x, training=False), rtol=2e-2, atol=2e-2)
