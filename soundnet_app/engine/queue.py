"""A karaoke night's song queue: songs with singers, the position in it, the file it lives in. No Qt.

The queue is a list of :class:`QueueEntry` and the index of the song on
stage (``current``, -1 before the first). Songs before ``current`` were
sung; those after it are :meth:`SongQueue.upcoming`. Everything a user can
do in the queue panel is a method here (add, move, remove, play next,
advance/skip); the panel only shows it. A song whose file vanished is marked
``missing`` when the queue reaches it and skipped, never opened.

The queue is saved whole (atomically) to a JSON file in the app's data
folder after every change, with a ``night`` id: the scores of the night are
those stored with it (:mod:`soundnet_app.sing.scoreboard`).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from soundnet_app.audio.formats import is_supported_input
from soundnet_app.fileio import atomic_write
from soundnet_app.jsonfile import read_json_file, set_aside_damaged

MAX_ENTRIES = 1000  # a night, not a library
_WHAT, _INSTEAD = "the song queue", "starting with an empty queue"  # for the message about a damaged file
MAX_SINGER_CHARS = 60
FOLDER_FILE_LIMIT = 500


def audio_files_under(folder: Path, limit: int = FOLDER_FILE_LIMIT) -> list[Path]:
    """Supported audio files under ``folder`` (sorted, hidden ones skipped), at most ``limit``."""
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if len(found) >= limit:
            break
        if not any(part.startswith(".") for part in path.relative_to(folder).parts) \
                and path.is_file() and is_supported_input(path):
            found.append(path)
    return found


def clean_singer(name: object) -> str:
    """A singer's name as shown: one line, trimmed, at most :data:`MAX_SINGER_CHARS` characters."""
    text = " ".join("".join(ch for ch in str(name or "") if ch.isprintable() or ch.isspace()).split())
    return text[:MAX_SINGER_CHARS]


_ids = itertools.count(1)


@dataclass
class QueueEntry:
    """One song in the queue. ``id`` is unique in the process (rows move; ids stay)."""

    path: Path
    singer: str = ""
    missing: bool = False
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def title(self) -> str:
        return self.path.stem

    def label(self) -> str:
        """"Anna — Song" (or the song alone)."""
        return f"{self.singer} — {self.title}" if self.singer else self.title


