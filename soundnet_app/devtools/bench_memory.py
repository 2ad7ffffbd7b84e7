"""Memory of the app with a long song: its peak, and what is left once another song replaces it.

    python -m soundnet_app.devtools.bench_memory [--minutes 60] [--separate]
    python -m soundnet_app.devtools.bench --app      (adds these numbers to its line)

A generated ``--minutes`` song (WAV) has its vocals put in a fresh stem cache
first (a stand-in: half the mixture, so no 60-minute separation runs; the
app holds and draws them exactly as it would separated ones; ``--separate``:
none, the model separates the long song in the app and stores it). Then a fresh
``python`` process builds the window with the real model, opens the long
song (decode, hash, stems from the cache, waveforms drawn), then opens a
54-s song that the model separates, and reports:

``long_song_peak_rss_mb``
    the child's peak resident memory (``VmHWM``: ``ru_maxrss`` would carry this
    benchmark's own peak into the child, see :mod:`.memory`) up to the long song
    shown with its stems (target <= 2048);
``rss_after_long_song_closed_mb``
    its resident memory once the 54-s song is separated and the window has
    trimmed the heap (target <= 1200).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from soundnet_app.audio.decode import stream_audio
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import probe
from soundnet_app.devtools.synth import write_synthetic_song
from soundnet_app.engine.pcm import Pcm16
from soundnet_app.separation.cache import StemCache, cache_key, file_hash
from soundnet_app.separation.catalog import default_model_path, model_version_of

_CHILD = """
import gc, json, sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from soundnet_app.devtools.memory import peak_rss_mb, rss_mb
from soundnet_app.devtools.simulate import wait_until
from soundnet_app.separation.cache import StemCache
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.settings import AppSettings
app = QApplication([])
apply_theme(app)
long_song, short_song, cache, settings = (Path(a) for a in sys.argv[1:5])
timeout = float(sys.argv[5])
window = MainWindow(settings=AppSettings(settings), cache=StemCache(cache), audio=False)
window.resize(1200, 760)
window.show()
def shown(path):
    song = window.song
    return (song is not None and song.path == path and song.coverage.complete and not window.separating
            and window.waveforms.vocals._version == song.env_vocals.version)
out = {"model_ready": wait_until(lambda: window.separation.model_state == "ready", timeout)}
out["rss_model_ready_mb"] = round(rss_mb(), 1)
window.open_path(long_song)
out["long_song_shown"] = wait_until(lambda: shown(long_song), timeout)
out["long_song_cached"] = bool(window.song is not None and window.song.cached)
wait_until(lambda: not window._tasks, timeout)  # the key finder reads the whole instrumental
out["long_song_peak_rss_mb"] = round(peak_rss_mb(), 1)
out["rss_with_long_song_mb"] = round(rss_mb(), 1)
window.open_path(short_song)
out["short_song_separated"] = wait_until(lambda: shown(short_song), timeout)
gc.collect()
wait_until(lambda: not window._tasks, timeout)
wait_until(lambda: False, 1.5)  # the window trims the heap 0.5 s after a song change
out["rss_after_long_song_closed_mb"] = round(rss_mb(), 1)
print("RESULT " + json.dumps(out), flush=True)
window.shutdown()
"""


def put_stand_in_stems(song: Path, cache_dir: Path) -> None:
    """Store half of ``song``'s mixture as its vocals in a stem cache at ``cache_dir`` (16-bit, streamed)."""
    frames = int(probe(song).duration_s * SAMPLE_RATE)
    vocals = Pcm16.from_blocks((block * 0.5 for block in stream_audio(song, block_frames=1 << 18)), frames_hint=frames)
    key = cache_key(file_hash(song), model_version_of(default_model_path()))
    if StemCache(cache_dir, max_bytes=8 * 1024**3).put(key, vocals.data) is None:
        raise RuntimeError("could not fill the stem cache")


def long_song_memory(minutes: float = 60.0, timeout_s: float = 1200.0, separate: bool = False) -> dict:
    """Run the measurement in a child process; returns the numbers of the module docstring."""
    with tempfile.TemporaryDirectory(prefix="soundnet-memory-") as tmp:
        tmp = Path(tmp)
        long_song = write_synthetic_song(tmp / "Long Song.wav", minutes * 60.0, seed=5)
        short_song = write_synthetic_song(tmp / "Short Song.wav", 54.0, seed=6)
        if not separate:
            put_stand_in_stems(long_song, tmp / "cache")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(long_song), str(short_song), str(tmp / "cache"),
             str(tmp / "settings.ini"), str(timeout_s)],
            capture_output=True, text=True, env=env, timeout=timeout_s * 3, check=False,
            cwd=str(Path(__file__).resolve().parents[2]))
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                return {"long_song_minutes": minutes, "long_song_separated_in_app": separate,
                        **json.loads(line[len("RESULT "):])}
        raise RuntimeError(f"the memory benchmark failed: {done.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soundnet_app.devtools.bench_memory", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=60.0, help="length of the long song")
    p.add_argument("--separate", action="store_true", help="no stems in the cache: the app separates the long song")
    args = p.parse_args(argv)
    print(json.dumps(long_song_memory(args.minutes, separate=args.separate)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
