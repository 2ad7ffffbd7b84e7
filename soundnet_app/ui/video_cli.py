"""``soundnet-video``: karaoke videos from the command line.

    soundnet-video SONG... [-o OUTDIR] [--key N] [--tempo F] [--guide-level L]
                   [--size 720p|1080p] [--background COLOUR|PICTURE] [--model PATH] [--overwrite]

writes ``OUTDIR/<song>.mp4`` (``<song> (key +2 · 80 %).mp4`` at a shift): the
karaoke mix (separated by the model; an UltraStar ``.txt`` brings its own stems)
with the song's synced lyrics (its ``.lrc``, tags or UltraStar syllables). A
command of its own because its frames are drawn with Qt (offscreen), which only
the ``ui`` layer may load. A failed song is reported in one line and the others
go on; the exit status is 1 if any failed, 2 when the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from soundnet_app.audio.errors import AudioError
from soundnet_app.cli import ModelLoadError, load_separator
from soundnet_app.engine.export import ExportConflict, safe_filename, shifted_name
from soundnet_app.engine.loading import error_message, load_song
from soundnet_app.engine.video import SIZES
from soundnet_app.sing.ultrastar import UltraStarError
from soundnet_app.sing.ultrastar_files import is_ultrastar_source, load_ultrastar, singer_lyrics
from soundnet_app.ui.karaoke_video import BACKGROUND, VideoError, ensure_gui_app, write_karaoke_video


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="soundnet-video", description="Write karaoke videos (MP4) of songs.")
    p.add_argument("inputs", nargs="+", metavar="SONG", help="audio files, or UltraStar songs (.txt or folder)")
    p.add_argument("-o", "--output", default=".", metavar="OUTDIR", help="output folder (default: here)")
    p.add_argument("--key", type=int, default=0, choices=range(-6, 7), metavar="N", help="semitones up or down")
    p.add_argument("--tempo", type=float, default=1.0, metavar="F", help="speed, 0.5..1.5 (pitch kept)")
    p.add_argument("--guide-level", type=float, default=0.0, metavar="L", help="the guide vocal's level, 0..1")
    p.add_argument("--size", choices=tuple(SIZES), default="720p", help="(default: %(default)s)")
    p.add_argument("--background", default=BACKGROUND, metavar="COLOUR|PICTURE",
                   help="a colour (#203040) or a picture file (default: %(default)s)")
    p.add_argument("--model", default=None, metavar="PATH", help="a .keras model (default: the bundled one)")
    p.add_argument("--overwrite", action="store_true", help="replace existing videos")
    args = p.parse_args(argv)
    if not 0.5 <= args.tempo <= 1.5 or not 0.0 <= args.guide_level <= 1.0:
        p.error("--tempo must be 0.5..1.5 and --guide-level 0..1")
    return args


def make_video(path: Path, song_path: Path, args: argparse.Namespace, separator_for) -> None:
    """One song's video: its stems (separated unless it brings them), its lyrics, at the asked shift."""
    song = load_ultrastar(song_path) if is_ultrastar_source(song_path) else load_song(song_path, hash_content=False)
    if not song.coverage.complete:
        separator = separator_for()
        for chunk in separator.separate_array(song.mixture):
            song.write_chunk(chunk.start, chunk.vocals, chunk.instrumental)
    picture = None if args.background.startswith("#") else args.background
    first, second = singer_lyrics(song)
    write_karaoke_video(path, song.vocals, song.instrumental, first, second=second, key=args.key, tempo=args.tempo,
                        vocal_level=args.guide_level, size=SIZES[args.size], title=song.title,
                        colour=args.background if picture is None else BACKGROUND, picture=picture)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_gui_app()
    outdir = Path(args.output)
    separator = None

    def separator_for():
        nonlocal separator
        separator = separator or load_separator(args.model)
        return separator

    failures = 0
    for name in args.inputs:
        song_path = Path(name)
        stem = song_path.name if song_path.is_dir() else song_path.stem
        path = outdir / f"{safe_filename(shifted_name(stem, args.key, args.tempo))}.mp4"
        try:
            if path.exists() and not args.overwrite:
                raise ExportConflict([path])
            outdir.mkdir(parents=True, exist_ok=True)
            make_video(path, song_path, args, separator_for)
            print(f"{song_path} -> {path}")
        except ModelLoadError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted; no partial file was left", file=sys.stderr)
            return 130
        except (AudioError, UltraStarError, VideoError, ExportConflict, OSError) as err:
            failures += 1
            why = f"{err}; use --overwrite to replace it" if isinstance(err, ExportConflict) else (
                error_message(err) if isinstance(err, AudioError) else str(err))
            print(f"error: {song_path}: {why}", file=sys.stderr)
        except Exception as err:  # noqa: BLE001 - one bad song must not stop the batch
            failures += 1
            print(f"error: {song_path}: unexpected error: {type(err).__name__}: {err}", file=sys.stderr)
    if failures:
        print(f"{failures} of {len(args.inputs)} song(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
