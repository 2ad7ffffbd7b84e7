"""Hearing yourself: the singer's voice, with an optional reverb, mixed into the output. No Qt here.

Two threads meet here and never wait for each other:

* the input side (the microphone's callback thread) calls
  :meth:`VoiceMonitor.push` with each ``(n,)`` mono block. All the work is
  done there: the level (ramped, so moving the slider does not click), the
  pedalboard ``Reverb`` (wet only; our dry path keeps the level exact) and
  the mono -> stereo spread. The result goes into a :class:`FrameRing`.
* the output side (the audio callback, via ``PlaybackMixer.fill``) calls
  :meth:`VoiceMonitor.add_to` (or :meth:`pull`), which only copies from the
  ring, multiplies by a gain ramp and adds: no allocation, no lock, and no
  call that releases the GIL (pedalboard does release it, so it stays off
  the output thread: measured, its rare GIL re-acquisitions take milliseconds).

The ring keeps a small bounded delay. The output starts (and restarts after
an underrun) ``latency_ms`` behind the newest input; when more than
``max_latency_ms`` piles up (the output fell behind, or the input came in a
burst) it drops the oldest. Every such event is a fade: the gain ramps to 0
over ``fade_ms`` on the old audio, then up from 0 on the new, so the output
moves no faster than the signal plus ``amplitude / fade`` per sample. While
playing, the output always keeps ``fade_ms`` of input in reserve, so a fade
out has real samples to fade; after it, silence (never stale or torn data).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE


class FrameRing:
    """A single-producer, single-consumer ring of ``(frames, channels)`` float32 audio.

    The producer appends with :meth:`write` (it overwrites the oldest frames
    when the consumer is more than ``capacity`` behind; it never waits);
    the consumer copies any recent range with :meth:`read`, which reports
    whether that range was still intact. ``written`` (frames ever written)
    only grows and has one writer; it is updated after the samples, so
    a reader that sees it sees the samples too.

    Args:
        capacity: frames held (rounded up to a power of two).
        channels: samples per frame.
        max_write: the largest block :meth:`write` takes in one piece (longer ones are split).
    """

    def __init__(self, capacity: int, channels: int = 2, max_write: int = 4096):
        self.capacity = 1 << max(int(capacity) - 1, 1).bit_length()
        self.max_write = int(max_write)
        self.data = np.zeros((self.capacity, channels), dtype=np.float32)
        self.written = 0

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` (``(n, channels)`` float32); the producer's thread only."""
        cap = self.capacity
        for s in range(0, block.shape[0], self.max_write):
            piece = block[s : s + self.max_write]
            n = piece.shape[0]
            w = self.written
            i = w % cap
            first = min(n, cap - i)
            self.data[i : i + first] = piece[:first]
            if n > first:
                self.data[: n - first] = piece[first:]
            self.written = w + n

    def read(self, start: int, out: np.ndarray) -> bool:
        """Copy frames ``[start, start + len(out))`` into ``out``; ``False`` (``out`` zeroed) if they
        were (or may be being) overwritten. The consumer's thread only."""
        cap, n = self.capacity, out.shape[0]
        i = start % cap
        first = min(n, cap - i)
        out[:first] = self.data[i : i + first]
        if n > first:
            out[first:] = self.data[: n - first]
        # Checked after the copy: the producer may have started on these frames meanwhile.
        if self.written + self.max_write > start + cap:
            out.fill(0.0)
            return False
        return True


class MonitorParams(NamedTuple):
    """What the singer asked to hear (immutable: the UI thread replaces it whole, the input thread reads it)."""

    level: float = 0.8  # the voice's gain, 0..1
    reverb: bool = False
    room_size: float = 0.35  # pedalboard Reverb's, 0..1
    wet_level: float = 0.25  # the reverb's return, 0..1 (added to the dry voice)


