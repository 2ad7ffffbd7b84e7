"""UltraStar notes and the app's sing-along data, both ways. No Qt here.

* notes -> the app: :func:`song_lyrics` (lines, word timings from the
  syllables), :func:`guide_from_notes` (the notes as a pitch guide's f0);
* the app -> notes: :func:`notes_from_guide` quantises a pitch guide to a
  beat grid, :func:`add_syllables` puts the synced lyrics' words on the
  notes (``~`` where a note has none), :func:`estimate_bpm` finds a tempo,
  and :func:`build_song` does all of it.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np

from soundnet_app.sing.lyrics import Line, Lyrics, Word
from soundnet_app.sing.pitch import hz_to_midi, midi_to_hz
from soundnet_app.sing.ultrastar import MAX_PITCH, MIN_PITCH, UltraStarNote, UltraStarSong
from soundnet_app.sing.ultrastar_score import beat_tones

PITCHED = (":", "*")  # the kinds with a pitch to sing; rap and freestyle notes have none that counts
HOLD = "~"  # a syllable that holds the previous vowel
LINE_GAP_S = 0.5  # without lyrics, a rest this long starts a new line (a breath)
MAX_LINE_S = 8.0  # ... and so does a line this long
MIN_CELL_S = 0.09  # the written BPM is the tempo doubled until a beat (quarter note / 4) is at most this


# ---------------------------------------------------------------- notes -> the app


def _line_words(song: UltraStarSong, line: list[UltraStarNote]) -> tuple[str, tuple[Word, ...]]:
    """A line's text and words: syllables joined, ``~`` dropped, a word timed by its first syllable."""
    text, times = "", []
    for n in line:
        syllable = n.text.replace(HOLD, "")
        text += syllable
        times.extend([song.beat_s(n.start)] * len(syllable))
    words = tuple(Word(times[m.start()], m.group()) for m in re.finditer(r"\S+", text))
    return " ".join(w.text for w in words), words


def song_lyrics(song: UltraStarSong, track: int | None = None) -> Lyrics | None:
    """The song's lyrics, synced: a line per UltraStar line, word timings from the syllables.

    ``track`` ``None`` takes every singer's lines (a duet's two parts, in time
    order, each line tagged with its singer in ``Lyrics.tags["singers"]``).
    ``None`` when no note has a syllable.
    """
    tracks = range(len(song.tracks)) if track is None else [track]
    lines: list[tuple[Line, int]] = []
    for t in tracks:
        for notes in song.tracks[t]:
            text, words = _line_words(song, notes)
            if words:
                lines.append((Line(words[0].start, text, words), t))
    if not lines:
        return None
    lines.sort(key=lambda item: item[0].start)
    tags = {"ti": song.title, "ar": song.artist}
    if song.duet and track is None:
        tags["singers"] = "".join(str(t + 1) for _, t in lines)
    return Lyrics([ln for ln, _ in lines], True, {k: v for k, v in tags.items() if v}, song.source)


def guide_from_notes(song: UltraStarSong, n_hops: int, hop_s: float) -> np.ndarray:
    """``(n_hops,)`` float32 f0 (Hz, 0 silent) of the normal and golden notes: the first singer's,
    then the second's where the first rests. Hop ``k`` is at ``k * hop_s`` seconds."""
    f0 = np.zeros(n_hops, dtype=np.float32)
    for t in range(len(song.tracks)):
        for n in song.notes(t):
            if n.kind not in PITCHED:
                continue
            a = max(0, math.ceil(song.beat_s(n.start) / hop_s - 1e-9))
            b = min(n_hops, math.ceil(song.beat_s(n.end) / hop_s - 1e-9))
            if b > a:
                part = f0[a:b]
                part[part == 0] = midi_to_hz(n.midi)
    return f0


# ---------------------------------------------------------------- the app -> notes


