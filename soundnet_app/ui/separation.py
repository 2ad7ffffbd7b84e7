"""The window's separation: the worker thread, the current job, the model's state and what they show.

:class:`SeparationControl` belongs to the main window. It runs the
:class:`~soundnet_app.ui.threads.SeparationWorker` (the bundled model on a
QThread), submits a job for every song opened that is not fully separated,
follows a seek into a part not separated yet, and reports through the
:class:`~soundnet_app.ui.panels.host.PanelHost` contract: the progress row,
the banner, the status bar and the host's events (chunk separated,
separation finished, model ready), which the panels follow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.jobs import SeparationJob
from soundnet_app.engine.song import Song
from soundnet_app.separation.cache import StemCache
from soundnet_app.separation.catalog import model_info
from soundnet_app.separation.removal import mask_power_for
from soundnet_app.system import release_memory
from soundnet_app.ui.panels.host import PanelHost
from soundnet_app.ui.threads import SeparationWorker
from soundnet_app.ui.waveform import format_time

LOOKAHEAD_S = 8.0  # a seek this far past the worker's position waits for it instead of restarting it


class SeparationControl(QObject):
    """Separates the host's song in the background and keeps the user informed.

    Args:
        host: the main window.
        separator_factory: builds the separator in the worker thread (default: the model file).
        cache: where separated stems are stored (``None``: nowhere).
        warm_up: run a silent chunk after loading the model.
        model_path: the separation model.
    """

    changed = Signal()  # the song's separated parts changed: redraw the waveforms
    aheadProgress = Signal(int, float, float, float)  # a song separated ahead: job id, fraction, elapsed, remaining
    aheadEnded = Signal(int, str)  # job id, "done", "cancelled" or "failed: <message>"

    def __init__(self, host: PanelHost, separator_factory: Callable[[], object] | None,
                 cache: StemCache | None, warm_up: bool, model_path: Path):
        super().__init__()
        self.host = host
        self.model_path = model_path
        self.mask_power = mask_power_for(host.settings.removal_step, model_path)  # None: the model's own
        self.worker = SeparationWorker(separator_factory, cache=cache, warm_up=warm_up, model_path=model_path,
                                       mask_power=self.mask_power)
        self.job: SeparationJob | None = None
        self.ahead_job: SeparationJob | None = None  # a queued song's, below the current song's in priority
        self.model_state = "loading"  # "ready", "failed"
        self._problems_shown: tuple | None = None  # (model path, problems) last shown in the banner
        self.model_label = QLabel("Loading the separation model…")
        self.model_label.setObjectName("dim")
        w = self.worker
        w.modelReady.connect(self._model_ready)
        w.modelFailed.connect(self._model_failed)
        w.jobStarted.connect(self._job_started)
        w.chunkReady.connect(self._chunk_ready)
        w.progress.connect(self._job_progress)
        w.jobFinished.connect(self._job_finished)
        w.jobCancelled.connect(self._job_cancelled)
        w.jobFailed.connect(self._job_failed)
        w.progress.connect(self._ahead_progress)
        w.jobFinished.connect(lambda job_id, *_: self._ahead_ended(job_id, "done"))
        w.jobCancelled.connect(lambda job_id: self._ahead_ended(job_id, "cancelled"))
        w.jobFailed.connect(lambda job_id, message: self._ahead_ended(job_id, f"failed: {message}"))

    @property
    def separating(self) -> bool:
        return self.job is not None and self.job.active

    def start_worker(self) -> None:
        """Start the worker thread (loads TensorFlow and the model) unless it runs or ran."""
        if not (self.worker.isRunning() or self.worker.isFinished()):
            self.worker.start()

    # -- songs --------------------------------------------------------------

    def song_opened(self, song: Song) -> None:
        """Forget the previous song's job; separate what the cache did not hold of ``song``."""
        if self.job is not None:
            self.worker.cancel()
        self.job = None
        if song.coverage.complete:
            self.host.hide_progress()
            self.host.show_status(f"Opened {song.path.name} with its separated stems from the cache", 6000)
            return
        self.host.show_status(f"Opened {song.path.name}", 4000)
        block = song.coverage.block  # from where the song will play (it remembers where it was left)
        self.job = self.worker.submit(song, start=min(self.host.playback.position, song.n_frames - 1) // block * block)
        fraction = song.coverage.fraction
        what = "Separating…" if self.model_state == "ready" else "Loading the model…"
        self.host.show_progress(f"{what} {round(fraction * 100)} % kept from before" if fraction else what, fraction)

    def separate_ahead(self, song: Song) -> SeparationJob | None:
        """Separate a song that is not open (the queue's next) while the worker has nothing else to do.

        ``None`` while the open song is still separating or the model failed. The open song's
        own job (opening, seeking, resuming) replaces this one at once; its parts done stay cached.
        """
        if self.separating or self.model_state == "failed":
            return None
        self.start_worker()
        self.ahead_job = self.worker.submit(song, start=0)
        return self.ahead_job

    def cancel_ahead(self) -> None:
        job = self.ahead_job
        if job is not None and job.active and not self.separating:
            self.worker.cancel()

    def _ahead_progress(self, job_id: int, fraction: float, elapsed: float, remaining: float) -> None:
        if self.ahead_job is not None and self.ahead_job.id == job_id:
            self.aheadProgress.emit(job_id, fraction, elapsed, remaining)

    def _ahead_ended(self, job_id: int, how: str) -> None:
        if self.ahead_job is not None and self.ahead_job.id == job_id:
            self.ahead_job = None
            self.aheadEnded.emit(job_id, how)

    def seeked(self, song: Song, frame: int) -> None:
        """The player jumped to ``frame``: a part not separated yet moves the worker there."""
        job = self.job
        if job is None or not job.active or frame >= song.n_frames or song.coverage.is_separated(frame):
            return
        ahead = frame - job.position
        if job.state == "running" and 0 <= ahead <= LOOKAHEAD_S * SAMPLE_RATE:
            return  # the chunk in progress gets there soon
        block = song.coverage.block
        self.worker.restart_at(frame // block * block)

    def cancel(self) -> bool:
        """Stop separating the current song; ``False`` if it was not separating."""
        if not self.separating:
            return False
        self.worker.cancel()
        return True

    def resume(self, song: Song | None, start: int) -> None:
        """Separate the rest of ``song`` from ``start`` on (after a cancel)."""
        if song is None or song.coverage.complete or self.model_state == "failed":
            return
        self.job = self.worker.submit(song, start=start)
        self.host.show_progress("Separating…", song.coverage.fraction)
        self.host.refresh_controls()

    def set_model(self, path: Path) -> None:
        """Separate with another model, or removal strength, from now on (the worker reloads it)."""
        self.model_path = path
        self.mask_power = mask_power_for(self.host.settings.removal_step, path)
        self.model_state = "loading"
        self.model_label.setText(f"Loading {model_info(path).name}…")
        self.worker.set_model(path, self.mask_power)

    def shutdown(self) -> None:
        """No time limit: a QThread destroyed while it runs aborts the process; the worker
        ends after its chunk in progress."""
        self.worker.stop()

    # -- the worker's signals ----------------------------------------------------

    def _model_ready(self, version: str) -> None:
        self.model_state = "ready"
        info = model_info(self.model_path)
        self.model_label.setText("Separation model ready")
        self.model_label.setToolTip(f"{info.name}, version {version}")
        if info.problems and (info.path, info.problems) != self._problems_shown:
            # A damaged sidecar: the model runs with defaults (said once per model, not at every reload).
            self._problems_shown = (info.path, info.problems)
            self.host.show_banner(f"{info.name}: {' '.join(info.problems)}", "warning")
        if self.separating:
            song = self.host.song
            self.host.show_progress("Separating…", song.coverage.fraction if song else 0.0)
        self.host.events.modelReady.emit(version)
        threading.Thread(target=release_memory, daemon=True).start()  # the warm-up's buffers back to the system

    def _model_failed(self, message: str) -> None:
        self.model_state = "failed"
        self.model_label.setText("Separation model unavailable")
        self.host.show_banner(f"{message} You can still play the original song.", "error")
        self.host.hide_progress()

    def _is_current(self, job_id: int) -> bool:
        return self.job is not None and self.job.id == job_id

    def _job_started(self, job_id: int) -> None:
        if self._is_current(job_id):
            song = self.host.song
            self.host.show_progress("Separating…", song.coverage.fraction if song else 0.0)

    def _chunk_ready(self, job_id: int, start: int, end: int) -> None:
        if self._is_current(job_id):
            self.changed.emit()
            self.host.events.chunkSeparated.emit(job_id, start, end)

    def _job_progress(self, job_id: int, fraction: float, elapsed: float, remaining: float) -> None:
        if not self._is_current(job_id):
            return
        eta = f"{format_time(elapsed)} elapsed"
        if remaining >= 0:
            eta += f" · about {format_time(remaining + 0.5)} left"
        self.host.show_progress(f"Separating… {round(fraction * 100)} %", fraction, eta)

    def _job_finished(self, job_id: int, seconds: float, from_cache: int) -> None:
        if not self._is_current(job_id):
            return
        self.changed.emit()
        self.host.hide_progress()
        if from_cache:
            self.host.show_status("Loaded the separated stems from the cache", 6000)
        else:
            self.host.show_status(f"Separated in {seconds:.1f} s", 6000)
        self.host.events.separationFinished.emit(job_id, seconds, from_cache)
        self.host.refresh_controls()
        threading.Thread(target=release_memory, daemon=True).start()  # TensorFlow's chunk buffers back


    def _job_cancelled(self, job_id: int) -> None:
        if not self._is_current(job_id):
            return
        self.changed.emit()
        song = self.host.song
        fraction = song.coverage.fraction if song else 0.0
        self.host.show_progress(f"Separation stopped at {round(fraction * 100)} %", fraction,
                                "unseparated parts play the original", resumable=True)
        self.host.refresh_controls()

    def _job_failed(self, job_id: int, message: str) -> None:
        if not self._is_current(job_id):
            return
        self.host.hide_progress()
        self.host.show_banner(message, "error")
        self.host.refresh_controls()
