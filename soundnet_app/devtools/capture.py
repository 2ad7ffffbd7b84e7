"""What a listener hears while the CPU is busy: the app plays into a PulseAudio null sink, ``parec`` records it.

    python -m soundnet_app.devtools.capture [--seconds 60] [--fixed-buffer]

Needs PulseAudio running with a null sink as the default output, ALSA's default
device routed to it, and ``parec`` (Debian: ``pulseaudio pulseaudio-utils
libasound2-plugins``; then ``pulseaudio -D --exit-idle-time=-1``,
``pactl load-module module-null-sink sink_name=capture``, ``pactl
set-default-sink capture``, and ``/etc/alsa/conf.d/99-pulseaudio-default.conf``
from its ``.example``). Load the CPU as you like meanwhile (``stress -c 4``).

A generated 90-s chord with a sung tone is opened in the real window
(offscreen), played in karaoke as soon as its first chunk is separated, at key
+3 / tempo 0.8, with two key changes; the separation runs on meanwhile. The
recording is searched for cuts: runs of digital silence of 5 ms or more between
the first and the last sound. ``--fixed-buffer``: the sound card's buffer stays
at 50 ms (as before :data:`~soundnet_app.engine.output.LATENCY_STEPS_S`). One
JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QApplication

from soundnet_app.devtools.simulate import wait_until
from soundnet_app.engine.playback import KARAOKE
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.panels.keytempo import KeyTempoPanel
from soundnet_app.ui.settings import AppSettings

SR = 44100


def chord_with_voice(seconds: float = 90.0) -> np.ndarray:
    """``(n, 2)`` float32 with no silence anywhere: a held chord under a sung tone with vibrato."""
    t = np.arange(int(seconds * SR)) / SR
    backing = sum(np.sin(2 * np.pi * f * t) for f in (110.0, 138.6, 164.8, 220.0)) * 0.08
    phase = 2 * np.pi * np.cumsum(330.0 * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) / SR
    voice = sum(np.sin(k * phase) * 0.5**k for k in range(1, 6)) * 0.2
    return np.stack([backing + voice, backing * 0.9 + voice], axis=1).astype(np.float32)


def silent_cuts(recording: np.ndarray, rate: int, min_ms: float = 5.0) -> list[tuple[float, float]]:
    """``(start s, length ms)`` of each run of digital silence between the first and the last sound."""
    loud = np.flatnonzero(np.abs(recording).max(axis=1) > 0)
    if loud.size == 0:
        return []
    x = recording[loud[0] : loud[-1] + 1]
    edges = np.diff(np.r_[0, np.all(x == 0, axis=1).astype(np.int8), 0])
    return [(round(float(a) / rate, 3), round(float(b - a) / rate * 1000, 1))
            for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)) if b - a >= rate * min_ms / 1000]


def capture(seconds: float, fixed_buffer: bool, folder: Path) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the QApplication exists
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    song = folder / "chord.wav"
    sf.write(song, chord_with_voice(), SR)
    window = MainWindow(settings=AppSettings(folder / "settings.ini"), cache=None, audio=True)
    window.resize(1200, 760)
    window.show()
    if not window.output.available:
        reason = window.output.reason
        window.shutdown()
        raise SystemExit(f"no sound output: {reason} (see the module docstring for a PulseAudio null sink)")
    if fixed_buffer:
        window.output.latency = 0.05
        window.output.maintain = lambda: False
    if not wait_until(lambda: window.separation.model_state == "ready", 120):
        raise SystemExit("the model did not load")
    recording = folder / "captured.wav"
    parec = subprocess.Popen(["parec", "--device=capture.monitor", "--format=s16le", f"--rate={SR}",
                              "--channels=2", "--file-format=wav", str(recording)])
    try:
        window.open_path(song)
        wait_until(lambda: window.song is not None and window.song.coverage.is_separated(0), 120)
        window.playback.set_mode(KARAOKE)
        keys = window.panel(KeyTempoPanel)
        keys.set_shift(3, 0.8)
        start = time.perf_counter()
        window.transport.toggle_play()
        for at, key in ((seconds / 3, 1), (2 * seconds / 3, 3)):
            wait_until(lambda: False, max(0.0, at - (time.perf_counter() - start)))
            keys.set_shift(key, 0.8)
        wait_until(lambda: False, max(0.0, seconds - (time.perf_counter() - start)))
        window.transport.toggle_play()
        wait_until(lambda: False, 0.5)
    finally:
        parec.terminate()
        parec.wait()
    result = {"buffer_s": window.output.latency, "card_underflows": window.output.underflows,
              "load_average": [round(v, 1) for v in os.getloadavg()]}
    window.shutdown()
    audio, rate = sf.read(recording, dtype="int16")
    cuts = silent_cuts(audio, rate)
    return {"seconds": seconds, **result, "cuts": len(cuts), "cuts_s_ms": cuts[:20],
            "longest_cut_ms": max((ms for _, ms in cuts), default=0.0)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soundnet_app.devtools.capture", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--fixed-buffer", action="store_true", help="a 50-ms sound card buffer that never grows")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soundnet-capture-") as tmp:
        print(json.dumps(capture(args.seconds, args.fixed_buffer, Path(tmp))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
