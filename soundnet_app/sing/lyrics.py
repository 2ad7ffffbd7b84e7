"""Synced lyrics, the model and its text form: lines and word timings, LRC parsing and writing.

No Qt here. A :class:`Lyrics` is a list of :class:`Line` (start time in
seconds, text, optional :class:`Word` timings from enhanced LRC
``<mm:ss.xx>``). :func:`parse_lrc` reads LRC text, :func:`format_lrc` writes
it, :func:`decode_text` turns a file's bytes into text. Plain lyrics (no
timestamps) come back with ``synced == False`` (they can be synced by
tapping: :mod:`soundnet_app.sing.tapsync`). Where lyrics are found and
stored: :mod:`soundnet_app.sing.lyrics_files`.

Bad input raises :class:`LyricsError`, whose message is meant for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_TIME = r"(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)"
_LINE_STAMP = re.compile(r"\[" + _TIME + r"\]")
_WORD_STAMP = re.compile(r"<" + _TIME + r">")
_TAG = re.compile(r"^\[([A-Za-z#]+):(.*)\]\s*$")
# Looks like a timestamp, maybe broken. The first class holds no digit, so there is one way to match:
# linear time (``[^\]]*\d[^\]]*`` backtracked quadratically on ``[111…`` without a ``]``).
_BRACKET_START = re.compile(r"^\s*\[[^\]\d]*\d[^\]]*\]")

MAX_LYRICS_CHARS = 1 << 20  # a long song's enhanced LRC is ~20 k characters
MAX_TIMED_LINES = 20_000  # lines after repeats ([t1][t2]text is two): a song has a few hundred
MAX_WORD_TIMINGS = 200_000  # word stamps after repeats: a song has a few thousand


class LyricsError(ValueError):
    """Lyrics that cannot be read: the message says why, for the user."""


class LyricsExistError(FileExistsError):
    """:func:`~soundnet_app.sing.lyrics_files.write_lrc` would replace an existing file and ``overwrite`` was not given."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(f"{self.path.name} already exists")


@dataclass(frozen=True)
class Word:
    """One timed word (enhanced LRC); ``start`` in seconds."""

    start: float
    text: str


@dataclass(frozen=True)
class Line:
    """One lyrics line; ``start`` in seconds (``nan`` for unsynced lyrics)."""

    start: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass
class Lyrics:
    """Lines in time order, the LRC tags (``ar``, ``ti``...) and where they came from."""

    lines: list[Line]
    synced: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    def line_at(self, t: float) -> int:
        """Index of the line sung at ``t`` seconds, ``-1`` before the first (or unsynced)."""
        if not self.synced or not self.lines:
            return -1
        starts = self.starts
        return int(np.searchsorted(starts, t, side="right")) - 1

    @property
    def starts(self) -> np.ndarray:
        return np.array([ln.start for ln in self.lines], dtype=np.float64)

    def line_end(self, i: int, default_s: float = 5.0) -> float:
        """Where line ``i`` ends: the next line's start, or ``default_s`` after its last word."""
        if i + 1 < len(self.lines):
            return self.lines[i + 1].start
        ln = self.lines[i]
        return (ln.words[-1].start if ln.words else ln.start) + default_s

    def word_at(self, i: int, t: float) -> int:
        """Index of the word of line ``i`` sung at ``t`` (``-1``: none yet, or the line has no word times)."""
        words = self.lines[i].words if 0 <= i < len(self.lines) else ()
        k = -1
        for j, w in enumerate(words):
            if w.start <= t:
                k = j
        return k

    @property
    def texts(self) -> list[str]:
        return [ln.text for ln in self.lines]


# ---------------------------------------------------------------- parsing


def _seconds(minutes: str, seconds: str) -> float:
    return int(minutes) * 60 + float(seconds.replace(":", "."))


def _parse_words(body: str, offset: float) -> tuple[str, tuple[Word, ...]]:
    """``"<00:01.00>Hel <00:01.50>lo"`` -> ``("Hel lo", (Word(1.0, "Hel"), Word(1.5, "lo")))``."""
    parts = _WORD_STAMP.split(body)
    # split gives [lead, m, s, text, m, s, text, ...]
    words = []
    for k in range(1, len(parts) - 2, 3):
        text = parts[k + 2].strip()
        if text:
            words.append(Word(max(0.0, _seconds(parts[k], parts[k + 1]) - offset), text))
    plain = _WORD_STAMP.sub("", body)
    return " ".join(plain.split()), tuple(words)


