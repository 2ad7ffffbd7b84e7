"""Pitch tracking: f0 of a voice, MIDI note numbers, and the melody quantised to notes.

No Qt here. The tracker is Praat's autocorrelation method through
``praat-parselmouth``. Measured on a 2-core CPU before choosing (a minute of
synthetic sung notes, 16 kHz): Praat 0.06-0.1 s per minute of audio with a
0.3-cent median error; librosa's pYIN 7.6 s per minute (warm) with 3 cents.
Both are fine for a guide; only Praat is fast enough to follow the
separator chunk by chunk and the microphone live.

Everything runs at :data:`PITCH_RATE` on a fixed grid: frame ``k`` is centred
at ``k * hop_s`` seconds. ``f0`` is in Hz, ``0`` where unvoiced.

* :func:`track_pitch` -- one buffer -> ``(frames,)`` f0;
* :func:`notes_from_f0` -- an f0 curve -> :class:`Note` list, for display;
* the pieces the guide (:mod:`soundnet_app.sing.guide`) and the singer's live
  pitch (:mod:`soundnet_app.sing.live_pitch`) are built from:
  :func:`to_pitch_rate`, :func:`praat_f0`, :func:`gate_quiet`, :func:`to_grid`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import soxr

PITCH_RATE = 16000
HOP_S = 0.01
F0_MIN = 70.0  # a low bass voice
F0_MAX = 1100.0  # a soprano's top with headroom
SILENCE_DB = -45.0  # frames quieter than this (dBFS RMS) are unvoiced: separation residue
CONTEXT_S = 0.06  # analysis margin around a chunk: Praat's window is 3 periods of F0_MIN (43 ms)


def hz_to_midi(f0: np.ndarray | float) -> np.ndarray:
    """MIDI note numbers (A4 = 69); ``nan`` where ``f0 <= 0``."""
    f = np.asarray(f0, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(f > 0, 69.0 + 12.0 * np.log2(np.where(f > 0, f, 1.0) / 440.0), np.nan)


def midi_to_hz(midi: np.ndarray | float) -> np.ndarray:
    """Frequencies in Hz of MIDI note numbers (A4 = 69 -> 440 Hz)."""
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=np.float64) - 69.0) / 12.0)


def to_pitch_rate(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """``(n,)`` or ``(n, channels)`` audio -> ``(m,)`` float64 mono at :data:`PITCH_RATE`."""
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sample_rate != PITCH_RATE:
        x = soxr.resample(x, sample_rate, PITCH_RATE, quality="MQ")
    return np.ascontiguousarray(x, dtype=np.float64)


def praat_f0(x16: np.ndarray, hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``(times, f0)`` from Praat on a 16 kHz mono buffer (times relative to its start)."""
    import parselmouth

    if x16.size < int(3 / F0_MIN * PITCH_RATE) + 2:
        return np.zeros(0), np.zeros(0)
    sound = parselmouth.Sound(x16, sampling_frequency=PITCH_RATE)
    # silence_threshold is relative to the buffer's peak, which differs per chunk:
    # keep it low and gate quiet frames on an absolute level instead (gate_quiet).
    pitch = sound.to_pitch_ac(time_step=hop_s, pitch_floor=F0_MIN, pitch_ceiling=F0_MAX,
                              silence_threshold=0.01, voicing_threshold=0.45)
    return np.asarray(pitch.xs()), np.asarray(pitch.selected_array["frequency"])


def gate_quiet(x16: np.ndarray, times: np.ndarray, f0: np.ndarray, hop_s: float) -> np.ndarray:
    """Unvoice frames whose RMS (over one hop around ``times``) is under :data:`SILENCE_DB`."""
    half = int(hop_s * PITCH_RATE)
    centres = np.clip((times * PITCH_RATE).astype(int), 0, max(0, x16.size - 1))
    csum = np.concatenate([[0.0], np.cumsum(x16 * x16)])
    lo = np.clip(centres - half, 0, x16.size)
    hi = np.clip(centres + half, 0, x16.size)
    rms = np.sqrt((csum[hi] - csum[lo]) / np.maximum(hi - lo, 1))
    return np.where(rms >= 10 ** (SILENCE_DB / 20), f0, 0.0)


