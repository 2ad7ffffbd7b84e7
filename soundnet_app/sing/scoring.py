"""Scoring a singer against the pitch guide. No Qt here.

A frame scores when the guide is voiced there and the singer sings the same
note: within :data:`TOLERANCE_CENTS` of the guide *in any octave* (a tenor
singing a soprano's line an octave down scores as well as she does). The
score of a stretch is the share of its guide-voiced frames that score, so
silence where the guide sings counts against the singer, and singing where
the guide is silent costs nothing.

Both curves are f0 in Hz on the same ``hop_s`` grid (``0`` = unvoiced), as
produced by :mod:`soundnet_app.sing.pitch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TOLERANCE_CENTS = 50.0  # the same semitone: a semitone off never scores


def octave_distance_cents(sung: np.ndarray, guide: np.ndarray) -> np.ndarray:
    """``|sung - guide|`` in cents folded into one octave (0..600); ``nan`` where either is unvoiced."""
    s = np.asarray(sung, dtype=np.float64)
    g = np.asarray(guide, dtype=np.float64)
    ok = (s > 0) & (g > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cents = 1200.0 * np.log2(np.where(ok, s, 1.0) / np.where(ok, g, 1.0))
    folded = np.abs((cents + 600.0) % 1200.0 - 600.0)
    return np.where(ok, folded, np.nan)


def frame_hits(sung: np.ndarray, guide: np.ndarray, tolerance_cents: float = TOLERANCE_CENTS) -> np.ndarray:
    """Bool per frame: the singer is on the guide's note (octave-tolerant)."""
    d = octave_distance_cents(sung, guide)
    return np.nan_to_num(d, nan=np.inf) <= tolerance_cents


@dataclass
class Score:
    """``total`` and per-line shares in 0..1 (``None``: the line has no guide-voiced frame)."""

    total: float
    lines: list[float | None]
    voiced_frames: int

    @property
    def percent(self) -> int:
        return round(self.total * 100)


def score_take(sung: np.ndarray, guide: np.ndarray, hop_s: float = 0.01,
               lines: Sequence[tuple[float, float]] = (), tolerance_cents: float = TOLERANCE_CENTS) -> Score:
    """Score a whole take: ``sung`` and ``guide`` are f0 on the same grid (lengths may differ).

    ``lines`` are ``(start_s, end_s)`` stretches (lyrics lines) scored on their own.
    """
    n = min(len(sung), len(guide))
    sung, guide = np.asarray(sung[:n]), np.asarray(guide[:n])
    voiced = guide > 0
    hits = frame_hits(sung, guide, tolerance_cents)
    total = float(hits[voiced].mean()) if voiced.any() else 0.0
    per_line: list[float | None] = []
    for start, end in lines:
        a, b = max(0, int(round(start / hop_s))), min(n, int(round(end / hop_s)))
        v = voiced[a:b]
        per_line.append(float(hits[a:b][v].mean()) if v.any() else None)
    return Score(total, per_line, int(voiced.sum()))


class LiveScorer:
    """Accumulates a singer's f0 on the song's grid while they sing.

    Args:
        guide: the guide's f0 ``(n_hops,)`` (a live view: a guide still being
            built may fill in later).
        lines: ``(start_s, end_s)`` per lyrics line.

    :meth:`add` records sung frames at song hops; only hops the singer was
    heard at (the microphone ran there) count, so seeking or starting midway
    does not count the skipped part as missed.
    """

    def __init__(self, guide: np.ndarray, hop_s: float = 0.01, lines: Sequence[tuple[float, float]] = ()):
        self.guide = guide
        self.hop_s = hop_s
        self.lines = list(lines)
        self.sung = np.full(len(guide), np.nan, dtype=np.float32)

    def reset(self) -> None:
        self.sung[:] = np.nan

    def add(self, first_hop: int, f0: np.ndarray) -> None:
        """The singer's f0 for song hops ``first_hop, first_hop + 1, ...``."""
        a = max(0, int(first_hop))
        skip = a - int(first_hop)
        b = min(self.sung.size, int(first_hop) + len(f0))
        if b > a:
            self.sung[a:b] = f0[skip:skip + b - a]

    def add_at(self, hops: np.ndarray, f0: np.ndarray) -> None:
        """The singer's f0 at song hops ``hops`` (any order; off-song hops are dropped)."""
        hops = np.asarray(hops, dtype=np.int64)
        keep = (hops >= 0) & (hops < self.sung.size)
        self.sung[hops[keep]] = np.asarray(f0)[keep]

    def score(self) -> Score:
        heard = np.isfinite(self.sung)
        guide = np.where(heard, self.guide[: self.sung.size], 0.0)
        return score_take(np.nan_to_num(self.sung, nan=0.0), guide, self.hop_s, self.lines)

    def line_score(self, i: int) -> float | None:
        return self.score().lines[i] if 0 <= i < len(self.lines) else None
