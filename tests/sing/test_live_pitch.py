"""The singer's live pitch: streamed blocks of any size track as the whole buffer does."""

from __future__ import annotations

import numpy as np
from voice import MELODY, SR, cents_error, sung_notes

from soundnet_app.sing.live_pitch import LivePitch
from soundnet_app.sing.pitch import HOP_S


def test_live_pitch_matches_offline_tracking():
    audio, true = sung_notes(MELODY, 5.5, seed=5)
    live = LivePitch(SR)
    rng = np.random.default_rng(0)
    i = 0
    while i < audio.size:
        n = int(rng.integers(200, 2000))  # sound cards deliver blocks of any size
        live.feed(audio[i:i + n])
        i += n
    times, f0 = live.frames()
    assert times[0] == 0 and np.allclose(np.diff(times), HOP_S)
    assert f0.size >= true.size - 20  # the last ~0.1 s waits for more input
    median, voicing = cents_error(f0, true)
    print(f"live: median error {median:.2f} cents, voicing accuracy {voicing:.3f}")
    assert median <= 25 and voicing >= 0.93
