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
import errno
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from soundnet_app.audio.errors import AudioReadError, AudioWriteError
from soundnet_app.audio.formats import OUTPUT_FORMATS
from soundnet_app.audio.write import AudioWriter
from soundnet_app.engine.export import safe_filename, shifted_paths, write_shifted
from soundnet_app.fileio import remove_stale_partials
from soundnet_app.separation.catalog import model_info
from soundnet_app.separation.separator import LoadingSeparator, Separator, bundled_model_path
from soundnet_app.sing.ultrastar_export import export_file

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
    p.add_argument("--ultrastar", metavar="OUTDIR", help="instead of stems, write each song as an UltraStar song "
                   "folder in OUTDIR (notes from its sung melody, syllables from its synced lyrics)")
    p.add_argument("--bpm", type=float, default=None, metavar="BPM",
                   help="the UltraStar song's tempo (default: estimated from the song)")
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


def output_problem(outputs: dict[str, Path], input_files: set[Path], overwrite: bool,
                   shifted: dict[str, Path] | None = None) -> str | None:
    """Why these outputs must not be written, or ``None``. Inputs are never replaced.

    A pair with one file (a run killed between the two renames) is finished without
    ``overwrite``; so are the ``shifted`` copies (``--key``/``--tempo``) of a complete pair.
    """
    shifted = shifted or {}
    if any(_resolve(p) in input_files for p in (*outputs.values(), *shifted.values())):
        return "an output would replace an input file; choose another -o folder"
    if overwrite:
        return None
    pair = [outputs[stem] for stem in STEMS if stem in outputs]
    existing = [p for p in pair if p.exists()]
    existing_shifted = [p for p in shifted.values() if p.exists()]
    if existing and len(existing) == len(pair) and (not shifted or len(existing_shifted) == len(shifted)):
        first = existing_shifted[0] if existing_shifted else existing[0]
        return f"output exists ({_shown(first)}); use --overwrite to replace it"
    if existing_shifted and len(existing) < len(pair):  # copies of stems that are not there: not ours to finish
        return f"output exists ({_shown(existing_shifted[0])}); use --overwrite to replace it"
    return None


def stems_complete(outputs: dict[str, Path]) -> bool:
    """Both stems of a song are there (from an earlier run): only its shifted copies are missing."""
    return all(outputs[stem].exists() for stem in STEMS if stem in outputs)


def _shown(path: Path | str) -> str:
    """A path as one printable line: newlines, control characters and bytes that are not
    UTF-8 (``\\xff``) escaped, so a crafted name cannot forge output lines."""
    text = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode() for c in text)


def _os_reason(err: OSError, folder: Path) -> str:
    """An operating-system error about the output folder, in words."""
    where = _shown(folder)
    reasons = {
        errno.EACCES: f"no permission to write in {where}",
        errno.EPERM: f"no permission to write in {where}",
        errno.EROFS: f"{where} is on a read-only disk",
        errno.ENOTDIR: f"{where} is inside a file, not a folder (choose another -o)",
        errno.EEXIST: f"{where} is a file, not a folder (choose another -o)",
        errno.ENOSPC: "no space left on the disk",
        errno.EDQUOT: "disk quota exceeded",
        errno.ENAMETOOLONG: "a file name is too long for this disk",
    }
    return reasons.get(err.errno, f"{where}: {err.strerror or err}")


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
    shown = _shown(input_path)
    if isinstance(err, AudioReadError):
        return f"{shown}: {err.reason}"
    if isinstance(err, AudioWriteError):
        return f"{shown}: cannot write {_shown(err.path.name)}: {err.reason}"
    if isinstance(err, OSError):
        return f"{shown}: cannot write {_shown(err.filename or '')}: {_os_reason(err, Path(err.filename or '.'))}"
    return f"{shown}: unexpected error: {type(err).__name__}: {err}"


