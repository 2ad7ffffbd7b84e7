"""Scoring a take by the UltraStar games' rules. No Qt here.

As UltraStar Deluxe scores (its ``UNote.pas`` / ``UScreenSingController.pas``):

* a song is worth 10,000 points: 9,000 for the notes and 1,000 of line
  bonus (10,000 for the notes when the bonus is off);
* the notes' share is split over their beats, each beat weighted by its
  note's score factor (normal and rap 1, golden 2, freestyle 0);
* a beat is hit when the tone sung there, brought into the note's octave, is
  within ``tolerance`` semitones of the note (1: USDX's medium difficulty);
  a rap beat is hit by any voice;
* each line with something to score gets the same share of the bonus, times
  its perfection: ``points / (max points - 2)``, clamped to 0..1 (the 2
  points are USDX's slack);
* the shown numbers are rounded to tens (:attr:`UltraStarScore.total`).

The tone "sung at a beat" is the median of the singer's frames in that beat
(USDX samples one analysis per beat; the median is as steady and needs no clock).

The singer's f0 is on the app's pitch grid (``hop_s``; 0 or ``nan`` where unheard).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from soundnet_app.sing.pitch import hz_to_midi
from soundnet_app.sing.ultrastar import SCORE_FACTOR, UltraStarSong

MAX_SONG_SCORE = 10_000
MAX_LINE_BONUS = 1_000
LINE_SLACK = 2.0  # points a line may miss and still count as perfect (USDX)


@dataclass(frozen=True)
class UltraStarScore:
    """The game's score: ``notes`` (normal and rap), ``golden`` and ``line_bonus`` points,
    ``lines`` the perfection (0..1) of each scored line, ``hit_beats`` of ``beats`` scored."""

    notes: float
    golden: float
    line_bonus: float
    lines: list[float]
    hit_beats: int
    beats: int

    @property
    def total(self) -> int:
        """What USDX shows: notes rounded to tens, golden rounded the other way (a perfect song
        makes 10,000), line bonus rounded down to tens; added."""
        notes = round(self.notes / 10) * 10
        golden = (math.ceil if notes < self.notes else math.floor)(self.golden / 10) * 10
        return int(notes + golden + round(self.line_bonus) // 10 * 10)


def beat_tones(midi: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The median MIDI tone sung in frames ``starts[k]:ends[k]`` of ``midi`` (``nan`` unvoiced) for every
    beat ``k``; ``nan`` where less than half of a beat's frames are voiced (or it lies off the take)."""
    starts, ends = np.clip(starts, 0, midi.size), np.clip(ends, 0, midi.size)
    width = int(max(1, (ends - starts).max(initial=1)))
    index = starts[:, None] + np.arange(width)[None, :]
    inside = index < ends[:, None]
    values = np.where(inside, np.append(midi, np.nan)[np.minimum(index, midi.size)], np.nan)
    voiced = np.isfinite(values).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tones = np.nanmedian(values, axis=1) if values.size else np.zeros(0)
    return np.where((voiced * 2 >= inside.sum(axis=1)) & (voiced > 0), tones, np.nan)


def beat_hit(sung_tone: float, note_midi: int, kind: str, tolerance: int = 1) -> bool:
    """Whether a beat scores: the sung tone (rounded, in any octave) within ``tolerance`` semitones
    (the rule :func:`score_ultrastar` applies to all beats at once)."""
    if not np.isfinite(sung_tone):
        return False
    if kind in ("R", "G"):
        return True  # rap: any voice
    d = (round(sung_tone) - note_midi) % 12
    return min(d, 12 - d) <= tolerance


def score_ultrastar(song: UltraStarSong, sung_f0: np.ndarray, hop_s: float = 0.01, track: int = 0,
                    tolerance: int = 1, line_bonus: bool = True) -> UltraStarScore:
    """Score ``sung_f0`` (``(n_hops,)`` Hz on the grid ``k * hop_s``; 0 or ``nan`` unheard) against ``track``'s notes."""
    midi = hz_to_midi(np.nan_to_num(np.asarray(sung_f0, dtype=np.float64), nan=0.0))
    lines = song.tracks[track] if track < len(song.tracks) else []
    # Every scored beat (a song has thousands): its line, score factor, note tone and kind, as arrays.
    notes = [(li, n) for li, ln in enumerate(lines) for n in ln if SCORE_FACTOR[n.kind]]
    if not notes:
        return UltraStarScore(0.0, 0.0, 0.0, [], 0, 0)
    lengths = np.array([n.length for _, n in notes])
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    beat = np.repeat([n.start for _, n in notes], lengths) + np.arange(lengths.sum()) - first
    line_of, factor, tone, rap, golden = (np.repeat(column, lengths) for column in (
        [li for li, _ in notes], [SCORE_FACTOR[n.kind] for _, n in notes], [n.midi for _, n in notes],
        [n.kind in ("R", "G") for _, n in notes], [n.kind in ("*", "G") for _, n in notes]))
    t0, t1 = song.beat_s(beat.astype(np.float64)) / hop_s, song.beat_s(beat + 1.0) / hop_s
    starts, ends = np.ceil(t0 - 1e-9).astype(np.int64), np.ceil(t1 - 1e-9).astype(np.int64)  # frames in the beat
    short = ends <= starts  # a beat shorter than a frame (BPM over 1,500) hears the frame nearest its middle
    starts[short] = np.round((t0[short] + t1[short]) / 2).astype(np.int64)
    sung = beat_tones(midi, starts, np.maximum(ends, starts + 1))
    distance = (np.round(np.nan_to_num(sung)).astype(np.int64) - tone) % 12
    hit = np.isfinite(sung) & (rap | (np.minimum(distance, 12 - distance) <= tolerance))
    per_value = (MAX_SONG_SCORE - (MAX_LINE_BONUS if line_bonus else 0)) / factor.sum()
    points = hit * factor * per_value
    n_lines = len(lines)
    line_max = np.bincount(line_of, factor * per_value, minlength=n_lines)
    line_points = np.bincount(line_of, points, minlength=n_lines)
    scored = line_max > 0  # lines of freestyle notes only get no bonus
    with np.errstate(divide="ignore", invalid="ignore"):
        perfection = np.where(line_max <= LINE_SLACK, 1.0, np.clip(line_points / (line_max - LINE_SLACK), 0.0, 1.0))
    bonus = MAX_LINE_BONUS / scored.sum() * perfection[scored].sum() if line_bonus else 0.0
    return UltraStarScore(float(points[~golden].sum()), float(points[golden].sum()), float(bonus),
                          [float(p) for p in perfection[scored]], int(hit.sum()), int(hit.size))

