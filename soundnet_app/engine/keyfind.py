"""The song's key: a chroma key-finder (librosa chroma + Krumhansl-Kessler profiles).

Run on the instrumental (the vocals wander; the accompaniment holds the
harmony). :func:`detect_key` takes ``(frames, channels)`` float32 at any rate
and looks at up to two minutes from the middle of the song; ~0.5 s on a
3-minute song.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

NAMES = ("C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B")
# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


class Key(NamedTuple):
    """A key: ``tonic`` 0..11 from C, ``minor``, and how clearly it won (correlation, -1..1)."""

    tonic: int
    minor: bool
    confidence: float = 0.0

    def shifted(self, semitones: int) -> Key:
        return self._replace(tonic=(self.tonic + semitones) % 12)

    @property
    def name(self) -> str:
        return f"{NAMES[self.tonic]} {'minor' if self.minor else 'major'}"


def detect_key(audio: np.ndarray, sample_rate: int, max_seconds: float = 120.0) -> Key | None:
    """The most likely key of ``audio`` (``(frames, channels)`` or ``(frames,)``); ``None`` if silent."""
    import librosa

    keep = int(max_seconds * sample_rate)
    if len(audio) > keep:  # the middle of the song: intros and outros are often off-key noise
        start = (len(audio) - keep) // 2
        audio = audio[start : start + keep]  # sliced first: a 16-bit song is read as float32 only here
    x = np.asarray(audio, dtype=np.float32)
    mono = x.mean(axis=1) if x.ndim == 2 else x
    if mono.size < sample_rate // 4 or not np.any(np.abs(mono) > 1e-4):
        return None
    chroma = librosa.feature.chroma_stft(y=mono, sr=sample_rate, n_fft=8192, hop_length=4096)
    profile = chroma.mean(axis=1)
    if not np.all(np.isfinite(profile)) or profile.std() < 1e-9:
        return None
    best = None
    for minor, template in ((False, _MAJOR), (True, _MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(profile, np.roll(template, tonic))[0, 1])
            if best is None or r > best.confidence:
                best = Key(tonic, minor, r)
    return best
