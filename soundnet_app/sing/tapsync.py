"""Tap-to-sync: plain lyrics get a start time per line from taps, snapped to where the voice starts.

No Qt here. The user taps a key at the start of each line while the song
plays; :func:`vocal_onsets` finds where the separated vocal starts notes and
:func:`snap_taps` moves each tap to the nearest one (taps come late: people
react ~0.1-0.3 s after they hear a line start); :func:`sync_lines` makes the
synced :class:`~soundnet_app.sing.lyrics.Lyrics`.
"""

from __future__ import annotations

import numpy as np

from soundnet_app.sing.lyrics import Line, Lyrics


def vocal_onsets(vocals: np.ndarray, sample_rate: int = 44100, hop_s: float = 0.01,
                 min_gap_s: float = 0.1, threshold: float = 1.5) -> np.ndarray:
    """Times (seconds) where the voice starts a note or a phrase.

    Args:
        vocals: the separated vocal, ``(n,)`` or ``(n, channels)``.
        threshold: peaks of the onset curve must exceed ``median + threshold * MAD``.

    A log-magnitude spectral flux (1024-point frames, ``hop_s`` hop) plus the
    rise of the frame energy above the song's quiet level; its peaks, at
    least ``min_gap_s`` apart. Returns a sorted ``(k,)`` float array.
    """
    x = np.asarray(vocals, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    n_fft = 1024
    hop = max(1, int(round(hop_s * sample_rate)))
    if x.size < n_fft:
        return np.zeros(0)
    n_frames = 1 + (x.size - n_fft) // hop
    window = np.hanning(n_fft).astype(np.float32)
    flux = np.zeros(n_frames, dtype=np.float32)
    prev = None
    step = 2048  # frames per batch: bounded memory on long songs
    for a in range(0, n_frames, step):
        b = min(n_frames, a + step)
        idx = (np.arange(a, b) * hop)[:, None] + np.arange(n_fft)[None, :]
        mag = np.abs(np.fft.rfft(x[idx] * window, axis=1))
        logmag = np.log1p(100.0 * mag)
        if prev is None:
            prev = logmag[:1]
        diff = np.diff(np.concatenate([prev, logmag]), axis=0)
        flux[a:b] = np.maximum(diff, 0).sum(axis=1)
        prev = logmag[-1:]
    flux -= np.median(flux)
    mad = np.median(np.abs(flux)) + 1e-9
    limit = threshold * mad * 10  # MAD of a mostly-flat curve is tiny: demand a clear peak
    gap = max(1, int(round(min_gap_s / hop_s)))
    peaks = []
    last = -gap
    for i in range(1, n_frames - 1):
        if flux[i] > limit and flux[i] >= flux[i - 1] and flux[i] >= flux[i + 1]:
            lo, hi = max(0, i - gap), min(n_frames, i + gap + 1)
            if flux[i] >= flux[lo:hi].max() and i - last >= gap:
                peaks.append(i)
                last = i
    # A frame covers [i*hop, i*hop + n_fft): the onset sits near its middle.
    return (np.asarray(peaks, dtype=np.float64) * hop + n_fft / 2) / sample_rate


def snap_taps(taps: list[float] | np.ndarray, onsets: np.ndarray, reaction_s: float = 0.15,
              before_s: float = 0.6, after_s: float = 0.15) -> list[float]:
    """Move each tap to the vocal onset nearest ``tap - reaction_s``, within
    ``[tap - before_s, tap + after_s]``.

    Taps lag what they mark by a reaction time, so the search is centred
    before the tap. Taps without an onset in reach stay where they are; the
    result stays in increasing order (a snapped tap never moves before the
    previous line).
    """
    onsets = np.sort(np.asarray(onsets, dtype=np.float64))
    out: list[float] = []
    for tap in taps:
        tap = float(tap)
        floor = out[-1] + 1e-3 if out else -np.inf
        cand = onsets[(onsets >= tap - before_s) & (onsets <= tap + after_s) & (onsets > floor)]
        if cand.size:
            t = float(cand[int(np.argmin(np.abs(cand - (tap - reaction_s))))])
        else:
            t = max(tap, floor)
        out.append(t)
    return out


def sync_lines(texts: list[str], taps: list[float], onsets: np.ndarray | None = None,
               tags: dict[str, str] | None = None) -> Lyrics:
    """Synced lyrics from line texts and one tap per line (snapped to ``onsets`` if given)."""
    if len(taps) > len(texts):
        raise ValueError("more taps than lines")
    times = snap_taps(taps, onsets) if onsets is not None and len(onsets) else [float(t) for t in taps]
    lines = [Line(t, text) for t, text in zip(times, texts)]
    return Lyrics(lines, True, dict(tags or {}), "tap-to-sync")
