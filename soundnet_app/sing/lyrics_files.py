"""Where a song's lyrics come from and where they are stored: ``.lrc`` files and tags.

No Qt here. Where lyrics come from, first found wins (:func:`find_lyrics`):

1. ``<song>.lrc`` next to the song, then the same name in the app's lyrics
   folder (where :func:`write_lrc` falls back when the song's folder is
   read-only);
2. the song's tags (``mutagen``): ID3 ``SYLT`` (synced) or ``USLT``,
   Vorbis/FLAC ``LYRICS`` / ``UNSYNCEDLYRICS``, MP4 ``©lyr``. Tag text that is
   itself LRC is parsed as LRC.

Bad input raises :class:`~soundnet_app.sing.lyrics.LyricsError`, whose message is meant for the user.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from pathlib import Path

from soundnet_app.fileio import atomic_write, read_capped
from soundnet_app.paths import lyrics_dir
from soundnet_app.sing.lyrics import (
    Line,
    Lyrics,
    LyricsError,
    LyricsExistError,
    decode_text,
    format_lrc,
    parse_lrc,
)

try:
    import mutagen
except ImportError:  # the app works without it, just without tag lyrics
    mutagen = None

log = logging.getLogger(__name__)

MAX_LRC_BYTES = 1 << 20  # a long song's enhanced LRC is ~20 kB; anything over 1 MB is not lyrics
# Tags this big are not read for lyrics (mutagen would load them whole: 100 MB of USLT took 2.7 GB).
# Cover art makes real ones a few MB; an MP4's moov also holds the sample tables (~10 MB for 2 h).
MAX_TAG_BYTES = 64 << 20


# ---------------------------------------------------------------- files


def read_lrc(path: str | Path) -> Lyrics:
    """Read an ``.lrc`` (or plain ``.txt``) file; :class:`LyricsError` with a message on bad input."""
    path = Path(path)
    data = read_capped(path, MAX_LRC_BYTES, "lyrics files", LyricsError)
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
    if mutagen is None:
        return None
    path = Path(path)
    try:
        size = tag_bytes(path)
        if size > MAX_TAG_BYTES:
            log.info("not reading the %d MB of tags of %s for lyrics", size >> 20, path)
            return None
        audio = mutagen.File(path)
    except Exception as e:  # noqa: BLE001 - mutagen raises many types for damaged files
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


def tag_bytes(path: str | Path) -> int:
    """The size the file's header gives its ID3v2 tag or MP4 ``moov`` box (0 when it has neither).

    Read from a few bytes of headers, before mutagen loads the tags whole.
    """
    with open(path, "rb") as f:
        head = f.read(10)
        if head[:3] == b"ID3" and len(head) == 10:
            size = 0
            for b in head[6:10]:  # a "syncsafe" integer: 7 bits a byte
                size = (size << 7) | (b & 0x7F)
            return size
        if head[4:8] != b"ftyp":
            return 0
        f.seek(0)
        for _ in range(64):  # top-level boxes: ftyp, moov, mdat, free...
            box = f.read(8)
            if len(box) < 8:
                return 0
            size, kind = struct.unpack(">I4s", box)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                skip = size - 16
            else:
                skip = size - 8
            if kind == b"moov":
                return size
            if size == 0 or skip < 0:
                return 0  # to the end of the file, or garbled: mutagen judges
            f.seek(skip, 1)
    return 0


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


def fallback_lrc_path(song_path: str | Path, folder: str | Path | None = None) -> Path:
    """The song's ``.lrc`` in the app's lyrics folder (name + a hash of the song's full path)."""
    song_path = Path(song_path)
    digest = hashlib.sha1(str(song_path.resolve()).encode()).hexdigest()[:10]
    return Path(folder or lyrics_dir()) / f"{song_path.stem}-{digest}.lrc"


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
            atomic_write(path, data, overwrite=overwrite)  # without overwrite: never over a file
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
