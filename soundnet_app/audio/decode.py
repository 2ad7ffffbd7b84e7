"""Decode any supported file to stereo float32 at 44.1 kHz, streaming in blocks.

Every decoded array is ``(samples, 2)`` float32, C-contiguous, at
:data:`~soundnet_app.audio.formats.SAMPLE_RATE`. The file is probed first
(:mod:`soundnet_app.audio.probe` picks libsndfile or FFmpeg); both paths stream in
blocks and resample with a streaming soxr resampler in bounded pieces, so memory stays
bounded whatever the file length or its claimed rate. A start offset is honoured to the
nearest source sample.

Channel mapping: mono is duplicated; stereo is kept; more channels are
downmixed ITU-style by speaker name: ``L = FL + 0.707 * (FC + left surrounds)``,
likewise for R, LFE dropped. The mix is not normalised (a loud 5.1 file may
peak above 1.0; integer and lossy writers clip). Channels without names are
read as 5.1 / 7.1 in WAV order when there are 6 / 8 of them; any other count is
treated as interleaved L/R pairs (even channels averaged to L, odd to R).

Failures surface as :class:`~soundnet_app.audio.errors.AudioReadError`, never as
raw library exceptions, whatever a damaged file does to the libraries.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, Generator, Iterator

import av
import numpy as np
import soundfile as sf
import soxr

from soundnet_app.audio.errors import (
    DECODE_ERRORS,
    NOT_AUDIO,
    AudioError,
    AudioReadError,
    read_reason,
)
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import AudioInfo, Source, open_source
from soundnet_app.fileio import PathLike

_READ_FRAMES = 65536  # native-rate frames per libsndfile read
_RESAMPLE_OUT_FRAMES = 1 << 18  # at most this many output frames per soxr call
# Float files can go past full scale, but not by 60 dB: values that large are damage (and
# overflow the separator's spectrogram into NaN).
_MAX_ABS_SAMPLE = 1000.0
# FFmpeg's lossy decoders need some audio before a seek target to warm up (MP3's bit reservoir,
# AAC's overlap, Opus pre-roll): seek this much earlier and throw the warm-up away.
_PREROLL_S = 0.5


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
    return _reblock(_decode(open_source(path), start_s), block_frames)


def read_audio(path: PathLike, check: Callable[[AudioInfo], None] | None = None) -> tuple[np.ndarray, AudioInfo]:
    """Decode the whole file: ``(samples, 2)`` float32 at 44.1 kHz, plus its :class:`AudioInfo`.

    ``check``, if given, is called with the :class:`AudioInfo` once the header
    is read and before anything is decoded; it may raise to refuse the file
    (too long, say) without a second probe.
    """
    src = open_source(path)
    if check is not None:
        check(src.info)
    blocks = list(_decode(src, 0.0))
    audio = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
    return np.ascontiguousarray(audio), src.info


def _decode(src: Source, start_s: float) -> Generator[np.ndarray, None, None]:
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
    except DECODE_ERRORS as e:
        reason = read_reason(e)
        raise AudioReadError(path, "damaged audio data" if reason == NOT_AUDIO else f"damaged audio data ({reason})") from e
    finally:
        try:
            raw.close()
        except DECODE_ERRORS:
            pass  # closing a damaged file may complain too; the data is already read
    if n_in == 0 and start_s == 0:
        raise AudioReadError(path, "contains no audio samples")
    if src.declared_frames:
        # Header lengths of compressed formats are estimates: only a clear gap counts.
        expected = src.declared_frames - round(start_s * rate)
        if expected > 0 and expected - n_in > max(rate, expected // 10):
            raise AudioReadError(path, f"file is truncated or damaged: audio stops at "
                                 f"{_clock(start_s + n_in / rate)} of {_clock(src.declared_frames / rate)}")


def _sf_chunks(src: Source, start_s: float) -> Iterator[np.ndarray]:
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


def _av_chunks(src: Source, start_s: float) -> Iterator[np.ndarray]:
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


def _clock(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m)}:{s:04.1f}"