def estimate_bpm(audio: np.ndarray, sample_rate: int, low: float = 70.0, high: float = 180.0) -> float:
    """The tempo of ``audio`` (``(n,)`` or ``(n, channels)``) in beats per minute, from the
    autocorrelation of its onset strength; 120 when there is no beat to find."""
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    hop = max(1, sample_rate // 100)  # 10 ms frames
    n = x.size // hop
    if n < 400:
        return 120.0
    energy = np.log1p(1e3 * np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)))
    onset = np.maximum(0.0, np.diff(energy))
    onset -= onset.mean()
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(onset, size)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), size)[:n]
    lags = np.arange(int(6000 / high), int(6000 / low) + 1)  # frames per beat
    if ac[0] <= 0 or lags[-1] >= n:
        return 120.0
    best = lags[int(np.argmax(ac[lags]))]
    return round(6000.0 / best, 2)


def grid_bpm(tempo: float) -> float:
    """The BPM to write for ``tempo``: doubled until a beat cell lasts at most :data:`MIN_CELL_S`
    (the beat grid stays on the music's beats, fine enough for quick syllables)."""
    bpm = float(tempo)
    while 60.0 / (bpm * 4.0) > MIN_CELL_S:
        bpm *= 2.0
    return bpm


def notes_from_guide(f0: np.ndarray, hop_s: float, bpm: float, gap_s: float) -> list[UltraStarNote]:
    """Quantise an f0 curve (``(n_hops,)`` Hz, 0 unvoiced) to notes on the beat grid of ``bpm``, ``gap_s``.

    A beat cell is sung when at least half of its frames are voiced; its pitch
    is their median MIDI note (vibrato averages out), octave kept. Runs of
    cells on the same semitone are one note. The syllables are left empty.
    """
    midi = hz_to_midi(np.asarray(f0, dtype=np.float64))
    cell_s = 60.0 / (bpm * 4.0)
    times = np.arange(midi.size) * hop_s
    cells = np.floor((times - gap_s) / cell_s + 1e-9).astype(np.int64)
    keep = cells >= 0
    if not keep.any():
        return []
    cells, midi = cells[keep], midi[keep]
    n_cells = int(cells[-1]) + 1
    bounds = np.searchsorted(cells, np.arange(n_cells + 1))
    pitch = beat_tones(midi, bounds[:-1], bounds[1:])  # nan where under half of a cell is voiced
    onset = _onset_cells(np.isfinite(midi), cells, n_cells)
    notes: list[UltraStarNote] = []
    c = 0
    while c < n_cells:
        if not np.isfinite(pitch[c]):
            c += 1
            continue
        semitone = round(pitch[c])
        d = c + 1
        while d < n_cells and np.isfinite(pitch[d]) and round(pitch[d]) == semitone and not onset[d]:
            d += 1
        p = int(np.clip(semitone - 60, MIN_PITCH, MAX_PITCH))
        notes.append(UltraStarNote(":", c, d - c, p, ""))
        c = d
    return notes


def _onset_cells(voiced: np.ndarray, cells: np.ndarray, n_cells: int, min_gap: int = 2) -> np.ndarray:
    """``(n_cells,)`` bool: a new syllable starts in the cell after a short break in the voice
    (at least ``min_gap`` unvoiced frames between voiced ones), so repeated notes stay apart."""
    onset = np.zeros(n_cells, dtype=bool)
    edges = np.flatnonzero(np.diff(voiced.astype(np.int8)))  # frame i: voiced changes after it
    starts = edges[voiced[edges + 1]] + 1  # first voiced frame of each voiced run
    for f in starts:
        gap_start = edges[edges < f - 1]
        if gap_start.size and f - 1 - gap_start[-1] >= min_gap:
            onset[cells[f]] = True
    return onset


def _split_at(notes: list[UltraStarNote], beats: list[int]) -> list[UltraStarNote]:
    """Split notes at ``beats`` that fall inside them (so each word can start a note of its own)."""
    cuts = sorted(set(beats))
    out = []
    for n in notes:
        inside = [b for b in cuts if n.start < b < n.end]
        edges = [n.start, *inside, n.end]
        out.extend(UltraStarNote(n.kind, a, b - a, n.pitch, n.text) for a, b in itertools.pairwise(edges))
    return out


