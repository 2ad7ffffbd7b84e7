"""Tap-to-sync: taps snapped to the vocal's onsets."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.sing.tapsync import snap_taps, sync_lines, vocal_onsets

SR = 44100


def tone_vocal(onsets: list[float], seconds: float, note_s: float = 0.35, seed: int = 0) -> np.ndarray:
    """A "voice" of harmonic tones starting at ``onsets`` with a little breath noise in between."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    out = rng.standard_normal(n).astype(np.float32) * 1e-3
    pitches = [220.0, 247.0, 262.0, 294.0, 330.0]
    for k, t0 in enumerate(onsets):
        a, b = int(t0 * SR), min(n, int((t0 + note_s) * SR))
        t = np.arange(b - a) / SR
        f = pitches[k % len(pitches)]
        env = np.minimum(1.0, t / 0.01) * np.minimum(1.0, (note_s - t) / 0.03)
        out[a:b] += env * sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, 6)) * 0.2
    return out


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
