"""Reading the app's own JSON files (song preferences, model sidecars, the queue, the scores) without trusting them.

A settings file may be hand-edited, cut short by a full disk, or sent by someone else.
:func:`read_json_file` never raises for what is in the file: a missing file gives the default;
a damaged one (not UTF-8, not JSON, nested or larger than a settings file can be, or of the wrong
shape) gives the default and a message for the user, and is moved aside as
``<name>.damaged-<timestamp>`` (:func:`~soundnet_app.fileio.move_aside`) so the next save starts fresh
and the old bytes are kept. A file that is JSON of the right type but does not hold what its reader
expects is set aside the same way with :func:`set_aside_damaged`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soundnet_app.fileio import PathLike, move_aside

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 16 << 20  # 2000 songs' preferences are ~200 kB
MAX_JSON_DEPTH = 32  # the app's files nest 3 deep


@dataclass(frozen=True)
class JsonRead:
    """What :func:`read_json_file` found: the ``value`` to use and, when the file was damaged,
    a ``message`` for the user and where the damaged file was put (``moved_to``, ``None`` if left)."""

    value: Any
    message: str = ""
    moved_to: Path | None = None

    @property
    def damaged(self) -> bool:
        return bool(self.message)


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts (``0`` for a number or string); no recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _problem(path: Path, expect: type, max_bytes: int, max_depth: int) -> tuple[Any, str]:
    """``(value, "")`` for a sound file, ``(None, why)`` for a damaged one; ``OSError`` when unreadable."""
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        return None, f"it is larger than {max_bytes >> 20} MB"
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, "it is not text"
    except RecursionError:  # "[[[[…": the parser gives up on the nesting
        return None, "it nests too deeply"
    except ValueError as e:
        return None, f"it is not valid JSON ({e})"
    if json_depth(value) > max_depth:
        return None, "it nests too deeply"
    if not isinstance(value, expect):
        return None, f"it holds a {type(value).__name__}, not a {expect.__name__}"
    return value, ""


def read_json_file(path: PathLike, default: Any, *, what: str = "", expect: type = dict,
                   max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH,
                   set_aside: bool = True, instead: str = "using defaults") -> JsonRead:
    """The JSON in ``path``, or ``default`` when it is missing, unreadable or damaged.

    Args:
        what: what the file is, for the message ("your per-song settings").
        expect: the type the top level must have.
        set_aside: move a damaged file to ``<name>.damaged-<timestamp>`` (``False``: leave it).
        instead: what the app does then, for the message ("starting with an empty queue").
    """
    path = Path(path)
    what = what or path.name
    try:
        value, why = _problem(path, expect, max_bytes, max_depth)
    except FileNotFoundError:
        return JsonRead(default)
    except OSError as e:
        log.warning("cannot read %s: %s", path, e)
        return JsonRead(default, f"Could not read {what} ({path.name}: {e.strerror or e}); {instead}.")
    if not why:
        return JsonRead(value)
    return set_aside_damaged(path, default, why, what=what, set_aside=set_aside, instead=instead)


def set_aside_damaged(path: PathLike, default: Any, why: str, *, what: str = "", set_aside: bool = True,
                      instead: str = "using defaults") -> JsonRead:
    """``default`` and the message for a damaged ``path`` (``why``: "it does not hold a queue"), the file
    moved to ``<name>.damaged-<timestamp>`` (unless ``set_aside`` is ``False``); for a reader that finds the
    JSON of :func:`read_json_file` is not what it expects."""
    path = Path(path)
    what = what or path.name
    moved = move_aside(path) if set_aside else None
    kept = f" It was kept as {moved.name}." if moved is not None else ""
    log.warning("damaged %s: %s", path, why)
    return JsonRead(default, f"{what[0].upper()}{what[1:]} ({path.name}) was damaged ({why}); "
                             f"{instead}.{kept}", moved)
