"""The one karaoke-mix formula: gains for each mode, solo and mute, and the mix itself."""

from __future__ import annotations

import numpy as np

from soundnet_app.engine.mix import (
    KARAOKE,
    ORIGINAL,
    karaoke_gains,
    karaoke_mix,
    mix_gains,
)
from soundnet_app.engine.mixer import MixParams


def test_gains_follow_mode_solo_and_mute():
    assert mix_gains(ORIGINAL, 0.7, 0.9, solo=True, mute=True) == (1.0, 0.0, 0.0)  # the original ignores the rest
    assert mix_gains(KARAOKE, 0.3, 0.8) == (0.0, 0.3, 0.8)
    assert mix_gains(KARAOKE, 0.3, 0.8, mute=True) == (0.0, 0.0, 0.8)
    assert mix_gains(KARAOKE, 0.3, 0.8, solo=True, mute=True) == (0.0, 1.0, 0.0)  # solo: vocals alone, full level
    assert karaoke_gains(0.3) == (0.3, 1.0) and karaoke_gains(0.3, 0.5, mute=True) == (0.0, 0.5)


def test_the_player_mixes_with_the_same_gains():
    for params in (MixParams(), MixParams(ORIGINAL), MixParams(KARAOKE, 0.4, 0.6, mute=True),
                   MixParams(KARAOKE, 0.4, 0.6, solo=True)):
        assert params.gains() == mix_gains(params.mode, params.vocal_level, params.instrumental_level,
                                           solo=params.solo, mute=params.mute)


def test_karaoke_mix_is_the_weighted_sum_in_float32():
    rng = np.random.default_rng(1)
    vocals, instrumental = (rng.standard_normal((1000, 2)).astype(np.float32) for _ in range(2))
    mixed = karaoke_mix(vocals, instrumental, 0.3, 0.8)
    assert mixed.dtype == np.float32 and mixed.shape == (1000, 2)
    np.testing.assert_allclose(mixed, 0.8 * instrumental + 0.3 * vocals, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(karaoke_mix(vocals, instrumental, 0.3, 0.8, mute=True),
                                  np.float32(0.8) * instrumental)
    np.testing.assert_array_equal(karaoke_mix(None, instrumental, 0.3), instrumental)  # no guide vocal
    out = np.empty_like(instrumental)
    assert karaoke_mix(vocals, instrumental, 1.0, out=out) is out  # written in place (the export's scratch)
