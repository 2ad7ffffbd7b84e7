"""Audio file adapter: decode any supported file to stereo float32 at 44.1 kHz,
and write results atomically.

Every decoded array is ``(samples, 2)`` float32, C-contiguous, at
:data:`SAMPLE_RATE`. Decoding goes through libsndfile (``soundfile``: WAV, FLAC,
AIFF, OGG Vorbis/Opus) when it can read the file, and through FFmpeg (``PyAV``:
MP3, M4A/AAC, MP4/MOV/MKV/WEBM audio tracks, WMA) otherwise. MP3 goes to FFmpeg
although libsndfile 1.2 opens it, because libsndfile's MP3 decoder garbles audio
that is read in blocks. Files with more than two channels also go to FFmpeg
first, because it knows each format's channel order (Vorbis orders 5.1
differently from WAV). Both paths stream in blocks and resample with a streaming
soxr resampler, so memory stays bounded whatever the file length. A start
offset is honoured to the nearest source sample.

Channel mapping: mono is duplicated; stereo is kept; more channels are
downmixed ITU-style by speaker name: ``L = FL + 0.707 * (FC + left surrounds)``,
likewise for R, LFE dropped. The mix is not normalised (a loud 5.1 file may
peak above 1.0; integer and lossy writers clip). Channels without names are
read as 5.1 / 7.1 in WAV order when there are 6 / 8 of them; any other count is
treated as interleaved L/R pairs (even channels averaged to L, odd to R).

Failures surface as :class:`AudioReadError` / :class:`AudioWriteError`, never
as raw library exceptions, whatever a damaged file does to the libraries.
Header values are checked before they size any work: sample rates outside
:data:`MIN_SOURCE_RATE`..:data:`MAX_SOURCE_RATE` and more than
:data:`MAX_CHANNELS` channels are refused, and resampling runs in bounded
pieces, so a tiny file that claims a 1 Hz rate cannot balloon memory.
"""

from __future__ import annotations

import errno
import math
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Generator, Iterator, Union

import av
import numpy as np
import soundfile as sf
import soxr

from soundnet_app.audio.formats import SAMPLE_RATE

PathLike = Union[str, "os.PathLike[str]"]

SUPPORTED_INPUT_SUFFIXES = frozenset({
    ".wav", ".flac", ".aif", ".aiff", ".aifc", ".mp3", ".ogg", ".oga", ".opus",
    ".m4a", ".aac", ".mp4", ".m4v", ".mov", ".mkv", ".mka", ".webm", ".wma",
})
OUTPUT_FORMATS = ("wav", "flac", "ogg", "mp3")
WAV_SUBTYPES = ("PCM_16", "PCM_24", "FLOAT")

# format -> (libsndfile format, default subtype, allowed subtypes, encoder settings)
_WRITE_FORMATS = {
    "wav": ("WAV", "PCM_16", WAV_SUBTYPES, {}),
    "flac": ("FLAC", "PCM_16", ("PCM_16", "PCM_24"), {}),
    # Vorbis quality ~0.7 and LAME VBR ~V2: transparent enough for music.
    "ogg": ("OGG", "VORBIS", ("VORBIS",), {"compression_level": 0.3}),
    "mp3": ("MP3", "MPEG_LAYER_III", ("MPEG_LAYER_III",),
            {"bitrate_mode": "VARIABLE", "compression_level": 0.2}),
}
_FORMAT_BY_SUFFIX = {".wav": "wav", ".flac": "flac", ".ogg": "ogg", ".oga": "ogg", ".mp3": "mp3"}

_READ_FRAMES = 65536  # native-rate frames per libsndfile read
# Sane header values. Below 4 kHz nothing is music (and a 1 Hz header turns 8 KB into 30
# minutes at 44.1 kHz); above 768 kHz no recorder exists. Ambisonics tops out at 64 channels.
MIN_SOURCE_RATE = 4000
MAX_SOURCE_RATE = 768000
MAX_CHANNELS = 64
_RESAMPLE_OUT_FRAMES = 1 << 18  # at most this many output frames per soxr call
# Float files can go past full scale, but not by 60 dB: values that large are damage (and
# overflow the separator's spectrogram into NaN).
_MAX_ABS_SAMPLE = 1000.0
# First bytes of the containers libsndfile reads; anything else goes straight to FFmpeg
# (libsndfile would hand an MP3 to libmpg123, which prints notes on stderr for damaged data).
_SF_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"BW64", b"FORM", b"fLaC", b"OggS", b"riff", b"caff",
             b".snd", b"dns.", b"Crea", b"wvpk", b"MThd", b"2BIT", b"NIST", b"SOUN", b"IMPS")
