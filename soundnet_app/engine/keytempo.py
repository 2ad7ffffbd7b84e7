"""Key and tempo: shift a song by semitones and change its speed, keeping pitch.

Two engines, both the Rubber Band library (R3, "finer" engine):

* :class:`LiveStretcher` streams for the audio callback: Rubber Band's
  real-time stretcher through ``pylibrb``, with the "high consistency" pitch
  option, so key and tempo can change while it plays without a click (the
  change reaches the output within ~70 ms; short windows: ~1.2 ms per 1024
  frames on this CPU). Pedalboard's
  streaming ``PitchShift`` was measured first: it buffers ~48,000 samples
  (1.1 s) before its first output, too slow for a live key change, and it
  does not change tempo.
* :func:`render_offline` is for export, the CLI and the takes (through
  :func:`~soundnet_app.engine.export.render_stems`): ``pedalboard.time_stretch``,
  Rubber Band's offline mode (a full study pass, the best quality), which
  returns exactly ``n / tempo`` samples.

Audio arrays here are ``(frames, channels)`` float32 like the rest of the app;
Rubber Band itself wants ``(channels, frames)``.
"""

from __future__ import annotations

import atexit
import math
import weakref
from collections import deque
from collections.abc import Callable

import numpy as np

KEY_MIN, KEY_MAX = -6, 6  # semitones
TEMPO_MIN, TEMPO_MAX = 0.5, 1.5  # playback speed factor
TEMPO_STEP = 0.05
NEUTRAL = (0, 1.0)

_PITCH_HIGH_CONSISTENCY = 0x04000000  # RubberBandStretcher::OptionPitchHighConsistency (not named by pylibrb)

# Every live stretcher, so the Rubber Band objects are freed before the interpreter tears its modules
# down: one still alive then (a window's mixer, a daemon thread's frame) makes nanobind report leaks.
_LIVE: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def close_all_stretchers() -> None:
    """Free every :class:`LiveStretcher`'s Rubber Band object (at exit; any thread)."""
    for stretcher in list(_LIVE):
        stretcher.close()


def clamp_key(semitones: float) -> int:
    """A key shift rounded to whole semitones within ``KEY_MIN..KEY_MAX``."""
    return int(min(KEY_MAX, max(KEY_MIN, round(float(semitones)))))


def clamp_tempo(tempo: float) -> float:
    """A tempo factor within ``TEMPO_MIN..TEMPO_MAX``, rounded to 1 %."""
    value = float(tempo)
    if not math.isfinite(value):
        value = 1.0
    return round(min(TEMPO_MAX, max(TEMPO_MIN, value)), 2)


def is_neutral(key: int, tempo: float) -> bool:
    return key == 0 and abs(tempo - 1.0) < 1e-9


def pitch_scale(semitones: float) -> float:
    return 2.0 ** (semitones / 12.0)


def shift_label(key: int, tempo: float) -> str:
    """``"key +2 · 80 %"``: the shift for file names and messages ("" when neutral)."""
    parts = []
    if key:
        parts.append(f"key {key:+d}")
    if abs(tempo - 1.0) > 1e-9:
        parts.append(f"{round(tempo * 100)} %")
    return " · ".join(parts)


def render_offline(audio: np.ndarray, sample_rate: int, key: int = 0, tempo: float = 1.0) -> np.ndarray:
    """Shift ``audio`` (``(frames, channels)``) by ``key`` semitones at speed ``tempo``.

    Returns ``(round(frames / tempo), channels)`` float32; the input itself when
    the shift is neutral. Rubber Band's offline mode: best quality, ~20x real time.
    """
    if is_neutral(key, tempo):
        return audio
    import pedalboard

    x = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).T)
    y = pedalboard.time_stretch(x, float(sample_rate), stretch_factor=float(tempo),
                                pitch_shift_in_semitones=float(key), high_quality=True)
    return np.ascontiguousarray(y.T)


