"""The player's mixer: pure NumPy, the samples the audio callback plays.

:class:`PlaybackMixer` holds all the mixing logic. The audio callback calls
:meth:`PlaybackMixer.fill`, tests call :meth:`PlaybackMixer.render`; both run
the same code. Rules that keep the callback glitch-free:

* audio comes from the song's preallocated 16-bit arrays (the instrumental is
  mixture - vocals); scratch buffers are allocated once, every operation writes with ``out=``;
* no locks: the UI thread changes parameters by replacing a whole immutable
  :class:`MixParams` tuple (one attribute store is atomic), seeks by storing a
  ``(sequence, frame)`` tuple, and swaps songs by storing one new tuple;
* the current gains belong to the callback alone: it notices a new song (a
  new song tuple) and resets them itself, so the UI thread never writes them;
* every gain change (A/B switch, solo, mute, levels, play/pause) is a linear
  ramp of :attr:`PlaybackMixer.ramp_frames` samples, so nothing clicks.

Blocks of the song that are not separated yet play the original mixture; the
gains of separated blocks come from :func:`~soundnet_app.engine.mix.mix_gains`.

Key and tempo (:meth:`PlaybackMixer.set_shift`) apply after the mix, to the
sum of the stems: the mixer renders song time as always, and a
:class:`~soundnet_app.engine.keytempo.LiveStretcher` turns it into shifted output.
So A/B, solo, mute and the levels keep switching at the same song position,
and seeks keep their fades. At key 0 and tempo 100 % the stretcher is out of
the path (bit-exact original); it is brought in with a 10 ms crossfade from
the unshifted sound, and taken out only once the sound is silent (paused).

With a sound card (:class:`~soundnet_app.engine.output.AudioOutput`) rendering moves to a
worker thread ahead of the callback (:meth:`PlaybackMixer.start_ahead`, :mod:`~soundnet_app.engine.render_ahead`).
"""

from __future__ import annotations

import math
import threading
from typing import NamedTuple

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.keytempo import NEUTRAL, LiveStretcher, clamp_key, clamp_tempo, is_neutral
from soundnet_app.engine.mix import KARAOKE, MODES, ORIGINAL, mix_gains
from soundnet_app.engine.pcm import STEP
from soundnet_app.engine.render_ahead import AHEAD_MS, RenderAhead
from soundnet_app.engine.song import Song


class MixParams(NamedTuple):
    """What the user asked to hear (immutable: replaced as a whole)."""

    mode: str = KARAOKE
    vocal_level: float = 0.0  # the "guide vocal", 0..1
    instrumental_level: float = 1.0
    solo: bool = False  # vocals only (at full level)
    mute: bool = False  # no vocals whatever the guide level

    def gains(self) -> tuple[float, float, float]:
        """Target ``(mixture, vocals, instrumental)`` gains in separated blocks."""
        return mix_gains(self.mode, self.vocal_level, self.instrumental_level, solo=self.solo, mute=self.mute)


_UNSEPARATED_GAINS = (1.0, 0.0, 0.0)  # the original, where no stems exist yet
_START_GAINS = (1.0, 0.0, 0.0, 0.0)  # mixture, vocals, instrumental, master: silent
_PARTS = (((0, 1),), ((1, 1),), ((0, 1), (1, -1)))  # per gain: (source, sign); instrumental = mixture - vocals


class _SongData(NamedTuple):
    """What the callback reads of a song; a new one per :meth:`PlaybackMixer.set_song`."""

    mixture: np.ndarray  # (n, 2) int16
    vocals: np.ndarray  # (n, 2) int16
    blocks: np.ndarray  # bool per block: separated
    block: int
    n_frames: int


