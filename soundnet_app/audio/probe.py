"""Probe an audio file: what it is (format, native rate and channels, length, tags), and
which library decodes it. Nothing is decoded here beyond one frame.

libsndfile (``soundfile``: WAV, FLAC, AIFF, OGG Vorbis/Opus) takes a file when it can read
it, FFmpeg (``PyAV``: MP3, M4A/AAC, MP4/MOV/MKV/WEBM audio tracks, WMA) otherwise. MP3 goes
to FFmpeg although libsndfile 1.2 opens it, because libsndfile's MP3 decoder garbles audio
that is read in blocks. Files with more than two channels also go to FFmpeg first, because
it knows each format's channel order (Vorbis orders 5.1 differently from WAV).

Header values are checked before they size any work: sample rates outside
:data:`MIN_SOURCE_RATE`..:data:`MAX_SOURCE_RATE` and more than :data:`MAX_CHANNELS`
channels are refused, so a tiny file that claims a 1 Hz rate cannot balloon memory.
Failures surface as :class:`~soundnet_app.audio.errors.AudioReadError`, never as raw
library exceptions.
"""

from __future__ import annotations

import math
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import av
import soundfile as sf

from soundnet_app.audio.errors import (
    DECODE_ERRORS,
    NOT_AUDIO,
    AudioError,
    AudioReadError,
    describe,
    read_reason,
)
from soundnet_app.fileio import PathLike

# Sane header values. Below 4 kHz nothing is music (and a 1 Hz header turns 8 KB into 30
# minutes at 44.1 kHz); above 768 kHz no recorder exists. Ambisonics tops out at 64 channels.
MIN_SOURCE_RATE = 4000
MAX_SOURCE_RATE = 768000
MAX_CHANNELS = 64
# First bytes of the containers libsndfile reads; anything else goes straight to FFmpeg
# (libsndfile would hand an MP3 to libmpg123, which prints notes on stderr for damaged data).
_SF_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"BW64", b"FORM", b"fLaC", b"OggS", b"riff", b"caff",
             b".snd", b"dns.", b"Crea", b"wvpk", b"MThd", b"2BIT", b"NIST", b"SOUN", b"IMPS")


