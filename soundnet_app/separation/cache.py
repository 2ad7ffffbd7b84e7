"""A disk cache of separated stems, so reopening a song shows its stems at once.

Entries are keyed by the sha256 of the audio file's bytes plus the separation
model's version (a new model never serves stale stems). Only the vocals are
stored: the instrumental is always ``mixture - vocals`` and the mixture comes
from the song's file, so the stems still add up to the mixture exactly. The
vocals are kept as 16-bit samples (scaled down first if they peak above full
scale) in a FLAC stream, about a tenth of the ``(frames, 4)`` float32 this
cache used to hold, and within half a 16-bit step of the separator's output.

One entry is one ``<key>.stem`` file::

    b"SNSTEM2\\n"                         magic
    <QQdII n_frames, payload bytes, scale, crc32(payload), k
    <QQ*k  the separated (start, end) intervals; k = 0: all of it
    <I     crc32 of the header fields and intervals
    payload                             FLAC, 16-bit stereo: round(vocals * scale * 32767)

A song whose separation stopped part way is stored too, with the intervals
that were done, so reopening it keeps them.

Entries are written to a temporary file, flushed to disk (``fsync``) and
renamed into place, so a crash never leaves a half-written entry under a real
name; a damaged entry of any kind (empty, garbled header, wrong checksum,
wrong length) counts as a miss and is removed, never an exception. The cache
keeps under a size limit by deleting the least recently used entries (``get``
refreshes an entry's modification time).

The default location is the per-user cache folder (``platformdirs``), or
``$SOUNDNET_CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import struct
import time
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf

from soundnet_app.fileio import atomic_write
from soundnet_app.paths import stem_cache_dir

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2 * 1024**3  # about 200 three-minute songs
MAGIC = b"SNSTEM2\n"
_FIELDS = struct.Struct("<QQdII")  # n_frames, payload bytes, scale, payload crc32, intervals
_CRC = struct.Struct("<I")
HEADER_BYTES = len(MAGIC) + _FIELDS.size + _CRC.size  # with no intervals
_MAX_INTERVALS = 1 << 16
_SUFFIX = ".stem"
_LEGACY_SUFFIXES = (".npy",)  # float32 entries of older versions: counted, evicted and cleared, never read
_STALE_TEMP_S = 3600.0
_FULL_SCALE = 32767.0


class DamagedEntry(ValueError):
    """A cache file that is not a complete, intact entry."""


def file_hash(path: str | Path, block_size: int = 1 << 20) -> str:
    """sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(block_size):
            digest.update(block)
    return digest.hexdigest()


def cache_key(content_hash: str, model_version: str) -> str:
    """The entry name for a file's content hash and a model version."""
    return hashlib.sha256(f"{content_hash}\0{model_version}".encode()).hexdigest()[:40]


class CacheHit(NamedTuple):
    """What :meth:`StemCache.lookup` found: ``(n, 2)`` float32 stems and the separated intervals."""

    vocals: np.ndarray
    instrumental: np.ndarray
    intervals: list[tuple[int, int]]  # [(0, n)] when complete

    @property
    def complete(self) -> bool:
        return self.intervals == [(0, self.vocals.shape[0])]


def encode_vocals(vocals: np.ndarray, intervals: list[tuple[int, int]] | None = None, block_done=None) -> bytes:
    """``(n, 2)`` float32 vocals -> one cache entry's bytes (header + FLAC payload).

    int16 vocals are taken as 16-bit samples already (``value = q / 32767``: the app's song arrays),
    encoded in blocks, ``block_done(start, end)`` called after each. ``intervals``: the separated
    ``(start, end)`` parts; ``None``: all of it.
    """
    n = vocals.shape[0]
    q, scale = (vocals, 1.0) if vocals.dtype == np.int16 else _quantize(vocals)
    buf = io.BytesIO()
    if n:
        with sf.SoundFile(buf, "w", 44100, 2, "PCM_16", format="FLAC", compression_level=0.0) as f:
            for a in range(0, n, _READ_BLOCK):
                f.write(q[a : a + _READ_BLOCK])
                if block_done is not None:
                    block_done(a, min(n, a + _READ_BLOCK))
    payload = buf.getvalue()
    spans = [] if intervals is None or list(intervals) == [(0, n)] else [(int(a), int(b)) for a, b in intervals]
    fields = _FIELDS.pack(n, len(payload), scale, zlib.crc32(payload), len(spans))
    fields += b"".join(struct.pack("<QQ", a, b) for a, b in spans)
    return MAGIC + fields + _CRC.pack(zlib.crc32(fields)) + payload


def _quantize(vocals: np.ndarray) -> tuple[np.ndarray, float]:
    """``(n, 2)`` float32 -> int16 samples and the scale applied first (peaks above full scale)."""
    n = vocals.shape[0]
    peak = float(np.max(np.abs(vocals))) if n else 0.0
    if not np.isfinite(peak):
        raise ValueError("vocals contain NaN or infinite samples")
    scale = 1.0 / peak if peak > 1.0 else 1.0  # 16 bits must not clip
    q = np.empty((n, 2), dtype=np.int16)
    block = 1 << 18
    for i in range(0, n, block):  # in blocks: no full-length float64 temporaries
        np.clip(np.rint(vocals[i : i + block] * np.float32(scale * _FULL_SCALE)), -32768, 32767,
                out=q[i : i + block], casting="unsafe")
    return q, scale


