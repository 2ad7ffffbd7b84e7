"""A small state file of the app (the queue, the scores): read it or fall back, write it whole. No Qt.

A missing file is the normal first run: defaults, no message. A damaged one
(not JSON, too large, nested too deep, the wrong shape) gives the defaults
and a message for the user, and is first copied aside to
``<name>.damaged-<UTC time><suffix>`` so nothing the user had is lost.
(The hostile-files work builds one shared helper for this; this one is
deliberately self-contained so it can be switched to that.)
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from soundnet_app.fileio import atomic_write

MAX_STATE_BYTES = 4 * 1024 * 1024  # a queue or score list is a few kB; more is not ours
MAX_DEPTH = 32  # json.loads recurses; a hand-made file nested thousands deep would raise RecursionError


class DamagedStateFile(ValueError):
    """The file exists but cannot be used; ``str()`` says why in a user's words."""


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings (cheap, before parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def read_state(path: Path) -> dict | None:
    """The JSON object in ``path``; ``None`` when there is no file. Raises :class:`DamagedStateFile`."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as e:
        raise DamagedStateFile(f"it cannot be read ({e.strerror or e})") from e
    if size > MAX_STATE_BYTES:
        raise DamagedStateFile(f"it is {size // 1024} kB, far larger than such a file can be")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DamagedStateFile("it cannot be read as text") from e
    if _depth(text) > MAX_DEPTH:
        raise DamagedStateFile("it is nested far deeper than such a file can be")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise DamagedStateFile("it is not valid JSON") from e
    if not isinstance(data, dict):
        raise DamagedStateFile("it does not hold what the app wrote")
    return data


def keep_aside(path: Path) -> Path | None:
    """Copy a damaged file to ``<name>.damaged-<time><suffix>`` beside it; ``None`` if that fails."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    try:
        shutil.copyfile(path, target)
    except OSError:
        return None
    return target


def load_state(path: Path, what: str) -> tuple[dict | None, str]:
    """``(data or None, message)``: ``message`` is ``""`` unless the file was damaged (then kept aside)."""
    try:
        return read_state(path), ""
    except DamagedStateFile as e:
        kept = keep_aside(path)
        where = f" It was kept as {kept.name}." if kept is not None else ""
        return None, f"The {what} file could not be read: {e}. Starting with an empty one.{where}"


def save_state(path: Path, data: dict) -> None:
    """Write ``data`` as JSON, atomically (the folder is created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(data, indent=1, ensure_ascii=False))
