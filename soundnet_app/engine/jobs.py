"""Separating a song in the background: jobs, gap runs and the loop that fills them. No Qt.

:class:`SeparationRunner` is the body of one long-lived thread (a plain
:class:`threading.Thread` or the app's ``QThread``, :mod:`soundnet_app.ui.threads`).
It loads the model first, then runs one :class:`SeparationJob` at a time,
chunk by chunk. Chunks are copied straight into the song's preallocated
arrays (:meth:`Song.write_chunk`), so the events carry only
``(job id, start, end)``. A job separates from where it was started
(normally the playhead) to the end, then fills the gaps before it;
:meth:`SeparationRunner.restart_at` moves it (a seek into an unseparated
part) and a new :meth:`SeparationRunner.submit` cancels the old job.
Cancellation is checked between chunks. A finished song goes into the
:class:`~soundnet_app.separation.cache.StemCache`, and so do the separated
parts of a song whose separation stops part way.

A gap next to parts already separated is filled by a run that starts up to
``overlap`` samples before the gap and stops up to ``overlap`` samples after
it (see :class:`GapRun`): new vocals alone are written only inside the gap,
and over those two margins they are cross-faded linearly with the vocals
already there, so two independent estimates never meet with a step.

What happens is reported to a :class:`SeparationEvents` listener, from the
runner's thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from soundnet_app.engine.loading import error_message
from soundnet_app.engine.song import Coverage, Song
from soundnet_app.separation.cache import StemCache, cache_key
from soundnet_app.separation.separator import SeparatedChunk, Separator
from soundnet_app.system import lower_thread_priority

log = logging.getLogger(__name__)


class SeparationJob:
    """One song's separation. ``state``: queued, running, done, cancelled, failed."""

    _ids = itertools.count(1)

    def __init__(self, song: Song, start: int = 0):
        self.id = next(self._ids)
        self.song = song
        self.start = max(0, min(int(start), song.n_frames))
        self.cancel_event = threading.Event()
        self.state = "queued"
        self.position = self.start  # where the separator is now (end of the last chunk)
        self.started_at: float | None = None
        self.from_cache = False
        self._restart: int | None = None
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def cancel(self) -> None:
        self.cancel_event.set()

    def request_restart(self, frame: int) -> None:
        with self._lock:
            self._restart = int(frame)

    def take_restart(self) -> int | None:
        with self._lock:
            frame, self._restart = self._restart, None
            return frame


class GapRun(NamedTuple):
    """One separator pass over the gap ``gap_start .. gap_end``: samples ``start .. end``.

    ``start .. gap_start`` and ``gap_end .. end`` are margins (up to
    ``overlap`` samples each) over parts already separated: there the new
    vocals are cross-faded with the old ones, rising from 0 to 1 before the gap
    and falling from 1 to 0 after it. New vocals alone are written only inside
    the gap.
    """

    start: int
    gap_start: int
    gap_end: int
    end: int

    @classmethod
    def plan(cls, coverage: Coverage, gap: tuple[int, int], overlap: int) -> GapRun:
        gap_start, gap_end = gap
        lead = tail = 0
        for s, e in coverage.intervals():
            if e == gap_start:  # separated right up to the gap
                lead = min(overlap, e - s)
            elif s == gap_end:  # and right after it
                tail = min(overlap, e - s)
        return cls(gap_start - lead, gap_start, gap_end, gap_end + tail)

    def write(self, song: Song, chunk: SeparatedChunk) -> tuple[int, int, int]:
        """Write the part of ``chunk`` inside this run; ``(start, end, new samples)``.

        ``start .. end`` is what changed (margins included); new samples are
        those that were not separated before.
        """
        s, e = chunk.start, min(chunk.end, self.end)
        new = 0
        a, b = max(s, self.start), min(e, self.gap_start)
        if b > a:  # the margin before the gap: old -> new
            k = np.arange(a - self.start + 1, b - self.start + 1, dtype=np.float32)
            song.blend_chunk(a, chunk.vocals[a - s : b - s], k / (self.gap_start - self.start + 1))
        a, b = max(s, self.gap_start), min(e, self.gap_end)
        if b > a:
            song.write_chunk(a, chunk.vocals[a - s : b - s], chunk.instrumental[a - s : b - s])
            new = b - a
        a, b = max(s, self.gap_end), min(e, self.end)
        if b > a:  # the margin after the gap: new -> old
            k = np.arange(a - self.gap_end + 1, b - self.gap_end + 1, dtype=np.float32)
            song.blend_chunk(a, chunk.vocals[a - s : b - s], 1.0 - k / (self.end - self.gap_end + 1))
        return s, e, new


