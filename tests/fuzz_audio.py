"""Seeded fuzzing of the audio reader: mutate small generated files, probe and decode each.

    python tests/fuzz_audio.py [--count N] [--seed S] [--keep DIR]

prints one JSON line: how many mutated files decoded, how many were refused
with :class:`AudioReadError`, the uncaught exceptions and hangs (with the
seed of each, to replay it), the lines the libraries printed on stderr, the
inputs that changed on disk (must be none) and the peak RSS of the process.
``tests/test_fuzz.py`` runs it with a few hundred mutations; the issue's
1,000+ file run is the same command with a larger ``--count``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in the checkout

from soundnet_app.audio.decode import stream_audio  # noqa: E402
from soundnet_app.audio.errors import AudioReadError  # noqa: E402
from soundnet_app.audio.probe import probe  # noqa: E402
from soundnet_app.devtools.memory import peak_rss_mb  # noqa: E402

HANG_S = 20  # one file's probe + decode; a real 0.5 s file takes milliseconds
INTERESTING_32 = (0, 1, 2, 8, 100, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                  0xFFFFFFFF, 44100, 48000)


def seed_files(folder: Path) -> list[Path]:
    """Small valid files: WAV (16-bit, float, 8-bit, mono 22 kHz), FLAC, MP3, OGG Vorbis."""
    import soundfile as sf

    rng = np.random.default_rng(0)
    t = np.arange(int(0.5 * 44100)) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], 1) * 0.4
    stereo = (stereo + rng.standard_normal(stereo.shape) * 0.01).astype(np.float32)
    specs = [("pcm16.wav", {"subtype": "PCM_16"}, 44100, stereo),
             ("float.wav", {"subtype": "FLOAT"}, 44100, stereo),
             ("u8.wav", {"subtype": "PCM_U8"}, 44100, stereo),
             ("mono22k.wav", {"subtype": "PCM_16"}, 22050, stereo[::2, :1]),
             ("song.flac", {}, 44100, stereo),
             ("song48k.flac", {"subtype": "PCM_24"}, 48000, stereo),
             ("song.mp3", {"format": "MP3"}, 44100, stereo),
             ("song.ogg", {"format": "OGG", "subtype": "VORBIS"}, 44100, stereo)]
    paths = []
    for name, kw, rate, x in specs:
        path = folder / name
        sf.write(path, x, rate, **kw)
        paths.append(path)
    return paths


def mutate(data: bytes, rng: np.random.Generator) -> tuple[bytes, str]:
    """One random mutation (sometimes two stacked) of ``data``; returns it and its name."""
    out = bytearray(data)
    names = []
    for _ in range(1 + (rng.random() < 0.3)):
        kind = rng.choice(["bitflip", "bytes", "header32", "header16", "truncate", "zero", "duplicate",
                           "insert", "swap"])
        n = len(out)
        if n < 8:
            break
        if kind == "bitflip":
            for _ in range(int(rng.integers(1, 33))):
                i = int(rng.integers(0, n))
                out[i] ^= 1 << int(rng.integers(0, 8))
        elif kind == "bytes":
            for _ in range(int(rng.integers(1, 17))):
                out[int(rng.integers(0, n))] = int(rng.choice([0, 0xFF, 0x7F, 0x80, int(rng.integers(0, 256))]))
        elif kind in ("header32", "header16"):  # size, rate and channel fields live in the first bytes
            fmt = "<I" if kind == "header32" else "<H"
            at = int(rng.integers(0, min(n, 96) - struct.calcsize(fmt)))
            value = int(rng.choice(INTERESTING_32)) if rng.random() < 0.7 else int(rng.integers(0, 2**32))
            out[at:at + struct.calcsize(fmt)] = struct.pack(fmt, value & (0xFFFF if kind == "header16" else 0xFFFFFFFF))
        elif kind == "truncate":
            del out[int(rng.integers(1, n)):]
        elif kind == "zero":
            i = int(rng.integers(0, n))
            out[i:i + int(rng.integers(1, 4096))] = bytes(min(n - i, int(rng.integers(1, 4096))))
        elif kind == "duplicate":
            i = int(rng.integers(0, n))
            out[i:i] = out[i:i + int(rng.integers(1, 8192))]
        elif kind == "insert":
            i = int(rng.integers(0, n))
            out[i:i] = rng.integers(0, 256, int(rng.integers(1, 2048)), dtype=np.uint8).tobytes()
        elif kind == "swap":
            i, j = sorted(int(v) for v in rng.integers(0, n, 2))
            k = int(rng.integers(1, 1024))
            out[i:i + k], out[j:j + k] = out[j:j + k], out[i:i + k]
        names.append(str(kind))
    return bytes(out), "+".join(names)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def run(count: int, seed: int, folder: Path) -> dict:
    seeds = seed_files(folder)
    originals = [(p.suffix, p.read_bytes()) for p in seeds]
    # Whatever the libraries print on stderr goes to a file we count (one line per failed file
    # is the CLI's promise; the decoder must add nothing of its own).
    err_file = folder / "stderr.txt"
    saved_err = os.dup(2)
    fd = os.open(err_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    signal.signal(signal.SIGALRM, _alarm)
    results = {"files": 0, "decoded": 0, "refused": 0, "uncaught": [], "hangs": [], "modified": [],
               "by_kind": {}}
    reasons: dict[str, int] = {}
    start = time.perf_counter()
    try:
        for k in range(count):
            rng = np.random.default_rng([seed, k])
            suffix, data = originals[k % len(originals)]
            mutated, kind = mutate(data, rng)
            path = folder / f"fuzz-{k:05d}{suffix}"
            path.write_bytes(mutated)
            digest = hashlib.sha256(mutated).hexdigest()
            results["files"] += 1
            signal.alarm(HANG_S)
            try:
                probe(path)
                frames = sum(len(block) for block in stream_audio(path, block_frames=16384))
                results["decoded"] += 1
                outcome = "decoded"
                assert frames >= 0
            except AudioReadError as e:
                results["refused"] += 1
                reasons[e.reason.split(" (")[0][:60]] = reasons.get(e.reason.split(" (")[0][:60], 0) + 1
                outcome = "refused"
            except Hang:
                results["hangs"].append({"k": k, "seed": seed, "kind": kind, "file": suffix})
                outcome = "hang"
            except Exception as e:  # exactly what must never happen
                results["uncaught"].append({"k": k, "seed": seed, "kind": kind, "file": suffix,
                                            "error": f"{type(e).__name__}: {e}",
                                            "where": traceback.format_exc().splitlines()[-3].strip()})
                outcome = "uncaught"
            finally:
                signal.alarm(0)
            results["by_kind"].setdefault(outcome, 0)
            results["by_kind"][outcome] += 1
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                results["modified"].append(k)
            path.unlink()
    finally:
        sys.stderr.flush()
        os.dup2(saved_err, 2)
        os.close(saved_err)
    del results["by_kind"]
    stderr_lines = [line for line in err_file.read_text(errors="replace").splitlines() if line.strip()]
    results["stderr_lines"] = len(stderr_lines)
    results["stderr_sample"] = stderr_lines[:3]
    results["seconds"] = round(time.perf_counter() - start, 2)
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    results["top_reasons"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:8])
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1200)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--keep", type=Path, default=None, help="work in this folder instead of a temporary one")
    args = p.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run(args.count, args.seed, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="soundnet-fuzz-") as d:
            results = run(args.count, args.seed, Path(d))
    print(json.dumps(results))
    return 0 if not (results["uncaught"] or results["hangs"] or results["modified"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
