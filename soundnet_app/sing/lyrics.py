"""Synced lyrics: LRC parsing and writing, lyrics in tags, tap-to-sync.

No Qt here. A :class:`Lyrics` is a list of :class:`Line` (start time in
seconds, text, optional :class:`Word` timings from enhanced LRC
``<mm:ss.xx>``). Where lyrics come from, first found wins:

1. ``<song>.lrc`` next to the song, then the same name in the app's lyrics
   folder (where :func:`write_lrc` falls back when the song's folder is
   read-only);
2. the song's tags (``mutagen``): ID3 ``SYLT`` (synced) or ``USLT``,
   Vorbis/FLAC ``LYRICS`` / ``UNSYNCEDLYRICS``, MP4 ``©lyr``. Tag text that is
   itself LRC is parsed as LRC.

Plain lyrics (no timestamps) come back with ``synced == False``; the user
can sync them by tapping a key at the start of each line: :func:`vocal_onsets`
finds where the separated vocal starts notes and :func:`snap_taps` moves each
tap to the nearest one (taps come late: people react ~0.1-0.3 s after they
hear a line start).

Bad input raises :class:`LyricsError`, whose message is meant for the user.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soundnet_app.fileio import atomic_write

log = logging.getLogger(__name__)

MAX_LRC_BYTES = 1 << 20  # a long song's enhanced LRC is ~20 kB; anything over 1 MB is not lyrics
_TIME = r"(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)"
_LINE_STAMP = re.compile(r"\[" + _TIME + r"\]")
_WORD_STAMP = re.compile(r"<" + _TIME + r">")
_TAG = re.compile(r"^\[([A-Za-z#]+):(.*)\]\s*$")
_BRACKET_START = re.compile(r"^\s*\[\s*[^\]]*\d[^\]]*\]")  # looks like a timestamp, maybe broken


class LyricsError(ValueError):
    """Lyrics that cannot be read: the message says why, for the user."""


class LyricsExistError(FileExistsError):
    """:func:`write_lrc` would replace an existing file and ``overwrite`` was not given."""

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
            raise LyricsError(f"The offset tag [offset:{tags['offset']}] is not a number of milliseconds.") from None

    timed: list[Line] = []
    plain: list[str] = []
    broken: list[int] = []
    for number, raw in enumerate(raw_lines, 1):
        s = raw.strip()
        if not s or (_TAG.match(s) and not _LINE_STAMP.match(s)):
            continue
        stamps = []
        rest = s
        while m := _LINE_STAMP.match(rest):
            stamps.append(_seconds(m.group(1), m.group(2)))
            rest = rest[m.end():]
        if stamps:
            body, words = _parse_words(rest, offset)
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


def read_lrc(path: str | Path) -> Lyrics:
    """Read an ``.lrc`` (or plain ``.txt``) file; :class:`LyricsError` with a message on bad input."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_LRC_BYTES:
            raise LyricsError(f"{path.name} is {size / 1e6:.1f} MB; lyrics files are at most "
                              f"{MAX_LRC_BYTES // (1 << 20)} MB.")
        data = path.read_bytes()
    except OSError as e:
        raise LyricsError(f"Could not read {path.name}: {e.strerror or e}.") from None
    try:
        return parse_lrc(decode_text(data), source=str(path))
    except LyricsError as e:
        raise LyricsError(f"{path.name}: {e}") from None


# ---------------------------------------------------------------- tags


def _from_tag_text(text: str, source: str) -> Lyrics | None:
    text = text.strip()
    if not text:
        return None
    return parse_lrc(text, source)


def read_tag_lyrics(path: str | Path) -> Lyrics | None:
    """Lyrics from the audio file's tags (``None`` when there are none or the tags are unreadable)."""
    try:
        import mutagen
    except ImportError:  # the app works without it, just without tag lyrics
        return None
    path = Path(path)
    try:
        audio = mutagen.File(path)
    except Exception as e:  # mutagen raises many types for damaged files
        log.info("could not read tags of %s: %s", path, e)
        return None
    tags = getattr(audio, "tags", None) if audio is not None else None
    if not tags:
        return None
    source = f"{path.name} (tags)"
    try:
        if hasattr(tags, "getall"):  # ID3
            for frame in tags.getall("SYLT"):
                lines = _sylt_lines(frame)
                if lines:
                    return Lyrics(lines, True, {}, source)
            for frame in tags.getall("USLT"):
                lyrics = _from_tag_text(str(frame.text), source)
                if lyrics is not None:
                    return lyrics
            return None
        for key in ("\xa9lyr", "LYRICS", "lyrics", "UNSYNCEDLYRICS", "unsyncedlyrics"):
            try:
                value = tags[key]
            except (KeyError, ValueError):
                continue
            text = "\n".join(map(str, value)) if isinstance(value, list) else str(value)
            lyrics = _from_tag_text(text, source)
            if lyrics is not None:
                return lyrics
    except LyricsError as e:
        log.info("unusable lyrics tag in %s: %s", path, e)
    return None


