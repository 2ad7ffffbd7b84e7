"""UltraStar song files (``.txt``): the model, a reader for the files found in the wild, and a writer.

No Qt here. The format (UltraStar-Deluxe/format, version 1.1.0): ``#TAG:value``
header lines, then one note per line ``T start length pitch text`` with ``T``
one of :data:`NOTE_KINDS`, ``- start [end]`` line breaks, ``P1``/``P2`` duet
tracks and ``E`` at the end. Beats are quarter beats: a beat starts at
``GAP / 1000 + beat * 60 / (BPM * 4)`` seconds; pitch 0 is C4 (MIDI 60).
``#RELATIVE:YES`` makes beats count from the last line break.

:func:`parse_ultrastar` reads text as the files are: decimal commas
(``#BPM:300,5``), a missing ``E``, unknown tags (kept, and written back),
broken lines (skipped and counted in ``warnings``), notes out of order
(sorted) or overlapping (shortened). What cannot be a song raises
:class:`UltraStarError`, whose message is meant for the user.
:func:`format_ultrastar` writes a song as the spec says.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

NOTE_KINDS = {":": "normal", "*": "golden", "F": "freestyle", "R": "rap", "G": "golden rap"}
SCORE_FACTOR = {":": 1, "*": 2, "F": 0, "R": 1, "G": 2}  # golden notes count double; freestyle is not scored
MIN_PITCH, MAX_PITCH = -60, 67  # MIDI 0..127
MAX_BPM = 2_000.0  # a beat of 7.5 ms, finer than the pitch tracker; real files stay under ~1,000
MAX_SONG_S = 3600.0  # a note later than this is broken (the app opens songs up to an hour)
MAX_TXT_BYTES = 4 << 20  # the longest songs are ~100 kB; a larger file is not an UltraStar song
MAX_LINE_CHARS = 10_000
MAX_REPORTED = 5  # broken line numbers listed in a warning
FORMAT_VERSION = "1.1.0"


# kind, start, length, pitch, then the syllable after one separator (its own leading space starts a word)
_NOTE = re.compile(r"^([:*FRG])[ \t]*(-?\d+)[ \t]+(\d+)[ \t]+(-?\d+)(?:[ \t](.*))?$")


class UltraStarError(ValueError):
    """A file that cannot be read as an UltraStar song: the message says why, for the user."""


@dataclass(frozen=True)
class UltraStarNote:
    """One note: ``kind`` a key of :data:`NOTE_KINDS`, ``start`` and ``length`` in beats (absolute),
    ``pitch`` in semitones from C4, ``text`` the syllable as written (spaces kept, ``~`` a held vowel)."""

    kind: str
    start: int
    length: int
    pitch: int
    text: str

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def midi(self) -> int:
        return 60 + self.pitch


@dataclass
class UltraStarSong:
    """A parsed ``.txt``: ``tags`` (upper-case keys, in file order; unknown ones kept), and per
    singer (one track, two for a duet) its lines, each a list of notes in time order.

    ``bpm`` is the file's (quarter beats are ``bpm * 4`` per minute); ``gap_s`` the first beat's time.
    """

    tags: dict[str, str]
    tracks: list[list[list[UltraStarNote]]]
    bpm: float
    gap_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    source: str = ""

    def beat_s(self, beat: float) -> float:
        """The time in seconds of ``beat`` (may be fractional)."""
        return self.gap_s + beat * 60.0 / (self.bpm * 4.0)

    def seconds_to_beat(self, t: float) -> float:
        return (t - self.gap_s) * self.bpm * 4.0 / 60.0

    @property
    def beat_length_s(self) -> float:
        return 60.0 / (self.bpm * 4.0)

    @property
    def duet(self) -> bool:
        return len(self.tracks) > 1

    def notes(self, track: int = 0) -> list[UltraStarNote]:
        """All notes of ``track``, in time order."""
        return [n for line in self.tracks[track] for n in line] if track < len(self.tracks) else []

    @property
    def title(self) -> str:
        return self.tags.get("TITLE", "")

    @property
    def artist(self) -> str:
        return self.tags.get("ARTIST", "")

    @property
    def audio_name(self) -> str:
        """The main audio file's name: ``#AUDIO`` (1.1.0), else ``#MP3``."""
        return self.tags.get("AUDIO") or self.tags.get("MP3", "")