# FFmpeg's lossy decoders need some audio before a seek target to warm up (MP3's bit reservoir,
# AAC's overlap, Opus pre-roll): seek this much earlier and throw the warm-up away.
_PREROLL_S = 0.5
# Anything the backends throw at us; wrapped into AudioError at the public API.
_LIB_ERRORS = (sf.SoundFileError, av.FFmpegError, OSError, RuntimeError, ValueError, EOFError)
# Damaged files also make the bindings trip over half-filled objects (PyAV leaves a WAV with
# 0 bits per sample without a codec context: AttributeError). Decoding turns any of these into
# AudioReadError; only MemoryError and interrupts pass through untouched.
_DECODE_ERRORS = (Exception,)


class AudioError(Exception):
    """An audio file could not be read or written. ``str(err)`` is ``"<file name>: <reason>"``."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    def __reduce__(self):  # keep picklable (e.g. raised inside a worker process)
        return type(self), (self.path, self.reason)


class AudioReadError(AudioError):
    """The input file cannot be opened or decoded."""


class AudioWriteError(AudioError):
    """The output file cannot be written."""


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
            return f"{self.artist} - {self.path.stem}"
        return self.path.stem


@dataclass(frozen=True)
class _Source:
    info: AudioInfo
    backend: str  # "sf" or "av"
    declared_frames: int | None  # header length in native frames, for the truncation check; None if unknown
    # or only estimated


def is_supported_input(path: PathLike) -> bool:
    """True when the file's suffix is one we can decode (the content is not checked)."""
    return Path(path).suffix.lower() in SUPPORTED_INPUT_SUFFIXES


# ----------------------------------------------------------------------------- reading


def probe(path: PathLike) -> AudioInfo:
    """Read format, native rate/channels, duration and tags. Raises :class:`AudioReadError`."""
    return _probe(path).info


def stream_audio(path: PathLike, block_frames: int = 65536, start_s: float = 0.0) -> Iterator[np.ndarray]:
    """Decode ``path`` from ``start_s`` seconds on, as ``(n, 2)`` float32 blocks at 44.1 kHz.

    Every block has exactly ``block_frames`` rows except the last, which may be shorter.
    The file is opened and checked now (so a missing file raises here); decoding errors,
    NaN/inf samples and truncation raise :class:`AudioReadError` during iteration.
    """
    if block_frames <= 0:
        raise ValueError(f"block_frames must be positive, got {block_frames}")
    if not (start_s >= 0 and math.isfinite(start_s)):
        raise ValueError(f"start_s must be a finite number >= 0, got {start_s}")
    return _reblock(_decode(_probe(path), start_s), block_frames)


def read_audio(path: PathLike, check: Callable[[AudioInfo], None] | None = None) -> tuple[np.ndarray, AudioInfo]:
    """Decode the whole file: ``(samples, 2)`` float32 at 44.1 kHz, plus its :class:`AudioInfo`.

    ``check``, if given, is called with the :class:`AudioInfo` once the header
    is read and before anything is decoded; it may raise to refuse the file
    (too long, say) without a second probe.
    """
    src = _probe(path)
    if check is not None:
        check(src.info)
    blocks = list(_decode(src, 0.0))
    audio = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
    return np.ascontiguousarray(audio), src.info


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
        raise AudioReadError(p, _describe(e)) from e
    return p


def _probe(path: PathLike) -> _Source:
    p = _check_file(path)
    src = _probe_backends(p)
    _check_header(src.info)
    return src


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


def _probe_backends(p: Path) -> _Source:
    sf_src = None
    if _sniff_sf(p):
        try:
            sf_src = _probe_sf(p)
        except AudioError:
            raise
        except _DECODE_ERRORS:
            pass  # not a libsndfile format after all: FFmpeg gets its turn
    # FFmpeg goes first for MP3 (libsndfile 1.2's MP3 decoder garbles audio when it is read
    # in blocks, as streaming must) and for >2 channels (FFmpeg knows each format's order).
    if sf_src is not None and sf_src.info.source_channels <= 2 and sf_src.info.format != "mp3":
        return sf_src
    try:
        return _probe_av(p)
    except _DECODE_ERRORS as e:
        if sf_src is not None:  # FFmpeg could not open it, libsndfile could
            return sf_src
        if isinstance(e, AudioError):
            raise
        raise AudioReadError(p, f"not a supported audio file, or the file is damaged ({_describe(e)})") from e


