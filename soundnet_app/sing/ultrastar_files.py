"""UltraStar songs on disk: reading a ``.txt``, finding its audio, opening it as a song for the player. No Qt.

* :func:`read_ultrastar` -- a ``.txt``'s bytes (UTF-8 with or without BOM,
  UTF-16 with a BOM, Windows-1252) parsed, every problem an
  :class:`~soundnet_app.sing.ultrastar.UltraStarError` for the user;
* :func:`find_ultrastar_txt` -- the song file in a dropped folder;
* :func:`media_path` -- the file a tag (``#AUDIO``, ``#VOCALS``...) names,
  only inside the song's folder;
* :func:`load_ultrastar` -- the :class:`~soundnet_app.engine.song.Song` to
  play: the main audio, and ``#VOCALS`` + ``#INSTRUMENTAL`` as its stems when
  both are there (no separation then). The parsed file rides along as
  ``song.ultrastar`` (the sing-along takes its lyrics and notes from it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.errors import AudioError
from soundnet_app.engine.loading import load_song
from soundnet_app.engine.song import Song
from soundnet_app.fileio import read_capped
from soundnet_app.separation.cache import StemCache
from soundnet_app.sing.lyrics import Lyrics, LyricsError
from soundnet_app.sing.lyrics_files import find_lyrics
from soundnet_app.sing.ultrastar import MAX_TXT_BYTES, UltraStarError, UltraStarSong, parse_ultrastar
from soundnet_app.sing.ultrastar_notes import song_lyrics

_END = re.compile(rb"[\r\n][ \t]*E[ \t]*(?:\r\n|\r|\n)")  # the line that ends the song
MAX_FOLDER_FILES = 200  # a song folder holds a handful; more is not a song folder


def decode_txt(data: bytes) -> str:
    """A ``.txt``'s text: a BOM's encoding, else UTF-8, else Windows-1252 (old Windows editors)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UltraStarError("The file says it is UTF-16 text but is not.") from None
    data = _END.split(data, maxsplit=1)[0] + b"\nE\n" if _END.search(data) else data  # what follows E is ignored
    if b"\x00" in data:
        raise UltraStarError("This is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    controls = sum(data.count(bytes([c])) for c in range(1, 32) if c not in (9, 10, 13))
    if controls > max(8, len(data) // 100):
        raise UltraStarError("This is not a text file.")
    return data.decode("cp1252", errors="replace")


def read_ultrastar(path: str | Path) -> UltraStarSong:
    """Read and parse an UltraStar ``.txt``; :class:`UltraStarError` (naming the file) on bad input."""
    path = Path(path)
    data = read_capped(path, MAX_TXT_BYTES, "UltraStar song files", UltraStarError)
    try:
        return parse_ultrastar(decode_txt(data), source=str(path))
    except UltraStarError as e:
        raise UltraStarError(f"{path.name}: {e}") from None


def looks_like_ultrastar(path: str | Path) -> bool:
    """A ``.txt`` whose first bytes are UltraStar tags (``#TITLE:``, ``#BPM:``...)."""
    path = Path(path)
    if path.suffix.lower() != ".txt" or not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith((b"#", b"\xff\xfe#", b"\xfe\xff\x00#"))


def find_ultrastar_txt(folder: str | Path) -> Path | None:
    """The UltraStar ``.txt`` in ``folder`` (not its subfolders), ``None`` when it has none."""
    try:
        names = sorted(os.listdir(folder))[:MAX_FOLDER_FILES]
    except OSError:
        return None
    for name in names:
        if looks_like_ultrastar(Path(folder) / name):
            return Path(folder) / name
    return None


def is_ultrastar_source(path: str | Path) -> bool:
    """Whether opening ``path`` means opening an UltraStar song: such a ``.txt``, or a folder holding one."""
    path = Path(path)
    return find_ultrastar_txt(path) is not None if path.is_dir() else looks_like_ultrastar(path)


def media_path(song: UltraStarSong, tag: str) -> Path | None:
    """The file ``#<tag>`` names, in the song's folder (any case), or ``None``.

    Raises :class:`UltraStarError` when it names a file outside the folder.
    """
    name = song.audio_name if tag == "AUDIO" else song.tags.get(tag, "")
    if not name or not song.source:
        return None
    folder = Path(song.source).parent.resolve()
    candidate = (folder / name.replace("\\", "/")).resolve()
    if candidate.parent != folder and folder not in candidate.parents:
        raise UltraStarError(f"#{tag} names \"{name}\", which is outside the song's folder; "
                             "only files beside the song are opened.")
    if candidate.is_file():
        return candidate
    try:  # songs made on Windows often spell the name in another case
        lower = candidate.name.lower()
        for entry in os.scandir(candidate.parent):
            if entry.name.lower() == lower and entry.is_file():
                return Path(entry.path)
    except OSError:
        pass
    return None


def _stem(path: Path, n: int) -> np.ndarray:
    """A stem file as ``(n, 2)`` float32, cut or padded to the song's length."""
    audio, _ = read_audio(path)
    out = np.zeros((n, 2), dtype=np.float32)
    m = min(n, audio.shape[0])
    out[:m] = audio[:m]
    return out


def load_ultrastar(path: str | Path, cache: StemCache | None = None,
                   model_version: str | Callable[[], str] = "", allow_truncated: bool = False) -> Song:
    """Open an UltraStar song (its ``.txt`` or its folder) for the player (run off the UI thread).

    The song's ``path`` is the ``.txt`` (so Open Recent opens it as one again),
    ``ultrastar`` the parsed file; ``song.ultrastar.warnings`` say what was
    skipped. Raises :class:`UltraStarError` or the audio reader's errors.
    """
    path = Path(path)
    if path.is_dir():
        txt = find_ultrastar_txt(path)
        if txt is None:
            raise UltraStarError(f"There is no UltraStar song (.txt) in the folder {path.name}.")
        path = txt
    us = read_ultrastar(path)
    name = us.audio_name
    if not name:
        raise UltraStarError(f"{path.name} names no audio file (#AUDIO or #MP3).")
    audio = media_path(us, "AUDIO")
    if audio is None:
        raise UltraStarError(f"{path.name} names the audio file \"{name}\", which is not in the song's folder.")
    song = load_song(audio, hash_content=cache is not None, cache=cache, model_version=model_version,
                     allow_truncated=allow_truncated)
    song.path = path
    song.ultrastar = us
    if not song.coverage.complete:
        try:
            vocals, instrumental = media_path(us, "VOCALS"), media_path(us, "INSTRUMENTAL")
        except UltraStarError as e:
            vocals = instrumental = None
            us.warnings.append(str(e))
        if vocals is not None and instrumental is not None:
            try:
                song.set_stems(_stem(vocals, song.n_frames), _stem(instrumental, song.n_frames))
            except AudioError as e:
                us.warnings.append(f"The song's own stems could not be read ({e}); it is separated instead.")
    return song


def lyrics_for(song: Song) -> Lyrics | None:
    """A song's synced lyrics for its exports: its UltraStar syllables, else its ``.lrc`` or tags
    (``None``: none, or none readable)."""
    if song.ultrastar is not None:
        return song_lyrics(song.ultrastar)
    try:
        return find_lyrics(song.path)
    except LyricsError:
        return None


def singer_lyrics(song: Song) -> tuple[Lyrics | None, Lyrics | None]:
    """The lyrics a karaoke video shows: ``(lyrics, None)``, or a duet's two singers apart (two rows)."""
    sheet = song.ultrastar
    if sheet is not None and sheet.duet:
        return song_lyrics(sheet, 0), song_lyrics(sheet, 1)
    return lyrics_for(song), None
