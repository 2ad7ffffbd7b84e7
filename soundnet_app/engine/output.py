"""The sound card: a ``sounddevice.OutputStream`` whose callback runs the mixer.

When PortAudio or an output device is missing, :class:`AudioOutput` says why
(``available`` / ``reason``) and the app keeps working without sound.
``sounddevice`` is imported when the output is built (it loads PortAudio).
"""

from __future__ import annotations

import os

from soundnet_app.audio.devices import close_stream
from soundnet_app.engine.mixer import PlaybackMixer


class AudioOutput:
    """The sound card side: a ``sounddevice.OutputStream`` whose callback runs the mixer.

    Construction never fails: when PortAudio, an output device or the stream is
    missing, ``available`` is ``False`` and ``reason`` says why in one line.
    ``SOUNDNET_NO_AUDIO=1`` turns sound off on purpose.
    """

    def __init__(self, mixer: PlaybackMixer, enabled: bool = True, latency: float = 0.05):
        self.mixer = mixer
        self.latency = latency
        self._stream = None
        self._sd = None
        self.available = False
        self.reason = ""
        if not enabled or os.environ.get("SOUNDNET_NO_AUDIO"):
            self.reason = "Sound output is turned off."
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
                self._stream = self._sd.OutputStream(
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
        self.mixer.fill(outdata)

    @property
    def output_delay_frames(self) -> int:
        """How far the speaker lags the mixer (for the playhead)."""
        stream = self._stream
        if stream is None or not self.mixer.playing:
            return 0
        try:  # in song frames: shifted, the speaker plays them at the tempo
            return int(stream.latency * self.mixer.sample_rate * self.mixer.tempo)
        except Exception:
            return 0

    def close(self) -> None:
        stream, self._stream = self._stream, None
        close_stream(stream)
        self.mixer.stop_ahead()
