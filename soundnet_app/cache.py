"""A disk cache of separated stems, so reopening a song shows its stems at once.

Entries are keyed by the sha256 of the audio file's bytes plus the separation
model's version (a new model never serves stale stems). Each entry is one
``.npy`` file holding a ``(frames, 4)`` float32 array (vocals L/R,
instrumental L/R), written through a temporary file and renamed into place, so
a crash never leaves a half-written entry under a real name. The cache keeps
under a size limit by deleting the least recently used entries (``get``
refreshes an entry's modification time).

The default location is the per-user cache folder (``platformdirs``), or
``$SOUNDNET_CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

APP_NAME = "SoundNet Karaoke"
APP_AUTHOR = "SoundNet"
DEFAULT_MAX_BYTES = 4 * 1024**3  # about 30 three-minute songs
_SUFFIX = ".npy"
_STALE_TEMP_S = 3600.0


def default_cache_dir() -> Path:
    """``$SOUNDNET_CACHE_DIR`` or the user cache folder's ``stems`` subfolder."""
    env = os.environ.get("SOUNDNET_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME, APP_AUTHOR) / "stems"


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


class StemCache:
    """Separated stems on disk, LRU-evicted above ``max_bytes``.

    Args:
        root: the cache folder (created on first write); default :func:`default_cache_dir`.
        max_bytes: size limit; ``0`` disables the cache (``get`` misses, ``put`` does nothing).
    """

    def __init__(self, root: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_bytes = int(max_bytes)

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def path_for(self, key: str) -> Path:
        return self.root / f"{key}{_SUFFIX}"

    def get(self, key: str, n_frames: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """``(vocals, instrumental)`` ``(n, 2)`` float32 arrays, or ``None`` on a miss.

        The arrays are read-only views of a memory map: copy them where they
        must outlive the call. A damaged entry, or one whose length is not
        ``n_frames``, counts as a miss and is removed.
        """
        if not self.enabled:
            return None
        path = self.path_for(key)
        try:
            data = np.load(path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            log.warning("dropping damaged cache entry %s: %s", path.name, e)
            self._remove(path)
            return None
        if data.ndim != 2 or data.shape[1] != 4 or data.dtype != np.float32 or (
            n_frames is not None and data.shape[0] != n_frames
        ):
            log.warning("dropping cache entry %s with shape %s", path.name, data.shape)
            del data
            self._remove(path)
            return None
        try:
            os.utime(path)  # most recently used
        except OSError:
            pass
        return data[:, :2], data[:, 2:]

    def put(self, key: str, vocals: np.ndarray, instrumental: np.ndarray) -> Path | None:
        """Store stems atomically, then evict old entries; returns the entry's path.

        ``vocals`` and ``instrumental`` are ``(n, 2)`` float32 (the song's
        stems); they are stored side by side as one ``(n, 4)`` array.
        Returns ``None`` (and stores nothing) when the cache is disabled, the
        entry alone exceeds the limit, or the disk write fails.
        """
        if not self.enabled:
            return None
        n = vocals.shape[0]
        if instrumental.shape[0] != n:
            raise ValueError("vocals and instrumental differ in length")
        if n * 4 * 4 > self.max_bytes:
            return None
        path = self.path_for(key)
        tmp_name = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".", suffix=".tmp")
            os.close(fd)
            out = np.lib.format.open_memmap(tmp_name, mode="w+", dtype=np.float32, shape=(n, 4))
            out[:, :2] = vocals
            out[:, 2:] = instrumental
            out.flush()
            del out
            os.replace(tmp_name, path)
            tmp_name = None
        except OSError as e:
            log.warning("could not write cache entry %s: %s", path.name, e)
            return None
        finally:
            if tmp_name is not None:
                self._remove(Path(tmp_name))
        self.evict(keep=key)
        return path

    def entries(self) -> list[tuple[Path, int, float]]:
        """``(path, size, last_used)`` of every entry, least recently used first."""
        out = []
        try:
            files = list(self.root.glob(f"*{_SUFFIX}"))
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

    def _remove_stale_temps(self) -> None:
        now = time.time()
        try:
            temps = list(self.root.glob(".*.tmp"))
        except OSError:
            return
        for p in temps:
            try:
                if now - p.stat().st_mtime > _STALE_TEMP_S:
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
