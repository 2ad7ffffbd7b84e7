"""The QThreads over the engine: SeparationWorker's signals, TaskThread's results (the real model).

The separation logic itself (gap order, seeks without seams, cancel, the cache) is tested
without Qt in tests/engine/test_jobs.py; here, that each event arrives as its signal.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from soundnet_app.devtools.synth import synthetic_song
from soundnet_app.engine.song import Song
from soundnet_app.ui.threads import SeparationWorker, TaskThread


@pytest.fixture
def worker(qtbot, separator):
    worker = SeparationWorker(lambda: separator, cache=None, warm_up=False)
    with qtbot.waitSignal(worker.modelReady, timeout=30000) as ready:
        worker.start()
    assert ready.args == [separator.model_version]
    yield worker
    assert worker.stop()


def test_separation_events_arrive_as_signals(qtbot, worker):
    song = Song("signals.wav", synthetic_song(12.0, seed=2))
    started, chunks, progress = [], [], []
    worker.jobStarted.connect(started.append)
    worker.chunkReady.connect(lambda *args: chunks.append(args))
    worker.progress.connect(lambda *args: progress.append(args))
    with qtbot.waitSignal(worker.jobFinished, timeout=300000) as finished:
        job = worker.submit(song, 0)
    job_id, seconds, from_cache = finished.args
    assert job_id == job.id and seconds > 0 and from_cache == 0 and job.state == "done"
    assert started == [job.id] and chunks[0][:2] == (job.id, 0) and chunks[-1][2] == song.n_frames
    assert progress[-1][:2] == (job.id, 1.0) and song.coverage.complete


def test_cancel_and_restart_reach_the_job(qtbot, worker):
    song = Song("cancel.wav", synthetic_song(30.0, seed=3))
    moved_to = 20 * 44100 // song.coverage.block * song.coverage.block
    chunks = []

    def on_chunk(job_id, start, end):
        chunks.append(start)
        if len(chunks) == 1:
            worker.restart_at(moved_to)  # the next pass starts there...
        elif len(chunks) == 2:
            worker.cancel()  # ...and is the last one

    worker.chunkReady.connect(on_chunk, Qt.DirectConnection)  # on the worker's thread, between chunks
    with qtbot.waitSignal(worker.jobCancelled, timeout=300000) as cancelled:
        job = worker.submit(song, 0)
    assert cancelled.args == [job.id] and job.state == "cancelled" and chunks[:2] == [0, moved_to]


def test_a_model_failure_arrives_as_signals(qtbot):
    def broken():
        raise RuntimeError("model file is damaged")

    worker = SeparationWorker(broken, cache=None, warm_up=False)
    with qtbot.waitSignal(worker.modelFailed, timeout=30000) as failed:
        worker.start()
    try:
        assert failed.args == ["Could not load the separation model: RuntimeError: model file is damaged"]
        with qtbot.waitSignal(worker.jobFailed, timeout=30000) as job_failed:
            job = worker.submit(Song("x.wav", synthetic_song(1.0)), 0)
        assert job_failed.args == [job.id, failed.args[0]]
    finally:
        assert worker.stop()


def test_task_thread_reports_progress_then_the_result_or_the_error(qtbot):
    def work(progress, cancel):
        progress(0.5)
        progress(1.0)
        return "done"

    task = TaskThread(work, min_interval=0.0)
    fractions = []
    task.progressed.connect(fractions.append)
    with qtbot.waitSignal(task.succeeded, timeout=10000) as result:
        task.start()
    task.wait()
    assert result.args == ["done"] and fractions == [0.5, 1.0]

    def cancelled(progress, cancel: threading.Event):
        assert cancel.is_set()
        raise KeyboardInterrupt  # a BaseException: reported, not raised in the thread

    task = TaskThread(cancelled)
    task.cancel()
    with qtbot.waitSignal(task.failed, timeout=10000) as failure:
        task.start()
    task.wait()
    assert isinstance(failure.args[0], KeyboardInterrupt)