# ---------------------------------------------------------------- reading


def parse_number(text: str, what: str) -> float:
    """``"300,5"`` or ``"300.5"`` -> 300.5; :class:`UltraStarError` naming ``what`` otherwise."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise UltraStarError(f"The {what} \"{text.strip()[:40]}\" is not a number.") from None
    if not math.isfinite(value):
        raise UltraStarError(f"The {what} \"{text.strip()[:40]}\" is not a number.")
    return value


class _Counts:
    """Broken lines by reason, with their line numbers (for one warning each)."""

    def __init__(self):
        self.by_reason: dict[str, list[int]] = {}

    def add(self, reason: str, number: int) -> None:
        self.by_reason.setdefault(reason, []).append(number)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.by_reason.values())

    def messages(self) -> list[str]:
        out = []
        for reason, numbers in self.by_reason.items():
            listed = ", ".join(map(str, numbers[:MAX_REPORTED])) + ("…" if len(numbers) > MAX_REPORTED else "")
            out.append(f"{len(numbers)} {reason} skipped (line {listed}).")
        return out


def _parse_header(lines: list[str]) -> tuple[dict[str, str], int, _Counts]:
    """The ``#TAG:value`` lines at the top: ``(tags, index of the first body line, broken ones)``."""
    tags: dict[str, str] = {}
    counts = _Counts()
    i = 0
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        if not s.startswith("#"):
            return tags, i, counts
        key, colon, value = s[1:].partition(":")
        key = key.strip().upper()
        if not colon or not key or len(s) > MAX_LINE_CHARS:
            counts.add("broken header line(s)", i + 1)
            continue
        tags.setdefault(key, value.strip())  # the first of a repeated tag wins, as in the games
    return tags, len(lines), counts


def _track_of(s: str) -> int | None:
    """``"P1"``, ``"P 2"`` -> 0, 1; ``None`` for anything else."""
    body = s[1:].strip()
    return int(body) - 1 if body in ("1", "2") else None


def parse_ultrastar(text: str, source: str = "") -> UltraStarSong:
    """Parse an UltraStar ``.txt`` (see the module's docstring for what is tolerated)."""
    if "\x00" in text:
        raise UltraStarError("This is not a text file.")
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tags, body_start, counts = _parse_header(lines)
    if not tags and body_start == 0:
        raise UltraStarError("This is not an UltraStar song: it has no #TITLE, #BPM or other tags at the top.")
    if "BPM" not in tags:
        raise UltraStarError("The song has no #BPM tag, so its notes cannot be timed.")
    bpm = parse_number(tags["BPM"], "BPM")
    if not 0 < bpm <= MAX_BPM:
        raise UltraStarError(f"The song's BPM is {tags['BPM']}; it must be a positive number (up to {MAX_BPM:.0f}).")
    gap_ms = parse_number(tags["GAP"], "GAP") if tags.get("GAP") else 0.0
    if abs(gap_ms) > MAX_SONG_S * 1000:
        raise UltraStarError(f"The song's GAP is {tags['GAP']} ms, longer than any song.")
    relative = tags.get("RELATIVE", "").strip().upper() in ("YES", "TRUE", "1")
    song = UltraStarSong(tags, [[[]]], bpm, gap_ms / 1000.0, source=source)
    max_beat = song.seconds_to_beat(MAX_SONG_S) - song.seconds_to_beat(0.0)
    track, offset = 0, 0
    out_of_order = overlapping = 0
    for number, raw in enumerate(lines[body_start:], body_start + 1):
        s = raw.strip()
        if not s:
            continue
        if len(raw) > MAX_LINE_CHARS:
            counts.add("overlong line(s)", number)
            continue
        tag = s[0]
        if tag == "E" and s == "E":
            break
        if tag == "P":
            t = _track_of(s)
            if t is None:
                counts.add("line(s) naming an unknown singer", number)
                continue
            while len(song.tracks) <= t:
                song.tracks.append([[]])
            track, offset = t, 0
            continue
        if tag == "-":
            try:
                beats = [int(x) for x in s[1:].split()[:2]]
                if not beats:
                    raise ValueError
            except ValueError:
                counts.add("broken line break(s)", number)
                continue
            if relative:
                offset += beats[1] if len(beats) > 1 else beats[0]
            if song.tracks[track][-1]:
                song.tracks[track].append([])
            continue
        m = _NOTE.match(raw.lstrip())
        if m is None:
            counts.add("unreadable line(s)", number)
            continue
        start, length, pitch = int(m.group(2)) + offset, int(m.group(3)), int(m.group(4))
        if length <= 0 or not MIN_PITCH <= pitch <= MAX_PITCH or not -max_beat <= start <= max_beat \
                or length > max_beat:
            counts.add("note(s) with an impossible start, length or pitch", number)
            continue
        syllable = m.group(5) or ""
        song.tracks[track][-1].append(UltraStarNote(tag, start, length, pitch, syllable))
    for t, track_lines in enumerate(song.tracks):
        track_lines[:] = [ln for ln in track_lines if ln]
        out_of_order += _sort_lines(track_lines)
        overlapping += _fix_overlaps(track_lines)
    song.tracks = [t for t in song.tracks if t] or [[]]
    if not any(song.tracks[0]):
        extra = f" ({counts.total} broken line(s) were skipped)" if counts.total else ""
        raise UltraStarError(f"The song has no readable notes{extra}.")
    song.warnings = counts.messages()
    if out_of_order:
        song.warnings.append(f"{out_of_order} note(s) out of order were put in order.")
    if overlapping:
        song.warnings.append(f"{overlapping} overlapping note(s) were shortened.")
    return song


