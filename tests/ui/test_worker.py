"""SeparationWorker with the real model: seeking mid-separation leaves no seams."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from soundnet_app.devtools.synth import synthetic_song
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.song import Song
from soundnet_app.system import BACKGROUND_NICE, lower_thread_priority
from soundnet_app.ui.worker import SeparationWorker


class SeekingSeparator:
    """The real separator; records each run, and seeks once while the first chunk is out."""

    def __init__(self, inner, seek_to: int):
        self.inner = inner
        self.seek_to = seek_to
        self.worker: SeparationWorker | None = None
        self.runs: list[tuple[int, int]] = []  # (first sample, end) of each separator pass

    def __getattr__(self, name):  # chunk_samples, overlap, model_version
        return getattr(self.inner, name)

    def separate_array(self, audio, start=0, cancel=None):
        self.runs.append((start, start))
        for chunk in self.inner.separate_array(audio, start=start, cancel=cancel):
            self.runs[-1] = (start, chunk.end)
            if self.seek_to is not None:  # the user clicks far ahead while chunk 1 is written
                self.worker.restart_at(self.seek_to)
                self.seek_to = None
            yield chunk


def test_seek_while_separating_leaves_no_seams(qtbot, separator):
    mixture = synthetic_song(32.0, seed=11)
    song = Song("seams.wav", mixture)
    seek_to = 20 * SAMPLE_RATE // song.coverage.block * song.coverage.block
    seeking = SeekingSeparator(separator, seek_to)
    worker = SeparationWorker(lambda: seeking, cache=None, warm_up=False)
    seeking.worker = worker
    with qtbot.waitSignal(worker.modelReady, timeout=30000):
        worker.start()
    try:
        with qtbot.waitSignal(worker.jobFinished, timeout=300000):
            job = worker.submit(song, 0)
    finally:
        worker.stop()
    assert job.state == "done" and song.coverage.complete

    # Three passes: from the start (cut short by the seek), from the seek to the end,
    # then the gap between them.
    assert len(seeking.runs) == 3, seeking.runs
    first_end = seeking.runs[0][1]
    assert seeking.runs[1][0] == seek_to and first_end < seek_to
    gap_run = seeking.runs[2]
    assert gap_run[0] <= first_end and gap_run[1] >= seek_to
    # The gap run cross-fades over at most `overlap` samples on either side.
    assert first_end - gap_run[0] <= separator.overlap and gap_run[1] - seek_to <= separator.overlap

    # The stems still add up to the mixture everywhere.
    np.testing.assert_allclose(song.vocals + song.instrumental, song.mixture, atol=1e-6, rtol=0)

    # No step where two estimates meet, around every place a pass started or stopped
    # (and the gap's edges). Audio is smooth from sample to sample; a step is not: in
    # the third difference it stands out from the music around it (the fix's predecessor
    # left steps 8 and 19 times the local level; music alone stays under about 2).
    jerk = np.abs(np.diff(song.vocals, n=3, axis=0)).max(axis=1)
    edges = {first_end, seek_to} | {b for run in seeking.runs for b in run}
    for b in sorted(b for b in edges if 0 < b < song.n_frames):
        at = jerk[b - 4 : b + 4].max()
        around = np.percentile(np.concatenate([jerk[b - 2048 : b - 8], jerk[b + 8 : b + 2048]]), 99)
        assert at <= 3 * around, f"a step at sample {b}: {at:.5f} against {around:.5f} around it"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_background_priority_lowers_only_the_calling_thread():
    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    seen = {}

    def background():
        tid = threading.get_native_id()
        start = os.getpriority(os.PRIO_PROCESS, tid)
        lower_thread_priority()
        seen["delta"] = os.getpriority(os.PRIO_PROCESS, tid) - start
        seen["start"] = start

    t = threading.Thread(target=background)
    t.start()
    t.join()
    assert seen["delta"] == min(BACKGROUND_NICE, 19 - seen["start"]) > 0
    assert os.getpriority(os.PRIO_PROCESS, me) == before  # the UI thread keeps its priority
