"""The runtime table: each way of running the bundled model, measured in one run on the same files.

    python -m soundnet_app.devtools.bench_runtime [--runtimes openvino,tensorflow] [--json FILE]

For each runtime (``$SOUNDNET_RUNTIME``, float32; a fresh process per runtime,
so every import is paid as a user pays it):

``first_chunk_s``
    process start to the first separated chunk of a 30-s song, loading the
    model while the song decodes as ``soundnet-separate`` does;
``rtf``
    then, model warm, seconds of a 3-minute song per second of decode + separate;
``peak_rss_mb``
    the process's peak resident memory over both;
``installed_mb``
    ``du`` of the site-packages folders that runtime brings (TensorFlow: with
    Keras and the packages only it needs);
``load_max_ui_stall_ms``
    the app's window, shown offscreen, until the model is ready: the longest gap
    of a 10 ms UI timer beyond its 10 ms (the window's construction before it is
    shown is not part of it).

Prints a Markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import site
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from soundnet_app.devtools.synth import write_synthetic_song

# Site-packages folders each runtime adds to the app (TensorFlow: what tensorflow-cpu pulls in beyond our own needs).
RUNTIME_PACKAGES = {
    "openvino": ["openvino", "openvino_telemetry"],
    "tensorflow": ["tensorflow", "keras", "tensorboard", "tensorboard_data_server", "grpc", "clang", "ml_dtypes",
                   "google/protobuf", "optree", "jax", "flatbuffers", "absl", "gast", "opt_einsum", "wrapt"],
}

_SEPARATE = """
import sys, time
t0 = float(sys.argv[1])
from soundnet_app.separation.separator import LoadingSeparator, Separator
loading = LoadingSeparator(lambda: Separator())
for chunk in loading.separate_file(sys.argv[2]):
    print("first", time.time() - t0, flush=True)
    break
separator = loading.result()
start = time.perf_counter()
for chunk in separator.separate_file(sys.argv[3]):
    pass
print("rtf", chunk.end / 44100 / (time.perf_counter() - start))
print("runtime", separator.runtime, separator.precision)
"""

_UI_STALL = """
import os, sys, tempfile, time
from pathlib import Path
import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from soundnet_app.devtools.simulate import wait_until
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.settings import AppSettings
app = QApplication([])
apply_theme(app)
window = MainWindow(settings=AppSettings(Path(tempfile.mkdtemp()) / "s.ini"), cache=None, audio=False)
window.show()
ticks = [time.perf_counter()]
timer = QTimer()
timer.setTimerType(Qt.TimerType.PreciseTimer)
timer.setInterval(10)
timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
timer.start()
ok = wait_until(lambda: window.separation.model_state != "loading", 300)
timer.stop()
print("stall", float(np.diff(ticks).max()) * 1000 - 10 if ok and len(ticks) > 1 else -1)
window.shutdown()
"""


def installed_mb(runtime: str) -> float:
    """Megabytes on disk of the site-packages folders ``runtime`` brings."""
    total = 0
    for root in site.getsitepackages():
        for name in RUNTIME_PACKAGES[runtime]:
            folder = Path(root) / name
            if folder.is_dir():
                total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1e6


def measure_runtime(runtime: str, short: Path, long: Path) -> dict:
    """One row of the table, measured in fresh processes."""
    env = {**os.environ, "SOUNDNET_RUNTIME": runtime, "SOUNDNET_PRECISION": "float32",
           "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "2"}
    # A wrapper process reports its child's peak RSS (RUSAGE_CHILDREN of a process with that one child).
    wrapper = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
               "print('rss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-c", _SEPARATE, repr(time.time()),
                          str(short), str(long)], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{runtime}: {out.stderr[-2000:]}")
    values = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    row = {
        "runtime": values["runtime"],
        "first_chunk_s": round(float(values["first"]), 2),
        "rtf": round(float(values["rtf"]), 1),
        "peak_rss_mb": round(int(values["rss"]) / 1024),
        "installed_mb": round(installed_mb(runtime)),
    }
    ui = subprocess.run([sys.executable, "-c", _UI_STALL], capture_output=True, text=True, env=env, check=False)
    stall = [line for line in ui.stdout.splitlines() if line.startswith("stall ")]
    row["load_max_ui_stall_ms"] = round(float(stall[0].split()[1]), 1) if stall else None
    return row


def runtime_table(runtimes: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="soundnet-bench-runtime-") as tmp:
        short = write_synthetic_song(Path(tmp) / "song30s.wav", 30.0)
        long = write_synthetic_song(Path(tmp) / "song3min.wav", 180.0, seed=2)
        return [measure_runtime(runtime, short, long) for runtime in runtimes]


def markdown(rows: list[dict]) -> str:
    keys = ["runtime", "first_chunk_s", "rtf", "peak_rss_mb", "installed_mb", "load_max_ui_stall_ms"]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soundnet_app.devtools.bench_runtime", description=__doc__.splitlines()[0])
    p.add_argument("--runtimes", default="openvino,tensorflow", help="comma-separated (default: %(default)s)")
    args = p.parse_args(argv)
    rows = runtime_table(args.runtimes.split(","))
    print(markdown(rows))
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
