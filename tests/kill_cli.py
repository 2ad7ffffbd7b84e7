"""Interrupt ``soundnet-separate`` at random moments, then re-run it, and check what is on disk.

    python tests/kill_cli.py [--kills N] [--terms N] [--seed S] [--model PATH]

Each round separates two generated songs into a fresh folder, sends SIGKILL
or SIGTERM after a random delay (between process start and a little past the
end of an uninterrupted run), checks the outputs, re-runs the same command
(no ``--overwrite``) and checks again. An output is *corrupt* if a final
stem does not decode to the song's full length, *unpaired* if a song has one
stem without the other, and *partial* if a hidden ``.partial-*`` file is
left. After the re-run, every song must have both stems complete and nothing
else. Prints one JSON line with the counts.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import soundfile as sf  # noqa: E402

from soundnet_app.audio.formats import SAMPLE_RATE  # noqa: E402
from soundnet_app.devtools.synth import write_synthetic_song  # noqa: E402

SONGS = {"first": 12.0, "second": 6.0}  # name: seconds
STEMS = ("vocals", "instrumental")


def inspect(out: Path) -> dict:
    """Counts of complete, corrupt, unpaired outputs and partial files under ``out``."""
    counts = {"complete": 0, "corrupt": 0, "unpaired": 0, "partial": 0, "other": 0}
    if not out.exists():
        return counts
    for folder in out.iterdir():
        if folder.name not in SONGS:
            counts["other"] += 1
            continue
        present = []
        for entry in folder.iterdir():
            if ".partial-" in entry.name:
                counts["partial"] += 1
                continue
            if entry.stem not in STEMS:
                counts["other"] += 1
                continue
            present.append(entry.stem)
            try:
                frames = len(sf.read(entry, dtype="float32")[0])
            except Exception:
                frames = -1
            if frames == round(SONGS[folder.name] * SAMPLE_RATE):
                counts["complete"] += 1
            else:
                counts["corrupt"] += 1
        if len(present) == 1:
            counts["unpaired"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--terms", type=int, default=20)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--model", default=None)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    totals = {"rounds": 0, "after_signal": {}, "after_rerun": {}, "rerun_failures": [], "exit_codes": {},
              "sigterm_partials": 0}
    with tempfile.TemporaryDirectory(prefix="soundnet-kill-") as d:
        d = Path(d)
        inputs = [write_synthetic_song(d / f"{name}.wav", seconds, seed=i)
                  for i, (name, seconds) in enumerate(SONGS.items())]
        base = [sys.executable, "-m", "soundnet_app.cli", *map(str, inputs), "--quiet"]
        if args.model:
            base += ["--model", args.model]
        # One uninterrupted run sets the range of the random delays.
        t0 = time.perf_counter()
        subprocess.run(base + ["-o", str(d / "warmup")], cwd=REPO, check=True, capture_output=True)
        full_s = time.perf_counter() - t0
        plan = [signal.SIGKILL] * args.kills + [signal.SIGTERM] * args.terms
        rng.shuffle(plan)
        for i, sig in enumerate(plan):
            out = d / f"run{i}"
            fmt = rng.choice(["wav", "flac"])
            cmd = base + ["-o", str(out), "--format", fmt]
            proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.2, full_s * 1.05))
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
            key = f"{signal.Signals(sig).name}:{proc.returncode}"
            totals["exit_codes"][key] = totals["exit_codes"].get(key, 0) + 1
            if "Traceback" in err:
                totals["rerun_failures"].append({"round": i, "phase": "signal", "stderr": err[-500:]})
            after = inspect(out)
            if sig == signal.SIGTERM:
                totals["sigterm_partials"] += after["partial"]
            for k, v in after.items():
                totals["after_signal"][k] = totals["after_signal"].get(k, 0) + v
            rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
            final = inspect(out)
            for k, v in final.items():
                totals["after_rerun"][k] = totals["after_rerun"].get(k, 0) + v
            # rc 1 with "output exists" is right when the signal came after the work was done.
            refused_done = rerun.returncode == 1 and all(
                "output exists" in line for line in rerun.stderr.splitlines() if line.startswith("error:"))
            if (rerun.returncode != 0 and not refused_done) or "Traceback" in rerun.stderr \
                    or final["complete"] != len(SONGS) * len(STEMS) or any(
                    final[k] for k in ("corrupt", "unpaired", "partial", "other")):
                totals["rerun_failures"].append({"round": i, "signal": sig.name, "rc": rerun.returncode,
                                                 "final": final, "stderr": rerun.stderr[-500:]})
            totals["rounds"] += 1
        totals["uninterrupted_run_s"] = round(full_s, 2)
    print(json.dumps(totals))
    bad = totals["rerun_failures"] or totals["after_signal"].get("corrupt") or totals["sigterm_partials"]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
