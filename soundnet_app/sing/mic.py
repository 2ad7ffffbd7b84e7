"""The microphone: input sources and the singing session. No Qt here.

An input source calls ``callback(block)`` with ``(frames,)`` float32 mono
blocks from its own thread:

* :class:`MicInput` -- a ``sounddevice.InputStream`` on a chosen device;
  without PortAudio or an input device it is not ``available`` and its
  ``reason`` says so (the rest of the app works);
* :class:`FileInput` -- plays an array or an audio file into the callback
  in real time (or faster): tests and benchmarks on machines with no sound card.

:class:`SingingSession` ties a source to a :class:`~soundnet_app.sing.live_pitch.LivePitch`,
a :class:`~soundnet_app.sing.scoring.LiveScorer` and a recording: the audio
callback only appends the block to a queue; a processing thread tracks the
pitch and scores, so neither the audio thread nor the UI waits for Praat.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.devices import close_stream
from soundnet_app.sing.live_pitch import LivePitch
from soundnet_app.sing.pitch import HOP_S
from soundnet_app.sing.scoring import LiveScorer

log = logging.getLogger(__name__)

Callback = Callable[[np.ndarray], None]


def input_devices() -> list[tuple[int, str]]:
    """``[(index, name), ...]`` of the input devices PortAudio knows; ``[]`` without any."""
    try:
        import sounddevice as sd

        devices = sd.query_devices()
    except Exception:  # no PortAudio, or it failed to initialise
        return []
    return [(i, d["name"]) for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]


class InputSource:
    """Base of the input sources: ``available``, ``reason``, ``sample_rate``, start/stop."""

    sample_rate = 44100
    available = True
    reason = ""

    def start(self, callback: Callback) -> bool:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return False


class MicInput(InputSource):
    """A sounddevice input stream (mono) on ``device`` (index or name; ``None``: the default).

    ``latency`` is sounddevice's latency hint (``"low"`` by default).
    """

    def __init__(self, device: int | str | None = None, sample_rate: int = 44100, latency="low",
                 block_frames: int = 512):
        self.device = device
        self.sample_rate = sample_rate
        self.latency = latency
        self.block_frames = block_frames
        self._stream = None
        self.available = False
        self.reason = ""
        if os.environ.get("SOUNDNET_NO_AUDIO"):
            self.reason = "Sound is turned off, so there is no microphone."
            return
        try:
            import sounddevice as sd
        except (OSError, ImportError) as e:
            self.reason = f"No microphone: the PortAudio library is not available ({e})."
            return
        self._sd = sd
        try:
            sd.check_input_settings(device=device, channels=1, samplerate=sample_rate, dtype="float32")
        except Exception:
            self.reason = ("No microphone was found. Plug one in and choose it in Sing › Microphone; "
                           "lyrics and the pitch guide still work.")
            return
        self.available = True

    def start(self, callback: Callback) -> bool:
        if not self.available:
            return False
        if self._stream is not None:
            return True

        def on_audio(indata, frames, time_info, status):  # PortAudio's thread
            callback(indata[:, 0].copy())

        try:
            self._stream = self._sd.InputStream(device=self.device, channels=1, samplerate=self.sample_rate,
                                                dtype="float32", latency=self.latency,
                                                blocksize=self.block_frames, callback=on_audio)
            self._stream.start()
        except Exception as e:
            self._stream = None
            self.reason = f"Could not open the microphone: {e}"
            return False
        return True

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        close_stream(stream)

    @property
    def running(self) -> bool:
        return self._stream is not None


class FileInput(InputSource):
    """An input fed from ``(n,)``/``(n, ch)`` audio or an audio file, as a sound card would.

    Args:
        source: an array at ``sample_rate``, or a path (decoded with the core's reader, 44.1 kHz).
        speed: 1.0 delivers in real time; ``0`` as fast as possible.
        loop: start again at the end (a benchmark's endless singer).
    """

    def __init__(self, source: np.ndarray | str | Path, sample_rate: int = 44100, block_frames: int = 512,
                 speed: float = 1.0, loop: bool = False):
        if isinstance(source, (str, Path)):
            self._path: Path | None = Path(source)  # decoded by the feeding thread: not on the UI thread
            self._audio: np.ndarray | None = None
            sample_rate = 44100
        else:
            self._path, self._audio = None, self._mono(np.asarray(source, dtype=np.float32))
        self.sample_rate = sample_rate
        self.block_frames = block_frames
        self.speed = speed
        self.loop = loop
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.finished = threading.Event()

    @staticmethod
    def _mono(audio: np.ndarray) -> np.ndarray:
        return audio.mean(axis=1).astype(np.float32) if audio.ndim == 2 else audio.astype(np.float32)

    @property
    def audio(self) -> np.ndarray:
        """The ``(n,)`` float32 samples fed (a file is decoded on first use)."""
        if self._audio is None:
            self._audio = self._mono(read_audio(self._path)[0])
        return self._audio

    def start(self, callback: Callback) -> bool:
        if self._thread is not None:
            return True
        self._stop.clear()
        self.finished.clear()
        self._thread = threading.Thread(target=self._run, args=(callback,), name="file-input", daemon=True)
        self._thread.start()
        return True

    def _run(self, callback: Callback) -> None:
        period = self.block_frames / self.sample_rate / self.speed if self.speed > 0 else 0.0
        audio = self.audio
        deadline = time.perf_counter()
        i = 0
        while not self._stop.is_set():
            if i >= audio.size:
                if not self.loop:
                    break
                i = 0
            callback(audio[i:i + self.block_frames].copy())
            i += self.block_frames
            if period:
                deadline += period
                delay = deadline - time.perf_counter()
                if delay > 0:
                    self._stop.wait(delay)
        self.finished.set()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(2.0)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class SingingSession:
    """The singer, live: pitch, score and recording from an input source.

    Args:
        source: where the voice comes from.
        guide_f0: the song's guide f0 on the ``hop_s`` grid (``(n_hops,)``), or
            ``None`` (pitch is still tracked, nothing is scored).
        song_start_s: the song position when the source starts.
        latency_s: the measured round trip; input sample ``k`` was sung at
            song time ``song_start_s + tempo * (k / rate - latency_s)``.
        key, tempo: the player's shift while the singer sings: the song moves
            ``tempo`` song seconds per second, and the singer's pitch is
            ``key`` semitones off the guide's (taken off before scoring).
        lines: ``(start_s, end_s)`` per lyrics line, for per-line scores.
        record: keep the input for "my take".
        scorer: an existing :class:`LiveScorer` to add to (instead of a new one on ``guide_f0``).
        monitor: a :class:`~soundnet_app.sing.monitor.VoiceMonitor` that gets every block on the
            source's thread (hearing yourself); ignored at another sample rate.
    """

    def __init__(self, source: InputSource, guide_f0: np.ndarray | None = None, song_start_s: float = 0.0,
                 latency_s: float = 0.0, lines=(), hop_s: float = HOP_S, record: bool = True,
                 scorer: LiveScorer | None = None, key: int = 0, tempo: float = 1.0, monitor=None):
        self.source = source
        self.monitor = monitor if monitor is not None and monitor.sample_rate == source.sample_rate else None
        self.hop_s = hop_s
        self.song_start_s = song_start_s
        self.latency_s = latency_s
        self.key = key
        self.tempo = tempo
        self.live = LivePitch(source.sample_rate, hop_s)
        if scorer is None and guide_f0 is not None:
            scorer = LiveScorer(guide_f0, hop_s, lines)
        self.scorer = scorer  # may be shared by the sessions of one song (play, pause, play...)
        self.record = record
        self._blocks: list[np.ndarray] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()  # notified after each processed block (wait_idle)
        self.seconds = 0.0  # processing time (benchmark)
        self.level = 0.0  # the last block's peak, for a meter
        self.error = ""  # set when a block could not be processed (the session goes on)

    def start(self) -> bool:
        if self._thread is None:
            self._thread = threading.Thread(target=self._process, name="singing", daemon=True)
            self._thread.start()
        ok = self.source.start(self._on_block)
        if not ok:
            self.stop()
        return ok

    def _on_block(self, block: np.ndarray) -> None:  # the source's thread: nothing slow here
        monitor = self.monitor
        if monitor is not None:  # heard now, not after the pitch tracker's queue
            monitor.push(block)
        self._queue.put(block)

    def _process(self) -> None:
        while True:
            block = self._queue.get()
            try:
                if block is None:
                    return
                t0 = time.perf_counter()
                if self.record:
                    self._blocks.append(block)
                self.level = float(np.abs(block).max()) if block.size else 0.0
                new = self.live.feed(block)
                if new and self.scorer is not None:
                    times, f0 = self.live.frames()
                    # Input time -> song time (started at song_start_s, heard latency_s late, at tempo);
                    # the singer's pitch back in the guide's key.
                    hops = np.rint(self.song_time(times[-new:]) / self.hop_s).astype(np.int64)
                    self.scorer.add_at(hops, f0[-new:] * np.float32(2.0 ** (-self.key / 12)))
                self.seconds += time.perf_counter() - t0
            except Exception as e:  # one bad block must not end the session's scoring and recording
                self.error = f"Live pitch failed on a block: {e}"
                log.exception("singing session: a block failed")
            finally:
                self._queue.task_done()
                with self._idle:
                    self._idle.notify_all()

    def song_time(self, input_s: np.ndarray | float) -> np.ndarray | float:
        """The song time (s) sung at input time ``input_s`` (s since the source started)."""
        return self.song_start_s + self.tempo * (input_s - self.latency_s)

    def sung(self) -> tuple[np.ndarray, np.ndarray]:
        """``(song times, f0)`` of the singer's recent frames (f0 as sung, at the player's key)."""
        times, f0 = self.live.frames()
        return self.song_time(times), f0

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every block is processed (tests, benchmarks); ``False`` on timeout.

        A finite source (a :class:`FileInput` that does not loop) is first waited
        for until it has delivered its last block: before its first one the
        queue is empty, which is not idle.
        """
        end = time.monotonic() + timeout
        finished = getattr(self.source, "finished", None)
        finite = finished is not None and not getattr(self.source, "loop", False) and self.source.running
        if finite and not finished.wait(max(0.0, end - time.monotonic())):
            return False
        with self._idle:
            return self._idle.wait_for(lambda: not self._queue.unfinished_tasks, max(0.0, end - time.monotonic()))

    def stop(self) -> None:
        self.source.stop()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(5.0)

    def recording(self) -> np.ndarray:
        """The recorded input so far, ``(n,)`` float32 at the source's rate."""
        blocks = list(self._blocks)
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