def to_grid(times: np.ndarray, f0: np.ndarray, first_hop: int, n: int, hop_s: float) -> np.ndarray:
    """Resample Praat's frames (at ``times``, absolute seconds) onto hops ``first_hop ..+n``.

    Praat's frames sit half a hop off the grid: a grid point between two
    voiced frames takes their linear mix, next to one voiced frame its value.
    """
    out = np.zeros(n, dtype=np.float32)
    if times.size == 0 or n <= 0:
        return out
    grid = (first_hop + np.arange(n)) * hop_s
    j = np.searchsorted(times, grid)
    left, right = np.clip(j - 1, 0, times.size - 1), np.clip(j, 0, times.size - 1)
    fl, fr = f0[left], f0[right]
    span = times[right] - times[left]
    w = np.where(span > 0, (grid - times[left]) / np.where(span > 0, span, 1.0), 0.0)
    inside = (grid >= times[0] - hop_s) & (grid <= times[-1] + hop_s)
    both = (fl > 0) & (fr > 0)
    value = np.where(both, fl * (1 - w) + fr * w, np.maximum(fl, fr))
    out[inside] = value[inside]
    return out


def track_pitch(audio: np.ndarray, sample_rate: int = 44100, hop_s: float = HOP_S) -> np.ndarray:
    """f0 of a voice: ``(n,)`` or ``(n, channels)`` audio -> ``(ceil(duration / hop_s),)`` float32 Hz.

    Frame ``k`` is centred at ``k * hop_s``; ``0`` where unvoiced.
    """
    x = to_pitch_rate(audio, sample_rate)
    n = int(np.ceil(x.size / PITCH_RATE / hop_s))
    out = np.zeros(n, dtype=np.float32)
    times, f0 = praat_f0(x, hop_s)
    if times.size:
        out = to_grid(times, gate_quiet(x, times, f0, hop_s), 0, n, hop_s)
    return out


@dataclass(frozen=True)
class Note:
    """A quantised note: ``start``/``end`` in seconds, ``midi`` an integer note number."""

    start: float
    end: float
    midi: int


def notes_from_f0(f0: np.ndarray, hop_s: float = HOP_S, min_note_s: float = 0.08,
                  max_gap_s: float = 0.03) -> list[Note]:
    """Quantise an f0 curve to notes: median-smoothed, rounded to semitones, short blips dropped.

    Runs of the same semitone separated by at most ``max_gap_s`` of
    unvoiced frames are one note; runs shorter than ``min_note_s`` go.
    """
    midi = hz_to_midi(f0)
    voiced = np.isfinite(midi)
    if not voiced.any():
        return []
    # A 5-frame median over voiced frames only: vibrato and jitter do not split notes.
    smooth = midi.copy()
    pad = np.pad(midi, 2, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(pad, 5)
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            smooth[voiced] = np.nanmedian(windows[voiced], axis=1)
    # Runs of one semitone over voiced frames, in NumPy: a Python loop over every hop held the
    # GIL for tens of ms per call on a long song, and a busy CPU turned that into UI stalls.
    at = np.flatnonzero(voiced)
    semitone = np.round(smooth[at]).astype(int)
    max_gap = int(round(max_gap_s / hop_s))
    min_len = int(round(min_note_s / hop_s))
    # A new note starts where the semitone changes or more than max_gap unvoiced frames pass.
    starts = np.flatnonzero(np.r_[True, (np.diff(semitone) != 0) | (np.diff(at) > max_gap + 1)])
    ends = np.r_[starts[1:], at.size] - 1  # the note's last voiced frame (an index into ``at``)
    first, last = at[starts], at[ends] + 1
    keep = last - first >= min_len
    return [Note(a * hop_s, b * hop_s, m)
            for a, b, m in zip(first[keep].tolist(), last[keep].tolist(), semitone[starts][keep].tolist())]