def _probe_sf(path: Path) -> _Source:
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
        return _Source(info, "sf", f.frames)


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


def _probe_av(path: Path) -> _Source:
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
        return _Source(info, "av", round(declared * rate) if declared else None)


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


def _decode(src: _Source, start_s: float) -> Generator[np.ndarray, None, None]:
    """Yield stereo float32 chunks of any length at 44.1 kHz; checks samples and length."""
    path, rate = src.info.path, src.info.source_rate
    raw = _sf_chunks(src, start_s) if src.backend == "sf" else _av_chunks(src, start_s)
    resampler = None
    if rate != SAMPLE_RATE:
        resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 2, dtype="float32", quality="HQ")
    # Resample in pieces of bounded output length, whatever the source rate and chunk size.
    piece = max(1, _RESAMPLE_OUT_FRAMES * rate // SAMPLE_RATE)
    n_in = 0
    try:
        for chunk in raw:
            if not np.isfinite(chunk).all():
                raise AudioReadError(path, "contains NaN or infinite samples")
            if len(chunk) and np.abs(chunk).max() > _MAX_ABS_SAMPLE:
                raise AudioReadError(path, f"contains samples {np.abs(chunk).max():.3g} times full scale "
                                     "(the file is damaged)")
            n_in += len(chunk)
            for i in range(0, len(chunk), piece if resampler else max(len(chunk), 1)):
                out = resampler.resample_chunk(chunk[i:i + piece]) if resampler else chunk
                if len(out):
                    yield out
        if resampler:
            out = resampler.resample_chunk(np.zeros((0, 2), np.float32), last=True)
            if len(out):
                yield out
    except (AudioError, MemoryError, GeneratorExit):
        raise
    except _DECODE_ERRORS as e:
        raise AudioReadError(path, f"damaged audio data ({_describe(e)})") from e
    finally:
        try:
            raw.close()
        except _DECODE_ERRORS:
            pass  # closing a damaged file may complain too; the data is already read
    if n_in == 0 and start_s == 0:
        raise AudioReadError(path, "contains no audio samples")
    if src.declared_frames:
        # Header lengths of compressed formats are estimates: only a clear gap counts.
        expected = src.declared_frames - round(start_s * rate)
        if expected > 0 and expected - n_in > max(rate, expected // 10):
            raise AudioReadError(path, f"file is truncated or damaged: audio stops at "
                                 f"{_clock(start_s + n_in / rate)} of {_clock(src.declared_frames / rate)}")


def _sf_chunks(src: _Source, start_s: float) -> Iterator[np.ndarray]:
    with sf.SoundFile(src.info.path) as f:
        if start_s > 0:
            start = round(start_s * f.samplerate)
            if start >= f.frames:
                return
            f.seek(start)  # sample-exact for the formats routed here (PCM, FLAC, Vorbis, Opus)
        frames = max(1024, _READ_FRAMES * 2 // max(f.channels, 2))  # bounded whatever the channel count
        while True:
            block = f.read(frames, dtype="float32", always_2d=True)
            if not len(block):
                return
            yield _to_stereo(block, None)


def _av_chunks(src: _Source, start_s: float) -> Iterator[np.ndarray]:
    with av.open(str(src.info.path), metadata_errors="replace") as c:
        s = c.streams.audio[0]
        rate = src.info.source_rate
        t0 = float(s.start_time * s.time_base) if s.start_time is not None and s.time_base else 0.0
        aligning = start_s > 0
        if aligning:
            # Seeking lands on a packet at or before the target; the exact sample is found below.
            c.seek(int((max(0.0, start_s - _PREROLL_S) + t0) / s.time_base), stream=s, backward=True)
        for frame in c.decode(s):
            if frame.rate != rate:
                raise AudioReadError(src.info.path, "sample rate changes in the middle of the file")
            block = _to_stereo(_frame_to_array(frame), tuple(ch.name for ch in frame.layout.channels))
            if aligning:
                if frame.time is None:  # rare: without timestamps the position after a seek is unknown
                    raise AudioReadError(src.info.path, "cannot start mid-file: the audio has no timestamps")
                skip = round((start_s - (frame.time - t0)) * rate)
                if skip >= len(block):
                    continue
                if skip > 0:
                    block = block[skip:]
                elif skip < 0:  # seek overshot: pad so the output still starts at start_s
                    block = np.concatenate([np.zeros((min(-skip, rate), 2), np.float32), block])
                aligning = False
            yield block


def _frame_to_array(frame: av.AudioFrame) -> np.ndarray:
    """PyAV frame -> ``(n, channels)`` float32 in [-1, 1], whatever the sample format."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    data = data.T if frame.format.is_planar else data.reshape(-1, channels)
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128) / 128
    if data.dtype.kind == "i":
        return data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    return data.astype(np.float32)


_CENTRES = frozenset({"FC", "BC", "TC", "TFC", "TBC", "BFC"})


@lru_cache(maxsize=32)
def _downmix_matrix(names: tuple[str, ...]) -> np.ndarray:
    """``(channels, 2)`` matrix mapping a multichannel layout to L/R (see module docstring)."""
    n = len(names)
    if all(name in ("NONE", "") or name.startswith("USR") for name in names):
        defaults = {6: ("FL", "FR", "FC", "LFE", "BL", "BR"),
                    8: ("FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR")}
        if n not in defaults:  # unknown order: treat as interleaved L/R pairs
            m = np.zeros((n, 2), np.float32)
            m[0::2, 0], m[1::2, 1] = 1 / ((n + 1) // 2), 1 / (n // 2)
            return m
        names = defaults[n]
    m = np.zeros((n, 2), np.float32)
    for i, name in enumerate(names):
        if name in ("FL", "DL"):
            m[i, 0] = 1.0
        elif name in ("FR", "DR"):
            m[i, 1] = 1.0
        elif name in _CENTRES:
            m[i] = 0.7071
        elif name.startswith("LFE"):
            continue
        elif name.endswith("L") or name == "FLC":
            m[i, 0] = 0.7071
        elif name.endswith("R") or name == "FRC":
            m[i, 1] = 0.7071
        else:
            m[i] = 0.7071 / 2  # unknown speaker: spread evenly
    return m


def _to_stereo(block: np.ndarray, names: tuple[str, ...] | None) -> np.ndarray:
    """``(n, channels)`` -> ``(n, 2)`` float32, C-contiguous."""
    channels = block.shape[1]
    if channels == 1:
        out = np.repeat(block, 2, axis=1)
    elif channels == 2:
        out = block
    else:
        out = block @ _downmix_matrix(names or ("NONE",) * channels)
    return np.ascontiguousarray(out, dtype=np.float32)


def _reblock(chunks: Generator[np.ndarray, None, None], size: int) -> Iterator[np.ndarray]:
    """Re-cut chunks of any length into blocks of exactly ``size`` rows (last one shorter)."""
    pending: list[np.ndarray] = []
    have = 0
    try:
        for chunk in chunks:
            while len(chunk):
                take = min(size - have, len(chunk))
                pending.append(chunk[:take])
                have += take
                chunk = chunk[take:]
                if have == size:
                    yield _join(pending)
                    pending, have = [], 0
        if have:
            yield _join(pending)
    finally:
        chunks.close()  # release the file at once when the caller stops early


def _join(parts: list[np.ndarray]) -> np.ndarray:
    return np.ascontiguousarray(parts[0] if len(parts) == 1 else np.concatenate(parts))


# ----------------------------------------------------------------------------- writing


_PARTIAL_RE = re.compile(r"^\..+\.partial-(?:(\d+)-)?[0-9a-f]{8}(\.[^.]*)?$")
_LEGACY_PARTIAL_AGE_S = 24 * 3600  # partial files without a process id are stale after a day


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale_partials(folder: PathLike) -> list[Path]:
    """Delete the hidden ``.<name>.partial-<pid>-<hex>`` files in ``folder`` whose writing
    process is gone (killed with -9, power cut). Returns what was removed.

    Files of a live process are left alone; older-style names without a process id only
    once they are a day old. (A process id reused by an unrelated live process keeps a
    stale file until that process ends: harmless.)
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _PARTIAL_RE.match(entry.name)
        if not m:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if m.group(1) is not None:
                if int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
                    continue
            elif now - entry.stat(follow_symlinks=False).st_mtime < _LEGACY_PARTIAL_AGE_S:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass  # raced with its owner, or not ours to remove
    return removed


class AudioWriter:
    """Stream ``(n, channels)`` float blocks into an audio file, atomically.

    Data goes to a hidden temp file next to ``path`` (``.<name>.partial-<pid>-<hex><suffix>``),
    which replaces ``path`` only on :meth:`close` / a clean ``with`` exit. On an exception,
    :meth:`abort`, or garbage collection before close, the temp file is deleted and ``path``
    is left as it was. Temp files that a killed process left in the folder are removed
    when a writer opens there (:func:`remove_stale_partials`). :meth:`finish` then
    :meth:`close` lets a caller finish several files before it publishes any of them, so
    that they appear together. WAV is written as RF64 that libsndfile downgrades to a plain
    WAV (WAVE_FORMAT_EXTENSIBLE) on close when it stays under 4 GiB, so a song of more than
    6 h 46 min is not clamped. ``format`` is one of :data:`OUTPUT_FORMATS`, inferred from the suffix
    when None; ``subtype`` (WAV: :data:`WAV_SUBTYPES`, FLAC: PCM_16/PCM_24) defaults to PCM_16.
    ``bitrate_kbps`` (MP3 only, 32-320) asks for a constant bitrate instead of VBR.
    Integer and lossy outputs are clipped to [-1, 1]; FLOAT WAV keeps values as they are.
    """

    def __init__(self, path: PathLike, format: str | None = None, subtype: str | None = None,
                 sample_rate: int = SAMPLE_RATE, channels: int = 2, bitrate_kbps: int | None = None) -> None:
        self.path = Path(path)
        self._file: sf.SoundFile | None = None
        fmt = (format or _FORMAT_BY_SUFFIX.get(self.path.suffix.lower(), "")).lower()
        if fmt not in _WRITE_FORMATS:
            what = f"format {format!r}" if format else f"file type {self.path.suffix or '(no suffix)'!r}"
            raise AudioWriteError(self.path, f"cannot write {what}; use one of {', '.join(OUTPUT_FORMATS)}")
        sf_format, default_subtype, subtypes, settings = _WRITE_FORMATS[fmt]
        sub = (subtype or default_subtype).upper()
        if sub not in subtypes:
            raise AudioWriteError(self.path, f"{fmt} cannot be written as {sub}; use one of {', '.join(subtypes)}")
        if bitrate_kbps is not None:
            if fmt != "mp3" or not 32 <= bitrate_kbps <= 320:
                raise AudioWriteError(self.path, f"a bitrate of {bitrate_kbps} kbps is for MP3, 32 to 320")
            # libsndfile maps the level 0..1 onto LAME's 320..32 kbps.
            settings = {"bitrate_mode": "CONSTANT", "compression_level": (320 - bitrate_kbps) / 288}
        self.channels = channels
        self._clip = sub != "FLOAT"
        if self.path.is_dir():
            raise AudioWriteError(self.path, "is a folder")
        if not self.path.parent.is_dir():
            raise AudioWriteError(self.path, f"folder {self.path.parent} does not exist")
        remove_stale_partials(self.path.parent)
        self._finished = False
        self._tmp = self.path.with_name(
            f".{self.path.name}.partial-{os.getpid()}-{secrets.token_hex(4)}{self.path.suffix}")
        try:
            # O_EXCL: never clobber anything; mode 0o666 lets the umask decide permissions.
            os.close(os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            if sf_format == "WAV":
                self._file = sf.SoundFile(self._tmp, "w", sample_rate, channels, sub, format="RF64")
                # SFC_RF64_AUTO_DOWNGRADE: a plain WAV unless the data passes 4 GiB.
                sf._snd.sf_command(self._file._file, 0x1210, sf._ffi.NULL, 1)
            else:
                self._file = sf.SoundFile(self._tmp, "w", sample_rate, channels, sub, format=sf_format, **settings)
        except _LIB_ERRORS as e:
            self._remove_tmp()
            raise AudioWriteError(self.path, _describe(e)) from e

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, block: np.ndarray) -> None:
        """Append ``(n, channels)`` float samples (``(n,)`` is accepted for mono)."""
        if self._file is None:
            raise AudioWriteError(self.path, "writer is already closed")
        a = np.asarray(block, dtype=np.float32)
        if a.ndim == 1 and self.channels == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != self.channels:
            raise ValueError(f"expected audio of shape (n, {self.channels}), got {a.shape}")
        if not np.isfinite(a).all():
            self.abort()
            raise AudioWriteError(self.path, "audio contains NaN or infinite samples")
        if self._clip:
            a = np.clip(a, -1.0, 1.0)
        try:
            self._file.write(a)
        except _LIB_ERRORS as e:
            reason = _write_reason(e, self._file)
            self.abort()
            raise AudioWriteError(self.path, reason) from e

    def finish(self) -> None:
        """Complete the temp file and flush it to disk, without publishing it yet."""
        if self._file is None:
            if not self._finished:
                raise AudioWriteError(self.path, "writer is already closed")
            return
        f = self._file
        try:
            f.close()
            fd = os.open(self._tmp, os.O_RDWR)  # flush to disk before the rename makes it visible
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except _LIB_ERRORS as e:
            reason = _write_reason(e, None)
            self._file = None
            self._remove_tmp()
            raise AudioWriteError(self.path, reason) from e
        self._file, self._finished = None, True

    def close(self) -> None:
        """Finish the file (if :meth:`finish` was not called) and move it into place.
        Calling it again does nothing."""
        if self._file is None and not self._finished:
            return
        self.finish()
        self._finished = False
        try:
            os.replace(self._tmp, self.path)
        except OSError as e:
            self._remove_tmp()
            raise AudioWriteError(self.path, _describe(e)) from e

    def abort(self) -> None:
        """Drop everything written so far; ``path`` is left untouched."""
        f, self._file = self._file, None
        self._finished = False
        if f is not None:
            try:
                f.close()
            except _LIB_ERRORS:
                pass  # the data is being thrown away anyway
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        try:
            os.unlink(self._tmp)
        except (AttributeError, OSError):
            pass

    def __del__(self) -> None:
        if getattr(self, "_file", None) is not None or getattr(self, "_finished", False):
            try:
                self.abort()
            except Exception:
                pass


def write_audio(path: PathLike, audio: np.ndarray, format: str | None = None, subtype: str | None = None,
                sample_rate: int = SAMPLE_RATE) -> None:
    """Write ``(n, channels)`` float audio (``(n,)`` for mono) atomically; see :class:`AudioWriter`."""
    a = np.asarray(audio)
    channels = 1 if a.ndim == 1 else a.shape[1]
    with AudioWriter(path, format, subtype, sample_rate, channels) as w:
        for i in range(0, len(a), _READ_FRAMES):  # bounded temporaries for the clip/convert
            w.write(a[i:i + _READ_FRAMES])


# ----------------------------------------------------------------------------- helpers


def _describe(e: BaseException) -> str:
    """One short line about a library exception."""
    if isinstance(e, EOFError):  # includes av.EOFError
        return "unexpected end of file"
    if isinstance(e, sf.LibsndfileError):
        text = e.error_string
    elif isinstance(e, av.FFmpegError):
        text = e.strerror or str(e)
    elif isinstance(e, OSError) and e.strerror:
        text = e.strerror
    else:
        text = str(e)
    text = re.sub(r"^(Error\s*:\s*)", "", " ".join(text.split())).split(". ")[0].rstrip(".")
    return text or type(e).__name__


def _write_reason(e: BaseException, f: sf.SoundFile | None) -> str:
    """Why a write failed, in words: libsndfile only says "System error" for a full disk."""
    err = getattr(e, "errno", None)
    if isinstance(e, sf.LibsndfileError):
        if f is not None and not f.closed:
            detail = sf._ffi.string(sf._snd.sf_strerror(f._file)).decode("utf-8", "replace")
            if ":" in detail:  # "System error : No space left on device."
                return _describe(RuntimeError(detail.split(":", 1)[1]))
        err = sf._ffi.errno
    if err == errno.ENOSPC:
        return "no space left on the disk"
    if err == errno.EDQUOT:
        return "disk quota exceeded"
    if err == errno.EFBIG:
        return "file too large for this file system"
    return _describe(e)


def _clock(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m)}:{s:04.1f}"


def close_stream(stream) -> None:
    """Stop and close a sounddevice stream (``None`` is fine); a device that vanished is not an error."""
    if stream is None:
        return
    try:
        stream.stop()
        stream.close()
    except Exception:  # PortAudio errors on unplugged devices: the stream is gone either way
        pass