def _spread(words: list[str], count: int) -> list[str]:
    """``words`` over ``count`` notes: evenly, ``~`` on the notes between; several words on a note when short."""
    if not words:
        return [HOLD] * count
    texts = [HOLD] * count
    if len(words) <= count:
        for k, w in enumerate(words):
            texts[k * count // len(words)] = w
    else:
        for j in range(count):
            texts[j] = " ".join(words[j * len(words) // count:(j + 1) * len(words) // count])
    return texts


def add_syllables(song: UltraStarSong, notes: list[UltraStarNote], lyrics: Lyrics | None) -> list[list[UltraStarNote]]:
    """Lines of notes with syllables from ``lyrics``.

    Synced lines set the line breaks. With word timings a word goes on the note
    where it starts (split there if it starts inside one); else the line's words
    are spread over its notes. Notes without a word hold the previous vowel
    (``~``). Without synced lyrics, lines break at rests and every note is ``~``.
    """
    if not notes:
        return []
    if lyrics is None or not lyrics.synced or not lyrics.lines:
        lines, current = [], [notes[0]]
        for a, b in itertools.pairwise(notes):
            rest = song.beat_s(b.start) - song.beat_s(a.end)
            if rest >= LINE_GAP_S or song.beat_s(b.end) - song.beat_s(current[0].start) > MAX_LINE_S:
                lines.append(current)
                current = []
            current.append(b)
        lines.append(current)
        return [[UltraStarNote(n.kind, n.start, n.length, n.pitch, HOLD) for n in ln] for ln in lines]
    starts = [ln.start for ln in lyrics.lines] + [w.start for ln in lyrics.lines for w in ln.words]
    notes = _split_at(notes, [round(song.seconds_to_beat(t)) for t in starts])
    groups: dict[int, list[UltraStarNote]] = {}
    for n in notes:  # a note belongs to the line sung where it starts (within half a beat), or the first line
        groups.setdefault(max(0, lyrics.line_at(song.beat_s(n.start + 0.5))), []).append(n)
    lines = []
    for i, line_notes in sorted(groups.items()):
        ln = lyrics.lines[i]
        if ln.words:
            texts = [HOLD] * len(line_notes)
            starts = [n.start for n in line_notes]
            for w in ln.words:
                k = int(np.searchsorted(starts, round(song.seconds_to_beat(w.start))))
                k = min(k, len(line_notes) - 1)
                texts[k] = w.text if texts[k] == HOLD else f"{texts[k]} {w.text}"
        else:
            texts = _spread(ln.text.split(), len(line_notes))
        first_word = True
        syllables = []
        for t in texts:
            syllables.append(t if t == HOLD or first_word else " " + t)
            first_word = first_word and t == HOLD
        lines.append([UltraStarNote(n.kind, n.start, n.length, n.pitch, s) for n, s in zip(line_notes, syllables)])
    return lines


def build_song(f0: np.ndarray, hop_s: float, lyrics: Lyrics | None, tempo: float, *, title: str = "",
               artist: str = "", media: dict[str, str] | None = None) -> UltraStarSong:
    """An UltraStar song from a pitch guide (``(n_hops,)`` f0) and synced lyrics, at ``tempo`` BPM.

    ``media`` are the file tags (``{"AUDIO": "song.ogg", "VOCALS": ...}``). The
    written BPM is :func:`grid_bpm` of ``tempo``; ``#GAP`` is the first sung frame,
    so the first note starts at beat 0.
    """
    voiced = np.flatnonzero(np.asarray(f0) > 0)
    gap_s = round(float(voiced[0]) * hop_s, 3) if voiced.size else 0.0
    bpm = grid_bpm(tempo)
    tags = {"TITLE": title or "Untitled", "ARTIST": artist or "Unknown"}
    tags.update(media or {})
    song = UltraStarSong(tags, [[]], bpm, gap_s)
    song.tracks = [add_syllables(song, notes_from_guide(f0, hop_s, bpm, gap_s), lyrics)]
    return song
