"""``soundnet-separate``: write vocals and instrumental stems of songs.

    soundnet-separate INPUT... [-o OUTDIR] [--format FORMAT]
                      [--model PATH] [--overwrite] [--key N] [--tempo F]

writes ``OUTDIR/<song name>/vocals.<ext>`` and ``instrumental.<ext>`` (FORMAT: a key of
:data:`~soundnet_app.audio.formats.OUTPUT_FORMATS`, ``--help`` lists them). Each
file is written atomically and the two stems of a song are published
together (both are finished and flushed before either is renamed into
place); a failed song is reported in one line, naming the song and the
reason, and the others go on. The exit status is 1 if any song failed.

SIGTERM (and SIGHUP) stop it like Ctrl+C: the partial files are removed and
the exit status is 128 + the signal number. Partial files of a process that
was killed outright are removed by the next run that writes into the same
folder, and a song with only one of its two stems (a kill between the two
renames) is separated again without ``--overwrite``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from soundnet_app.audio.errors import AudioReadError, AudioWriteError
from soundnet_app.audio.formats import OUTPUT_FORMATS
from soundnet_app.audio.write import AudioWriter
from soundnet_app.engine.export import safe_filename, shifted_paths, write_shifted
from soundnet_app.fileio import remove_stale_partials
from soundnet_app.separation.separator import LoadingSeparator, Separator, bundled_model_path

if TYPE_CHECKING:
    from soundnet_app.separation.separator import Separator


STEMS = ("vocals", "instrumental")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="soundnet-separate",
        description="Separate songs into vocals and instrumental (karaoke) stems.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio or video files")
    p.add_argument("-o", "--output", default="separated", metavar="OUTDIR", help="output folder (default: %(default)s)")
    p.add_argument("--format", choices=tuple(OUTPUT_FORMATS), default="wav", help="output format (default: %(default)s)")
    p.add_argument("--model", default=None, metavar="PATH", help="a .keras model (default: the bundled one)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="also show the libraries' own log lines and warnings")
    p.add_argument("--key", type=int, default=0, choices=range(-6, 7), metavar="N",
                   help='also write the stems N semitones up or down (-6..6), e.g. "vocals (key +2).wav"')
    p.add_argument("--tempo", type=_tempo, default=1.0, metavar="F",
                   help='also write the stems at speed F (0.5..1.5, pitch kept), e.g. "vocals (80 %%).wav"')
    return p.parse_args(argv)


def _tempo(text: str) -> float:
    value = float(text)
    if not 0.5 <= value <= 1.5:
        raise argparse.ArgumentTypeError(f"tempo must be between 0.5 and 1.5, not {text}")
    return value


def song_name(path: Path) -> str:
    """Output folder name of a song: its file name without the (stem) extension, made safe
    as one folder name (``...wav`` would otherwise be ``..``, the folder above ``-o``)."""
    name = path.name.removesuffix(".stem.mp4") if path.name.endswith(".stem.mp4") else path.stem
    return safe_filename(name, fallback="song")


def _resolve(path: Path) -> Path:
    """``path.resolve()``, or the absolute path where it cannot be resolved (a symlink loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def plan_outputs(inputs: list[Path], outdir: Path, fmt: str) -> list[dict[str, Path]]:
    """``{"vocals": OUTDIR/<song>/vocals<extension of fmt>, "instrumental": ...}`` per input.

    Songs of the same name in one batch (``a/song.mp3``, ``b/song.flac``) get
    ``<song> (2)``, ``<song> (3)``... so one never replaces another's stems.
    """
    seen: dict[str, int] = {}
    plans = []
    for path in inputs:
        name = song_name(path)
        seen[name.casefold()] = count = seen.get(name.casefold(), 0) + 1
        folder = outdir / (name if count == 1 else f"{name} ({count})")
        plans.append({stem: folder / f"{stem}{OUTPUT_FORMATS[fmt].extension}" for stem in STEMS})
    return plans


def output_problem(outputs: dict[str, Path], input_files: set[Path], overwrite: bool) -> str | None:
    """Why these outputs must not be written, or ``None``. Inputs are never replaced."""
    if any(_resolve(p) in input_files for p in outputs.values()):
        return "an output would replace an input file; choose another -o folder"
    existing = [p for p in outputs.values() if p.exists()]
    pair = [outputs[stem] for stem in STEMS if stem in outputs]
    # One stem of the pair and nothing else: a run was killed between the two renames; finish it.
    half_pair = existing and set(existing) < set(pair)
    if existing and not overwrite and not half_pair:
        return f"output exists ({existing[0]}); use --overwrite to replace it"
    return None


class Interrupted(BaseException):
    """SIGTERM / SIGHUP arrived. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way (a decoder turning errors into AudioReadError) eats it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)


def _install_signal_handlers() -> None:
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            try:
                signal.signal(sig, _raise_interrupted)
            except ValueError:  # not the main thread (called as a library): leave them be
                pass


def _describe_failure(input_path: Path, err: Exception) -> str:
    """One line naming the song and why it failed."""
    if isinstance(err, AudioReadError):
        return f"{input_path}: {err.reason}"
    if isinstance(err, AudioWriteError):
        return f"{input_path}: cannot write {err.path.name}: {err.reason}"
    return f"{input_path}: unexpected error: {type(err).__name__}: {err}"


def separate_file(separator, input_path: Path, outputs: dict[str, Path], fmt: str, show_progress: bool) -> None:
    """Separate one file, streaming chunks into atomic writers for each stem."""
    folder = outputs["vocals"].parent
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _separate_into(separator, input_path, outputs, fmt, show_progress, tqdm, AudioWriter)
    except BaseException:
        for p in made:  # the song folder (and -o) this attempt created, if still empty
            try:
                p.rmdir()
            except OSError:
                break
        raise


def _separate_into(separator, input_path, outputs, fmt, show_progress, tqdm, AudioWriter) -> None:
    bar = tqdm(
        total=100, desc=input_path.name[:40], unit="%", disable=not show_progress,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
    )
    with bar, ExitStack() as stack:
        # A writer only publishes its file when its block exits cleanly.
        writers = {stem: stack.enter_context(AudioWriter(path, format=fmt)) for stem, path in outputs.items()}

        def progress(fraction: float) -> None:
            bar.update(round(fraction * 100) - bar.n)

        for separated in separator.separate_file(input_path, progress=progress):
            writers["vocals"].write(separated.vocals)
            writers["instrumental"].write(separated.instrumental)
        # Both stems complete on disk before either appears: the renames follow back to back.
        for writer in writers.values():
            writer.finish()
        for writer in writers.values():
            writer.close()


def _quiet_libraries(verbose: bool) -> None:
    """The user sees our messages only; ``-v`` lets TensorFlow's / OpenVINO's log lines and warnings through."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbose else "2")  # before anything imports TensorFlow
    if verbose:
        logging.basicConfig(level=logging.INFO)
    else:
        warnings.filterwarnings("ignore")
        logging.getLogger("absl").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _quiet_libraries(args.verbose)

    outdir = Path(args.output)
    show_progress = not args.quiet and sys.stderr.isatty()
    failures: list[str] = []
    separator = None
    inputs = [Path(name) for name in args.inputs]
    input_files = {_resolve(p) for p in inputs}
    _install_signal_handlers()
    for input_path, outputs in zip(inputs, plan_outputs(inputs, outdir, args.format)):
        remove_stale_partials(outputs["vocals"].parent)  # left by a run that was killed outright
        shifted = shifted_paths(outputs, args.key, args.tempo)
        problem = output_problem({**outputs, **shifted}, input_files, args.overwrite)
        if problem:
            failures.append(f"{input_path}: {problem}")
            print(f"error: {failures[-1]}", file=sys.stderr)
            continue
        try:
            if separator is None:  # loads on a thread while the first song decodes
                separator = LoadingSeparator(lambda: load_separator(args.model))
            separate_file(separator, input_path, outputs, args.format, show_progress)
            if shifted:
                write_shifted(outputs, args.key, args.tempo, args.format)
        except ModelLoadError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted; no partial files were left", file=sys.stderr)
            return 130
        except Interrupted as sig:
            print(f"\nstopped by {sig}; no partial files were left", file=sys.stderr)
            return 128 + sig.signum
        except Exception as err:  # one bad song must not stop the batch
            failures.append(_describe_failure(input_path, err))
        else:
            print(f"{input_path} -> {outputs['vocals'].parent}")
            continue
        print(f"error: {failures[-1]}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} of {len(args.inputs)} file(s) failed", file=sys.stderr)
        return 1
    return 0


class ModelLoadError(Exception):
    """The model file is missing or unreadable."""


def load_separator(model: str | None, **options) -> "Separator":
    """The Separator for ``model`` (``None``: bundled); ``options`` go to its constructor."""
    path = Path(model) if model else bundled_model_path()
    if not path.is_file():
        raise ModelLoadError(f"model not found: {path}")
    try:
        return Separator(path, **options)
    except Exception as err:
        raise ModelLoadError(f"cannot load model {path}: {err}") from err


if __name__ == "__main__":
    raise SystemExit(main())
