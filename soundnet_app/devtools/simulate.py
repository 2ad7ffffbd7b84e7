"""Stand-ins for what a desktop session does, for the dev tools and tests: a sound card's callback,
a file dropped from a file manager, waiting on the Qt event loop, the process's memory."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QEventLoop, QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.memory import rss_mb  # noqa: F401 - the benchmarks import it from here too
from soundnet_app.engine.mixer import PlaybackMixer
from soundnet_app.engine.song import Song


class FakeAudioThread(threading.Thread):
    """Calls ``mixer.fill`` on a 1024-frame period, as a sound card would.

    Like :class:`~soundnet_app.engine.output.AudioOutput`, it starts the mixer's render-ahead
    worker first (and stops it at the end): ``fill`` is then what the real
    callback runs. ``underruns`` counts the calls the worker left short.
    """

    def __init__(self, mixer, frames: int = 1024):
        super().__init__(daemon=True)
        self.mixer = mixer
        self.period = frames / mixer.sample_rate
        self.buffer = np.zeros((frames, 2), dtype=np.float32)
        self.stop_event = threading.Event()
        self.durations: list[float] = []
        self.late = 0

    @property
    def underruns(self) -> int:
        ahead = self.mixer._ahead
        return ahead.underruns if ahead is not None else 0

    def run(self) -> None:
        self.mixer.start_ahead()
        deadline = time.perf_counter()
        while not self.stop_event.is_set():
            now = time.perf_counter()
            if now - deadline > self.period:
                self.late += 1
                deadline = now
            t = time.perf_counter()
            self.mixer.fill(self.buffer)
            self.durations.append(time.perf_counter() - t)
            deadline += self.period
            delay = deadline - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        self.final_underruns = self.underruns
        self.mixer.stop_ahead()


def measure_key_change_latency(frames: int = 1024) -> float:
    """Milliseconds from a key change (+0 -> +3) to the new pitch in the output; see the module doc."""
    rate = SAMPLE_RATE
    t = np.arange(4 * rate) / rate
    x = (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    song = Song("tone.wav", np.stack([x, x], 1))
    mixer = PlaybackMixer()
    mixer.set_song(song)
    mixer.set_shift(0, 0.9)
    mixer.play()
    blocks = [np.zeros((frames, 2), np.float32) for _ in range(int(2.5 * rate) // frames)]
    change = len(blocks) // 2
    # In real time, through the render-ahead ring, as a sound card plays it.
    mixer.start_ahead()
    period = frames / rate
    deadline = time.perf_counter()
    for i, block in enumerate(blocks):
        if i == change:
            mixer.set_shift(3, 0.9)
        mixer.fill(block)
        deadline += period
        delay = deadline - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    mixer.stop_ahead()
    out = np.concatenate(blocks[change:])[:, 0]
    target = 440.0 * 2 ** (3 / 12)
    hop = rate // 100
    for k in range(0, out.size - 4 * hop, hop // 4):
        seg = out[k : k + 4 * hop]  # 40 ms window: zero crossings give the frequency to ~1 %
        crossings = np.flatnonzero((seg[:-1] < 0) & (seg[1:] >= 0))
        if crossings.size >= 3:
            f = (crossings.size - 1) * rate / (crossings[-1] - crossings[0])
            if abs(f - target) / target < 0.01:
                return round((k + 4 * hop + frames) / rate * 1000, 1)
    return float("inf")


def wait_until(condition, timeout_s: float) -> bool:
    """Spin the Qt event loop (never sleeping in it) until ``condition()`` or the timeout."""
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(lambda: condition() and loop.quit())
    give_up = QTimer()
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    poll.start()
    give_up.start(int(timeout_s * 1000))
    loop.exec()
    poll.stop()
    give_up.stop()
    return condition()


def drop_files(widget: QWidget, paths: Iterable[str | os.PathLike[str]]) -> None:
    """Send ``widget`` the drag-enter and drop events of files dragged from a file manager."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = widget.rect().center()
    # QDragEnterEvent takes an integer QPoint, QDropEvent a QPointF.
    enter = QDragEnterEvent(center, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)


