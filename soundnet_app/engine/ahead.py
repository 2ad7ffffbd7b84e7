"""Separating ahead of the queue: which song next, and the progress of "Separate all". No Qt.

The app's one separation worker serves, in this order: the song that plays
(its job always replaces any other), then the queue's next songs. The queue
panel asks :meth:`AheadPlan.next_entry` for the next song to separate only
when the song on stage is fully separated; each song is separated whole
(the stem cache keeps it), so the next song starts at once from the cache.
Normally only the next :data:`AHEAD_SONGS` songs are separated; "Separate
all" (``batch``) takes every song in the queue, with overall progress and an
ETA (:class:`BatchProgress`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from soundnet_app.engine.queue import QueueEntry, SongQueue

AHEAD_SONGS = 2  # queued songs separated ahead without "Separate all"


@dataclass
class AheadPlan:
    """What has been separated ahead, per queue entry id, and whether "Separate all" runs."""

    done: set[int] = field(default_factory=set)  # separated whole (in the stem cache)
    failed: set[int] = field(default_factory=set)  # could not be read or separated: not tried again
    batch: bool = False

    def next_entry(self, queue: SongQueue) -> QueueEntry | None:
        """The first song still to separate: of the whole queue in a batch, else of the next few upcoming."""
        entries = queue.entries if self.batch else queue.upcoming()
        considered = 0
        for entry in entries:
            if not self.batch and considered >= AHEAD_SONGS:
                return None
            if entry.missing or not entry.path.is_file():
                entry.missing = True
                continue
            considered += 1
            if entry.id not in self.done and entry.id not in self.failed:
                return entry
        return None

    def batch_counts(self, queue: SongQueue) -> tuple[int, int]:
        """``(songs separated, songs to separate)`` of the batch (vanished files left out)."""
        ids = [e.id for e in queue.entries if not e.missing]
        return sum(1 for i in ids if i in self.done or i in self.failed), len(ids)


class BatchProgress:
    """Overall progress of "Separate all": songs done plus the running song's fraction, and an ETA."""

    def __init__(self, now: float | None = None):
        self.started = time.monotonic() if now is None else now

    def fraction(self, done: int, total: int, current_fraction: float = 0.0) -> float:
        if total <= 0:
            return 1.0
        return min(1.0, (done + min(1.0, max(0.0, current_fraction))) / total)

    def eta_s(self, fraction: float, now: float | None = None) -> float:
        """Seconds left at the pace so far; -1 until something is done."""
        elapsed = (time.monotonic() if now is None else now) - self.started
        if fraction <= 0.0 or elapsed <= 0.0:
            return -1.0
        return elapsed * (1.0 - fraction) / fraction
