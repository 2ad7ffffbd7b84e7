"""The render-ahead ring: the mixer renders on a worker thread, the audio callback only copies.

Why: the separation, pitch and microphone threads share the GIL with the
audio callback on a 2-core machine; every NumPy or Rubber Band call that
releases the GIL is a chance to wait a whole switch interval to get it back
(measured: ~11 ms per callback with one busy Python thread). So with a sound
card (:meth:`~soundnet_app.engine.mixer.PlaybackMixer.start_ahead`, called by
:class:`~soundnet_app.engine.output.AudioOutput`) all rendering moves to a
worker thread that keeps a :class:`RenderAhead` ring :data:`AHEAD_MS` ahead of
the callback, and the callback only copies from the ring. The copy is a
``memoryview`` slice assignment, which never releases the GIL. A change (key,
tempo, A/B, seek) reaches the speaker at most :data:`AHEAD_MS` later than
without the ring.

On a busy machine the worker can be kept off the CPU for longer than that
(measured: 10-100 ms at a load of 5-10): then the ring grows. After an underrun
it keeps twice as much ready, up to :data:`MAX_AHEAD_MS`; after :data:`CALM_S` in which the ring
never fell below half its level it halves again, down to :data:`AHEAD_MS`. Changes are slower to reach the
speaker only while the machine is contended.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE

AHEAD_MS = 50.0  # how far the render-ahead worker runs ahead of the audio callback
MAX_AHEAD_MS = 400.0  # the longest the ring grows to while the CPU is contended
CALM_S = 5.0  # seconds without a starved moment before the ring shrinks by half
SWITCH_INTERVAL_S = 0.001  # the app's sys.setswitchinterval: the render-ahead worker waits <= ~1 ms per GIL hand-over


class RenderAhead:
    """A single-producer, single-consumer ring of rendered ``(frames, 2)`` float32 audio.

    A worker thread calls ``produce(buffer)`` (the mixer's own rendering) in
    ``block``-frame pieces whenever the ring holds less than ``ahead`` frames
    beyond what was read; :meth:`read` (the audio callback) copies out of it
    without locks, allocations or GIL-releasing calls. ``position()`` is
    sampled before each piece, so :attr:`heard` (the song frame of the next
    sample the callback hands out) follows what is actually played.

    The counters ``written``/``read_frames`` only grow and each has one writer.
    A read that finds too little audio (the worker was starved) plays silence
    for the missing part and counts an ``underrun``; nothing is skipped. The
    level kept ready (:attr:`level`) grows from ``ahead`` up to ``max_ahead``
    while the worker is starved (see the module docstring).

    Args:
        produce: fills a ``(n, 2)`` float32 buffer with the next samples.
        position: the song frame of the next sample ``produce`` will render.
        rate: tempo of song frames per output frame (``() -> float``).
        ahead: frames kept ready on a calm machine.
        block: frames rendered per piece.
        max_ahead: the most frames kept ready while the worker is starved (default: :data:`MAX_AHEAD_MS`).
    """

    def __init__(self, produce, position, rate, ahead: int, block: int = 512, max_read: int = 8192,
                 seek_seen=lambda: 0, sample_rate: int = SAMPLE_RATE, max_ahead: int | None = None):
        self.produce, self.position, self.rate, self.seek_seen = produce, position, rate, seek_seen
        self.ahead, self.block = int(ahead), int(block)
        self.max_ahead = max(self.ahead, round(MAX_AHEAD_MS * sample_rate / 1000) if max_ahead is None else max_ahead)
        self.level = self.ahead  # worker-owned: frames kept ready now
        self.max_level = self.ahead  # the highest level reached (benchmarks)
        self._underruns_seen = 0
        self._starved_at = -1e9  # time.monotonic() of the last starved moment (or calm check)
        self._lowest = self.level  # the fewest frames found ready since then
        cap = 1 << max(self.max_ahead + self.block + max_read, 4096).bit_length()
        self.capacity = cap
        self.ring = np.zeros((cap, 2), dtype=np.float32)
        self._bytes = memoryview(self.ring).cast("B")
        self._zeros = memoryview(bytes(8 * max_read))
        self._scratch = np.zeros((self.block, 2), dtype=np.float32)
        self.written = 0  # worker-owned
        self.read_frames = 0  # callback-owned
        self.underruns = 0
        # (ring frame, song frame, tempo, seeks done) per rendered piece
        self.marks: deque[tuple[int, int, float, int]] = deque(maxlen=4096)
        self.heard: int | None = None
        self.heard_seek = seek_seen()  # the seeks that the callback's output reflects
        self._nap = self.block / sample_rate / 4  # the worker checks the level 4x per piece
        self._rate_hz = sample_rate
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="render-ahead", daemon=True)

    def start(self) -> RenderAhead:
        self._fill_to(self.ahead)  # primed before the first callback
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(1.0)

    def _fill_to(self, level: int) -> None:
        while self.written - self.read_frames < level and not self._stop.is_set():
            w = self.written
            i = w % self.capacity
            n = min(self.block, self.capacity - i)
            self.marks.append((w, self.position(), self.rate(), self.seek_seen()))
            if n == self.block:
                self.produce(self.ring[i : i + n])
            else:  # the ring's end: render whole, copy in two parts
                self.produce(self._scratch)
                self.ring[i:] = self._scratch[:n]
                self.ring[: self.block - n] = self._scratch[n:]
                n = self.block
            self.written = w + n

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step(time.monotonic())
            time.sleep(self._nap)

    def step(self, now: float) -> None:
        """One pass of the worker at time ``now`` (s): adapt the level to the contention, then top up."""
        ready = self.written - self.read_frames
        underruns = self.underruns
        if underruns != self._underruns_seen:  # starved: a cut was heard
            self._underruns_seen = underruns
            if now - self._starved_at > 0.5 * self.level / self._rate_hz:  # once per dip, not per pass
                self.level = min(self.max_ahead, 2 * self.level)
                self.max_level = max(self.max_level, self.level)
            self._starved_at, self._lowest = now, self.level
        else:
            if self.read_frames:
                self._lowest = min(self._lowest, ready)
            if self.level > self.ahead and now - self._starved_at > CALM_S:
                if self._lowest > self.level // 2:  # half the ring was never needed: halving keeps a margin
                    self.level = max(self.ahead, self.level // 2)
                self._starved_at, self._lowest = now, self.level
        if ready < self.level:
            self._fill_to(self.level)

    def read(self, out: np.ndarray) -> None:
        """Copy the next ``out.shape[0]`` frames into ``out`` (C-contiguous ``(n, 2)`` float32)."""
        frames = out.shape[0]
        r = self.read_frames
        n = min(frames, self.written - r)
        dst = memoryview(out).cast("B")
        i = r % self.capacity
        first = min(n, self.capacity - i)
        dst[: 8 * first] = self._bytes[8 * i : 8 * (i + first)]
        if n > first:
            dst[8 * first : 8 * n] = self._bytes[: 8 * (n - first)]
        if n < frames:  # starved: silence for the rest, nothing skipped
            zeros, step = self._zeros, len(self._zeros)
            for start in range(8 * n, 8 * frames, step):  # one pass unless the block is huge
                end = min(8 * frames, start + step)
                dst[start:end] = zeros[: end - start]
            self.underruns += 1
        r += n
        self.read_frames = r
        marks = self.marks
        while len(marks) > 1 and marks[1][0] <= r:
            marks.popleft()
        if marks and marks[0][0] <= r:
            w, song, tempo, seeks = marks[0]
            self.heard = song + round((r - w) * tempo)
            self.heard_seek = seeks