def separate_file(separator, input_path: Path, outputs: dict[str, Path], fmt: str, show_progress: bool) -> None:
    """Separate one file, streaming chunks into atomic writers for each stem."""
    folder = outputs["vocals"].parent
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AudioWriteError(folder, _os_reason(e, folder)) from e
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
    """The ``soundnet-separate`` command; returns the exit status (called with ``argv``, as a library,
    the signal handlers are given back as they were)."""
    stop_signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.getsignal(s) for s in stop_signals}
    try:
        code = _separate_all(argv)
    except KeyboardInterrupt:  # between songs: what was written is complete
        print("\ninterrupted; no partial files were left", file=sys.stderr)
        return 130
    except Interrupted as sig:
        print(f"\nstopped by {sig}; no partial files were left", file=sys.stderr)
        return 128 + sig.signum
    finally:
        if argv is not None:
            for s, handler in previous.items():
                if handler is not None:
                    try:
                        signal.signal(s, handler)
                    except ValueError:
                        pass
    if argv is None:  # the command itself: out now, not after TensorFlow's teardown (a signal there ended it by 15)
        _ignore_stop_signals()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _separate_all(argv: list[str] | None) -> int:
    args = parse_args(argv)
    _quiet_libraries(args.verbose)

    outdir = Path(args.output)
    show_progress = not args.quiet and sys.stderr.isatty()
    separator = None
    inputs = [Path(name) for name in args.inputs]
    input_files = {_resolve(p) for p in inputs}
    _install_signal_handlers()
    if args.ultrastar:
        return ultrastar_main(args, inputs)

    def separate_one(input_path: Path, outputs: dict[str, Path]) -> str:
        nonlocal separator
        remove_stale_partials(outputs["vocals"].parent)  # left by a run that was killed outright
        shifted = shifted_paths(outputs, args.key, args.tempo)
        problem = output_problem(outputs, input_files, args.overwrite, shifted)
        if problem:
            raise SongFailed(f"{_shown(input_path)}: {problem}")
        if args.overwrite or not shifted or not stems_complete(outputs):  # else: only the copies are missing
            if separator is None:
                separator = LoadingSeparator(lambda: load_separator(args.model))  # loads while the song decodes
            separate_file(separator, input_path, outputs, args.format, show_progress)
        if shifted:
            write_shifted(outputs, args.key, args.tempo, args.format)
        return f"{_shown(input_path)} -> {_shown(outputs['vocals'].parent)}"

    planned = dict(zip(inputs, plan_outputs(inputs, outdir, args.format)))
    return _each_song(inputs, lambda input_path: separate_one(input_path, planned[input_path]))


class SongFailed(Exception):
    """One song cannot be done; the message is the whole line to show."""


def _each_song(inputs: list[Path], work: Callable[[Path], str]) -> int:
    """Run ``work`` on each input in turn (it returns the "IN -> OUT" line, or raises); one bad song never stops
    the batch, a model that can't load or a stop signal does. Returns the exit status."""
    failures = 0
    for input_path in inputs:
        try:
            line = work(input_path)
        except ModelLoadError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted; no partial files were left", file=sys.stderr)
            return 130
        except Interrupted as sig:
            print(f"\nstopped by {sig}; no partial files were left", file=sys.stderr)
            return 128 + sig.signum
        except Exception as err:  # noqa: BLE001 - one bad song must not stop the batch
            failures += 1
            print(f"error: {err if isinstance(err, SongFailed) else _describe_failure(input_path, err)}",
                  file=sys.stderr)
            continue
        if input_path is inputs[-1]:
            _ignore_stop_signals()
        print(line)
    if failures:
        print(f"{failures} of {len(inputs)} file(s) failed", file=sys.stderr)
        return 1
    return 0


def _ignore_stop_signals() -> None:
    """Every output is complete: a SIGTERM/SIGHUP from now on changes nothing, the exit status stays."""
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            try:
                signal.signal(sig, signal.SIG_IGN)
            except ValueError:  # not the main thread
                pass


def ultrastar_main(args: argparse.Namespace, inputs: list[Path]) -> int:
    """``--ultrastar OUTDIR``: each song separated, its melody tracked, written as an UltraStar folder."""
    separator = None

    def export_one(input_path: Path) -> str:
        nonlocal separator
        separator = separator or load_separator(args.model)
        bar = tqdm(total=100, desc=input_path.name[:40], unit="%", disable=args.quiet or not sys.stderr.isatty())
        with bar:
            try:
                paths = export_file(separator, input_path, args.ultrastar, tempo=args.bpm, overwrite=args.overwrite,
                                    progress=lambda f, bar=bar: bar.update(round(f * 100) - bar.n))
            except FileExistsError as err:
                raise SongFailed(f"{_shown(input_path)}: {err}; use --overwrite to replace them") from err
        return f"{_shown(input_path)} -> {_shown(paths['txt'].parent)}"

    return _each_song(inputs, export_one)


class ModelLoadError(Exception):
    """The model file is missing or unreadable."""


def load_separator(model: str | None, **options) -> "Separator":
    """The Separator for ``model`` (``None``: bundled); ``options`` go to its constructor."""
    path = Path(model) if model else bundled_model_path()
    if not path.is_file():
        raise ModelLoadError(f"model not found: {path}")
    for problem in model_info(path).problems:  # a damaged sidecar: its settings are ignored, said here
        print(f"warning: {path.name}: {problem}", file=sys.stderr)
    try:
        return Separator(path, **options)
    except Exception as err:
        raise ModelLoadError(f"cannot load model {path}: {err}") from err


if __name__ == "__main__":
    raise SystemExit(main())