class SongQueue:
    """The songs of the night in order, and which one is on stage.

    Args:
        path: the JSON file it is saved to after each change (``None``: memory only).
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.entries: list[QueueEntry] = []
        self.current = -1
        self.night = time.strftime("%Y-%m-%d %H:%M", time.localtime())

    # -- reading -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def current_entry(self) -> QueueEntry | None:
        return self.entries[self.current] if 0 <= self.current < len(self.entries) else None

    def upcoming(self) -> list[QueueEntry]:
        """The songs after the current one, in order (missing ones included, marked)."""
        return self.entries[self.current + 1:]

    def index_of(self, entry_id: int) -> int:
        return next((i for i, e in enumerate(self.entries) if e.id == entry_id), -1)

    def peek_next(self) -> QueueEntry | None:
        """The next song that will play (files that vanished are marked and passed over); no move."""
        for entry in self.upcoming():
            if self._playable(entry):
                return entry
        return None

    def _playable(self, entry: QueueEntry) -> bool:
        entry.missing = not entry.path.is_file()
        return not entry.missing

    # -- changing --------------------------------------------------------------

    def add(self, paths: Iterable[str | Path], singer: str = "") -> list[QueueEntry]:
        """Append songs (a folder adds the audio files in it); returns the entries added."""
        # After the last song, the queue stood past its end: the last song becomes the current
        # one again, so songs added now are the next ones (not "on stage" unplayed).
        self.current = min(self.current, len(self.entries) - 1)
        added = []
        for p in paths:
            p = Path(p)
            for song in (audio_files_under(p) if p.is_dir() else [p]):
                if len(self.entries) >= MAX_ENTRIES:
                    break
                entry = QueueEntry(song, clean_singer(singer))
                self.entries.append(entry)
                added.append(entry)
        self.save()
        return added

    def reorder(self, ids: list[int]) -> None:
        """Put the entries in the order of ``ids`` (a drag in the list); the song on stage stays on stage."""
        by_id = {e.id: e for e in self.entries}
        if sorted(ids) != sorted(by_id):
            return
        on_stage = self.current_entry
        self.entries = [by_id[i] for i in ids]
        if on_stage is not None:
            self.current = self.entries.index(on_stage)
        self.save()

    def set_singer(self, index: int, singer: str) -> None:
        self.entries[index].singer = clean_singer(singer)
        self.save()

    def move(self, index: int, to: int) -> int:
        """Move a row to ``to`` (clamped); the song on stage stays the song on stage. Returns where it went."""
        if not 0 <= index < len(self.entries):
            return index
        to = max(0, min(int(to), len(self.entries) - 1))
        on_stage = self.current_entry
        self.entries.insert(to, self.entries.pop(index))
        if on_stage is not None:
            self.current = self.entries.index(on_stage)
        self.save()
        return to

    def remove(self, index: int) -> None:
        if not 0 <= index < len(self.entries):
            return
        del self.entries[index]
        if index < self.current:
            self.current -= 1
        elif index == self.current:
            self.current -= 1  # the next song is still the one after the removed one
        self.save()

    def play_next(self, index: int) -> int:
        """Move a song to right after the current one; returns its new row."""
        if index <= self.current:
            return self.move(index, self.current)  # already played: bring it back as the next
        return self.move(index, self.current + 1)

    def advance(self) -> QueueEntry | None:
        """Go to the next song that exists (marking vanished files on the way); ``None`` at the end."""
        while self.current + 1 < len(self.entries):
            self.current += 1
            if self._playable(self.entries[self.current]):
                self.save()
                return self.entries[self.current]
        self.current = len(self.entries)  # past the end: everything was sung
        self.save()
        return None

    def jump_to(self, index: int) -> QueueEntry | None:
        """Make ``index`` the song on stage (if its file exists)."""
        if not 0 <= index < len(self.entries) or not self._playable(self.entries[index]):
            return None
        self.current = index
        self.save()
        return self.entries[index]

    def clear(self) -> None:
        self.entries.clear()
        self.current = -1
        self.night = time.strftime("%Y-%m-%d %H:%M", time.localtime())
        self.save()

    # -- the file ----------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"version": 1, "night": self.night, "current": self.current,
                "songs": [{"path": str(e.path), "singer": e.singer} for e in self.entries]}

    def save(self) -> None:
        """Write the queue (a failure to write never loses the queue in memory)."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False))
        except OSError:
            pass  # a full or read-only disk: the queue keeps working; the next change tries again

    @classmethod
    def load(cls, path: str | Path) -> tuple[SongQueue, str]:
        """The queue saved in ``path`` and a message (``""``; or why it is empty: the file was damaged,
        and moved aside as ``queue.json.damaged-<time>``)."""
        queue = cls(path)
        read = read_json_file(queue.path, None, what=_WHAT, instead=_INSTEAD)
        data = read.value
        if data is None:
            return queue, read.message
        try:
            songs = data.get("songs", [])
            if not isinstance(songs, list):
                raise TypeError
            for item in songs[:MAX_ENTRIES]:
                if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not item["path"]:
                    raise ValueError
                queue.entries.append(QueueEntry(Path(item["path"]), clean_singer(item.get("singer", ""))))
            current = data.get("current", -1)
            queue.current = max(-1, min(int(current), len(queue.entries))) if isinstance(current, int) else -1
            if isinstance(data.get("night"), str):
                queue.night = data["night"][:40]
        except (ValueError, TypeError):
            read = set_aside_damaged(queue.path, None, "it does not hold a queue", what=_WHAT, instead=_INSTEAD)
            return cls(path), read.message
        for entry in queue.entries:
            entry.missing = not entry.path.is_file()
        return queue, ""


class Interlude:
    """The countdown between two songs ("Next: Anna — Song" in 10, 9...), which can be paused.

    Times are ``time.monotonic()`` seconds (given, so tests need no clock).
    """

    def __init__(self, entry: QueueEntry, seconds: float, now: float):
        self.entry = entry
        self._left = max(0.0, float(seconds))
        self._since: float | None = now  # None while paused

    @property
    def paused(self) -> bool:
        return self._since is None

    def remaining(self, now: float) -> float:
        if self._since is None:
            return self._left
        return max(0.0, self._left - (now - self._since))

    def toggle_pause(self, now: float) -> bool:
        """Pause or go on; returns whether it is paused now."""
        if self._since is None:
            self._since = now
        else:
            self._left, self._since = self.remaining(now), None
        return self.paused

    def finished(self, now: float) -> bool:
        return not self.paused and self.remaining(now) <= 0.0

    def text(self, now: float) -> str:
        """"Next: Anna — Song in 7 s" (paused: "… (paused)")."""
        seconds = int(-(-self.remaining(now) // 1))
        return f"Next: {self.entry.label()} in {seconds} s" + (" (paused)" if self.paused else "")
