"""The karaoke night's figures for ``python -m soundnet_app.devtools.bench --app`` (offscreen, no sound card).

:func:`run_night_benchmark` drives a real window (the app benchmark's, with its loaded model):

``queue_next_song_start_s``
    two queued songs; the first plays (a simulated sound card renders the
    mixer) while the second is separated ahead in the background; then the
    first runs out (interlude set to 0 s): the time from its last sample to
    the second song playing (its mixer rendering from the separated stems).
    Target <= 0.5 s.
``stage_ahead_max_ui_stall_ms`` / ``stage_ahead_p99_ui_gap_ms``
    the longest stall of the UI event loop (a 10 ms timer's gaps minus 10 ms)
    while the stage view is open and the second song is separated ahead.
    Target <= 50 ms.
``stage_frame_ms`` / ``stage_frame_cpu_ms``
    p99 wall-clock and thread-CPU time of one paint of the stage view at
    1920x1080 (600 frames, a new song time each, word-timed lyrics with a
    wrapped long line). Target <= 8 ms. On a loaded machine the wall-clock
    p99 includes time the thread waited for a core; the CPU figure does not.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.simulate import FakeAudioThread, wait_until
from soundnet_app.devtools.stage_frames import demo_lyrics, paint_times_ms
from soundnet_app.devtools.synth import write_synthetic_song
from soundnet_app.ui.panels.queue import QueuePanel


class _SimulatedStream:
    """Where the window's sound output keeps its PortAudio stream: here the :class:`FakeAudioThread` plays."""

    latency = 0.0
    time = 0.0  # no DAC clock: the output's delay falls back to the latency

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


def stage_frame_times(frames: int = 600) -> dict:
    wall = np.array(paint_times_ms(1920, 1080, frames))
    cpu = np.array(paint_times_ms(1920, 1080, frames, clock=time.thread_time))
    return {"stage_frame_ms": round(float(np.percentile(wall, 99)), 2),
            "stage_frame_p50_ms": round(float(np.percentile(wall, 50)), 2),
            "stage_frame_cpu_ms": round(float(np.percentile(cpu, 99)), 2)}


def run_night_benchmark(window, tmp: Path, timeout_s: float = 600.0, first_seconds: float = 60.0,
                        next_seconds: float = 30.0) -> dict:
    """Queue two songs in ``window`` and measure (see the module's docstring)."""
    results: dict = {}
    panel = window.panel(QueuePanel)
    window.settings.q.setValue("queue/interlude_s", 0)
    first = write_synthetic_song(tmp / "Night One.wav", first_seconds, seed=31)
    second = write_synthetic_song(tmp / "Night Two.wav", next_seconds, seed=32)
    second.with_suffix(".lrc").write_text("\n".join(
        f"[{int(t // 60):02d}:{t % 60:05.2f}]line {t:.0f} of the second song" for t in range(0, int(next_seconds), 4)))
    window.output.available, window.output._stream = True, _SimulatedStream()  # the fake sound card below plays
    audio = FakeAudioThread(window.playback.mixer)
    audio.start()
    ticks: list[float] = []
    monitor = QTimer()
    monitor.setTimerType(Qt.TimerType.PreciseTimer)
    monitor.setInterval(10)
    monitor.timeout.connect(lambda: ticks.append(time.perf_counter()))
    try:
        panel.clear()
        panel.add([first, second], singer="Anna")
        panel.play_row(0)
        if not wait_until(lambda: window.song is not None and window.song.path == first and window.playback.playing,
                          timeout_s):
            raise TimeoutError("the first queued song did not start")
        panel.actions["stage"].setChecked(True)
        panel.stage.set_lyrics(demo_lyrics())
        monitor.start()
        ticks.append(time.perf_counter())
        second_id = panel.queue.entries[1].id
        n = window.song.n_frames

        def ahead_ready() -> bool:
            if window.playback.position > n - 5 * SAMPLE_RATE:  # keep the first song playing while we wait
                window.playback.seek(0)
            return panel.ahead.ready is not None and panel.ahead.ready[0] == second_id

        t0 = time.perf_counter()
        if not wait_until(ahead_ready, timeout_s):
            raise TimeoutError("the next song was not separated ahead in time")
        monitor.stop()
        gaps = np.diff(np.asarray(ticks)) * 1000.0
        results["queue_ahead_separation_s"] = round(time.perf_counter() - t0, 2)
        results["stage_ahead_max_ui_stall_ms"] = round(max(0.0, float(gaps.max(initial=10.0)) - 10.0), 1)
        results["stage_ahead_p99_ui_gap_ms"] = round(float(np.percentile(gaps, 99)), 1) if gaps.size else 0.0
        marks: dict[str, float] = {}

        def watch() -> bool:
            song, playback = window.song, window.playback
            if "end" not in marks and song is not None and song.path == first and not playback.playing \
                    and playback.position >= n:
                marks["end"] = time.perf_counter()
            if song is not None and song.path == second and playback.playing and playback.position > 0:
                marks["audio"] = time.perf_counter()
                return True
            return False

        window.playback.seek(n - SAMPLE_RATE // 2)
        if not wait_until(watch, 60.0) or "end" not in marks:
            raise TimeoutError("the next song did not start after the first ended")
        results["queue_next_song_start_s"] = round(marks["audio"] - marks["end"], 3)
        results["queue_next_from_memory"] = bool(window.song.coverage.complete)
    finally:
        monitor.stop()
        audio.stop_event.set()
        audio.join(2)
        window.playback.pause()
        panel.actions["stage"].setChecked(False)
        window.output._stream, window.output.available = None, False
    results.update(stage_frame_times())
    return results