def _sort_lines(lines: list[list[UltraStarNote]]) -> int:
    """Put notes (and lines) in time order; the number of notes that were out of order."""
    moved = 0
    for line in lines:
        ordered = sorted(line, key=lambda n: n.start)
        moved += sum(a is not b for a, b in zip(ordered, line))
        line[:] = ordered
    order = sorted(lines, key=lambda ln: ln[0].start)
    if any(a is not b for a, b in zip(order, lines)):
        moved += 1
        lines[:] = order
    return moved


def _fix_overlaps(lines: list[list[UltraStarNote]]) -> int:
    """Shorten a note that runs into the next (or drop it if it starts at the same beat); the number changed."""
    fixed = 0
    flat = [n for ln in lines for n in ln]
    nxt = {id(a): b for a, b in itertools.pairwise(flat)}
    for line in lines:
        kept = []
        for n in line:
            b = nxt.get(id(n))
            if b is not None and n.end > b.start:
                fixed += 1
                if b.start <= n.start:
                    continue
                n = UltraStarNote(n.kind, n.start, b.start - n.start, n.pitch, n.text)
            kept.append(n)
        line[:] = kept
    lines[:] = [ln for ln in lines if ln]
    return fixed


# ---------------------------------------------------------------- writing


def _number(value: float) -> str:
    """Numbers as the spec writes them: a point, no needless decimals (``300.5``, ``120``)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def format_ultrastar(song: UltraStarSong) -> str:
    """The song as an UltraStar 1.1.0 ``.txt`` (absolute beats, ``\\n`` line ends, ``E`` at the end).

    ``#VERSION``, ``#BPM`` and ``#GAP`` come from the song; its other tags are
    written as they are (``#MP3`` is added beside ``#AUDIO`` for older games).
    """
    tags = {"VERSION": FORMAT_VERSION}
    for key in ("TITLE", "ARTIST"):
        tags[key] = song.tags.get(key, "")
    if song.audio_name:
        tags["AUDIO"] = song.audio_name
        tags["MP3"] = song.audio_name  # games older than the 1.1.0 format know only #MP3
    for key, value in song.tags.items():
        if key not in tags and key not in ("BPM", "GAP", "RELATIVE", "ENCODING"):
            tags[key] = value
    tags["BPM"] = _number(song.bpm)
    tags["GAP"] = _number(song.gap_s * 1000.0)
    out = [f"#{k}:{' '.join(v.split())}" for k, v in tags.items()]
    for t, lines in enumerate(song.tracks):
        if song.duet:
            out.append(f"P{t + 1}")
        for i, line in enumerate(lines):
            if i:
                out.append(f"- {line[0].start}")
            for n in line:
                out.append(f"{n.kind} {n.start} {n.length} {n.pitch} {n.text}")
    out.append("E")
    return "\n".join(out) + "\n"