def parse_lrc(text: str, source: str = "") -> Lyrics:
    """Parse LRC text: ``[mm:ss.xx]line``, several stamps per line, ``<mm:ss.xx>`` word
    times, ``[ar:]``/``[ti:]``... tags and ``[offset:±ms]`` (positive: lyrics earlier).

    Text without any timestamp is returned as plain lyrics (``synced=False``),
    one line per non-empty line. Lines with broken timestamps are skipped with
    a warning; if nothing but broken lines is left, :class:`LyricsError`.
    """
    if "\x00" in text:
        raise LyricsError("This is not a text file.")
    if len(text) > MAX_LYRICS_CHARS:
        raise LyricsError(f"The lyrics are {len(text):,} characters long; lyrics are at most "
                          f"{MAX_LYRICS_CHARS:,}.")
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tags: dict[str, str] = {}
    for raw in raw_lines:
        m = _TAG.match(raw.strip())
        if m and not _LINE_STAMP.match(raw.strip()):
            tags[m.group(1).lower()] = m.group(2).strip()
    offset = 0.0
    if "offset" in tags:
        try:
            offset = float(tags["offset"]) / 1000.0
        except ValueError:
            offset = float("nan")
        if not -86400.0 <= offset <= 86400.0:  # nan and ±inf too: they would put every line at 0 s or +inf
            raise LyricsError(f"The offset tag [offset:{tags['offset']}] is not a number of milliseconds.")

    timed: list[Line] = []
    plain: list[str] = []
    broken: list[int] = []
    n_words = 0
    for number, raw in enumerate(raw_lines, 1):
        s = raw.strip()
        if not s or (_TAG.match(s) and not _LINE_STAMP.match(s)):
            continue
        stamps = []
        pos = 0
        while (m := _LINE_STAMP.match(s, pos)) and len(stamps) <= MAX_TIMED_LINES:
            stamps.append(_seconds(m.group(1), m.group(2)))
            pos = m.end()  # no slicing: a line of 100 k stamps would copy itself 100 k times
        rest = s[pos:]
        if stamps:
            body, words = _parse_words(rest, offset)
            n_words += len(stamps) * len(words)
            if len(timed) + len(stamps) > MAX_TIMED_LINES or n_words > MAX_WORD_TIMINGS:
                # Repeat stamps multiply: 4000 stamps x 4000 word stamps (60 kB) would be 16 M timings.
                raise LyricsError(f"The lyrics have too many timestamps (over {MAX_TIMED_LINES:,} timed lines or "
                                  f"{MAX_WORD_TIMINGS:,} word times, line {number}); they are not a song's lyrics.")
            for t in stamps:
                start = max(0.0, t - offset)
                # A repeated line (several stamps) keeps its word times relative to each repeat.
                shift = start - (max(0.0, stamps[0] - offset))
                ws = tuple(Word(w.start + shift, w.text) for w in words)
                timed.append(Line(start, body, ws))
        elif _BRACKET_START.match(s):
            broken.append(number)
        else:
            plain.append(" ".join(_WORD_STAMP.sub("", s).split()))

    warnings = []
    if broken:
        listed = ", ".join(map(str, broken[:5])) + ("…" if len(broken) > 5 else "")
        warnings.append(f"{len(broken)} line(s) with a broken timestamp were skipped (line {listed}).")
    if timed:
        if plain:
            warnings.append(f"{len(plain)} line(s) without a timestamp were skipped.")
        timed.sort(key=lambda ln: ln.start)
        return Lyrics(timed, True, tags, source, warnings)
    if broken:
        raise LyricsError(f"The lyrics' timestamps are broken (line {', '.join(map(str, broken[:5]))}); "
                          "expected [mm:ss.xx] at the start of each line.")
    return Lyrics([Line(float("nan"), t) for t in plain], False, tags, source, warnings)


def parse_plain(text: str, source: str = "") -> Lyrics:
    """Plain lyrics, one line per non-empty line, unsynced."""
    lines = [" ".join(s.split()) for s in text.replace("\r", "\n").split("\n") if s.strip()]
    return Lyrics([Line(float("nan"), t) for t in lines], False, {}, source)


def decode_text(data: bytes) -> str:
    """Bytes of a lyrics file as text: UTF-8 (BOM or not), UTF-16 with a BOM, or Windows-1252.

    Raises :class:`LyricsError` for binary data.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise LyricsError("The lyrics file says it is UTF-16 but is not.") from None
    if b"\x00" in data:
        raise LyricsError("This is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # old LRC files from Windows tools
    except UnicodeDecodeError:
        raise LyricsError("The lyrics file's text encoding is not UTF-8, UTF-16 or Windows-1252.") from None


# ---------------------------------------------------------------- writing


def _stamp(t: float) -> str:
    t = max(0.0, t) if np.isfinite(t) else 0.0  # never an OverflowError on a damaged time
    cs = round(t * 100)
    return f"{cs // 6000:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def format_lrc(lyrics: Lyrics) -> str:
    """LRC text for synced lyrics (tags first; enhanced word stamps where lines have them)."""
    if not lyrics.synced:
        raise ValueError("only synced lyrics can be written as LRC")
    out = [f"[{k}:{v}]" for k, v in lyrics.tags.items() if k != "offset"]
    for ln in lyrics.lines:
        if ln.words:
            body = " ".join(f"<{_stamp(w.start)}>{w.text}" for w in ln.words)
        else:
            body = ln.text
        out.append(f"[{_stamp(ln.start)}]{body}")
    return "\n".join(out) + "\n"
