"""Synthetic songs for benchmarks and tests: chords, a bass line, drums and a sung-like melody.

Nothing here is meant to sound good; it gives the separator and the app
realistic-looking input (tonal, percussive, stereo, with a vibrato "voice")
on any machine, without shipping audio files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.write import AudioWriter


def synthetic_song(seconds: float, seed: int = 0, offset_s: float = 0.0) -> np.ndarray:
    """``(round(seconds * 44100), 2)`` float32 in [-1, 1]; deterministic per (seed, offset)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SAMPLE_RATE))
    t = (np.arange(n) / SAMPLE_RATE + offset_s).astype(np.float64)
    beat = 0.5  # 120 bpm
    chord_roots = np.array([220.0, 174.6, 261.6, 196.0])
    root = chord_roots[(t // (4 * beat)).astype(int) % 4]
    chords = sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (1.0, 1.26, 1.5)) * 0.08
    bass = np.sin(2 * np.pi * root / 4 * t) * 0.15
    phase_in_beat = np.mod(t, beat)
    kick = np.sin(2 * np.pi * 60 * phase_in_beat) * np.exp(-phase_in_beat * 30) * 0.4
    hats = rng.standard_normal(n) * np.exp(-np.mod(t, beat / 2) * 60) * 0.05
    melody = np.array([440.0, 494.0, 523.3, 587.3, 659.3, 587.3, 523.3, 494.0])
    note = melody[(t // beat).astype(int) % len(melody)] * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))
    voice_phase = 2 * np.pi * np.cumsum(note) / SAMPLE_RATE
    voice = sum(np.sin(k * voice_phase) / k for k in range(1, 6)) * 0.12
    voice *= (np.mod(t, 8 * beat) < 6 * beat)  # phrases with breaths
    left = chords * 1.2 + bass + kick + hats + voice
    right = chords * 0.8 + bass + kick + hats * 0.7 + voice
    return np.clip(np.stack([left, right], axis=1), -1, 1).astype(np.float32)


def synthetic_blocks(seconds: float, block_seconds: float = 30.0, seed: int = 0) -> Iterator[np.ndarray]:
    """The same kind of song in ``(n, 2)`` blocks, for long files with bounded memory."""
    done = 0.0
    while done < seconds:
        length = min(block_seconds, seconds - done)
        yield synthetic_song(length, seed=seed, offset_s=done)
        done += length


def write_synthetic_song(path: str | Path, seconds: float, seed: int = 0, fmt: str | None = None) -> Path:
    """Write a synthetic song to ``path`` (format from the suffix), streaming in blocks."""
    with AudioWriter(path, format=fmt) as writer:
        for block in synthetic_blocks(seconds, seed=seed):
            writer.write(block)
    return Path(path)
