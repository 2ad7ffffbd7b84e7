"""A disk cache of separated stems, so reopening a song shows its stems at once.

Entries are keyed by the sha256 of the audio file's bytes plus the separation
model's version (a new model never serves stale stems). Only the vocals are
stored: the instrumental is always ``mixture - vocals`` and the mixture comes
from the song's file, so the stems still add up to the mixture exactly. The
vocals are kept as 16-bit samples (scaled down first if they peak above full
scale) in a FLAC stream, about a tenth of the ``(frames, 4)`` float32 this
cache used to hold, and within half a 16-bit step of the separator's output.

One entry is one ``<key>.stem`` file::

    b"SNSTEM3\n"                           magic
    <QQdIIH n_frames, payload bytes, scale, crc32(payload), k, key bytes
    key     the entry's own name (UTF-8): a file copied under another name is refused
    <QQ*k   the separated (start, end) intervals; k = 0: all of it
    <I      crc32 of the header fields, key and intervals
    payload                               FLAC, 16-bit stereo: round(vocals * scale * 32767)

Entries of the older ``SNSTEM2`` layout (no key) count as damaged: they are separated again once.
The header is read and checked (key, length, file size) before the payload.

A song whose separation stopped part way is stored too, with the intervals
that were done, so reopening it keeps them.

Entries are written to a temporary file, flushed to disk (``fsync``) and
renamed into place, so a crash never leaves a half-written entry under a real
name; a damaged entry of any kind (empty, garbled header, wrong checksum,
wrong length, another entry's key) counts as a miss and is removed, never an exception.
Temporary files of a writer that was killed are removed by the next write. The cache
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
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf

from soundnet_app.fileio import atomic_write, remove_stale_partials
from soundnet_app.paths import stem_cache_dir
from soundnet_app.separation.flac16 import BufferFile, read_flac16, write_flac16

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2 * 1024**3  # about 200 three-minute songs
MAGIC = b"SNSTEM3\n"
# n_frames, payload bytes, scale, payload crc32, intervals, key bytes
_FIELDS = struct.Struct("<QQdIIH")
_CRC = struct.Struct("<I")
HEADER_BYTES = len(MAGIC) + _FIELDS.size + _CRC.size  # with no key and no intervals
_MAX_INTERVALS = 1 << 16
_SUFFIX = ".stem"
_LEGACY_SUFFIXES = (".npy",)  # float32 entries of older versions: counted, evicted and cleared, never read
# Files kept beside an entry under the same key by other rooms (the sing room's pitch guides):
# counted in the size, cleared with the cache and evicted with their entry.
COMPANION_SUFFIXES = (".pitch.npz",)
_FULL_SCALE = 32767.0


class DamagedEntry(ValueError):
    """A cache file that is not a complete, intact entry (or not the entry of the key asked for)."""


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


class _Header(NamedTuple):
    n: int
    payload_bytes: int
    scale: float
    payload_crc: int
    intervals: list[tuple[int, int]]
    key: str
    size: int  # bytes of the header itself: the payload starts here


def encode_vocals(vocals: np.ndarray, intervals: list[tuple[int, int]] | None = None, key: str = "",
                  block_done=None) -> bytes:
    """``(n, 2)`` float32 vocals -> one cache entry's bytes (header + FLAC payload).

    ``intervals``: the separated ``(start, end)`` parts; ``None``: all of it. ``key``: the
    entry's name, recorded so that a file copied under another entry's name is refused. int16
    vocals (``q / 32767``: the app's) are encoded in blocks, ``block_done(start, end)`` after each.
    """
    n = vocals.shape[0]
    if vocals.dtype == np.int16:
        return _entry(n, write_flac16(vocals, block_done), 1.0, intervals, key)
    peak = float(np.max(np.abs(vocals))) if n else 0.0
    if not np.isfinite(peak):
        raise ValueError("vocals contain NaN or infinite samples")
    scale = 1.0 / peak if peak > 1.0 else 1.0  # 16 bits must not clip
    q = np.empty((n, 2), dtype=np.int16)
    block = 1 << 18
    for i in range(0, n, block):  # in blocks: no full-length float64 temporaries
        np.clip(np.rint(vocals[i : i + block] * np.float32(scale * _FULL_SCALE)), -32768, 32767,
                out=q[i : i + block], casting="unsafe")
    return _entry(n, write_flac16(q), scale, intervals, key)


def _entry(n: int, payload: bytes, scale: float, intervals, key: str) -> bytes:
    spans = [] if intervals is None or list(intervals) == [(0, n)] else [(int(a), int(b)) for a, b in intervals]
    key_bytes = key.encode("utf-8")
    fields = _FIELDS.pack(n, len(payload), scale, zlib.crc32(payload), len(spans), len(key_bytes)) + key_bytes
    fields += b"".join(struct.pack("<QQ", a, b) for a, b in spans)
    return MAGIC + fields + _CRC.pack(zlib.crc32(fields)) + payload


def _read_header(read) -> _Header:
    """Parse an entry's header from ``read(n) -> bytes``; :class:`DamagedEntry` if anything is off."""
    head = read(len(MAGIC) + _FIELDS.size)
    if len(head) < len(MAGIC) + _FIELDS.size or head[: len(MAGIC)] != MAGIC:
        raise DamagedEntry("not a stem cache entry of this version")
    n, size, scale, payload_crc, k, key_len = _FIELDS.unpack(head[len(MAGIC) :])
    if k > _MAX_INTERVALS:
        raise DamagedEntry("garbled header")
    rest = read(key_len + 16 * k + _CRC.size)
    if len(rest) < key_len + 16 * k + _CRC.size:
        raise DamagedEntry("garbled header")
    fields = head[len(MAGIC) :] + rest[: -_CRC.size]
    if zlib.crc32(fields) != _CRC.unpack(rest[-_CRC.size :])[0]:
        raise DamagedEntry("header checksum mismatch")
    try:
        key = rest[:key_len].decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedEntry("garbled key") from None
    spans = [struct.unpack_from("<QQ", rest, key_len + 16 * i) for i in range(k)]
    if any(not 0 <= a < b <= n for a, b in spans):
        raise DamagedEntry("bad intervals")
    if not (np.isfinite(scale) and 0 < scale <= 1):
        raise DamagedEntry("bad scale")
    return _Header(n, size, scale, payload_crc, spans or [(0, n)], key, len(head) + len(rest))


def _check_header(header: _Header, n_frames: int | None, key: str | None) -> None:
    if key is not None and header.key != key:
        raise DamagedEntry(f"holds the entry {header.key[:12]!r}…, not {key[:12]!r}… (a file copied over another)")
    if n_frames is not None and header.n != n_frames:
        raise DamagedEntry(f"holds {header.n} frames, not {n_frames}")


def _decode_payload(header: _Header, payload: bytes | memoryview, pcm16: bool = False, out=None,
                    block_done=None) -> np.ndarray:
    n = header.n
    if len(payload) != header.payload_bytes or zlib.crc32(payload) != header.payload_crc:
        raise DamagedEntry("payload truncated or checksum mismatch")
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    try:
        with sf.SoundFile(BufferFile(payload)) as f:
            if f.channels != 2 or f.frames != n:
                raise DamagedEntry("payload has the wrong shape")
            if pcm16:  # int16 (value = q / 32767), in blocks into out (see lookup_pcm16)
                q = read_flac16(f, n, header.scale, out, block_done)
                if q is None:
                    raise DamagedEntry("payload is short")
                return q
            q = f.read(n, dtype="int16", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError) as e:
        raise DamagedEntry(f"payload does not decode: {e}") from e
    if q.shape != (n, 2):
        raise DamagedEntry("payload is short")
    out = q.astype(np.float32)
    out *= np.float32(1.0 / (header.scale * _FULL_SCALE))
    return out


def decode_vocals(data: bytes | memoryview, n_frames: int | None = None,
                  key: str | None = None) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One entry's bytes -> ``(n, 2)`` float32 vocals and the separated intervals.

    Raises :class:`DamagedEntry` if anything is off, or the entry is not ``key``'s (when given).
    """
    stream = io.BytesIO(bytes(data))
    header = _read_header(stream.read)
    _check_header(header, n_frames, key)
    return _decode_payload(header, stream.read()), header.intervals


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

    def lookup_pcm16(self, key: str, n_frames: int, out: np.ndarray | None = None,
                     block_done=None) -> tuple[np.ndarray, list[tuple[int, int]]] | None:
        """The stored vocals of an ``n_frames`` song as ``(n, 2)`` int16 (``value = q / 32767``), decoded
        in blocks into ``out`` if given (``block_done(start, end)`` after each), and the separated
        intervals; ``None`` on a miss. Like :meth:`lookup`, without any song-long float32 array."""
        hit = self.lookup(key, np.empty((n_frames, 0), np.float32), pcm16=(out, block_done))
        return (hit.vocals, hit.intervals) if hit is not None else None

    def lookup(self, key: str, mixture: np.ndarray, pcm16: tuple | None = None) -> CacheHit | None:
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
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                try:
                    # The header first: a file of the wrong size, length or key is refused before
                    # its payload is read (a 3 GiB file under an entry's name read whole took 3 GB).
                    header = _read_header(f.read)
                    _check_header(header, mixture.shape[0], key)
                    if size != header.size + header.payload_bytes:
                        raise DamagedEntry(f"is {size} bytes, not {header.size + header.payload_bytes}")
                    vocals = _decode_payload(header, f.read(header.payload_bytes), pcm16 is not None,
                                             *(pcm16 or ()))
                except Exception as e:  # noqa: BLE001 - any damage is a miss
                    log.warning("dropping damaged cache entry %s: %s", path.name, e)
                    damaged = True
                else:
                    damaged = False
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("cannot read cache entry %s: %s", path.name, e)
            return None
        if damaged:
            self._remove(path)
            return None
        intervals = header.intervals
        instrumental = None if pcm16 is not None else np.subtract(mixture, vocals, dtype=np.float32)
        try:
            os.utime(path)  # most recently used
        except OSError:
            pass
        return CacheHit(vocals, instrumental, intervals)

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
            data = encode_vocals(vocals, intervals, key, block_done)
            if len(data) > self.max_bytes:
                return None
            self.root.mkdir(parents=True, exist_ok=True)
            remove_stale_partials(self.root)  # those of a writer that was killed, at once (not an hour later)
            atomic_write(path, data, suffix=".tmp")
        except (OSError, ValueError) as e:
            log.warning("could not write cache entry %s: %s", path.name, e)
            return None
        self.evict(keep=key)
        return path

    def entries(self, companions: bool = False) -> list[tuple[Path, int, float]]:
        """``(path, size, last_used)`` of every entry, least recently used first (``companions``:
        with the files kept beside them, :data:`COMPANION_SUFFIXES`)."""
        out = []
        suffixes = (_SUFFIX, *_LEGACY_SUFFIXES, *(COMPANION_SUFFIXES if companions else ()))
        try:
            files = [p for suffix in suffixes for p in self.root.glob(f"*{suffix}")]
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
        """Bytes of the entries and the files kept beside them."""
        return sum(size for _, size, _ in self.entries(companions=True))

    def song_count(self) -> int:
        """How many songs have something stored (stems, a pitch guide or both)."""
        return len({p.name.split(".", 1)[0] for p, _, _ in self.entries(companions=True)})

    def clear(self) -> int:
        """Delete every entry, the files beside them and temporary files; returns the bytes freed."""
        freed = 0
        for path, size, _ in self.entries(companions=True):
            if self._remove(path):
                freed += size
        self._remove_temps()
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
                for suffix in COMPANION_SUFFIXES:  # its pitch guide goes with it
                    self._remove(path.with_name(path.name.split(".", 1)[0] + suffix))
        remove_stale_partials(self.root)
        return removed

    def _remove_temps(self) -> None:
        """Every temporary entry file (Clear Cache: a write in flight fails and stores nothing)."""
        try:
            temps = list(self.root.glob(".*.tmp"))
        except OSError:
            return
        for p in temps:
            try:
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
