"""Separating the queue's next songs in the background, and "Separate all" (the GUI's batch mode).

:class:`AheadSeparation` belongs to the queue panel. When the worker has
nothing to do for the open song (it is fully separated), it loads the next
song to separate (:class:`~soundnet_app.engine.ahead.AheadPlan`) on a task
thread, decoding it and looking up the stem cache, and hands it to the
window's worker (:meth:`~soundnet_app.ui.separation.SeparationControl.separate_ahead`),
which puts it in the stem cache when done. The open song always comes
first: opening, seeking or resuming it replaces the job at once. The song
that plays next is kept in memory, separated, so it starts without loading.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from soundnet_app.engine.ahead import AheadPlan, BatchProgress
from soundnet_app.engine.loading import error_message, load_song
from soundnet_app.engine.queue import QueueEntry, SongQueue
from soundnet_app.engine.song import Song
from soundnet_app.separation.catalog import model_version_of
from soundnet_app.ui.panels.host import PanelHost
from soundnet_app.ui.threads import TaskThread
from soundnet_app.ui.waveform import format_time

log = logging.getLogger(__name__)


class AheadSeparation(QObject):
    """Keeps the worker busy with the queue's next songs while the open song needs nothing."""

    changed = Signal()  # a song's state changed (ready, separating N %, failed): redraw the list

    def __init__(self, host: PanelHost, queue: SongQueue):
        super().__init__()
        self.host = host
        self.queue = queue
        self.plan = AheadPlan()
        self.loading: TaskThread | None = None
        self.entry: QueueEntry | None = None  # the one being loaded or separated
        self.job_id: int | None = None
        self.fraction = 0.0
        self.ready: tuple[int, Song] | None = None  # (entry id, separated song) of the next song to play
        self._song: Song | None = None  # the one the ahead job separates
        self.batch_progress: BatchProgress | None = None
        sep = host.separation
        sep.aheadProgress.connect(self._progress)
        sep.aheadEnded.connect(self._ended)

    # -- what the list shows ---------------------------------------------------------------

    def states(self) -> dict[int, str]:
        out = {i: "ready" for i in self.plan.done}
        out.update({i: "could not be separated" for i in self.plan.failed})
        if self.entry is not None:
            out[self.entry.id] = f"separating {round(self.fraction * 100)} %" if self.job_id else "loading"
        return out

    @property
    def batch(self) -> bool:
        return self.plan.batch

    # -- the work ---------------------------------------------------------------------------

    def take_ready(self, entry: QueueEntry) -> Song | None:
        """The separated song kept for ``entry`` (then forgotten here), or ``None``."""
        if self.ready is not None and self.ready[0] == entry.id:
            song, self.ready = self.ready[1], None
            return song
        return None

    def pump(self) -> None:
        """Start the next piece of work if the worker and this are idle (called every few ticks)."""
        host = self.host
        if self.loading is not None or self.job_id is not None or host.closing:
            return
        song = host.song
        if host.separating or (song is not None and not song.coverage.complete):
            return  # the open song first
        if host.separation.model_state == "failed":
            return
        entry = self.plan.next_entry(self.queue)
        if entry is None:
            self._finish_batch()
            return
        self.entry, self.fraction = entry, 0.0
        cache = host.cache if host.cache is not None and host.cache.enabled else None
        model_path, mask_power = host.separation.model_path, host.separation.mask_power
        path = entry.path

        def run(progress, cancel):
            version = (lambda: model_version_of(model_path, mask_power)) if cache is not None else ""
            return load_song(path, hash_content=cache is not None, cache=cache, model_version=version)

        task = TaskThread(run)
        task.succeeded.connect(lambda s, e=entry: self._loaded(e, s))
        task.failed.connect(lambda exc, e=entry: self._load_failed(e, exc))
        self.loading = task
        host.start_task(task)
        self.changed.emit()

    def _loaded(self, entry: QueueEntry, song: Song) -> None:
        self.loading = None
        if self.entry is not entry:
            return  # cancelled meanwhile
        if song.coverage.complete:
            self._done(entry, song)
            return
        job = self.host.separation.separate_ahead(song)
        if job is None:  # the open song needs the worker again: later
            self.entry = None
            self.changed.emit()
            return
        self.job_id = job.id
        self._song = song
        self.changed.emit()

    def _load_failed(self, entry: QueueEntry, exc: BaseException) -> None:
        self.loading = None
        log.info("could not load %s for separating ahead: %s", entry.path, error_message(exc))
        self.plan.failed.add(entry.id)
        self.entry = None
        self.changed.emit()

    def _progress(self, job_id: int, fraction: float, elapsed: float, remaining: float) -> None:
        if job_id == self.job_id:
            self.fraction = fraction
            self.changed.emit()
            self._show_batch()

    def _ended(self, job_id: int, how: str) -> None:
        if job_id != self.job_id:
            return
        entry, song = self.entry, self._song
        self.job_id, self._song = None, None
        if how == "done" and entry is not None and song is not None:
            self._done(entry, song)
            return
        if how.startswith("failed") and entry is not None:
            self.plan.failed.add(entry.id)
        self.entry = None  # cancelled (the open song took the worker): tried again later, parts kept in the cache
        self.changed.emit()

    def _done(self, entry: QueueEntry, song: Song) -> None:
        self.plan.done.add(entry.id)
        self.entry = None
        following = self.queue.peek_next()
        if following is not None and following.id == entry.id:
            self.ready = (entry.id, song)  # the next to play: kept in memory
        self.changed.emit()
        self._show_batch()
        self.pump()

    # -- "Separate all" ------------------------------------------------------------------------

    def start_batch(self) -> None:
        self.plan.batch = True
        self.batch_progress = BatchProgress()
        self._show_batch()
        self.pump()

    def cancel(self) -> bool:
        """Stop the batch (and the song being separated ahead); ``False`` if nothing ran."""
        ran = self.plan.batch or self.loading is not None or self.job_id is not None
        self.plan.batch = False
        self.batch_progress = None
        if self.loading is not None:
            self.loading.cancel()
        self.entry = None
        if self.job_id is not None:
            self.host.separation.cancel_ahead()
        if ran and not self.host.separating:
            self.host.hide_progress()
        self.changed.emit()
        return ran

    def _show_batch(self) -> None:
        if self.batch_progress is None or self.host.separating:
            return
        done, total = self.plan.batch_counts(self.queue)
        fraction = self.batch_progress.fraction(done, total, self.fraction if self.job_id else 0.0)
        eta = self.batch_progress.eta_s(fraction)
        text = f"Separating the queue… {done} of {total} songs"
        self.host.show_progress(text, fraction, f"about {format_time(eta + 0.5)} left" if eta >= 0 else "")

    def _finish_batch(self) -> None:
        if self.batch_progress is None:
            return
        done, total = self.plan.batch_counts(self.queue)
        self.plan.batch = False
        self.batch_progress = None
        if not self.host.separating:
            self.host.hide_progress()
        failed = len(self.plan.failed)
        self.host.show_status(f"The queue is separated: {done - failed} of {total} songs"
                              + (f" ({failed} could not be)" if failed else ""), 8000)
        self.changed.emit()

    def model_changed(self) -> None:
        """Another model or removal strength: what was separated ahead was separated with the old one."""
        self.plan.done.clear()
        self.plan.failed.clear()
        self.ready = None
        self.changed.emit()

    def forget(self) -> None:
        """Drop the kept song (the queue changed so that it is no longer next)."""
        if self.ready is not None:
            following = self.queue.peek_next()
            if following is None or following.id != self.ready[0]:
                self.ready = None
