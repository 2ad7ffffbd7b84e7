"""Synthetic sung notes for the pitch, scoring and microphone tests."""

from __future__ import annotations

import numpy as np

from soundnet_app.sing.pitch import HOP_S

SR = 44100
# (start s, end s, MIDI note): a melody over two octaves with breaths between phrases.
MELODY = [(0.3, 0.9, 57), (1.0, 1.5, 60), (1.5, 2.2, 64), (2.5, 3.0, 67), (3.1, 3.9, 72), (4.2, 5.0, 48)]


def sung_notes(notes: list[tuple[float, float, float]], seconds: float, seed: int = 0,
               noise: float = 0.003) -> tuple[np.ndarray, np.ndarray]:
    """A "voice": vibrato sines with 6 harmonics for ``(start, end, midi)`` notes.

    Returns ``(audio (n,), true f0 on the HOP_S grid (0 where silent))``.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = np.zeros(n)
    for start, end, midi in notes:
        m = (t >= start) & (t < end)
        f[m] = 440 * 2 ** ((midi - 69) / 12) * (1 + 0.012 * np.sin(2 * np.pi * 5.5 * (t[m] - start)))
    phase = 2 * np.pi * np.cumsum(f) / SR
    env = np.zeros(n)
    for start, end, _ in notes:
        m = (t >= start) & (t < end)
        env[m] = np.minimum(1, np.minimum(t[m] - start, end - t[m]) / 0.02)
    voice = env * sum(np.sin(h * phase) * (0.8 ** h) for h in range(1, 7)) * 0.3
    audio = (voice + noise * rng.standard_normal(n)).astype(np.float32)
    grid = np.arange(int(np.ceil(n / SR / HOP_S))) * HOP_S
    true = np.interp(grid, t, f)
    true[np.interp(grid, t, env) < 0.5] = 0
    return audio, true


def cents_error(est: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """(median absolute cents error where both are voiced, voicing accuracy)."""
    n = min(est.size, ref.size)
    est, ref = est[:n], ref[:n]
    both = (est > 0) & (ref > 0)
    err = np.abs(1200 * np.log2(est[both] / ref[both]))
    return float(np.median(err)), float(np.mean((est > 0) == (ref > 0)))


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