def title_from_path(path: Path) -> str:
    """A song's name from its file name: ``"Song"`` for ``Song.mp3`` and for a ``Song.stem.mp4`` (NI Stems)."""
    stem = Path(path).stem
    return stem[: -len(".stem")] if stem.lower().endswith(".stem") and len(stem) > len(".stem") else stem


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe` learns about a file without decoding all of it."""

    path: Path
    format: str  # short name: "wav", "flac", "aiff", "mp3", "ogg", "opus", "m4a", "mkv", ...
    source_rate: int
    source_channels: int
    duration_s: float  # from the header; an estimate for some formats (see _duration_is_estimate)
    title: str | None
    artist: str | None

    @property
    def display_name(self) -> str:
        """``"Artist - Title"`` when tagged, else whatever is known, else the file stem."""
        if self.artist and self.title:
            return f"{self.artist} - {self.title}"
        if self.title:
            return self.title
        if self.artist:
            return f"{self.artist} - {title_from_path(self.path)}"
        return title_from_path(self.path)


@dataclass(frozen=True)
class Source:
    """A probed file and the backend that decodes it."""

    info: AudioInfo
    backend: str  # "sf" or "av"
    declared_frames: int | None  # header length in native frames, for the truncation check; None if unknown
    # or only estimated


def probe(path: PathLike) -> AudioInfo:
    """Read format, native rate/channels, duration and tags. Raises :class:`AudioReadError`."""
    return open_source(path).info


def open_source(path: PathLike) -> Source:
    """Check and probe ``path``: its :class:`AudioInfo` and the backend that decodes it."""
    p = _check_file(path)
    src = _probe_backends(p)
    _check_header(src.info)
    return src


def _check_file(path: PathLike) -> Path:
    """Turn missing, unreadable, non-regular and empty paths into clear errors up front."""
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise AudioReadError(p, "is a folder, not an audio file")
        if not stat.S_ISREG(st.st_mode):
            raise AudioReadError(p, "is not a regular file")
        if st.st_size == 0:
            raise AudioReadError(p, "file is empty (0 bytes)")
        with open(p, "rb"):
            pass
    except FileNotFoundError:
        raise AudioReadError(p, "file not found") from None
    except PermissionError:
        raise AudioReadError(p, "permission denied") from None
    except (OSError, ValueError) as e:  # ValueError: e.g. a NUL byte in the name
        raise AudioReadError(p, describe(e)) from e
    return p


def _check_header(info: AudioInfo) -> None:
    """Refuse header values that would size absurd work (see module docstring)."""
    if not MIN_SOURCE_RATE <= info.source_rate <= MAX_SOURCE_RATE:
        raise AudioReadError(info.path, f"unsupported sample rate {info.source_rate} Hz (the file is damaged, "
                             f"or not between {MIN_SOURCE_RATE} and {MAX_SOURCE_RATE} Hz)")
    if not 1 <= info.source_channels <= MAX_CHANNELS:
        raise AudioReadError(info.path, f"unsupported channel count {info.source_channels} (the file is damaged, "
                             f"or has more than {MAX_CHANNELS})")
    if not (math.isfinite(info.duration_s) and info.duration_s >= 0):
        raise AudioReadError(info.path, "the header states an invalid length (the file is damaged)")


def _sniff_sf(path: Path) -> bool:
    """Whether the file starts like a container libsndfile reads."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head in _SF_MAGIC


def _probe_backends(p: Path) -> Source:
    sf_src = None
    if _sniff_sf(p):
        try:
            sf_src = _probe_sf(p)
        except AudioError:
            raise
        except DECODE_ERRORS:
            pass  # not a libsndfile format after all: FFmpeg gets its turn
    # FFmpeg goes first for MP3 (libsndfile 1.2's MP3 decoder garbles audio when it is read
    # in blocks, as streaming must) and for >2 channels (FFmpeg knows each format's order).
    if sf_src is not None and sf_src.info.source_channels <= 2 and sf_src.info.format != "mp3":
        return sf_src
    try:
        return _probe_av(p)
    except DECODE_ERRORS as e:
        if sf_src is not None:  # FFmpeg could not open it, libsndfile could
            return sf_src
        if isinstance(e, AudioError):
            raise
        reason = read_reason(e)
        detail = "" if reason == NOT_AUDIO else f" ({reason})"
        raise AudioReadError(p, f"not a supported audio file, or the file is damaged{detail}") from e


def _probe_sf(path: Path) -> Source:
    with sf.SoundFile(path) as f:
        if f.frames <= 0:
            raise AudioReadError(path, "contains no audio samples")
        if f.format in ("WAV", "WAVEX", "RF64", "W64"):
            _check_wav_length(path, f.extra_info)
        fmt = {"WAVEX": "wav", "RF64": "wav", "W64": "wav"}.get(f.format, f.format.lower())
        if f.format == "OGG" and f.subtype == "OPUS":
            fmt = "opus"
        info = AudioInfo(path, fmt, f.samplerate, f.channels, f.frames / f.samplerate,
                         f.title or None, f.artist or None)
        return Source(info, "sf", f.frames)


def _check_wav_length(path: Path, log: str) -> None:
    """libsndfile silently shortens a WAV whose data chunk runs past the end of the file; it
    only logs ``data : <declared> (should be <actual>)``. We call that truncated."""
    m = re.search(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", log, re.M)
    if not m:
        return
    declared, actual = int(m.group(1)), int(m.group(2))
    # 0 and ~2**31/2**32 are "length unknown" markers written by streaming recorders.
    if 0 < declared < 0x7FFF0000 and declared - actual > max(4096, declared // 1000):
        raise AudioReadError(path, f"file is truncated: holds {actual} of {declared} bytes of audio data")


def _probe_av(path: Path) -> Source:
    with av.open(str(path), metadata_errors="replace") as c:
        if not c.streams.audio:
            raise AudioReadError(path, "has no audio track")
        s = c.streams.audio[0]
        ctx = getattr(s, "codec_context", None)  # None for some damaged headers (0 bits per sample)
        if ctx is None:
            raise AudioReadError(path, "audio track has no decodable codec (the header is damaged)")
        rate, channels = s.rate or ctx.sample_rate, s.channels or ctx.channels
        if not rate or not channels:
            raise AudioReadError(path, "audio track has an unknown sample rate or channel count")
        _check_header(AudioInfo(path, "", rate, channels, 0.0, None, None))  # before decoding sizes any work
        # Decode one frame: a header alone does not prove there is audio in the file.
        try:
            first = next(c.decode(s), None)
        except EOFError:  # an audio track with no packets at all
            first = None
        if first is None:
            raise AudioReadError(path, "contains no audio samples")
        declared = _av_stream_duration(s)
        duration = declared if declared is not None else (c.duration or 0) / av.time_base
        tags = {k.lower(): v for k, v in {**c.metadata, **s.metadata}.items()}
        info = AudioInfo(path, _av_format_name(path, c.format.name), rate, channels, float(duration),
                         tags.get("title") or None, tags.get("artist") or None)
        if declared and _duration_is_estimate(path, c.format.name):
            declared = None  # no truncation check against a guess
        return Source(info, "av", round(declared * rate) if declared else None)


# Raw elementary streams: no header states their length, so FFmpeg guesses it from the
# bitrate of the first frames, which can be off by a factor of ten for VBR audio.
_BITRATE_ESTIMATED = frozenset({"mp3", "aac", "ac3", "eac3", "dts"})
_MP3_LENGTH_TAGS = (b"Xing", b"Info", b"VBRI")  # a first frame that states the frame count


def _duration_is_estimate(path: Path, demuxer: str) -> bool:
    """Whether FFmpeg's duration for this file is a bitrate estimate rather than stated.

    MP3 states its length only in a Xing/Info (LAME) or VBRI tag in its first
    frame; raw ADTS AAC (and AC-3, DTS...) never does.
    """
    names = set(demuxer.split(","))
    if not names & _BITRATE_ESTIMATED:
        return False
    if "mp3" not in names:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(10)
            start = 0
            if head[:3] == b"ID3" and len(head) == 10:  # skip an ID3v2 tag (size is "synchsafe")
                size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
                start = 10 + size + (10 if head[5] & 0x10 else 0)
            f.seek(start)
            first = f.read(4096)  # the first frame (at most ~2.9 kB) and some junk before it
    except OSError:
        return True
    return not any(tag in first for tag in _MP3_LENGTH_TAGS)


def _av_stream_duration(s: av.audio.stream.AudioStream) -> float | None:
    """The audio track's own length in seconds (not the container's, which includes video)."""
    if s.duration and s.time_base:
        return float(s.duration * s.time_base)
    m = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d+)?)", (s.metadata.get("DURATION") or "").strip())
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else None  # Matroska per-track tag


def _av_format_name(path: Path, demuxer: str) -> str:
    """Name the container by the file's suffix where the demuxer agrees, else by the demuxer."""
    names = demuxer.split(",")
    aliases = {"mkv": "matroska", "mka": "matroska", "m4v": "mp4", "wma": "asf", "oga": "ogg"}
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in names or aliases.get(suffix) in names else names[0]
