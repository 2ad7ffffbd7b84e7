"""Loading a song for the player: decode, refuse what is too long, hash, look up the stem cache. No Qt.

:func:`load_song` runs off the UI thread (the app wraps it in a task thread).
A file that breaks off part way raises :class:`TruncatedFile`, saying how
much of it decodes, so the app can offer to open that part.
:func:`error_message` turns any exception into one line for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from soundnet_app.audio.decode import stream_audio
from soundnet_app.audio.errors import AudioError, AudioReadError
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import AudioInfo, probe
from soundnet_app.engine.pcm import Pcm16
from soundnet_app.engine.song import Song
from soundnet_app.separation.cache import StemCache, cache_key, file_hash

MAX_SONG_MINUTES = 60  # the app keeps the mixture and the vocals in memory as 16-bit: ~0.7 GB per 30 minutes


def error_message(exc: BaseException) -> str:
    """One line for the user: the core's errors already are; others get their type."""
    if isinstance(exc, AudioError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class TruncatedFile(Exception):
    """The file stops early (truncated or damaged); ``seconds`` of it decode."""

    def __init__(self, path: Path, message: str, seconds: float):
        super().__init__(message)
        self.path = path
        self.seconds = seconds


def refuse_long_songs(info: AudioInfo) -> None:
    """Raise :class:`AudioReadError` for a song over :data:`MAX_SONG_MINUTES` (read at call time)."""
    if info.duration_s > MAX_SONG_MINUTES * 60:
        raise AudioReadError(
            info.path, f"is {info.duration_s / 60:.0f} minutes long; the app takes songs up to "
            f"{MAX_SONG_MINUTES} minutes (soundnet-separate handles longer files)")


def decode_readable_part(path: Path) -> tuple[Pcm16, AudioInfo, AudioReadError | None]:
    """Decode ``path`` up to where it breaks: ``(audio (n, 2) 16-bit, info, error or None)``."""
    info = probe(path)
    refuse_long_songs(info)
    errors: list[AudioReadError] = []

    def readable():
        try:
            yield from stream_audio(path)  # small blocks: what decodes before the break is kept
        except AudioReadError as e:
            errors.append(e)

    return Pcm16.from_blocks(readable(), frames_hint=_frames_hint(info)), info, errors[0] if errors else None


def _frames_hint(info: AudioInfo) -> int:
    """The header's length in frames (capped: some formats only estimate it), plus a second."""
    return int(min(info.duration_s, MAX_SONG_MINUTES * 60 + 60) * SAMPLE_RATE) + SAMPLE_RATE


def _is_truncation(exc: BaseException) -> bool:
    text = str(exc)
    return "truncated" in text or "damaged audio data" in text or "audio stops at" in text


def load_song(path: str | Path, hash_content: bool = True, cache: StemCache | None = None,
              model_version: str | Callable[[], str] = "", allow_truncated: bool = False) -> Song:
    """Read a file and compute the mixture waveform (run off the UI thread).

    The length is checked from the header before anything is decoded. With
    ``hash_content`` the file's bytes are hashed too (the stem cache's key);
    without a cache that read is skipped and ``Song.content_hash`` is ``""``.
    With a ``cache`` and the ``model_version`` that will separate the song
    (:func:`~soundnet_app.separation.catalog.model_version_of`, no TensorFlow needed), the
    stems are looked up here, so a cached song is complete before any model
    has loaded; a partly separated song gets the parts it had.

    A file that breaks off part way raises :class:`TruncatedFile` (saying how
    much decodes); ``allow_truncated`` opens that part instead.
    """
    path = Path(path)
    with ThreadPoolExecutor(1) as pool:  # hashing releases the GIL: it overlaps the decoding
        version = pool.submit(model_version) if callable(model_version) else None
        song = _load(path, hash_content, allow_truncated)
        model_version = version.result() if version is not None else model_version
    if cache is not None and song.content_hash and model_version:
        song.model_version = model_version  # the pitch guide beside the entry is found by it, before any model loads
        vocals = Pcm16.zeros(song.n_frames)  # decoded into in blocks, each handed back once written
        hit = cache.lookup_pcm16(cache_key(song.content_hash, model_version), song.n_frames,
                                 out=vocals.data, block_done=vocals.release)
        if hit is not None:
            song.restore(vocals, None, hit[1])
            song.cached = song.coverage.complete
    return song


def _load(path: Path, hash_content: bool, allow_truncated: bool) -> Song:
    if allow_truncated:
        audio, info, error = decode_readable_part(path)
        if error is not None and audio.shape[0] == 0:
            raise error
    else:
        try:
            info = probe(path)
            refuse_long_songs(info)
            # Straight into 16 bits, block by block: a long song is never held as float32.
            audio = Pcm16.from_blocks(stream_audio(path, block_frames=1 << 18), frames_hint=_frames_hint(info))
        except AudioReadError as e:
            if not _is_truncation(e):
                raise
            audio, info, error = decode_readable_part(path)
            seconds = audio.shape[0] / SAMPLE_RATE
            if audio.shape[0] == 0:
                raise
            raise TruncatedFile(path, str(e), seconds) from e
    if len(audio.shape) != 2 or audio.shape[0] == 0:
        raise AudioReadError(path, "contains no audio")
    content_hash = file_hash(path) if hash_content else ""
    return Song(path, audio, info, content_hash=content_hash)