def _sylt_lines(frame) -> list[Line]:
    """An ID3 SYLT frame's ``[(text, time), ...]`` as lines (time format 2 = milliseconds)."""
    if getattr(frame, "format", 2) != 2:
        return []  # MPEG frames: would need the file's frame rate; rare
    lines = []
    for text, ms in frame.text:
        text = " ".join(str(text).split())
        if text:
            lines.append(Line(ms / 1000.0, text))
    lines.sort(key=lambda ln: ln.start)
    return lines


# ---------------------------------------------------------------- finding and writing


def default_lyrics_dir() -> Path:
    """``$SOUNDNET_LYRICS_DIR`` or the user data folder's ``lyrics`` subfolder."""
    env = os.environ.get("SOUNDNET_LYRICS_DIR")
    if env:
        return Path(env)
    import platformdirs

    from soundnet_app.separation.cache import APP_AUTHOR, APP_NAME

    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR) / "lyrics"


def fallback_lrc_path(song_path: str | Path, folder: str | Path | None = None) -> Path:
    """The song's ``.lrc`` in the app's lyrics folder (name + a hash of the song's full path)."""
    song_path = Path(song_path)
    digest = hashlib.sha1(str(song_path.resolve()).encode()).hexdigest()[:10]
    return Path(folder or default_lyrics_dir()) / f"{song_path.stem}-{digest}.lrc"


def lrc_candidates(song_path: str | Path, lyrics_dir: str | Path | None = None) -> list[Path]:
    song_path = Path(song_path)
    return [song_path.with_suffix(".lrc"), song_path.with_suffix(".LRC"), fallback_lrc_path(song_path, lyrics_dir)]


def find_lyrics(song_path: str | Path, lyrics_dir: str | Path | None = None) -> Lyrics | None:
    """The song's lyrics from an ``.lrc`` (song folder, then the app's) or its tags; ``None`` if none.

    A damaged ``.lrc`` raises :class:`LyricsError` (so the user hears about it)
    unless the tags have lyrics.
    """
    error = None
    for path in lrc_candidates(song_path, lyrics_dir):
        if path.is_file():
            try:
                return read_lrc(path)
            except LyricsError as e:
                error = e
    lyrics = read_tag_lyrics(song_path)
    if lyrics is None and error is not None:
        raise error
    return lyrics


def _stamp(t: float) -> str:
    t = max(0.0, t)
    cs = int(round(t * 100))
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


def _write_atomic(path: Path, data: bytes, overwrite: bool) -> None:
    # Without overwrite, never over an existing file, even one that appears meanwhile.
    atomic_write(path, data, overwrite=overwrite)


def write_lrc(lyrics: Lyrics, song_path: str | Path, overwrite: bool = False,
              lyrics_dir: str | Path | None = None) -> Path:
    """Write ``<song>.lrc`` next to the song, atomically; returns the path written.

    An existing file is replaced only with ``overwrite`` (else
    :class:`LyricsExistError`, so the caller can ask). When the song's
    folder is not writable the file goes to :func:`fallback_lrc_path`.
    """
    data = format_lrc(lyrics).encode("utf-8")
    target = Path(song_path).with_suffix(".lrc")
    for path in (target, fallback_lrc_path(song_path, lyrics_dir)):
        if path.exists() and not overwrite:
            raise LyricsExistError(path)
        try:
            if path != target:
                path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, data, overwrite)
            return path
        except FileExistsError:
            if path.exists():  # another writer got there first
                raise LyricsExistError(path) from None
            error = f"{path.parent} is not a folder"
        except OSError as e:
            error = e.strerror or str(e)
        if path != target:
            raise LyricsError(f"Could not save the lyrics: {error}.")
        log.info("cannot write %s (%s); using the app's lyrics folder", path, error)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- tap-to-sync


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
