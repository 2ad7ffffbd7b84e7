"""The key-finder on rendered chord progressions."""

from __future__ import annotations

import numpy as np

from soundnet_app.engine.keyfind import Key, detect_key
from soundnet_app.engine.keytempo import render_offline

RATE = 22050


def chords(progression: list[list[int]], seconds: float = 1.0) -> np.ndarray:
    """Organ-like chords, MIDI notes per chord, with the root an octave down as a bass."""
    t = np.arange(int(seconds * RATE)) / RATE
    out = []
    for notes in progression:
        x = np.zeros_like(t)
        for note in notes + [notes[0] - 12]:
            f = 440.0 * 2 ** ((note - 69) / 12)
            for h in (1, 2, 3):
                x += np.sin(2 * np.pi * f * h * t) / h
        out.append(x * np.hanning(t.size) ** 0.2)
    x = (np.concatenate(out * 3) * 0.05).astype(np.float32)
    return np.stack([x, x], 1)


C_MAJOR = [[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]]  # C F G C
A_MINOR = [[57, 60, 64], [62, 65, 69], [64, 68, 71], [57, 60, 64]]  # Am Dm E Am


def test_finds_c_major_and_a_minor():
    assert detect_key(chords(C_MAJOR), RATE)[:2] == (0, False)
    assert detect_key(chords(A_MINOR), RATE)[:2] == (9, True)


def test_a_shifted_song_is_found_in_the_shifted_key():
    shifted = render_offline(chords(C_MAJOR), RATE, key=3)
    key = detect_key(shifted, RATE)
    assert key[:2] == (3, False) and key.name == "E♭ major"


def test_silence_and_tiny_input_have_no_key():
    assert detect_key(np.zeros((RATE * 2, 2), np.float32), RATE) is None
    assert detect_key(np.ones((10, 2), np.float32), RATE) is None


def test_shifted_names_wrap_around():
    assert Key(11, False).shifted(2).name == "C♯ major"
    assert Key(0, True).shifted(-5).name == "G minor"
