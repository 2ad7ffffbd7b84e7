"""Vocal removal steps: the exponent each step means, and the stem cache key that follows it (no TensorFlow)."""

from __future__ import annotations

from soundnet_app.separation.catalog import default_model_path, model_info, model_version, model_version_of
from soundnet_app.separation.removal import STANDARD, mask_power_for, valid_step


def test_steps_scale_the_models_tuned_exponent_and_standard_is_the_model_own():
    path = default_model_path()
    tuned = model_info(path).settings.mask_power
    assert mask_power_for(STANDARD, path) is None  # the model's own value: today's cache entries stay valid
    assert mask_power_for("gentle", path) == tuned * 0.5
    assert mask_power_for("strongest", path) == tuned * 2
    assert valid_step("nonsense") == STANDARD and valid_step(3) == STANDARD


def test_each_strength_has_its_own_cache_key_equal_to_the_separators():
    path = default_model_path()
    settings = model_info(path).settings
    strong = mask_power_for("strong", path)
    assert model_version_of(path) == model_version(path, settings)
    assert model_version_of(path, strong) == model_version(path, settings.replace(mask_power=strong))
    assert model_version_of(path, strong) != model_version_of(path)
