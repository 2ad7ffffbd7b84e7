"""16-bit stereo FLAC in blocks, for the stem cache: no song-long copies of a long song's samples.

The app holds a song's vocals as int16 (:mod:`soundnet_app.engine.pcm`). A cache
entry's payload is written from them and read back into them block by block,
``block_done(start, end)`` called after each block (the app hands those pages
of a memory-mapped song back), and the payload is read in place from the
entry's bytes (``io.BytesIO`` would copy a ``memoryview``).
"""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

BLOCK = 1 << 22  # frames per block (16 MB of 16-bit stereo)


class BufferFile(io.RawIOBase):
    """A read-only file over a buffer, without copying it."""

    def __init__(self, buffer: bytes | memoryview):
        self._buffer, self._pos = memoryview(buffer), 0

    def readinto(self, b) -> int:
        n = max(0, min(len(b), len(self._buffer) - self._pos))
        b[:n] = self._buffer[self._pos : self._pos + n]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = (0, self._pos, len(self._buffer))[whence] + offset
        return self._pos

    def tell(self) -> int:
        return self._pos


def write_flac16(q: np.ndarray, block_done=None) -> bytes:
    """``(n, 2)`` int16 -> FLAC bytes (fastest level), written in blocks."""
    buf = io.BytesIO()
    n = q.shape[0]
    if n:
        with sf.SoundFile(buf, "w", 44100, 2, "PCM_16", format="FLAC", compression_level=0.0) as f:
            for a in range(0, n, BLOCK):
                f.write(q[a : a + BLOCK])
                if block_done is not None:
                    block_done(a, min(n, a + BLOCK))
    return buf.getvalue()


def read_flac16(f: sf.SoundFile, n: int, scale: float = 1.0, out: np.ndarray | None = None,
                block_done=None) -> np.ndarray | None:
    """``n`` frames of an open FLAC as ``(n, 2)`` int16 (into ``out`` if given); ``None`` if it is short.

    ``scale`` < 1 (an entry scaled down to fit 16 bits) is undone, clipped at full scale.
    """
    q = np.empty((n, 2), dtype=np.int16) if out is None else out
    for a in range(0, n, BLOCK):
        b = min(n, a + BLOCK)
        if f.read(b - a, dtype="int16", always_2d=True, out=q[a:b]).shape[0] != b - a:
            return None
        if scale != 1.0:
            q[a:b] = np.clip(np.rint(q[a:b] / scale), -32768, 32767)
        if block_done is not None:
            block_done(a, b)
    return q
