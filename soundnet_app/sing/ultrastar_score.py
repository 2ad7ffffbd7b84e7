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


def _tone_at(midi: np.ndarray, a: int, b: int) -> float:
    """The median MIDI tone sung in frames ``a:b`` (``nan`` when less than half of them are voiced)."""
    part = midi[max(0, a):max(0, b)]
    if part.size == 0 or np.isfinite(part).sum() * 2 < part.size:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(part))


def beat_hit(sung_tone: float, note_midi: int, kind: str, tolerance: int = 1) -> bool:
    """Whether a beat scores: the sung tone (rounded, in any octave) within ``tolerance`` semitones."""
    if not np.isfinite(sung_tone):
        return False
    if kind in ("R", "G"):
        return True  # rap: any voice
    d = (round(sung_tone) - note_midi) % 12
    return min(d, 12 - d) <= tolerance


def score_ultrastar(song: UltraStarSong, sung_f0: np.ndarray, hop_s: float = 0.01, track: int = 0,
                    tolerance: int = 1, line_bonus: bool = True) -> UltraStarScore:
    """Score ``sung_f0`` (``(n_hops,)`` Hz on the grid ``k * hop_s``) against ``track``'s notes."""
    midi = hz_to_midi(np.nan_to_num(np.asarray(sung_f0, dtype=np.float64), nan=0.0))
    lines = song.tracks[track] if track < len(song.tracks) else []
    track_value = sum(n.length * SCORE_FACTOR[n.kind] for ln in lines for n in ln)
    if track_value <= 0:
        return UltraStarScore(0.0, 0.0, 0.0, [], 0, 0)
    max_notes = MAX_SONG_SCORE - (MAX_LINE_BONUS if line_bonus else 0)
    per_value = max_notes / track_value
    scored_lines = [ln for ln in lines if sum(n.length * SCORE_FACTOR[n.kind] for n in ln) > 0]
    bonus_per_line = MAX_LINE_BONUS / len(scored_lines) if scored_lines else 0.0
    notes_pts = golden_pts = bonus = 0.0
    hits = beats = 0
    perfection: list[float] = []
    for ln in scored_lines:
        line_pts = line_max = 0.0
        for n in ln:
            factor = SCORE_FACTOR[n.kind]
            if not factor:
                continue
            for b in range(n.start, n.end):
                a_frame = int(np.ceil(song.beat_s(b) / hop_s - 1e-9))
                b_frame = int(np.ceil(song.beat_s(b + 1) / hop_s - 1e-9))
                beats += 1
                line_max += per_value * factor
                if beat_hit(_tone_at(midi, a_frame, b_frame), n.midi, n.kind, tolerance):
                    hits += 1
                    line_pts += per_value * factor
                    if n.kind in ("*", "G"):
                        golden_pts += per_value * factor
                    else:
                        notes_pts += per_value * factor
        p = 1.0 if line_max <= LINE_SLACK else min(1.0, max(0.0, line_pts / (line_max - LINE_SLACK)))
        perfection.append(p)
        bonus += bonus_per_line * p
    return UltraStarScore(notes_pts, golden_pts, bonus if line_bonus else 0.0, perfection, hits, beats)
