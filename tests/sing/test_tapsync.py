"""Tap-to-sync: taps snapped to the vocal's onsets."""

from __future__ import annotations

import numpy as np
import pytest
from voice import SR, tone_vocal

from soundnet_app.sing.tapsync import snap_taps, sync_lines, vocal_onsets


def test_tap_to_sync_snaps_line_starts_to_vocal_onsets():
    rng = np.random.default_rng(1)
    line_starts = [1.0, 3.2, 5.5, 7.9, 10.3, 12.6]
    # Each line: three notes 0.4 s apart (onsets inside the line too).
    onsets_true = sorted(t + k * 0.4 for t in line_starts for k in range(3))
    vocal = tone_vocal(onsets_true, 15.0)
    found = vocal_onsets(np.stack([vocal, vocal], axis=1), SR)
    # Every true onset is found within 20 ms, and nothing much else.
    errors = [np.min(np.abs(found - t)) for t in onsets_true]
    assert max(errors) < 0.02, errors
    assert len(found) <= len(onsets_true) + 3
    taps = [t + rng.uniform(0.05, 0.3) for t in line_starts]  # people tap late
    lyrics = sync_lines([f"line {i}" for i in range(len(line_starts))], taps, found)
    snapped = [ln.start for ln in lyrics.lines]
    assert np.max(np.abs(np.array(snapped) - line_starts)) <= 0.05, snapped
    # Without onsets the taps are kept as they are.
    assert snap_taps(taps, np.zeros(0)) == pytest.approx(taps)