class VoiceMonitor:
    """The singer's voice for the output: pushed by the input thread, pulled by the audio callback.

    Args:
        sample_rate: of both the input blocks and the output (no resampling here).
        latency_ms: input queued beyond the output block when the voice (re)starts: the cushion
            for the input's and the output's block sizes and timing jitter.
        max_latency_ms: queued input beyond the output block above which the oldest is dropped.
        fade_ms: length of a 0 -> 1 fade (start, underrun, drop).
        max_frames: the largest input or output block handled without splitting.
        params: the initial level and reverb.

    ``enabled`` turns the whole thing on and off (an off monitor takes no input
    and, once faded out, costs the output one attribute test: see :attr:`active`).
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, latency_ms: float = 15.0, max_latency_ms: float = 60.0,
                 fade_ms: float = 3.0, max_frames: int = 8192, params: MonitorParams | None = None):
        self.sample_rate = sample_rate
        self.fade_frames = max(1, round(fade_ms * sample_rate / 1000))
        self.target = max(self.fade_frames, round(latency_ms * sample_rate / 1000))
        self.max_delay = max(self.target + self.fade_frames, round(max_latency_ms * sample_rate / 1000))
        self.params = params if params is not None else MonitorParams()
        self.enabled = False
        self._max = int(max_frames)
        # Wide enough that the frames the output reads are never the ones being written.
        self.ring = FrameRing(4 * (self._max + self.max_delay), 2, max_write=self._max)
        # Input side (the producer's thread alone).
        self._reverb = None  # pedalboard.Reverb, built by the UI thread (set_params), used by the producer
        self._room = -1.0  # the room size the reverb was last set to
        self._level = self.params.level  # the level reached at the end of the last block
        self._wet = 0.0  # the reverb's return gain reached (ramped on/off)
        self._mono = np.zeros((self._max, 1), dtype=np.float32)
        self._stereo = np.zeros((self._max, 2), dtype=np.float32)
        self._ramp_in = np.zeros((self._max, 1), dtype=np.float32)
        self._steps_in = np.arange(1, self._max + 1, dtype=np.float32)[:, None] / np.float32(self._max)
        self.pushed = 0
        # Output side (the consumer's thread alone).
        self._read = 0
        self._playing = False
        self._dropping = False
        self._gain = 0.0
        self._slope = 1.0 / self.fade_frames
        self._steps_out = np.repeat(np.arange(1, self._max + 1, dtype=np.float32)[:, None], 2, axis=1)
        self._gains = np.zeros((self._max, 2), dtype=np.float32)
        self._buf = np.zeros((self._max, 2), dtype=np.float32)
        self.underruns = 0
        self.drops = 0
        if self.params.reverb:
            self._make_reverb()

    # -- the UI thread -------------------------------------------------------------

    def set_params(self, **changes) -> MonitorParams:
        """Change ``level``, ``reverb``, ``room_size``, ``wet_level`` (clamped); returns what applies."""
        for name in ("level", "room_size", "wet_level"):
            if name in changes:
                changes[name] = min(1.0, max(0.0, float(changes[name])))
        if "reverb" in changes:
            changes["reverb"] = bool(changes["reverb"])
        params = self.params._replace(**changes)
        if params.reverb:
            self._make_reverb()  # here, not on the input thread: importing pedalboard takes a while
        self.params = params
        return params

    def _make_reverb(self) -> None:
        if self._reverb is None:
            from pedalboard import Reverb

            # Wet only: the dry voice is ours (the level stays exact with the reverb on).
            self._reverb = Reverb(room_size=self.params.room_size, wet_level=1.0, dry_level=0.0)

    @property
    def active(self) -> bool:
        """Whether the output has anything to do: on, or still fading out."""
        return self.enabled or self._playing

    @property
    def delay_frames(self) -> int:
        """Input frames queued for the output now (a reading, for meters and benchmarks)."""
        return self.ring.written - self._read if self._playing else 0

    # -- the input side ---------------------------------------------------------------

    def push(self, block: np.ndarray) -> None:
        """Take one ``(n,)`` float32 mono input block (the input's thread; a no-op when off)."""
        if not self.enabled:
            return
        for s in range(0, block.shape[0], self._max):
            self._push(block[s : s + self._max])

    def _push(self, block: np.ndarray) -> None:
        n = block.shape[0]
        if n == 0:
            return
        p = self.params
        mono = self._mono[:n]
        mono[:, 0] = block
        out = self._stereo[:n]
        reverb = self._reverb
        wet_target = p.wet_level if (p.reverb and reverb is not None) else 0.0
        if reverb is not None and (self._wet > 0.0 or wet_target > 0.0):
            if self._wet == 0.0:
                reverb.reset()  # a fresh tail: not the end of the last time it was on
            if self._room != p.room_size:
                reverb.room_size = self._room = p.room_size
            # (2, n) in: the reverb's two channels are decorrelated, a wide tail from a mono voice.
            wet = reverb.process(np.repeat(mono.T, 2, axis=0), self.sample_rate, reset=False)
            np.multiply(wet.T, self._ramped(self._wet, wet_target, n), out=out)
            self._wet = wet_target
            np.add(out, mono, out=out)
        else:
            out[:] = mono
        np.multiply(out, self._ramped(self._level, p.level, n), out=out)
        self._level = p.level
        self.ring.write(out)
        self.pushed += n

    def _ramped(self, g0: float, g1: float, n: int):
        """A gain from ``g0`` to ``g1`` across ``n`` frames: a scalar, or a ``(n, 1)`` ramp."""
        if g0 == g1:
            return np.float32(g1)
        ramp = self._ramp_in[:n]
        np.multiply(self._steps_in[:n], np.float32(self._max / n * (g1 - g0)), out=ramp)
        np.add(ramp, np.float32(g0), out=ramp)
        return ramp

    # -- the output side ------------------------------------------------------------------

    def pull(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames of the voice as a new ``(frames, 2)`` float32 array (zeros where none)."""
        out = np.zeros((frames, 2), dtype=np.float32)
        self.add_to(out)
        return out

    def add_to(self, out: np.ndarray) -> None:
        """Add the next ``out.shape[0]`` frames of the voice into ``out`` (``(frames, 2)`` float32).

        The audio callback's part: copies, multiplies and adds only.
        """
        frames = out.shape[0]
        done = 0
        ring = self.ring
        while done < frames:
            want = min(frames - done, self._max)
            queued = ring.written - self._read
            if not self._playing:
                if not self.enabled or queued < want + self.target:
                    return  # silence until enough has come in
                self._read = ring.written - want - self.target  # the newest input, a cushion behind
                self._playing, self._gain = True, 0.0
                queued = want + self.target
            if queued - want > self.max_delay and not self._dropping:
                self._dropping = True  # fade out here, then go on from the newest input
                self.drops += 1
            if self._dropping or queued < want + self.fade_frames:
                goal = 0.0  # fade out; the reserve of fade_frames makes sure there are samples for it
                n = min(want, queued, math.ceil(self._gain / self._slope - 1e-9))
            else:
                goal = 1.0
                n = want
            if n > 0:
                buf = self._buf[:n]
                if not ring.read(self._read, buf):  # left far behind: what we had is gone
                    self._playing, self._dropping, self._gain = False, False, 0.0
                    continue
                gain = self._ramp_out(goal, n)
                if gain is not None:
                    np.multiply(buf, gain, out=buf)
                o = out[done : done + n]
                np.add(o, buf, out=o)
                self._read += n
                done += n
            elif goal == 0.0:
                self._gain = 0.0  # nothing left to fade (cannot happen while the reserve holds)
            if goal == 0.0 and self._gain == 0.0:
                self._playing = False
                if self._dropping:
                    self._dropping = False
                    continue  # restart from the newest input, fading in
                self.underruns += 1
                return

    def _ramp_out(self, goal: float, n: int):
        """The output gain for the next ``n`` frames toward ``goal``: ``None`` (1.0), or a ``(n, 2)`` ramp."""
        g0 = self._gain
        if g0 == goal:
            return None if goal == 1.0 else np.float32(0.0)
        steps = math.ceil(abs(goal - g0) / self._slope - 1e-9)
        m = min(steps, n)
        gains = self._gains[:n]
        head = gains[:m]
        np.multiply(self._steps_out[:m], np.float32(self._slope if goal > g0 else -self._slope), out=head)
        np.add(head, np.float32(g0), out=head)
        np.clip(head, 0.0, 1.0, out=head)
        if m == steps:
            gains[m - 1 :] = goal
            self._gain = goal
        else:
            self._gain = float(head[-1, 0])
        return gains