class _BufferFile(io.RawIOBase):
    """A read-only file over a buffer, without copying it (``io.BytesIO`` copies a memoryview)."""

    def __init__(self, buffer: memoryview):
        self._buffer, self._pos = buffer, 0

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


_READ_BLOCK = 1 << 22  # frames decoded at a time into a caller's int16 array


def decode_vocals(data: bytes | memoryview, n_frames: int | None = None, pcm16: bool = False,
                  out: np.ndarray | None = None, block_done=None) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One entry's bytes -> ``(n, 2)`` float32 vocals and the separated intervals.

    ``pcm16``: the vocals as int16 instead, ``value = q / 32767`` (half the memory), decoded
    in blocks into ``out`` (``(n, 2)`` int16) if given, calling ``block_done(start, end)`` after each.
    Raises :class:`DamagedEntry` if anything is off.
    """
    data = memoryview(data)
    if len(data) < HEADER_BYTES or bytes(data[: len(MAGIC)]) != MAGIC:
        raise DamagedEntry("not a stem cache entry")
    n, size, scale, payload_crc, k = _FIELDS.unpack(data[len(MAGIC) : len(MAGIC) + _FIELDS.size])
    if k > _MAX_INTERVALS or len(data) < HEADER_BYTES + 16 * k:
        raise DamagedEntry("garbled header")
    end = len(MAGIC) + _FIELDS.size + 16 * k
    fields = bytes(data[len(MAGIC) : end])
    (crc,) = _CRC.unpack(data[end : end + _CRC.size])
    if zlib.crc32(fields) != crc:
        raise DamagedEntry("header checksum mismatch")
    spans = [struct.unpack_from("<QQ", fields, _FIELDS.size + 16 * i) for i in range(k)]
    if any(not 0 <= a < b <= n for a, b in spans):
        raise DamagedEntry("bad intervals")
    intervals = spans or [(0, n)]
    payload = data[end + _CRC.size :]
    if len(payload) != size or zlib.crc32(payload) != payload_crc:
        raise DamagedEntry("payload truncated or checksum mismatch")
    if n_frames is not None and n != n_frames:
        raise DamagedEntry(f"holds {n} frames, not {n_frames}")
    if not (np.isfinite(scale) and 0 < scale <= 1):
        raise DamagedEntry("bad scale")
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32), intervals
    try:
        with sf.SoundFile(_BufferFile(payload)) as f:
            if f.channels != 2 or f.frames != n:
                raise DamagedEntry("payload has the wrong shape")
            if pcm16:
                return _read_pcm16(f, n, scale, out, block_done), intervals
            q = f.read(n, dtype="int16", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError) as e:
        raise DamagedEntry(f"payload does not decode: {e}") from e
    if q.shape != (n, 2):
        raise DamagedEntry("payload is short")
    out = q.astype(np.float32)
    out *= np.float32(1.0 / (scale * _FULL_SCALE))
    return out, intervals


def _read_pcm16(f: sf.SoundFile, n: int, scale: float, out: np.ndarray | None, block_done) -> np.ndarray:
    q = np.empty((n, 2), dtype=np.int16) if out is None else out
    for a in range(0, n, _READ_BLOCK):
        b = min(n, a + _READ_BLOCK)
        if f.read(b - a, dtype="int16", always_2d=True, out=q[a:b]).shape[0] != b - a:
            raise DamagedEntry("payload is short")
        if scale != 1.0:  # an entry scaled down to fit 16 bits (rare) goes back to full scale, clipped
            q[a:b] = np.clip(np.rint(q[a:b] / scale), -32768, 32767)
        if block_done is not None:
            block_done(a, b)
    return q


class StemCache:
    """Separated stems on disk, LRU-evicted above ``max_bytes``.

    Args:
        root: the cache folder (created on first write); default :func:`soundnet_app.paths.stem_cache_dir`.
        max_bytes: size limit; ``0`` disables the cache (``get`` misses, ``put`` does nothing).
    """

    def __init__(self, root: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root) if root is not None else stem_cache_dir()
        self.max_bytes = int(max_bytes)

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def path_for(self, key: str) -> Path:
        return self.root / f"{key}{_SUFFIX}"

    def get(self, key: str, mixture: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """``(vocals, instrumental)`` of a completely separated song, or ``None``.

        ``mixture`` is the song, ``(n, 2)`` float32; see :meth:`lookup`.
        """
        hit = self.lookup(key, mixture)
        return (hit.vocals, hit.instrumental) if hit is not None and hit.complete else None

    def lookup(self, key: str, mixture: np.ndarray) -> CacheHit | None:
        """The stored stems for ``mixture`` (``(n, 2)`` float32), complete or partial; ``None`` on a miss.

        Both stems are new ``(n, 2)`` float32 arrays; ``instrumental =
        mixture - vocals`` (zero vocals outside the separated intervals). Any
        damaged entry, or one whose length is not ``n``, counts as a miss and
        is removed: this never raises.
        """
        if not self.enabled:
            return None
        path = self.path_for(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("cannot read cache entry %s: %s", path.name, e)
            return None
        try:
            vocals, intervals = decode_vocals(data, mixture.shape[0])
        except Exception as e:  # any damage is a miss
            log.warning("dropping damaged cache entry %s: %s", path.name, e)
            self._remove(path)
            return None
        del data
        instrumental = np.subtract(mixture, vocals, dtype=np.float32)
        try:
            os.utime(path)  # most recently used
        except OSError:
            pass
        return CacheHit(vocals, instrumental, intervals)

    def lookup_pcm16(self, key: str, n_frames: int, out: np.ndarray | None = None,
                     block_done=None) -> tuple[np.ndarray, list[tuple[int, int]]] | None:
        """The stored vocals of an ``n_frames`` song as ``(n, 2)`` int16 (``value = q / 32767``) and the
        separated intervals; ``None`` on a miss. Like :meth:`lookup` (damage is a miss), without
        building any float32 song-long array; ``out``, ``block_done``: see :func:`decode_vocals`."""
        if not self.enabled:
            return None
        path = self.path_for(key)
        try:
            vocals, intervals = decode_vocals(path.read_bytes(), n_frames, pcm16=True, out=out, block_done=block_done)
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("cannot read cache entry %s: %s", path.name, e)
            return None
        except Exception as e:  # any damage is a miss
            log.warning("dropping damaged cache entry %s: %s", path.name, e)
            self._remove(path)
            return None
        try:
            os.utime(path)  # most recently used
        except OSError:
            pass
        return vocals, intervals

    def put(self, key: str, vocals: np.ndarray, instrumental: np.ndarray | None = None,
            intervals: list[tuple[int, int]] | None = None, block_done=None) -> Path | None:
        """Store a song's vocals atomically, then evict old entries; returns the entry's path.

        ``vocals`` is ``(n, 2)`` float32; ``instrumental`` (the same shape) is
        only checked, as it is ``mixture - vocals`` by construction.
        ``intervals``: the separated ``(start, end)`` parts of a partly
        separated song (``None``: all of it). Returns
        ``None`` (and stores nothing) when the cache is disabled, the entry
        alone exceeds the limit, or the disk write fails.
        """
        if not self.enabled:
            return None
        if instrumental is not None and instrumental.shape != vocals.shape:
            raise ValueError("vocals and instrumental differ in shape")
        if vocals.shape[0] * 4 > self.max_bytes * 2:  # even well-compressed it would not fit
            return None
        path = self.path_for(key)
        try:
            data = encode_vocals(vocals, intervals, block_done)
            if len(data) > self.max_bytes:
                return None
            self.root.mkdir(parents=True, exist_ok=True)
            # The temporary name ends in .tmp: _remove_stale_temps finds those a crash left.
            atomic_write(path, data, suffix=".tmp")
        except (OSError, ValueError) as e:
            log.warning("could not write cache entry %s: %s", path.name, e)
            return None
        self.evict(keep=key)
        return path

    def entries(self) -> list[tuple[Path, int, float]]:
        """``(path, size, last_used)`` of every entry, least recently used first."""
        out = []
        try:
            files = [p for suffix in (_SUFFIX, *_LEGACY_SUFFIXES) for p in self.root.glob(f"*{suffix}")]
        except OSError:
            return []
        for p in files:
            try:
                st = p.stat()
            except OSError:
                continue
            out.append((p, st.st_size, st.st_mtime))
        out.sort(key=lambda e: e[2])
        return out

    def size_bytes(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def clear(self) -> int:
        """Delete every entry (and stale temporary files); returns the bytes freed."""
        freed = 0
        for path, size, _ in self.entries():
            if self._remove(path):
                freed += size
        self._remove_stale_temps(max_age_s=0.0)
        return freed

    def evict(self, keep: str | None = None) -> list[Path]:
        """Delete least recently used entries until the cache fits ``max_bytes``."""
        removed = []
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        keep_path = self.path_for(keep) if keep else None
        for path, size, _ in entries:
            if total <= self.max_bytes:
                break
            if path == keep_path:
                continue
            if self._remove(path):
                total -= size
                removed.append(path)
        self._remove_stale_temps()
        return removed

    def _remove_stale_temps(self, max_age_s: float = _STALE_TEMP_S) -> None:
        now = time.time()
        try:
            temps = list(self.root.glob(".*.tmp"))
        except OSError:
            return
        for p in temps:
            try:
                if now - p.stat().st_mtime >= max_age_s:
                    p.unlink()
            except OSError:
                pass

    @staticmethod
    def _remove(path: Path) -> bool:
        try:
            path.unlink()
            return True
        except FileNotFoundError:
            return False
        except OSError as e:
            log.warning("could not remove %s: %s", path, e)
            return False
