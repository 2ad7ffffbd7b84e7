"""Writing a file whole: the one place a finished file is moved into place.

Every file the app writes (audio, stem cache entries, lyrics, pitch guides,
preferences, models, training packs) is written to a hidden temporary file
beside its target (same folder, so the rename cannot cross file systems),
flushed to disk, then renamed over the target in one step. A crash, a kill or
a full disk therefore leaves either the old file or the new one, never half a
file; on a failure the temporary file is removed and the target is untouched.

Temporary files are named ``.<name>.partial-<pid>-<8 hex><suffix>``, so that
:func:`remove_stale_partials` can clear those of a process that was killed
outright (older versions wrote ``.<name>.partial-<8 hex><suffix>``).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

PathLike = Union[str, "os.PathLike[str]"]

_PARTIAL_RE = re.compile(r"^\..+\.partial-(?:(\d+)-)?[0-9a-f]{8}(\.[^.]*)?$")
_LEGACY_PARTIAL_AGE_S = 24 * 3600  # partial files without a process id are stale after a day
# Where hard links do not exist (FAT/exFAT sticks, some network shares) link() fails with these.
_NO_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS)


class PartialFile:
    """A new hidden, empty file beside ``target``, published over it by one rename.

    The file is created exclusively (never clobbering anything) with mode 0o666, so
    the umask decides its permissions as for any new file. Write to :attr:`path`, then
    :meth:`sync` and :meth:`publish`; or :meth:`discard` it. As a context manager it
    syncs and publishes on a clean exit and discards on an exception. ``suffix`` ends
    the temporary name, for writers that choose the format by it (Keras wants ``.keras``).
    With ``overwrite=False`` :meth:`publish` refuses (``FileExistsError``) to replace an
    existing target, even one that appears while the file is being written.

    Raises ``OSError`` when the file cannot be created (no folder, no permission).
    """

    def __init__(self, target: PathLike, suffix: str = "", *, overwrite: bool = True) -> None:
        self.target = Path(target)
        self.overwrite = overwrite
        self.path = partial_name(self.target, suffix)
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))

    def __enter__(self) -> PartialFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()
            return
        try:
            self.sync()
            self.publish()
        except BaseException:
            self.discard()
            raise

    def sync(self) -> None:
        """Flush the written data to disk (before a rename makes it visible)."""
        fd = os.open(self.path, os.O_RDWR)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def publish(self) -> None:
        """Move the file into place: over the target, or (``overwrite=False``) only where none is."""
        if self.overwrite:
            os.replace(self.path, self.target)
            return
        try:
            os.link(self.path, self.target)  # fails if the target exists (no race with another writer)
        except OSError as e:
            if e.errno not in _NO_LINKS:
                raise  # FileExistsError and real failures
            # No hard links here: claim the name exclusively, then move the finished file over
            # the empty placeholder.
            os.close(os.open(self.target, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            os.replace(self.path, self.target)
            return
        self.discard()  # the target is its other name now

    def discard(self) -> None:
        """Delete the temporary file (if still there); the target is left as it was."""
        try:
            os.unlink(self.path)
        except OSError:
            pass


def partial_name(target: PathLike, suffix: str = "") -> Path:
    """A fresh hidden name beside ``target``: ``.<name>.partial-<pid>-<8 hex><suffix>``."""
    target = Path(target)
    return target.with_name(f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(4)}{suffix}")


@contextmanager
def atomic_path(target: PathLike, suffix: str = "", *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` for a writer that wants a file name
    (``model.save``, ``soundfile.write``); it becomes ``target`` when the block ends
    cleanly, and is deleted when it raises. See :class:`PartialFile`."""
    with PartialFile(target, suffix, overwrite=overwrite) as partial:
        yield partial.path


def atomic_write(target: PathLike, data: bytes | str, *, overwrite: bool = True, suffix: str = "",
                 encoding: str = "utf-8") -> Path:
    """Write ``data`` (``str`` is encoded with ``encoding``) as the whole of ``target``; returns it.

    With ``overwrite=False`` an existing ``target`` is never replaced (``FileExistsError``).
    ``suffix`` ends the temporary name (see :class:`PartialFile`). Raises ``OSError`` when
    the disk says no, leaving ``target`` as it was.
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    with PartialFile(target, suffix, overwrite=overwrite) as partial:
        with open(partial.path, "wb") as f:
            f.write(data)
    return partial.target


def publish_folder(folder: PathLike, target: PathLike) -> bool:
    """Move a finished ``folder`` (written under a :func:`partial_name`) to ``target`` in one rename.

    Returns ``False``, leaving both as they are, when ``target`` exists already
    (another process published it first: theirs stays). Other failures raise ``OSError``.
    """
    try:
        os.rename(folder, target)
    except OSError as e:
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise
    return True


def move_aside(path: PathLike, label: str = "damaged") -> Path | None:
    """Rename a damaged file out of the way, to ``<name>.<label>-<YYYYmmdd-HHMMSS>`` beside it
    (a free name: ``-2``, ``-3``... when taken); returns the new path, ``None`` if it could not be moved.

    The file's bytes are kept as they were (for the user, or a bug report); the old name is free for a
    fresh file. Never replaces anything.
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for k in range(1, 100):
        aside = path.with_name(f"{path.name}.{label}-{stamp}" + (f"-{k}" if k > 1 else ""))
        try:
            os.link(path, aside)  # fails on an existing name: nothing is ever replaced
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno not in _NO_LINKS:
                return None
            if aside.exists():
                continue
            try:
                os.replace(path, aside)  # no hard links here (FAT, some shares)
                return aside
            except OSError:
                return None
        try:
            os.unlink(path)
        except OSError:
            pass
        return aside
    return None


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
    removed: list[Path] = []
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


def read_capped(path: Path, max_bytes: int, kind: str, error: type[Exception]) -> bytes:
    """The bytes of a small document a user gave (lyrics, a song sheet), refused over ``max_bytes``.

    Raises ``error`` with a sentence naming the file when it is too big or cannot be read.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{path.name} is {size / 1e6:.1f} MB; {kind} are at most {max_bytes >> 20} MB.")
        return path.read_bytes()
    except OSError as e:
        raise error(f"Could not read {path.name}: {e.strerror or e}.") from None
