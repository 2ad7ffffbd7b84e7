"""The singer's pitch, live: a streaming f0 tracker for the microphone.

No Qt here. Same tracker and grid as :mod:`soundnet_app.sing.pitch` (frame
``k`` centred at ``k * hop_s`` seconds of input, ``0`` where unvoiced).
"""

from __future__ import annotations

import threading

import numpy as np
import soxr

from soundnet_app.sing.pitch import (
    CONTEXT_S,
    HOP_S,
    PITCH_RATE,
    gate_quiet,
    praat_f0,
    to_grid,
)


class LivePitch:
    """Streaming f0 of a microphone: feed blocks, read ``(times, f0)`` frames.

    Args:
        sample_rate: the input's rate.
        hop_s: frame spacing (the guide's).

    :meth:`feed` takes ``(n,)`` or ``(n, channels)`` blocks; every
    ``batch_s`` of new audio it tracks the new stretch (with
    :data:`~soundnet_app.sing.pitch.CONTEXT_S` of context before it). Frame times are in seconds of
    input since the first block. Bounded memory: ``history_s`` of frames are kept.
    """

    def __init__(self, sample_rate: int = 44100, hop_s: float = HOP_S, batch_s: float = 0.05,
                 history_s: float = 30.0):
        self.sample_rate = int(sample_rate)
        self.hop_s = hop_s
        self._resampler = soxr.ResampleStream(self.sample_rate, PITCH_RATE, 1, dtype="float32", quality="MQ") \
            if self.sample_rate != PITCH_RATE else None
        self._buf = np.zeros(0, dtype=np.float64)  # 16 kHz, from sample _buf_start
        self._buf_start = 0
        self._next_hop = 0  # first hop not yet emitted
        self._batch = int(batch_s * PITCH_RATE)
        self._keep = int(history_s / hop_s)
        self.f0 = np.zeros(0, dtype=np.float32)  # emitted frames, hop index _f0_start + i
        self._f0_start = 0
        self.lock = threading.Lock()

    @property
    def first_hop(self) -> int:
        return self._f0_start

    def feed(self, block: np.ndarray) -> int:
        """Add input; returns how many new frames were emitted."""
        x = np.asarray(block, dtype=np.float32)
        if x.ndim == 2:
            x = x.mean(axis=1)
        if self._resampler is not None:
            x = self._resampler.resample_chunk(x)
        self._buf = np.concatenate([self._buf, x.astype(np.float64)])
        end = self._buf_start + self._buf.size
        hop = int(self.hop_s * PITCH_RATE)
        margin = int(CONTEXT_S * PITCH_RATE)
        if end - self._next_hop * hop < self._batch + margin:
            return 0
        # Frames whose centres are at least one margin before the end are final.
        last_hop = (end - margin) // hop
        a = max(self._buf_start, self._next_hop * hop - margin)
        seg = self._buf[a - self._buf_start:]
        times, f0 = praat_f0(seg, self.hop_s)
        values = to_grid(times + a / PITCH_RATE, gate_quiet(seg, times, f0, self.hop_s), self._next_hop,
                          last_hop - self._next_hop, self.hop_s)
        with self.lock:
            self.f0 = np.concatenate([self.f0, values])
            if self.f0.size > self._keep:
                drop = self.f0.size - self._keep
                self.f0 = self.f0[drop:]
                self._f0_start += drop
        self._next_hop = last_hop
        keep_from = max(self._buf_start, last_hop * hop - 2 * margin)
        self._buf = self._buf[keep_from - self._buf_start:]
        self._buf_start = keep_from
        return values.size

    def frames(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times, f0)`` of the kept frames (times in seconds of input)."""
        with self.lock:
            f0 = self.f0.copy()
            start = self._f0_start
        return (start + np.arange(f0.size)) * self.hop_s, f0
