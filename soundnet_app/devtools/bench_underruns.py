"""Audio underruns on a busy machine: the render-ahead ring against a background CPU load.

    python -m soundnet_app.devtools.bench_underruns [--seconds 20] [--burners N]
    python -m soundnet_app.devtools.bench --app      (adds these numbers to its line)

A song plays through the mixer at key +3 and tempo 0.8 (the live stretcher in
the path) into a simulated sound card (:class:`~soundnet_app.devtools.simulate.FakeAudioThread`,
1024 frames every 23 ms, through the render-ahead ring) while ``N`` processes
spin on the CPU (default: twice the cores, like ``stress -c 4`` on 2 cores)
and one thread of this process runs Python code (the GIL, as the separation
and pitch threads hold it). Reported, for the ring as it is (it grows while
starved) and for a fixed 50 ms ring:

``audio_underruns_under_load`` / ``audio_underruns_under_load_fixed_ring``
    callbacks that found the ring short (a cut of silence);
``render_ahead_max_ms_under_load``
    the longest the ring grew to.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import threading

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.simulate import FakeAudioThread
from soundnet_app.engine import render_ahead
from soundnet_app.engine.mixer import PlaybackMixer
from soundnet_app.engine.song import Song


def _burn(stop) -> None:  # a CPU burner process
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def _play(seconds: float) -> tuple[int, float]:
    """Underruns and the ring's largest level (ms) over ``seconds`` of playback."""
    rng = np.random.default_rng(0)
    t = np.arange(int(30 * SAMPLE_RATE)) / SAMPLE_RATE
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)[:, None] + 0.05 * rng.standard_normal((t.size, 2))
    song = Song("load.wav", tone.astype(np.float32))
    song.write_chunk(0, np.asarray(song.mixture) * 0.3)
    mixer = PlaybackMixer()
    mixer.set_song(song)
    mixer.set_shift(3, 0.8)
    mixer.play()
    audio = FakeAudioThread(mixer)
    stop = threading.Event()

    def hold_the_gil() -> None:
        while not stop.is_set():
            sum(i * i for i in range(20_000))

    busy = threading.Thread(target=hold_the_gil, daemon=True)
    busy.start()
    audio.start()
    stop.wait(seconds)
    ring = mixer._ahead
    max_level = ring.max_level if ring is not None else 0
    audio.stop_event.set()
    audio.join(5)
    stop.set()
    busy.join(5)
    return audio.final_underruns, round(max_level * 1000 / SAMPLE_RATE, 1)


def underruns_under_load(seconds: float = 20.0, burners: int | None = None) -> dict:
    """Run both rings under the same load; returns the numbers of the module docstring."""
    burners = burners if burners is not None else 2 * (os.cpu_count() or 1)
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_burn, args=(stop,), daemon=True) for _ in range(burners)]
    for p in procs:
        p.start()
    try:
        underruns, max_ms = _play(seconds)
        grown = render_ahead.MAX_AHEAD_MS
        render_ahead.MAX_AHEAD_MS = render_ahead.AHEAD_MS  # the ring as it was: never grows
        try:
            fixed, _ = _play(seconds)
        finally:
            render_ahead.MAX_AHEAD_MS = grown
    finally:
        stop.set()
        for p in procs:
            p.join(5)
    return {"load_burners": burners, "load_seconds": seconds, "audio_underruns_under_load": underruns,
            "audio_underruns_under_load_fixed_ring": fixed, "render_ahead_max_ms_under_load": max_ms}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soundnet_app.devtools.bench_underruns",
                                description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0, help="playback per ring")
    p.add_argument("--burners", type=int, default=None, help="CPU burner processes (default: 2 per core)")
    args = p.parse_args(argv)
    print(json.dumps(underruns_under_load(args.seconds, args.burners)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
