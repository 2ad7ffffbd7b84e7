"""Speed and memory benchmark; prints one JSON object.

    python -m soundnet_app.devtools.bench          # the separation core
    python -m soundnet_app.devtools.bench --app    # the desktop app, offscreen
    python -m soundnet_app.devtools.bench --monitor  # hearing yourself: what it adds to the audio callback
    python -m soundnet_app.devtools.bench --ultrastar  # UltraStar export and karaoke video (devtools/bench_ultrastar.py)
    python -m soundnet_app.devtools.bench --runtimes # the runtime table (devtools/bench_runtime.py)

Core keys: ``rtf`` (song seconds per second of decode + separate + encode of a
3-minute stereo song, model loaded and warmed up, in the ``runtime`` and
``precision`` chosen; ``rtf_float32``: the same with TensorFlow in float32),
``first_chunk_s`` (start of
a separation to its first chunk), ``cold_start_s`` (wall time of
``soundnet-separate`` on a 30-second file, process start to exit; a fresh
process, the built network in the model cache as after any earlier run;
``cold_start_first_run_s``: the first run, which builds it) and
``peak_rss_mb_60min`` (peak resident memory of ``soundnet-separate`` on a
60-minute file). It generates its own input audio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from soundnet_app.audio.decode import stream_audio
from soundnet_app.audio.write import AudioWriter
from soundnet_app.devtools.bench_app import run_app_benchmark
from soundnet_app.devtools.bench_memory import long_song_memory
from soundnet_app.devtools.bench_runtime import main as bench_runtime_main
from soundnet_app.devtools.bench_ultrastar import run_ultrastar_benchmark
from soundnet_app.devtools.bench_underruns import underruns_under_load
from soundnet_app.devtools.synth import write_synthetic_song
from soundnet_app.engine.jobs import warm_up
from soundnet_app.engine.mixer import PlaybackMixer
from soundnet_app.engine.song import Song
from soundnet_app.separation.separator import Separator
from soundnet_app.sing.monitor import VoiceMonitor


def _run_cli(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``soundnet-separate`` in a child process: (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    # A fresh interpreter per run, so ru_maxrss of the waited child is this run's peak.
    code = (
        "import resource, subprocess, sys; "
        "rc = subprocess.call(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "soundnet_app.cli", "--quiet", "--overwrite", *args],
        capture_output=True, text=True, env=env,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"soundnet-separate failed: {proc.stderr.strip()[-500:]}")
    peak_kb = int(proc.stdout.strip().splitlines()[-1])
    return wall, peak_kb / 1024


def separate_and_write(separator: Separator, song: Path, tmp_path: Path) -> tuple[float, float]:
    """Warm up, then decode + separate + encode ``song``: (seconds, seconds to the first chunk)."""
    warm_up(separator)  # as the app does: the first call of each chunk shape compiles it
    start = time.perf_counter()
    first_chunk = None
    with AudioWriter(tmp_path / "vocals.wav") as vocals, AudioWriter(tmp_path / "inst.wav") as inst:
        for separated in separator.separate_blocks(stream_audio(song)):
            if first_chunk is None:
                first_chunk = time.perf_counter() - start
            vocals.write(separated.vocals)
            inst.write(separated.instrumental)
    return time.perf_counter() - start, first_chunk


def core_benchmark(model: str | None = None, long_minutes: float = 60.0) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="soundnet-bench-") as tmp:
        tmp_path = Path(tmp)
        song = write_synthetic_song(tmp_path / "song3min.wav", 180.0)
        separator = Separator(model)  # the chosen runtime and precision (separation/runtime.py)
        elapsed, first_chunk = separate_and_write(separator, song, tmp_path)
        results.update(runtime=separator.runtime, precision=separator.precision, rtf=round(180.0 / elapsed, 1),
                       separate_3min_s=round(elapsed, 2), first_chunk_s=round(first_chunk, 3))
        # The reference in the same run: TensorFlow in float32, as before the runtime choice.
        elapsed, _ = separate_and_write(Separator(model, runtime="tensorflow", precision="float32"), song, tmp_path)
        results["rtf_float32"] = round(180.0 / elapsed, 1)

        short = write_synthetic_song(tmp_path / "song30s.wav", 30.0)
        model_args = ["--model", model] if model else []
        # The first run after installing builds the OpenVINO network and keeps it (separation/openvino_cache.py);
        # every later start reads it back.
        env = dict(os.environ, SOUNDNET_MODEL_CACHE_DIR=str(tmp_path / "model cache"))
        cli_args = [str(short), "-o", str(tmp_path / "out"), *model_args]
        results["cold_start_first_run_s"] = round(_run_cli(cli_args, env)[0], 2)
        results["cold_start_s"] = round(_run_cli(cli_args, env)[0], 2)

        long = write_synthetic_song(tmp_path / "song60min.wav", long_minutes * 60)
        wall, peak = _run_cli([str(long), "-o", str(tmp_path / "out"), *model_args])
        results[f"peak_rss_mb_{long_minutes:g}min"] = round(peak, 1)
        results[f"separate_{long_minutes:g}min_s"] = round(wall, 1)
    results["cpu_count"] = os.cpu_count()
    return results


def monitor_benchmark(blocks: int = 400) -> dict:
    """Microseconds per 1024-frame block (median / 99th percentile) of the voice monitor's parts.

    ``push_*``: the input side (level, reverb, ring write); ``render_*``:
    ``PlaybackMixer.render(1024)`` of a playing karaoke song without a monitor,
    with one attached but off, and on; ``fill_*``: the sound card's callback
    (render-ahead ring copy) paced in real time, monitor off and on.
    """
    frames, rate = 1024, 44100
    rng = np.random.default_rng(0)
    n = 20 * rate
    song = Song("bench.wav", (rng.standard_normal((n, 2)) * 0.1).astype(np.float32))
    half = np.asarray(song.mixture) * 0.5
    song.write_chunk(0, half, half)
    voice = (0.3 * np.sin(2 * np.pi * 330 * np.arange(frames) / rate)).astype(np.float32)

    def stats(times: list[float]) -> list[float]:
        us = np.array(times[20:]) * 1e6  # after a warm-up
        return [round(float(np.median(us)), 1), round(float(np.percentile(us, 99)), 1)]

    results: dict = {}
    for reverb in (False, True):
        m = VoiceMonitor(rate)
        m.set_params(reverb=reverb)
        m.enabled = True
        times = []
        for _ in range(blocks):
            t = time.perf_counter()
            m.push(voice)
            times.append(time.perf_counter() - t)
            m.pull(frames)
        results["push_reverb_us" if reverb else "push_dry_us"] = stats(times)

    def mixer_with(monitor) -> PlaybackMixer:
        mixer = PlaybackMixer()
        mixer.set_song(song)
        mixer.play()
        mixer.monitor = monitor
        return mixer

    for name in ("none", "off", "on"):
        monitor = None if name == "none" else VoiceMonitor(rate)
        if monitor is not None:
            monitor.enabled = name == "on"
        mixer, times = mixer_with(monitor), []
        for _ in range(blocks):
            if monitor is not None:
                monitor.push(voice)
            t = time.perf_counter()
            mixer.render(frames)
            times.append(time.perf_counter() - t)
        results[f"render_monitor_{name}_us"] = stats(times)

    out = np.zeros((frames, 2), np.float32)
    for name in ("off", "on"):
        monitor = VoiceMonitor(rate)
        monitor.enabled = name == "on"
        mixer, times = mixer_with(monitor), []
        mixer.start_ahead()
        deadline = time.perf_counter()
        for _ in range(blocks // 3):
            monitor.push(voice)
            t = time.perf_counter()
            mixer.fill(out)
            times.append(time.perf_counter() - t)
            deadline += frames / rate
            time.sleep(max(0.0, deadline - time.perf_counter()))
        mixer.stop_ahead()
        results[f"fill_monitor_{name}_us"] = stats(times)
    results["monitor_latency_ms"] = round(VoiceMonitor(rate).target * 1000 / rate, 1)
    results["monitor_max_latency_ms"] = round(VoiceMonitor(rate).max_delay * 1000 / rate, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soundnet_app.devtools.bench", description="SoundNet speed/memory benchmark")
    p.add_argument("--app", action="store_true", help="benchmark the desktop app instead of the core")
    p.add_argument("--monitor", action="store_true", help="benchmark hearing yourself (the voice monitor)")
    p.add_argument("--runtimes", action="store_true", help="the runtime table: each runtime in a fresh process")
    p.add_argument("--ultrastar", action="store_true", help="benchmark the UltraStar export and the karaoke video")
    p.add_argument("--model", default=None, help="a .keras model (default: the bundled one)")
    p.add_argument("--long-minutes", type=float, default=60.0, help="length of the memory-test file")
    args = p.parse_args(argv)
    if args.app:
        results = run_app_benchmark()
        results.update(**long_song_memory(args.long_minutes), **underruns_under_load())  # 60-min song; CPU load
    elif args.monitor:
        results = monitor_benchmark()
    elif args.runtimes:
        return bench_runtime_main([])
    elif args.ultrastar:
        results = run_ultrastar_benchmark()
    else:
        results = core_benchmark(args.model, args.long_minutes)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