class SeparationEvents:
    """What a :class:`SeparationRunner` reports, called on the runner's thread.

    Every method does nothing here; a listener overrides those it needs
    (the app's ``SeparationWorker`` turns each into a Qt signal).
    """

    def on_model_loading(self) -> None:
        """The model starts loading."""

    def on_model_ready(self, version: str) -> None:
        """The model loaded; ``version`` keys the stem cache."""

    def on_model_failed(self, message: str) -> None:
        """The model could not load; ``message`` is one line for the user."""

    def on_job_started(self, job_id: int) -> None:
        """Job ``job_id`` began running."""

    def on_chunk(self, job_id: int, start: int, end: int) -> None:
        """Samples ``start .. end`` of the song changed (new stems, or cross-faded margins)."""

    def on_progress(self, job_id: int, fraction: float, elapsed_s: float, remaining_s: float) -> None:
        """``fraction`` of the song is separated; ``remaining_s`` is -1 while unknown."""

    def on_finished(self, job_id: int, seconds: float, from_cache: bool) -> None:
        """The whole song is separated."""

    def on_cancelled(self, job_id: int) -> None:
        """The job stopped before the song was complete."""

    def on_failed(self, job_id: int, message: str) -> None:
        """The job failed; ``message`` is one line for the user."""


def warm_up(separator) -> None:
    """Trace the inference function for a full chunk and a short last chunk (so the first song starts fast)."""
    chunk = int(getattr(separator, "chunk_samples", 0)) + int(getattr(separator, "overlap", 0))
    if chunk <= 0:
        return
    silence = np.zeros((chunk + chunk // 3, 2), dtype=np.float32)
    for _ in separator.separate_array(silence):
        pass


class SeparationRunner:
    """Loads the model, then separates submitted songs one job at a time (:meth:`run` is the thread's body).

    Args:
        separator_factory: builds the separator (on the runner's thread); default
            ``Separator(model_path)``.
        cache: a :class:`~soundnet_app.separation.cache.StemCache`, or ``None`` for no caching.
            Finished songs are stored in it, and so are the separated parts of a
            song whose separation stops part way. (Lookups happen when a song
            loads: :func:`~soundnet_app.engine.loading.load_song`.)
        warm_up: run a silent chunk after loading so the first song starts fast.
        model_path: the model the default factory loads; :meth:`set_model` changes it.
        listener: told what happens (default: nobody).
    """

    def __init__(self, separator_factory: Callable | None = None, cache: StemCache | None = None,
                 warm_up: bool = True, model_path: str | Path | None = None,
                 listener: SeparationEvents | None = None, mask_power: float | None = None):
        self.model_path = Path(model_path) if model_path else None
        self.mask_power = mask_power  # the vocal removal strength; None: the model's own
        self._factory = separator_factory or self._default_separator
        self._reload = False
        self.cache = cache
        self._warm_up = warm_up
        self.listener = listener or SeparationEvents()
        self._cond = threading.Condition()
        self._job: SeparationJob | None = None
        self._stopping = False
        self.separator = None
        self.model_error: str | None = None

    def _default_separator(self) -> Separator:
        return Separator(self.model_path, mask_power=self.mask_power)

    # -- any thread ----------------------------------------------------------

    def set_model(self, path: str | Path, mask_power: float | None = None) -> None:
        """Load another model (or exponent; after the chunk in progress); the current job is cancelled."""
        with self._cond:
            self.model_path = Path(path)
            self.mask_power = mask_power
            self._reload = True
            if self._job is not None:
                self._job.cancel()
            self._cond.notify_all()

    def submit(self, song: Song, start: int = 0) -> SeparationJob:
        """Separate ``song`` from ``start``; cancels the job before it."""
        job = SeparationJob(song, start)
        with self._cond:
            if self._job is not None:
                self._job.cancel()
            self._job = job
            self._cond.notify_all()
        return job

    def cancel(self) -> None:
        """Cancel the current job (between chunks)."""
        with self._cond:
            if self._job is not None:
                self._job.cancel()

    def restart_at(self, frame: int) -> None:
        """Make the running job continue from ``frame`` (after the chunk in progress)."""
        job = self._job
        if job is not None and job.active:
            job.request_restart(frame)

    def stop(self) -> None:
        """Cancel everything and make :meth:`run` return (after at most one chunk or the model load
        in progress); the caller then joins the thread."""
        with self._cond:
            self._stopping = True
            if self._job is not None:
                self._job.cancel()
            self._cond.notify_all()

    # -- the runner's thread ---------------------------------------------------

    def run(self) -> None:
        """Load the model, then run jobs as they come, until :meth:`stop`."""
        if self._stopping:
            return
        # Separation is throughput work: below the UI and the audio threads, so on a busy CPU they
        # get it first. Set before TensorFlow starts, its own threads (created from here) inherit it.
        lower_thread_priority()
        self._load_model()
        while True:
            with self._cond:
                while not self._stopping and not self._reload and (self._job is None or self._job.state != "queued"):
                    self._cond.wait()
                if self._stopping:
                    return
                reload, self._reload = self._reload, False
                job = self._job if not reload else None
                if job is not None:
                    job.state = "running"
            if reload:
                self.separator = None
                self.model_error = None
                self._load_model()
                continue
            if job.cancel_event.is_set():
                job.state = "cancelled"
                self.listener.on_cancelled(job.id)
                continue
            try:
                self._run_job(job)
            except Exception as e:
                log.exception("separation failed")
                job.state = "failed"
                self.listener.on_failed(job.id, f"Separation failed: {error_message(e)}")
            job = None  # nothing of a finished job stays referenced here

    def _load_model(self) -> None:
        self.listener.on_model_loading()
        try:
            separator = self._factory()
            if self._warm_up:
                warm_up(separator)
        except Exception as e:
            log.exception("could not load the separation model")
            self.model_error = f"Could not load the separation model: {error_message(e)}"
            self.listener.on_model_failed(self.model_error)
            return
        self.separator = separator
        self.listener.on_model_ready(str(getattr(separator, "model_version", "")))

    def _run_job(self, job: SeparationJob) -> None:
        song, events = job.song, self.listener
        job.started_at = time.monotonic()
        events.on_job_started(job.id)
        separator = self.separator
        if separator is None:
            job.state = "failed"
            events.on_failed(job.id, self.model_error or "The separation model is not available.")
            return

        key = None
        if self.cache is not None and song.content_hash:
            key = cache_key(song.content_hash, str(getattr(separator, "model_version", "")))

        n = song.n_frames
        overlap = int(getattr(separator, "overlap", 0))
        separated_here = 0
        start = job.start
        while not job.cancel_event.is_set():
            moved = job.take_restart()  # a seek that came before the first chunk
            if moved is not None:
                start = moved
            gap = song.coverage.next_gap(start)
            if gap is None:
                break
            run = GapRun.plan(song.coverage, gap, overlap)
            job.position = run.gap_start
            restart = None
            # The head ends the run (and the separator's last chunk) at run.end; read chunk by chunk.
            chunks = separator.separate_array(song.mixture.head(run.end), start=run.start, cancel=job.cancel_event)
            try:
                for chunk in chunks:
                    if job.cancel_event.is_set():
                        break
                    s, e, new = run.write(song, chunk)
                    job.position = max(run.gap_start, min(e, run.gap_end))
                    separated_here += new
                    if e > s:
                        events.on_chunk(job.id, s, e)
                    elapsed = time.monotonic() - job.started_at
                    left = n - song.coverage.separated_frames()
                    remaining = left * elapsed / separated_here if separated_here else -1.0
                    events.on_progress(job.id, song.coverage.fraction, elapsed, remaining)
                    restart = job.take_restart()
                    if restart is not None:
                        break
            finally:
                chunks.close()
            start = restart if restart is not None else job.position

        elapsed = time.monotonic() - job.started_at
        if job.cancel_event.is_set() and not song.coverage.complete:
            # Kept for the next time before anyone hears of the cancel: a song reopened right after starts there.
            if key is not None and separated_here:
                try:
                    self.cache.put(key, song.vocals.data, song.instrumental, intervals=song.coverage.intervals(),
                                   block_done=song.release)
                except Exception:
                    log.exception("could not cache the separated part")
            job.state = "cancelled"
            events.on_cancelled(job.id)
            return
        job.state = "done"
        events.on_finished(job.id, elapsed, False)
        if key is not None:
            try:
                self.cache.put(key, song.vocals.data, song.instrumental, block_done=song.release)
            except Exception:
                log.exception("could not cache the stems")
