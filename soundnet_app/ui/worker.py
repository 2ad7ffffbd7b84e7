"""Background threads: song loading, separation, export.

:class:`SeparationWorker` is one long-lived :class:`QThread`. It imports
TensorFlow and loads the model first (the window is already up), then runs
one :class:`SeparationJob` at a time, chunk by chunk. Chunks are copied
straight into the song's preallocated arrays (:meth:`Song.write_chunk`), so
the signals carry only ``(job id, start, end)``. A job separates from where
it was started (normally the playhead) to the end, then fills the gaps
before it; :meth:`SeparationWorker.restart_at` moves it (a seek into an
unseparated part) and a new :meth:`SeparationWorker.submit` cancels the old
job. Cancellation is checked between chunks. A finished song goes into the
:class:`~soundnet_app.separation.cache.StemCache`, and a cached song is served from it
without running the model.

A gap next to parts already separated is filled by a run that starts up to
``overlap`` samples before the gap and stops up to ``overlap`` samples after
it (see :class:`GapRun`): new vocals alone are written only inside the gap,
and over those two margins they are cross-faded linearly with the vocals
already there, so two independent estimates never meet with a step.

:class:`TaskThread` runs any other callable (loading a file, exporting) off
the UI thread with progress and result signals.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from PySide6.QtCore import QThread, Signal

from soundnet_app.system import lower_thread_priority
from soundnet_app.engine.song import Coverage, Song

if TYPE_CHECKING:
    from soundnet_app.audio.probe import AudioInfo
    from soundnet_app.separation.cache import StemCache
    from soundnet_app.separation.separator import SeparatedChunk

log = logging.getLogger(__name__)


def error_message(exc: BaseException) -> str:
    """One line for the user: the core's errors already are; others get their type."""
    from soundnet_app.audio.errors import AudioError

    if isinstance(exc, AudioError):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


MAX_SONG_MINUTES = 60  # the app keeps mixture + stems in memory: ~1 GB per 16 minutes


def _refuse_long_songs(info: AudioInfo) -> None:
    from soundnet_app.audio.errors import AudioReadError

    if info.duration_s > MAX_SONG_MINUTES * 60:
        raise AudioReadError(
            info.path, f"is {info.duration_s / 60:.0f} minutes long; the app takes songs up to "
            f"{MAX_SONG_MINUTES} minutes (soundnet-separate handles longer files)")


class TruncatedFile(Exception):
    """The file stops early (truncated or damaged); ``seconds`` of it decode."""

    def __init__(self, path: Path, message: str, seconds: float):
        super().__init__(message)
        self.path = path
        self.seconds = seconds


def _decode_readable_part(path: Path):
    """Decode ``path`` up to where it breaks: ``(audio, info, error or None)``."""
    from soundnet_app.audio.decode import stream_audio
    from soundnet_app.audio.errors import AudioReadError
    from soundnet_app.audio.probe import probe

    info = probe(path)
    _refuse_long_songs(info)
    blocks, error = [], None
    try:
        for block in stream_audio(path):
            blocks.append(block)
    except AudioReadError as e:
        error = e
    audio = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
    return np.ascontiguousarray(audio), info, error


def _is_truncation(exc: BaseException) -> bool:
    text = str(exc)
    return "truncated" in text or "damaged audio data" in text or "audio stops at" in text


def load_song(path: str | Path, hash_content: bool = True, cache: StemCache | None = None,
              model_version: str | Callable[[], str] = "", allow_truncated: bool = False) -> Song:
    """Read a file and compute the mixture waveform (run off the UI thread).

    The length is checked from the header before anything is decoded. With
    ``hash_content`` the file's bytes are hashed too (the stem cache's key);
    without a cache that read is skipped and ``Song.content_hash`` is ``""``.
    With a ``cache`` and the ``model_version`` that will separate the song
    (:func:`~soundnet_app.separation.catalog.model_version`, no TensorFlow needed), the
    stems are looked up here, so a cached song is complete before any model
    has loaded; a partly separated song gets the parts it had.

    A file that breaks off part way raises :class:`TruncatedFile` (saying how
    much decodes); ``allow_truncated`` opens that part instead.
    """
    from concurrent.futures import ThreadPoolExecutor

    from soundnet_app.audio.decode import read_audio
    from soundnet_app.audio.errors import AudioReadError

    path = Path(path)
    with ThreadPoolExecutor(1) as pool:  # hashing releases the GIL: it overlaps the decoding
        version = pool.submit(model_version) if callable(model_version) else None
        song = _load(path, hash_content, allow_truncated, AudioReadError, read_audio)
        model_version = version.result() if version is not None else model_version
    if cache is not None and song.content_hash and model_version:
        from soundnet_app.separation.cache import cache_key

        hit = cache.lookup(cache_key(song.content_hash, model_version), song.mixture)
        if hit is not None:
            song.restore(hit.vocals, hit.instrumental, hit.intervals)
            song.cached = song.coverage.complete
    return song


def _load(path: Path, hash_content: bool, allow_truncated: bool, AudioReadError, read_audio) -> Song:
    if allow_truncated:
        audio, info, error = _decode_readable_part(path)
        if error is not None and audio.shape[0] == 0:
            raise error
    else:
        try:
            audio, info = read_audio(path, check=_refuse_long_songs)
        except AudioReadError as e:
            if not _is_truncation(e):
                raise
            audio, info, error = _decode_readable_part(path)
            seconds = audio.shape[0] / 44100
            if audio.shape[0] == 0:
                raise
            raise TruncatedFile(path, str(e), seconds) from e
    if audio.ndim != 2 or audio.shape[0] == 0:
        raise AudioReadError(path, "contains no audio")
    content_hash = ""
    if hash_content:
        from soundnet_app.separation.cache import file_hash

        content_hash = file_hash(path)
    return Song(path, audio, info, content_hash=content_hash)


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


