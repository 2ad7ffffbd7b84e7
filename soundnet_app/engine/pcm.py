"""A song's audio held as 16-bit PCM: a 60-minute song's mixture and vocals in 1.3 GB, not 3.8 GB.

No Qt here. :class:`Pcm16` keeps ``(n, 2)`` int16 samples (``value = q / 32767``,
clipped at full scale like a sound card would) and reads back as float32:
``x[a:b]`` is a new ``(b - a, 2)`` float32 array, ``x[a:b] = values`` stores
float32 values, ``np.asarray(x)`` and arithmetic (``x * 0.5``) convert the whole song
(export, tap sync, tests) and
:meth:`Pcm16.read_into` fills a caller's buffer without allocating (the audio
thread). :class:`Difference` is the instrumental, ``mixture - vocals``, computed
where it is read: it is never stored, so the stems always add up to the mixture.

A long song's samples (over :data:`FILE_BACKED_FRAMES`) live in a shared
memory map of an unlinked temporary file rather than in anonymous memory: the
pages a pass has finished with (decoding, the waveform, a separated chunk) are
handed back with :meth:`Pcm16.release`, so resident memory stays near what is
in use, and the kernel pages them back in from the page cache (or the file)
when they are read again. The file goes away with the array.
"""

from __future__ import annotations

import mmap
import tempfile
from collections.abc import Iterable

import numpy as np

FULL_SCALE = 32767.0
STEP = np.float32(1.0 / FULL_SCALE)  # the value of one int16 step
_PIECE = 1 << 18  # frames converted at a time: no song-long float64 temporaries
FILE_BACKED_FRAMES = 5 * 60 * 44100  # longer songs are held in a memory-mapped temporary file
_RELEASE_EVERY = 1 << 23  # frames decoded between two releases while loading (32 MB of 16-bit stereo)


def _allocate(n: int, channels: int) -> tuple[np.ndarray, mmap.mmap | None]:
    """``(n, channels)`` zeroed int16, file-backed (and its map) above :data:`FILE_BACKED_FRAMES`."""
    if n <= FILE_BACKED_FRAMES:
        return np.zeros((n, channels), dtype=np.int16), None
    with tempfile.TemporaryFile(prefix="soundnet-pcm-") as f:  # unlinked: gone once unmapped
        f.truncate(n * channels * 2)
        mapped = mmap.mmap(f.fileno(), n * channels * 2)  # the map keeps its own handle on the file
    return np.frombuffer(mapped, dtype=np.int16).reshape(n, channels), mapped


def quantize(values: np.ndarray, out: np.ndarray) -> None:
    """float32 ``values`` (``(m, 2)``) -> int16 ``out`` of the same shape, rounded and clipped."""
    for i in range(0, values.shape[0], _PIECE):
        np.clip(np.rint(values[i : i + _PIECE] * np.float32(FULL_SCALE)), -32768, 32767,
                out=out[i : i + _PIECE], casting="unsafe")


