"""Thin QThreads over the engine's background work: each turns plain callbacks into Qt signals.

:class:`SeparationWorker` runs a :class:`~soundnet_app.engine.jobs.SeparationRunner`
(model loading, the separation jobs and their gap-filling loop) on one
long-lived thread and emits a signal per runner event. :class:`TaskThread`
runs any other callable (loading a file, exporting) off the UI thread with
progress and result signals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from soundnet_app.engine.jobs import SeparationEvents, SeparationJob, SeparationRunner
from soundnet_app.engine.song import Song
from soundnet_app.separation.cache import StemCache


class TaskThread(QThread):
    """Runs ``fn(progress, cancel)`` in a thread.

    ``progress`` is a callable taking a 0..1 fraction (emitted at most every
    ``min_interval`` seconds, plus the final 1.0); ``cancel`` is a
    :class:`threading.Event` set by :meth:`cancel`.
    """

    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    progressed = Signal(float)

    def __init__(self, fn: Callable, parent=None, min_interval: float = 0.05):
        super().__init__(parent)
        self._fn = fn
        self.cancel_event = threading.Event()
        self._min_interval = min_interval
        self._last = 0.0

    def cancel(self) -> None:
        self.cancel_event.set()

    def _progress(self, fraction: float) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last >= self._min_interval:
            self._last = now
            self.progressed.emit(float(fraction))

    def run(self) -> None:
        fn, self._fn = self._fn, None  # the closure may hold a song: let it go with the run
        try:
            result = fn(self._progress, self.cancel_event)
        except BaseException as e:  # reported to the UI, never raised in the thread
            self.failed.emit(e)
        else:
            self.succeeded.emit(result)
        del fn


class _Relay(SeparationEvents):
    """The runner's events as the worker's signals (emitted on the worker's thread, queued to the UI)."""

    def __init__(self, worker: SeparationWorker):
        self.w = worker

    def on_model_loading(self) -> None:
        self.w.modelLoading.emit()

    def on_model_ready(self, version: str) -> None:
        self.w.modelReady.emit(version)

    def on_model_failed(self, message: str) -> None:
        self.w.modelFailed.emit(message)

    def on_job_started(self, job_id: int) -> None:
        self.w.jobStarted.emit(job_id)

    def on_chunk(self, job_id: int, start: int, end: int) -> None:
        self.w.chunkReady.emit(job_id, start, end)

    def on_progress(self, job_id: int, fraction: float, elapsed_s: float, remaining_s: float) -> None:
        self.w.progress.emit(job_id, fraction, elapsed_s, remaining_s)

    def on_finished(self, job_id: int, seconds: float, from_cache: bool) -> None:
        self.w.jobFinished.emit(job_id, seconds, int(from_cache))

    def on_cancelled(self, job_id: int) -> None:
        self.w.jobCancelled.emit(job_id)

    def on_failed(self, job_id: int, message: str) -> None:
        self.w.jobFailed.emit(job_id, message)


class SeparationWorker(QThread):
    """Loads the model, then separates submitted songs one job at a time: a
    :class:`~soundnet_app.engine.jobs.SeparationRunner` on a QThread.

    The arguments are the runner's (``separator_factory``, ``cache``,
    ``warm_up``, ``model_path``); the UI-thread API below hands each call to it.
    """

    modelLoading = Signal()
    modelReady = Signal(str)  # model version
    modelFailed = Signal(str)  # message
    jobStarted = Signal(int)
    chunkReady = Signal(int, int, int)  # job id, start, end
    progress = Signal(int, float, float, float)  # job id, fraction done, elapsed s, remaining s (-1: unknown)
    # job id, seconds, 1 if served from the cache. Not a bool: PySide6 6.12 drops a
    # reference to True/False on every emit of a bool through a Python-defined signal.
    jobFinished = Signal(int, float, int)
    jobCancelled = Signal(int)
    jobFailed = Signal(int, str)

    def __init__(self, separator_factory: Callable | None = None, cache: StemCache | None = None,
                 warm_up: bool = True, parent=None, model_path: str | Path | None = None,
                 mask_power: float | None = None):
        super().__init__(parent)
        self.runner = SeparationRunner(separator_factory, cache, warm_up, model_path, listener=_Relay(self),
                                       mask_power=mask_power)

    def set_model(self, path: str | Path, mask_power: float | None = None) -> None:
        """Load another model or exponent (after the chunk in progress); the current job is cancelled."""
        self.runner.set_model(path, mask_power)

    def submit(self, song: Song, start: int = 0) -> SeparationJob:
        """Separate ``song`` from ``start``; cancels the job before it."""
        return self.runner.submit(song, start)

    def cancel(self) -> None:
        """Cancel the current job (between chunks)."""
        self.runner.cancel()

    def restart_at(self, frame: int) -> None:
        """Make the running job continue from ``frame`` (after the chunk in progress)."""
        self.runner.restart_at(frame)

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Cancel everything and end the thread; ``True`` if it ended in time.

        By default this waits until the thread has ended (at most one chunk, or
        the model load in progress): a :class:`QThread` destroyed while it
        runs aborts the process.
        """
        self.runner.stop()
        return self.wait() if timeout_ms is None else self.wait(timeout_ms)

    def run(self) -> None:
        self.runner.run()