class PlaybackMixer:
    """Renders the output samples for the current song, mode and levels.

    Args:
        sample_rate: output rate (the song arrays' rate).
        ramp_ms: length of a full 0 -> 1 gain ramp.
        max_frames: largest request handled in one pass (longer ones loop).
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, ramp_ms: float = 5.0, max_frames: int = 8192):
        self.sample_rate = sample_rate
        self.ramp_frames = max(1, round(ramp_ms * sample_rate / 1000))
        self._slope = 1.0 / self.ramp_frames
        self._max = max_frames
        # Ramps are built per channel pair: a (n, 2) gain avoids NumPy's broadcast buffering.
        self._steps = np.repeat(np.arange(1, max_frames + 1, dtype=np.float32)[:, None], 2, axis=1)
        self._gain = np.empty((max_frames, 2), dtype=np.float32)
        self._tmp = np.empty((max_frames, 2), dtype=np.float32)
        self._song: _SongData | None = None  # written by the UI thread
        self._gains_song: _SongData | None = None  # callback-owned: the song _gains belong to
        self.params = MixParams()
        self._gains = list(_START_GAINS)  # callback-owned, never replaced
        self._pos = 0
        self._seek = (0, 0)  # (sequence, frame): written by the UI thread
        self._seek_seen = 0
        self.playing = False
        self.ended = False  # set by the callback when the song ran out
        self.shift = NEUTRAL  # (key, tempo): written by the UI thread
        self.shift_error = ""  # why key/tempo is unavailable, if it is
        self._stretcher: LiveStretcher | None = None  # built by the UI thread, used by the callback
        self._stretcher_lock = threading.Lock()  # building the stretcher: set_shift vs prepare_stretcher
        self._stretching = False  # callback-owned: output goes through the stretcher
        self._heard: int | None = None  # callback-owned: song frame of the next output sample
        self._ahead: RenderAhead | None = None  # the render-ahead ring, while a sound card plays
        self.monitor = None  # a monitor.VoiceMonitor: the singer's voice, added in fill (not ahead: no delay)

    # -- UI-thread API (each call is a single atomic attribute store) --------

    def set_song(self, song: Song | None) -> None:
        """Play ``song`` (or nothing) from the start, paused.

        The callback sees the new song tuple and resets its own gains to
        silence before it renders anything of it.
        """
        self.playing = False
        if song is None:
            self._song = None
        else:
            self._song = _SongData(song.mixture.data, song.vocals.data, song.coverage.blocks, song.coverage.block,
                                   song.n_frames)
        self.ended = False
        self.seek(0)

    def set_shift(self, key: int, tempo: float) -> tuple[int, float]:
        """Play ``key`` semitones up/down at speed ``tempo`` (clamped); returns what applies.

        Returns :data:`~soundnet_app.engine.keytempo.NEUTRAL` (with ``shift_error``
        set) when the Rubber Band library cannot be loaded.
        """
        key, tempo = clamp_key(key), clamp_tempo(tempo)
        with self._stretcher_lock:  # prepare_stretcher() may be building one on its thread
            if self._stretcher is None and not is_neutral(key, tempo):
                try:
                    self._stretcher = LiveStretcher(self.sample_rate)
                except (ImportError, OSError, RuntimeError) as e:
                    self.shift_error = f"Key and tempo are unavailable: the Rubber Band library could not be loaded ({e})."
                    return self.shift
            if self._stretcher is not None:
                self._stretcher.set(key, tempo)
            self.shift = (key, tempo)
        return self.shift

    def prepare_stretcher(self) -> None:
        """Load Rubber Band and build the live stretcher now (call it off the UI thread, at start):
        the first key or tempo change then does not wait ~70 ms for it. Failures are left to
        :meth:`set_shift`, which reports them."""
        if self._stretcher is None:
            try:
                stretcher = LiveStretcher(self.sample_rate)
            except (ImportError, OSError, RuntimeError):
                return
            with self._stretcher_lock:
                if self._stretcher is None:  # set_shift() did not build one meanwhile
                    stretcher.set(*self.shift)
                    self._stretcher = stretcher

    def start_ahead(self, ahead_ms: float = AHEAD_MS) -> RenderAhead:
        """Render on a worker thread ``ahead_ms`` ahead; :meth:`fill` then only copies (a sound card's
        callback). Idempotent; :meth:`stop_ahead` returns to rendering in :meth:`fill`."""
        if self._ahead is None:
            frames = max(256, round(ahead_ms * self.sample_rate / 1000))
            self._ahead = RenderAhead(self._produce, self._rendered_position, self._rendered_rate,
                                      ahead=frames, block=min(512, frames), max_read=self._max,
                                      seek_seen=lambda: self._seek_seen, sample_rate=self.sample_rate).start()
        return self._ahead

    def stop_ahead(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead.stop()

    def _rendered_position(self) -> int:
        """The song frame of the next sample :meth:`_produce` renders (the worker's view)."""
        heard = self._heard
        return heard if self._stretching and heard is not None else self._pos

    def _rendered_rate(self) -> float:
        return self.shift[1] if self._stretching else 1.0

    @property
    def key(self) -> int:
        return self.shift[0]

    @property
    def tempo(self) -> float:
        return self.shift[1]

    @property
    def has_song(self) -> bool:
        return self._song is not None

    @property
    def n_frames(self) -> int:
        song = self._song
        return song.n_frames if song is not None else 0

    def update(self, **changes) -> None:
        """Change some of :class:`MixParams` (``mode=``, ``vocal_level=``...) at once."""
        if "vocal_level" in changes:
            changes["vocal_level"] = min(1.0, max(0.0, float(changes["vocal_level"])))
        if "instrumental_level" in changes:
            changes["instrumental_level"] = min(1.0, max(0.0, float(changes["instrumental_level"])))
        self.params = self.params._replace(**changes)

    @property
    def mode(self) -> str:
        return self.params.mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown mode {value!r}")
        self.update(mode=value)

    def toggle_mode(self) -> str:
        """Switch between the original and the karaoke version; returns the new mode."""
        self.mode = ORIGINAL if self.params.mode == KARAOKE else KARAOKE
        return self.params.mode

    def play(self) -> None:
        if self._song is None:
            return
        if self.position >= self.n_frames:
            self.seek(0)
        self.ended = False
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def seek(self, frame: int) -> None:
        """Jump to sample ``frame`` (clamped to the song)."""
        frame = max(0, min(int(frame), self.n_frames))
        self._seek = (self._seek[0] + 1, frame)

    @property
    def position(self) -> int:
        """The song frame of the next output sample (a pending seek counts)."""
        seq, frame = self._seek
        if seq != self._seek_seen:
            return frame
        ahead = self._ahead
        if ahead is not None and ahead.heard is not None:
            # A seek done by the worker but not heard yet: still the target.
            return frame if ahead.heard_seek != seq else max(0, min(ahead.heard, self.n_frames))
        heard = self._heard
        if self._stretching and heard is not None:
            return max(0, min(heard, self.n_frames))
        return self._pos

    @property
    def position_s(self) -> float:
        return self.position / self.sample_rate

    # -- the audio side ------------------------------------------------------

    def render(self, frames: int) -> np.ndarray:
        """Render ``frames`` samples into a new ``(frames, 2)`` array (tests, export previews)."""
        out = np.empty((frames, 2), dtype=np.float32)
        self.fill(out)
        return out

    def fill(self, out: np.ndarray) -> None:
        """Fill ``out`` (``(frames, 2)`` float32) with the next samples; the audio callback.

        With :meth:`start_ahead`, a copy out of the render-ahead ring; otherwise
        :meth:`_produce` renders them here.
        """
        ahead = self._ahead
        if ahead is None:
            self._produce(out)
        elif out.flags.c_contiguous and out.dtype == np.float32:
            ahead.read(out)
        else:  # never from PortAudio; kept correct anyway
            tmp = np.empty((out.shape[0], 2), dtype=np.float32)
            ahead.read(tmp)
            out[:] = tmp
        monitor = self.monitor
        if monitor is not None and monitor.active:  # copies and adds only (see monitor.py)
            monitor.add_to(out)

    def _produce(self, out: np.ndarray) -> None:
        """Render the next samples into ``out``.

        Unshifted, the song itself (:meth:`_render`); shifted, the song through
        the stretcher, which pulls song samples from :meth:`_render` as it needs them.
        """
        stretcher = self._stretcher
        if not self._stretching:
            audible = self._song is not None and (self.playing or self._gains[3] > 0.0)
            if stretcher is None or not audible or is_neutral(*self.shift):
                self._render(out)
                return
            stretcher.start(crossfade=self._gains[3] > 0.0)
            self._stretching = True
        stretcher.fill(out, self._render, self._song_frame)
        self._heard = stretcher.heard()
        if stretcher.drained():  # silent for longer than it holds: leave the path
            self._stretching = False

    def _song_frame(self) -> int:
        return self._pos

    def _render(self, out: np.ndarray) -> bool:
        """Fill ``out`` with the next song samples; ``False`` if all silent (paused).

        A seek while sound is playing first fades out at the old position, then
        jumps and fades in, so jumping never clicks either.
        """
        song = self._song
        gains = self._gains
        if song is not self._gains_song:  # a new song (or none): start it from silence
            self._gains_song = song
            gains[:] = _START_GAINS
        seek = self._seek
        seeking = seek[0] != self._seek_seen
        if seeking and (gains[3] == 0.0 or song is None):
            self._seek_seen, self._pos, seeking = seek[0], seek[1], False
        playing = self.playing
        if song is None or (not playing and gains[3] == 0.0):
            out.fill(0.0)
            return False
        separated_gains = self.params.gains()
        frames = out.shape[0]
        n, block, blocks = song.n_frames, song.block, song.blocks
        sources = (song.mixture, song.vocals)
        tmp = self._tmp
        pos = self._pos
        done = 0
        while done < frames:
            if seeking and (gains[3] == 0.0 or pos >= n):  # faded out: now jump
                self._seek_seen, pos, seeking = seek[0], seek[1], False
                gains[3] = 0.0
            master = 1.0 if playing and not seeking else 0.0
            if master == 0.0 and gains[3] == 0.0:  # faded out: paused
                out[done:].fill(0.0)
                break
            if pos >= n:  # end of the song
                out[done:].fill(0.0)
                gains[3] = 0.0
                self.playing = False
                self.ended = True
                break
            length = min(frames - done, n - pos, self._max, (pos // block + 1) * block - pos)
            if master == 0.0:  # fading out: stop exactly where the fade ends
                length = min(length, max(1, math.ceil(gains[3] / self._slope - 1e-9)))
            targets = separated_gains if blocks[pos // block] else _UNSEPARATED_GAINS
            o = out[done : done + length]
            empty = True
            for i in range(3):
                if gains[i] == 0.0 and targets[i] == 0.0:
                    continue
                gain = self._ramp(i, targets[i], length)
                for src, sign in _PARTS[i]:
                    t = o if empty else tmp[:length]
                    np.copyto(t, sources[src][pos : pos + length])  # int16 -> float32, unbuffered
                    np.multiply(t, gain, out=t)
                    if not empty:
                        (np.add if sign > 0 else np.subtract)(o, t, out=o)
                    empty = False
            if empty:
                o.fill(0.0)
            else:
                np.multiply(o, STEP, out=o)  # int16 steps -> float
            if gains[3] != 1.0 or master != 1.0:
                np.multiply(o, self._ramp(3, master, length), out=o)
            pos += length
            done += length
        self._pos = pos
        return True

    def _ramp(self, i: int, target: float, length: int):
        """Gain ``i`` for the next ``length`` samples: a scalar, or a ``(length, 2)`` ramp in scratch."""
        g0 = self._gains[i]
        if g0 == target:
            return g0
        delta = target - g0
        steps = math.ceil(abs(delta) / self._slope - 1e-9)
        if steps <= 0:
            self._gains[i] = target
            return target
        m = min(steps, length)
        gain = self._gain[:length]
        head = gain[:m]
        np.multiply(self._steps[:m], self._slope if delta > 0 else -self._slope, out=head)
        np.add(head, g0, out=head)
        if m == steps:
            gain[m - 1 :].fill(target)
            self._gains[i] = target
        else:
            self._gains[i] = float(head[-1, 0])
        return self._gain[:length]