class _ReadsAsFloat(np.lib.mixins.NDArrayOperatorsMixin):
    """NumPy operators and ufuncs on the whole array, read as float32 (never on the audio thread)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(np.asarray(x) if isinstance(x, _ReadsAsFloat) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)

    def copy(self) -> np.ndarray:
        """The whole array as a new float32 array."""
        return self[:]

    def __getattr__(self, name: str):  # other ndarray attributes (``.T``, ``.mean``...): on the float32 array
        if name.startswith("_") or name in ("data", "a", "b"):
            raise AttributeError(name)
        return getattr(np.asarray(self), name)


class Pcm16(_ReadsAsFloat):
    """``(n, 2)`` audio stored as int16, read and written as float32 (see the module docstring).

    Args:
        data: ``(n, 2)`` int16, taken as it is (not copied).
        mapped: the memory map ``data`` lives in, if it is file-backed (see :meth:`release`).
    """

    dtype = np.dtype(np.float32)  # what reads give
    ndim = 2

    def __init__(self, data: np.ndarray, mapped: mmap.mmap | None = None):
        if data.dtype != np.int16 or data.ndim != 2:
            raise ValueError("Pcm16 holds (n, channels) int16 samples")
        self.data = data
        self._mapped = mapped

    @classmethod
    def zeros(cls, n: int, channels: int = 2) -> Pcm16:
        return cls(*_allocate(n, channels))  # lazily committed either way: free until written

    @classmethod
    def from_int16(cls, q: np.ndarray) -> Pcm16:
        """A copy of ``(n, 2)`` int16 samples (file-backed if long; released as it is copied)."""
        out = cls.zeros(q.shape[0], q.shape[1])
        for i in range(0, q.shape[0], _RELEASE_EVERY):
            out.data[i : i + _RELEASE_EVERY] = q[i : i + _RELEASE_EVERY]
            out.release(i, i + _RELEASE_EVERY)
        return out

    def head(self, n: int) -> Pcm16:
        """The first ``n`` frames, sharing the samples (a lazy slice: ``x[:n]`` reads them all as float32)."""
        return Pcm16(self.data[: max(0, int(n))], self._mapped)

    @property
    def file_backed(self) -> bool:
        return self._mapped is not None

    def release(self, start: int = 0, end: int | None = None) -> None:
        """Hand the resident pages of frames ``start .. end`` back (file-backed only; the data stays)."""
        mapped = self._mapped
        if mapped is None:
            return
        row = self.data.strides[0]
        end = self.data.shape[0] if end is None else min(int(end), self.data.shape[0])
        a = -(-int(start) * row // mmap.PAGESIZE) * mmap.PAGESIZE  # whole pages inside the range only
        b = end * row // mmap.PAGESIZE * mmap.PAGESIZE if end < self.data.shape[0] else len(mapped)
        if b > a:
            mapped.madvise(mmap.MADV_DONTNEED, a, b - a)

    @classmethod
    def from_float(cls, audio: np.ndarray) -> Pcm16:
        """From ``(n, 2)`` float audio (converted in pieces)."""
        audio = np.asarray(audio)
        out = np.empty(audio.shape, dtype=np.int16)
        quantize(audio.astype(np.float32, copy=False), out)
        return cls(out)

    @classmethod
    def from_blocks(cls, blocks: Iterable[np.ndarray], frames_hint: int = 0, channels: int = 2) -> Pcm16:
        """Gather float32 ``(m, 2)`` blocks (a decoder's stream) into one int16 array.

        ``frames_hint`` (the header's length) sizes the array up front, so the song
        is never held twice; blocks past it are appended at the end.
        """
        out = cls.zeros(max(0, int(frames_hint)), channels)
        data = out.data
        filled, extra, released = 0, [], 0
        for block in blocks:
            block = np.asarray(block, dtype=np.float32)
            fit = min(block.shape[0], data.shape[0] - filled)
            if fit > 0:
                quantize(block[:fit], data[filled : filled + fit])
                filled += fit
                if filled - released >= _RELEASE_EVERY:
                    out.release(released, filled)
                    released = filled
            if fit < block.shape[0]:
                rest = np.empty((block.shape[0] - max(fit, 0), channels), dtype=np.int16)
                quantize(block[max(fit, 0):], rest)
                extra.append(rest)
        if extra:  # the header said less than there was (rare)
            return cls.from_int16(np.concatenate([data[:filled], *extra]))
        out.release(released)
        return out if filled == data.shape[0] else cls(data[:filled], out._mapped)

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        q = self.data[index]
        out = q.astype(np.float32)
        out *= STEP
        return out

    def __setitem__(self, index, values) -> None:
        target = self.data[index]
        values = np.broadcast_to(np.asarray(values, dtype=np.float32), target.shape)
        if target.ndim == 2:
            quantize(values, target)
            self.data[index] = target  # a copy when index was not a basic slice
        else:
            self.data[index] = np.clip(np.rint(values * np.float32(FULL_SCALE)), -32768, 32767)

    def read_into(self, start: int, out: np.ndarray) -> np.ndarray:
        """Samples ``start .. start + len(out)`` as float32 into ``out`` (``(m, 2)``); no allocation."""
        np.multiply(self.data[start : start + out.shape[0]], STEP, out=out)
        return out


class Difference(_ReadsAsFloat):
    """``a - b`` of two :class:`Pcm16` of one shape, computed where it is read (the instrumental)."""

    dtype = np.dtype(np.float32)
    ndim = 2

    def __init__(self, a: Pcm16, b: Pcm16):
        self.a, self.b = a, b

    @property
    def shape(self) -> tuple[int, int]:
        return self.a.shape

    def __len__(self) -> int:
        return len(self.a)

    def release(self, start: int = 0, end: int | None = None) -> None:
        """See :meth:`Pcm16.release` (both operands)."""
        self.a.release(start, end)
        self.b.release(start, end)

    def __getitem__(self, index) -> np.ndarray:
        out = self.a.data[index].astype(np.float32)
        out -= self.b.data[index]
        out *= STEP
        return out
