"""``soundnet-eval``: BSSEval v4 scores of the separator on MUSDB18-style stems.

    soundnet-eval ROOT [--subset train|test] [--split train|valid|all]
                  [--model PATH] [--oracle] [--json FILE]

For every track, the mixture stream is separated and scored against the
vocals and accompaniment (drums + bass + other) stems with museval (1 s
windows). A track's score is the median over its windows; the printed figure
is the median over tracks. The mixture itself used as the estimate gives the
floor; ``--oracle`` adds the ideal ratio mask (same STFT) as the ceiling.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.cli import ModelLoadError, load_separator
from soundnet_app.fileio import atomic_write
from soundnet_app.separation import filtering, transforms
from soundnet_app.training.data import list_stem_tracks, read_stems, stem_track_name

TARGETS = ("vocals", "accompaniment")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="soundnet-eval", description=__doc__.splitlines()[0])
    p.add_argument("root", help="MUSDB18-style root with train/ and/or test/ *.stem.mp4")
    p.add_argument("--subset", choices=("train", "test"), default="test")
    p.add_argument("--split", choices=("train", "valid", "all"), default="all", help="for --subset train")
    p.add_argument("--model", default=None, help="a .keras model (default: the bundled one)")
    p.add_argument("--swap-channels", action="store_true", help="test-time channel-swap averaging")
    p.add_argument("--wiener", type=int, default=None, metavar="N", help="multichannel Wiener filter iterations")
    p.add_argument("--mask-power", type=float, default=None, help="soft-mask exponent (default: the model's own)")
    p.add_argument("--chunk-frames", type=int, default=None, help="STFT frames per chunk (default: the model's own)")
    p.add_argument("--overlap", type=float, default=None, help="chunk cross-fade in seconds (default: the model's own)")
    p.add_argument("--extend-high-band", action="store_true", help="vocal mask above 11 kHz too")
    p.add_argument("--oracle", action="store_true", help="also score the ideal ratio mask")
    p.add_argument("--no-model", action="store_true", help="score only the references (mixture, oracle)")
    p.add_argument("--no-mixture", action="store_true", help="skip scoring the mixture (halves the time)")
    p.add_argument("--json", default=None, metavar="FILE", help="save the numbers as JSON")
    p.add_argument("--limit", type=int, default=0, help="only the first N tracks")
    return p.parse_args(argv)


def track_scores(references: dict[str, np.ndarray], estimates: dict[str, np.ndarray]) -> dict[str, float]:
    """Median-over-windows SDR per target; arrays are ``(samples, 2)``."""
    import museval  # imported lazily: it is heavy and needs ffmpeg on PATH

    ref = np.stack([references[t] for t in TARGETS]).astype(np.float64)
    est = np.stack([estimates[t] for t in TARGETS]).astype(np.float64)
    sdr, _isr, _sir, _sar = museval.evaluate(ref, est, win=SAMPLE_RATE, hop=SAMPLE_RATE)
    return {t: float(np.nanmedian(sdr[i])) for i, t in enumerate(TARGETS)}


def ideal_ratio_mask(references: dict[str, np.ndarray], mixture: np.ndarray) -> dict[str, np.ndarray]:
    """Oracle estimates: the power-ratio mask of the true stems on the mixture STFT."""
    vocal_spec = filtering.ratio_mask(
        transforms.stft(mixture),
        np.abs(transforms.stft(references["vocals"])),
        np.abs(transforms.stft(references["accompaniment"])),
        power=2.0,  # the ideal power-ratio mask
    )
    vocals = transforms.istft(vocal_spec, mixture.shape[0])
    return {"vocals": vocals, "accompaniment": mixture - vocals}


def median_of(tracks: list[dict], key: str | None = None) -> dict[str, float]:
    rows = [t[key] if key else t for t in tracks]
    return {target: float(np.median([r[target] for r in rows])) for target in TARGETS}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    split = None if args.split == "all" else args.split
    paths = list_stem_tracks(args.root, args.subset, split if args.subset == "train" else None)
    if args.limit:
        paths = paths[: args.limit]
    if not paths:
        print(f"error: no *.stem.mp4 tracks under {Path(args.root) / args.subset}", file=sys.stderr)
        return 2
    try:
        import museval  # noqa: F401
    except Exception as err:  # ImportError, or stempeg's RuntimeError without ffmpeg
        print(f"error: museval is needed for evaluation ({err}); pip install 'soundnet-karaoke[eval]'", file=sys.stderr)
        return 2
    separator = None
    if not args.no_model:
        try:
            separator = load_separator(
                args.model, swap_channels=args.swap_channels or None, wiener_iterations=args.wiener,
                extend_high_band=args.extend_high_band or None, mask_power=args.mask_power,
                chunk_frames=args.chunk_frames, overlap_seconds=args.overlap,
            )
        except ModelLoadError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"model {separator.model_path} (version {separator.model_version})")

    tracks = []
    for path in paths:
        stems = read_stems(path, ("mixture", "drums", "bass", "other", "vocals"))
        mixture = stems["mixture"]
        references = {"vocals": stems["vocals"], "accompaniment": stems["drums"] + stems["bass"] + stems["other"]}
        row: dict = {"name": stem_track_name(path)}
        if separator is not None:
            vocals, instrumental = separator.separate(mixture)
            row.update(track_scores(references, {"vocals": vocals, "accompaniment": instrumental}))
        if not args.no_mixture:
            row["mixture"] = track_scores(references, {t: mixture for t in TARGETS})
        if args.oracle:
            row["oracle"] = track_scores(references, ideal_ratio_mask(references, mixture))
        tracks.append(row)
        shown = " ".join(f"{t} {row[t]:6.2f}" for t in TARGETS if t in row)
        print(f"{row['name'][:45]:45s} {shown}", flush=True)

    result: dict = {}
    print(f"\nmedian over {len(tracks)} tracks (SDR dB, museval v4, 1 s windows)")
    if separator is not None:
        result["median"] = median_of(tracks)
        # The mean too: with 14 tracks the median can jump by half a dB when
        # the tracks near the middle swap places.
        result["mean"] = {t: float(np.mean([r[t] for r in tracks])) for t in TARGETS}
        print(f"  model:   vocals {result['median']['vocals']:6.2f}  accompaniment {result['median']['accompaniment']:6.2f}"
              f"   (mean {result['mean']['vocals']:.2f} / {result['mean']['accompaniment']:.2f})")
    if not args.no_mixture:
        result["mixture_median"] = median_of(tracks, "mixture")
        print(f"  mixture: vocals {result['mixture_median']['vocals']:6.2f}  accompaniment {result['mixture_median']['accompaniment']:6.2f}")
    if args.oracle:
        result["oracle_median"] = median_of(tracks, "oracle")
        print(f"  oracle:  vocals {result['oracle_median']['vocals']:6.2f}  accompaniment {result['oracle_median']['accompaniment']:6.2f}")
    result["tracks"] = tracks
    if separator is not None:
        result["model_version"] = separator.model_version
    if args.json:
        atomic_write(args.json, json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
