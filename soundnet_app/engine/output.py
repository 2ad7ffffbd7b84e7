"""The sound card: a ``sounddevice.OutputStream`` whose callback runs the mixer.

When PortAudio or an output device is missing, :class:`AudioOutput` says why
(``available`` / ``reason``) and the app keeps working without sound.
``sounddevice`` is imported when the output is built (it loads PortAudio).
"""

from __future__ import annotations

import contextlib
import os
from collections import deque

from soundnet_app.audio.devices import close_stream
from soundnet_app.engine.mixer import PlaybackMixer


class AudioClock:
    """What the listener hears now, from the sound card's own clock (PortAudio's DAC times).

    The callback :meth:`mark` s each block: the stream time at which its first
    sample reaches the speaker, that sample's song frame and the tempo.
    :meth:`frame_at` maps a stream time to the song frame heard then: it moves
    only as blocks are played, so a stall of the output (an ALSA underrun, a
    busy machine) or a longer render-ahead ring does not move it, unlike wall time.
    """

    def __init__(self, sample_rate: int, blocks: int = 256):
        self.sample_rate = sample_rate
        self._marks: deque[tuple[float, int, int, float]] = deque(maxlen=blocks)  # (dac time, frame, frames, tempo)

    def mark(self, dac_time: float, frame: int, frames: int, tempo: float = 1.0) -> None:
        """A block of ``frames`` output samples whose first is song ``frame``, heard at ``dac_time`` (s)."""
        self._marks.append((float(dac_time), int(frame), int(frames), float(tempo)))

    def frame_at(self, now: float) -> int | None:
        """The song frame heard at stream time ``now``; ``None`` before any block was heard."""
        for dac, frame, frames, tempo in reversed(self._marks):
            if dac <= now:  # inside this block, or after it with nothing newer heard: its end at most
                played = min(frames, round((now - dac) * self.sample_rate))
                return frame + round(played * tempo)
        return None

    def clear(self) -> None:
        self._marks.clear()


# The sound card's buffer, in seconds: the first, then one step larger after each underflow the card
# reports. Why: through ALSA's PulseAudio plugin a late callback is not a short cut but about 2 s of
# silence while the plugin recovers (measured with a null sink and parec: a callback 80 ms late at a
# 50-ms buffer, 150 ms late at 100 ms); 200 ms absorbed a 150-ms stall. 100 ms first keeps hearing
# yourself and every change quick where the machine keeps up.
LATENCY_STEPS_S = (0.1, 0.2)


class AudioOutput:
    """The sound card side: a ``sounddevice.OutputStream`` whose callback runs the mixer.

    Construction never fails: when PortAudio, an output device or the stream is
    missing, ``available`` is ``False`` and ``reason`` says why in one line.
    ``SOUNDNET_NO_AUDIO=1`` turns sound off on purpose. After the card reports an
    underflow, :meth:`maintain` (the UI's tick calls it) reopens the stream with
    the next larger buffer of :data:`LATENCY_STEPS_S`.
    """

    def __init__(self, mixer: PlaybackMixer, enabled: bool = True, latency: float = LATENCY_STEPS_S[0],
                 stream_factory=None):
        """``stream_factory``: what opens the stream (``sounddevice.OutputStream``'s arguments); given, no
        device is looked for (a machine without a sound card runs the stream logic with one)."""
        self.mixer = mixer
        self._stream_factory = stream_factory
        self.latency = latency
        self.underflows = 0  # reported by the card (written by the callback only)
        self._underflows_handled = 0
        self._stream = None
        self._sd = None
        self.clock = AudioClock(mixer.sample_rate)
        self.available = False
        self.reason = ""
        if not enabled or os.environ.get("SOUNDNET_NO_AUDIO"):
            self.reason = "Sound output is turned off."
            return
        if stream_factory is not None:
            self.available = True
            return
        try:
            import sounddevice as sd
        except (OSError, ImportError) as e:  # PortAudio library missing
            self.reason = f"No sound: the PortAudio library is not available ({e})."
            return
        self._sd = sd
        try:
            sd.query_devices(kind="output")
        except Exception:
            self.reason = "No sound output device was found. Playback is disabled; separating and exporting still work."
            return
        self.available = True

    def start(self) -> bool:
        """Open and start the stream if needed; ``False`` (with ``reason``) if that failed."""
        if not self.available:
            return False
        if self._stream is None:
            self.mixer.start_ahead()  # the callback only copies (see the module doc)
            try:
                self._stream = (self._stream_factory or self._sd.OutputStream)(
                    samplerate=self.mixer.sample_rate, channels=2, dtype="float32",
                    latency=self.latency, callback=self._callback,
                )
                self._stream.start()
            except Exception as e:
                self._stream = None
                self.mixer.stop_ahead()
                self.available = False
                self.reason = f"Could not open the sound output: {e}"
                return False
        return True

    def _callback(self, outdata, frames, time, status) -> None:  # runs on PortAudio's thread
        if status.output_underflow:
            self.underflows += 1
        mixer = self.mixer
        frame = mixer.position
        mixer.fill(outdata)
        if time.outputBufferDacTime > 0:  # some host APIs give no DAC time: output_delay falls back
            self.clock.mark(time.outputBufferDacTime, frame, frames, mixer.tempo)

    @property
    def output_delay_frames(self) -> int:
        """How far the speaker lags the mixer (for the playhead, the lyrics and the taps): from the
        sound card's clock where it gives one (:class:`AudioClock`), else from the stream's latency."""
        stream = self._stream
        if stream is None or not self.mixer.playing:
            return 0
        heard = None
        # A stream closing on another thread (no PortAudio loaded: a simulated stream in the dev tools).
        with contextlib.suppress(getattr(self._sd, "PortAudioError", OSError)):
            heard = self.clock.frame_at(stream.time)
        if heard is not None:
            return max(0, self.mixer.position - heard)
        try:  # in song frames: shifted, the speaker plays them at the tempo
            return int(stream.latency * self.mixer.sample_rate * self.mixer.tempo)
        except Exception:
            return 0

    def maintain(self) -> bool:
        """After an underflow: reopen the stream with the next larger buffer (the render-ahead ring and the
        song position stay). Returns whether it did. Call it from one thread (the UI's)."""
        if self.underflows == self._underflows_handled or self._stream is None:
            return False
        self._underflows_handled = self.underflows
        larger = [s for s in LATENCY_STEPS_S if s > self.latency + 1e-9]
        if not larger:
            return False
        self.latency = larger[0]
        stream, self._stream = self._stream, None
        # abort, not stop: stop plays out what the card holds, which after an underflow through
        # ALSA's PulseAudio plugin took ~1.8 s (silence, and the UI thread waiting).
        with contextlib.suppress(Exception):
            stream.abort()
        close_stream(stream)
        self.clock = AudioClock(self.mixer.sample_rate)  # the new stream has a clock of its own
        return self.start()

    def close(self) -> None:
        stream, self._stream = self._stream, None
        close_stream(stream)
        self.mixer.stop_ahead()
