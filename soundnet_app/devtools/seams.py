"""Chunk seams, measured: a held note across seams, and SDR with seams inside the tracks.

    python -m soundnet_app.devtools.seams [ROOT] [--chunk-frames N --overlap S]

The MUSDB18 previews (7 s) fit in one chunk, so ``soundnet-eval`` never sees a
seam. Here the validation tracks are joined end to end into one song,
separated as one stream (seams fall inside tracks), and each track's span of
the result is scored like ``soundnet-eval`` does (museval v4, 1 s windows;
median and mean over tracks). The held note: vocal energy within 1 s of each
seam over the median energy (1.0 is steady). One JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.separation.separator import Separator
from soundnet_app.training.data import list_stem_tracks, read_stems
from soundnet_app.training.evaluate import TARGETS, track_scores


def held_tone_over_backing(seconds: float) -> np.ndarray:
    """``(n, 2)`` float32: a steady backing (chord, bass, kick, hats) under one held sung-like note with vibrato."""
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    in_beat = np.mod(t, 0.5)
    backing = (sum(np.sin(2 * np.pi * 220.0 * r * t) for r in (1, 1.26, 1.5)) * 0.07
               + np.sin(2 * np.pi * 55.0 * t) * 0.15
               + np.sin(2 * np.pi * 60 * in_beat) * np.exp(-in_beat * 30) * 0.35
               + rng.standard_normal(t.size) * np.exp(-np.mod(t, 0.25) * 60) * 0.04)
    phase = 2 * np.pi * np.cumsum(220.0 * (1 + 0.004 * np.sin(2 * np.pi * 5.5 * t))) / SAMPLE_RATE
    voice = sum(np.sin(k * phase) * 0.6**k for k in range(1, 9)) * 0.1
    return np.stack([backing + voice, backing * 0.9 + voice], axis=1).astype(np.float32)


def seam_energy_ratios(separator, seconds: float = 60.0) -> list[float]:
    """Per seam: the held note's vocal energy within 1 s of it over the median (steady: 1.0)."""
    song = held_tone_over_backing(seconds)
    chunks = list(separator.separate_array(song))
    vocals = np.concatenate([c.vocals for c in chunks])
    hop = SAMPLE_RATE // 10
    energy = np.sqrt((vocals[: vocals.shape[0] // hop * hop].reshape(-1, hop, 2) ** 2).mean(axis=(1, 2)))
    typical = np.median(energy[20:-20])  # not the first and last 2 s: no context there, whatever the chunking
    seams = [(c.start + separator.overlap / 2) / hop for c in chunks[1:]]
    return [float(energy[round(s) - 10 : round(s) + 10].mean() / typical) for s in seams]


def joined_validation_sdr(separator, root: str) -> dict:
    """Median and mean SDR per target over the validation tracks, separated joined end to end."""
    tracks = []
    for path in list_stem_tracks(root, "train", "valid"):
        stems = read_stems(path, ("mixture", "drums", "bass", "other", "vocals"))
        tracks.append((stems["mixture"], {"vocals": stems["vocals"],
                                          "accompaniment": stems["drums"] + stems["bass"] + stems["other"]}))
    song = np.concatenate([m for m, _ in tracks])
    t0 = time.perf_counter()
    vocals, _ = separator.separate(song)
    seconds = time.perf_counter() - t0
    rows, start = [], 0
    for mixture, references in tracks:
        end = start + mixture.shape[0]
        est = vocals[start:end]
        rows.append(track_scores(references, {"vocals": est, "accompaniment": mixture - est}))
        start = end
    return {
        "tracks": len(rows),
        "joined_s": round(song.shape[0] / SAMPLE_RATE, 1),
        "separate_s": round(seconds, 2),
        "median": {t: round(float(np.median([r[t] for r in rows])), 2) for t in TARGETS},
        "mean": {t: round(float(np.mean([r[t] for r in rows])), 2) for t in TARGETS},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", nargs="?", help="MUSDB18-style root (train/*.stem.mp4); without it only the held note")
    p.add_argument("--chunk-frames", type=int, default=None)
    p.add_argument("--overlap", type=float, default=None)
    args = p.parse_args(argv)
    separator = Separator(chunk_frames=args.chunk_frames, overlap_seconds=args.overlap)
    result: dict = {"chunk_s": round(separator.chunk_samples / SAMPLE_RATE, 2),
                    "overlap_s": round(separator.overlap / SAMPLE_RATE, 2),
                    "held_note_seam_ratios": [round(r, 2) for r in seam_energy_ratios(separator)]}
    if args.root:
        result["joined_validation_sdr"] = joined_validation_sdr(separator, args.root)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