class LiveStretcher:
    """Streaming key/tempo shift of a ``(frames, channels)`` source for the audio thread.

    The source is a callable ``source(buffer) -> bool`` that fills a
    ``(n, channels)`` float32 buffer with the next ``n`` samples and says
    whether they were audible. :meth:`fill` pulls as much source as Rubber
    Band asks for and writes shifted output. Everything here runs on the
    audio thread except :meth:`set`, which stores one tuple.

    A fresh start (:meth:`start`) primes the stretcher with its preferred
    start pad and drops its start delay, so output sample 0 is source sample 0.
    ``start(crossfade=True)`` fades from the unshifted source into the
    shifted output over ``crossfade_frames`` (entering a shift while audible).

    Args:
        sample_rate: the source rate.
        channels: source channels.
        crossfade_ms: length of the dry -> shifted fade on a start while audible.
    """

    def __init__(self, sample_rate: int, channels: int = 2, crossfade_ms: float = 10.0):
        import pylibrb

        self.sample_rate = sample_rate
        self.channels = channels
        self._rb = pylibrb.RubberBandStretcher(
            sample_rate, channels,
            pylibrb.Option.PROCESS_REALTIME | pylibrb.Option.ENGINE_FINER | pylibrb.Option.WINDOW_SHORT
            | _PITCH_HIGH_CONSISTENCY,
        )
        self._rb.set_max_process_size(8192)
        self.target = NEUTRAL  # (key, tempo): written by the UI thread
        self._applied = NEUTRAL
        self.xfade = max(1, round(crossfade_ms * sample_rate / 1000))
        self._in = np.zeros((8192, channels), dtype=np.float32)
        self._dry = np.zeros((self.xfade, channels), dtype=np.float32)
        self._dry_len = 0
        self._xf_pos = self.xfade  # >= xfade: no crossfade running
        self._drop = 0
        self.fed = 0  # source frames fed since the start
        self.out = 0  # output frames written since the start
        self.quiet_in = 0  # source frames in a row that were silent
        self._in_equiv = 0.0  # source frames the output so far stands for
        self.marks: deque[tuple[int, int]] = deque(maxlen=256)  # (fed index, song frame)
        _LIVE.add(self)

    def close(self) -> None:
        """Free the Rubber Band object; :meth:`fill` then writes silence. A call running on
        another thread keeps its own reference until it returns, so nothing is used after free."""
        self._rb = None

    def set(self, key: int, tempo: float) -> None:
        """The shift to apply (any thread; one tuple store)."""
        self.target = (clamp_key(key), clamp_tempo(tempo))

    @property
    def delay_frames(self) -> int:
        """Output frames between a source sample going in and it coming out."""
        rb = self._rb
        return int(rb.get_start_delay()) if rb is not None else 0

    def start(self, crossfade: bool = False) -> None:
        """Begin a fresh stream (audio thread): reset, apply the target, prime the pad."""
        rb = self._rb
        if rb is None:  # closed
            return
        rb.reset()
        self._apply(rb, force=True)
        pad = int(rb.get_preferred_start_pad())
        if pad:
            rb.process(np.zeros((self.channels, pad), dtype=np.float32))
        self._drop = int(rb.get_start_delay())
        self.fed = self.out = self.quiet_in = 0
        self._in_equiv = 0.0
        self.marks.clear()
        self._dry_len = 0
        self._xf_pos = 0 if crossfade else self.xfade

    def _apply(self, rb, force: bool = False) -> None:
        target = self.target
        if force or target != self._applied:
            key, tempo = target
            rb.pitch_scale = pitch_scale(key)
            rb.time_ratio = 1.0 / tempo
            self._applied = target

    @property
    def tempo(self) -> float:
        return self._applied[1]

    def fill(self, out: np.ndarray, source: Callable[[np.ndarray], bool],
             song_pos: Callable[[], int] | None = None) -> None:
        """Write ``out.shape[0]`` shifted frames into ``out`` (``(n, channels)``).

        ``song_pos()`` (optional) gives the song frame of the next source
        sample, recorded per fed block so :meth:`heard` can map output back
        to song time across seeks.
        """
        rb = self._rb
        if rb is None:  # closed (the interpreter is exiting)
            out.fill(0.0)
            return
        self._apply(rb)
        need = out.shape[0]
        done = 0
        while done < need:
            avail = int(rb.available())
            if avail > 0 and self._drop > 0:
                skip = min(avail, self._drop)
                rb.retrieve(skip)
                self._drop -= skip
                continue
            # A pending dry -> shifted crossfade needs its whole dry part first: fading
            # against a dry signal that runs out early would jump to the shifted one.
            dry_short = self._xf_pos < self.xfade and self._dry_len < self.xfade
            if avail > 0 and not dry_short:
                n = min(avail, need - done)
                y = rb.retrieve(n)
                o = out[done : done + n]
                np.copyto(o, y.T)
                if self._xf_pos < self.xfade:
                    self._crossfade(o)
                done += n
                self.out += n
                self._in_equiv += n * self._applied[1]
                continue
            n = min(max(int(rb.get_samples_required()), 256), self._in.shape[0])
            buf = self._in[:n]
            if song_pos is not None:
                self.marks.append((self.fed, song_pos()))
            audible = source(buf)
            if self._dry_len < self.xfade and self._xf_pos < self.xfade:
                k = min(n, self.xfade - self._dry_len)
                self._dry[self._dry_len : self._dry_len + k] = buf[:k]
                self._dry_len += k
            self.quiet_in = 0 if audible else self.quiet_in + n
            rb.process(np.ascontiguousarray(buf.T))
            self.fed += n

    def _crossfade(self, o: np.ndarray) -> None:
        """Blend the first output frames with the unshifted source (same song position)."""
        start = self._xf_pos
        k = min(o.shape[0], self.xfade - start, max(0, self._dry_len - start))
        if k <= 0:
            self._xf_pos = self.xfade
            return
        w = (np.arange(start + 1, start + k + 1, dtype=np.float32) / self.xfade)[:, None]
        o[:k] = o[:k] * w + self._dry[start : start + k] * (1.0 - w)
        self._xf_pos = start + k

    def drained(self) -> bool:
        """True once the source has been silent longer than the stretcher holds."""
        return self.quiet_in > (self.delay_frames + 2048) * max(1.0, self.tempo) + 8192

    def heard(self) -> int | None:
        """The song frame of the next output sample (``None`` before any source was fed)."""
        if not self.marks:
            return None
        # Output frame k left the stretcher as input frame ~sum(tempo) (start delay dropped).
        index = min(self.fed, round(self._in_equiv))
        for fed, song in reversed(self.marks):
            if fed <= index:
                return song + (index - fed)
        return self.marks[0][1]