_versions: dict[tuple[str, int, int], str] = {}
_versions_lock = threading.Lock()


def model_version_of(path: str | Path) -> str:
    """:func:`~soundnet_app.separation.catalog.model_version` of a model file, remembered per file state.

    No TensorFlow: the stem cache can be looked up before the model loads.
    ``""`` when the file cannot be read.
    """
    from soundnet_app.separation.catalog import model_version

    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return ""
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _versions_lock:
        if key in _versions:
            return _versions[key]
    try:
        version = model_version(path)
    except OSError:
        return ""
    with _versions_lock:
        _versions[key] = version
    return version


class SeparationWorker(QThread):
    """Loads the model, then separates submitted songs one job at a time.

    Args:
        separator_factory: builds the separator (in this thread); default
            ``Separator(model_path)``.
        cache: a :class:`~soundnet_app.separation.cache.StemCache`, or ``None`` for no caching.
            Finished songs are stored in it, and so are the separated parts of a
            song whose separation stops part way. (Lookups happen when a song
            loads: :func:`load_song`.)
        warm_up: run a silent chunk after loading so the first song starts fast.
        model_path: the model the default factory loads; :meth:`set_model` changes it.
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
                 warm_up: bool = True, parent=None, model_path: str | Path | None = None):
        super().__init__(parent)
        self.model_path = Path(model_path) if model_path else None
        self._factory = separator_factory or self._default_separator
        self._reload = False
        self.cache = cache
        self._warm_up = warm_up
        self._cond = threading.Condition()
        self._job: SeparationJob | None = None
        self._stopping = False
        self.separator = None
        self.model_error: str | None = None

    def _default_separator(self):
        from soundnet_app.separation.separator import Separator

        return Separator(self.model_path)

    # -- UI-thread API -------------------------------------------------------

    def set_model(self, path: str | Path) -> None:
        """Load another model (after the chunk in progress); the current job is cancelled."""
        with self._cond:
            self.model_path = Path(path)
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

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Cancel everything and end the thread; ``True`` if it ended in time.

        By default this waits until the thread has ended (at most one chunk, or
        the model load in progress): a :class:`QThread` destroyed while it
        runs aborts the process.
        """
        with self._cond:
            self._stopping = True
            if self._job is not None:
                self._job.cancel()
            self._cond.notify_all()
        return self.wait() if timeout_ms is None else self.wait(timeout_ms)

    # -- the thread ------------------------------------------------------------

    def run(self) -> None:
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
                self.jobCancelled.emit(job.id)
                continue
            try:
                self._run_job(job)
            except Exception as e:
                log.exception("separation failed")
                job.state = "failed"
                self.jobFailed.emit(job.id, f"Separation failed: {error_message(e)}")
            job = None  # nothing of a finished job stays referenced here

    def _load_model(self) -> None:
        self.modelLoading.emit()
        try:
            separator = self._factory()
            if self._warm_up:
                self._warm(separator)
        except Exception as e:
            log.exception("could not load the separation model")
            self.model_error = f"Could not load the separation model: {error_message(e)}"
            self.modelFailed.emit(self.model_error)
            return
        self.separator = separator
        self.modelReady.emit(str(getattr(separator, "model_version", "")))

    @staticmethod
    def _warm(separator) -> None:
        """Trace the inference function for a full chunk and a short last chunk."""
        chunk = int(getattr(separator, "chunk_samples", 0)) + int(getattr(separator, "overlap", 0))
        if chunk <= 0:
            return
        silence = np.zeros((chunk + chunk // 3, 2), dtype=np.float32)
        for _ in separator.separate_array(silence):
            pass

    def _run_job(self, job: SeparationJob) -> None:
        song = job.song
        job.started_at = time.monotonic()
        self.jobStarted.emit(job.id)
        separator = self.separator
        if separator is None:
            job.state = "failed"
            self.jobFailed.emit(job.id, self.model_error or "The separation model is not available.")
            return

        key = None
        if self.cache is not None and song.content_hash:
            from soundnet_app.separation.cache import cache_key

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
            # The slice ends the run (and the separator's last chunk) at run.end.
            chunks = separator.separate_array(song.mixture[: run.end], start=run.start, cancel=job.cancel_event)
            try:
                for chunk in chunks:
                    if job.cancel_event.is_set():
                        break
                    s, e, new = run.write(song, chunk)
                    job.position = max(run.gap_start, min(e, run.gap_end))
                    separated_here += new
                    if e > s:
                        self.chunkReady.emit(job.id, s, e)
                    elapsed = time.monotonic() - job.started_at
                    left = n - song.coverage.separated_frames()
                    remaining = left * elapsed / separated_here if separated_here else -1.0
                    self.progress.emit(job.id, song.coverage.fraction, elapsed, remaining)
                    restart = job.take_restart()
                    if restart is not None:
                        break
            finally:
                chunks.close()
            start = restart if restart is not None else job.position

        elapsed = time.monotonic() - job.started_at
        if job.cancel_event.is_set() and not song.coverage.complete:
            job.state = "cancelled"
            self.jobCancelled.emit(job.id)
            if key is not None and separated_here:  # keep what was done for the next time
                try:
                    self.cache.put(key, song.vocals, song.instrumental, intervals=song.coverage.intervals())
                except Exception:
                    log.exception("could not cache the separated part")
            return
        job.state = "done"
        self.jobFinished.emit(job.id, elapsed, 0)
        if key is not None:
            try:
                self.cache.put(key, song.vocals, song.instrumental)
            except Exception:
                log.exception("could not cache the stems")
