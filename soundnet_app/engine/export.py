"""Export separated stems: vocals, instrumental and a karaoke mix, at any key and tempo.

The karaoke mix is :func:`~soundnet_app.engine.mix.karaoke_mix` (the "guide
vocal" the user dialled in). At a key or tempo shift the stems are rendered
first by :func:`render_stems`, the one render-at-key/tempo path of the app,
the CLI and the singer's takes; shifted files are named by
:func:`shifted_name` (``"Title (key +2 · 80 %)"``). Files are named
``<song> - <stem>.<ext>``; an existing file is never replaced silently: by
default the whole set gets a free `` (2)``, `` (3)``... suffix, or
``on_conflict="error"`` raises :class:`ExportConflict` so the caller can ask;
a caller that settled the names itself (the app, after asking) passes them as
``paths``. Every file is written through the core's atomic
:class:`~soundnet_app.audio.write.AudioWriter` in blocks (which also clips to
[-1, 1]), with a progress callback and cancellation between blocks; a failed
or cancelled export removes the new files it already finished.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.formats import OUTPUT_FORMATS, SAMPLE_RATE, output_format
from soundnet_app.audio.write import AudioWriter
from soundnet_app.engine.keytempo import is_neutral, render_offline, shift_label
from soundnet_app.engine.mix import karaoke_mix

STEMS = ("vocals", "instrumental", "karaoke")
ON_CONFLICT = ("rename", "overwrite", "error")
RENDER_SHARE = 0.5  # of the progress bar, for the key/tempo render before the files are written

ProgressCallback = Callable[[float], None]


class ExportConflict(FileExistsError):
    """Some target files exist and ``on_conflict="error"`` was asked for."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = list(paths)
        names = ", ".join(p.name for p in self.paths)
        super().__init__(f"These files already exist: {names}")


class ExportCancelled(Exception):
    """The export was cancelled; nothing of it was left on disk."""


MAX_NAME_BYTES = 150  # file names are at most 255 bytes; the rest is for " - instrumental (key +2 · 80 %)" etc.


def safe_filename(name: str, fallback: str = "song") -> str:
    """A song title made safe as a file name on every platform: no separators or control
    characters, valid UTF-8 (bytes that were not, from a file's name, become U+FFFD) and at
    most :data:`MAX_NAME_BYTES` bytes (cut at a character boundary)."""
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', " ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = name.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore").strip(" .")
    return name or fallback


def stem_paths(folder: str | Path, base: str, format: str, stems: Sequence[str] = STEMS, suffix: str = "") -> dict[str, Path]:
    """``{stem: folder / "<base> - <stem><suffix><extension of format>"}``."""
    folder = Path(folder)
    extension = output_format(format).extension
    return {stem: folder / f"{base} - {stem}{suffix}{extension}" for stem in stems}


def existing(paths: dict[str, Path]) -> list[Path]:
    return [p for p in paths.values() if p.exists()]


def free_paths(folder: str | Path, base: str, format: str, stems: Sequence[str] = STEMS,
               first: int = 1) -> dict[str, Path]:
    """The first set of names from suffix ``first`` on (``""``, `` (2)``, `` (3)``...) none of which exists."""
    k = first
    while True:
        paths = stem_paths(folder, base, format, stems, "" if k == 1 else f" ({k})")
        if not existing(paths):
            return paths
        k += 1


def shifted_name(base: str, key: int, tempo: float) -> str:
    """``"base (key +2 · 80 %)"``: the name of a file at a key/tempo shift; ``base`` itself when neutral."""
    label = shift_label(key, tempo)
    return f"{base} ({label})" if label else base


def render_stems(*stems: np.ndarray | None, key: int = 0, tempo: float = 1.0,
                 sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray | None, ...]:
    """Each ``(n, channels)`` stem at ``key`` semitones and speed ``tempo``: ``(round(n / tempo), channels)``.

    Rubber Band's offline mode (:func:`~soundnet_app.engine.keytempo.render_offline`, best quality);
    at the neutral shift the stems come back as they are, and ``None`` (a stem not wanted) stays ``None``.
    """
    return tuple(None if stem is None else render_offline(stem, sample_rate, key, tempo) for stem in stems)


def shifted_paths(outputs: Mapping[str, Path], key: int, tempo: float) -> dict[str, Path]:
    """Where the shifted copies of stem files go: ``{"vocals (key +2)": folder / "vocals (key +2).wav", ...}``.

    ``outputs`` is ``{stem: path}``; the keys are the shifted names (the stems' own paths keep
    theirs). Empty when the shift is neutral.
    """
    if is_neutral(key, tempo):
        return {}
    return {shifted_name(stem, key, tempo): p.with_name(shifted_name(p.stem, key, tempo) + p.suffix)
            for stem, p in outputs.items()}


def write_shifted(outputs: Mapping[str, Path], key: int, tempo: float, fmt: str,
                  block_frames: int = 1 << 16) -> dict[str, Path]:
    """Write key/tempo-shifted copies of the stem files ``outputs`` (atomically); returns them.

    Rendered one at a time (one shifted stem in memory), finished and flushed each, and published
    together at the end, like the stems themselves: a failure or a kill leaves none of them, not half a pair.
    """
    targets = shifted_paths(outputs, key, tempo)
    with ExitStack() as stack:
        writers = []
        for source, target in zip(outputs.values(), targets.values()):
            audio, _ = read_audio(source)
            (shifted,) = render_stems(audio, key=key, tempo=tempo)
            del audio
            writer = stack.enter_context(AudioWriter(target, format=fmt))
            for i in range(0, shifted.shape[0], block_frames):  # bounded temporaries for the clip/convert
                writer.write(shifted[i : i + block_frames])
            del shifted
            writer.finish()
            writers.append(writer)
        for writer in writers:  # the renames back to back
            writer.close()
    return targets


def export_stems(
    folder: str | Path,
    base: str,
    vocals: np.ndarray,
    instrumental: np.ndarray,
    *,
    format: str = "wav",
    subtype: str | None = None,
    bitrate_kbps: int | None = None,
    vocal_level: float = 0.0,
    instrumental_level: float = 1.0,
    mute: bool = False,
    key: int = 0,
    tempo: float = 1.0,
    stems: Sequence[str] = STEMS,
    on_conflict: str = "rename",
    paths: Mapping[str, str | Path] | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    block_frames: int = 1 << 16,
) -> dict[str, Path]:
    """Write the stems of one song; returns ``{stem: path written}``.

    Args:
        folder: target folder (created if missing).
        base: file name stem, usually :func:`safe_filename` of the song title.
        vocals, instrumental: ``(n, 2)`` float32 at 44.1 kHz.
        format: a key of :data:`~soundnet_app.audio.formats.OUTPUT_FORMATS`.
        subtype: one of the format's ``subtypes`` (lossless formats only; default: its first).
        bitrate_kbps: a constant bitrate, for formats that take one (MP3); ``None`` for VBR.
        vocal_level, instrumental_level: gains of the karaoke mix (0..1).
        stems: which of :data:`STEMS` to write.
        on_conflict: ``"rename"`` (pick free names), ``"overwrite"`` (replace,
            the user agreed) or ``"error"`` (raise :class:`ExportConflict`).
        paths: ``{stem: path}`` already settled by the caller (for instance after
            asking the user about existing files): written as they are, replacing
            what is there; ``folder``, ``base`` and ``on_conflict`` are then unused.
        progress: called with the fraction done, 0..1.
        cancel: set to stop; raises :class:`ExportCancelled`.
        mute: the karaoke mix without vocals, whatever ``vocal_level``.
        key, tempo: render every stem at this shift first (:func:`render_stems`).

    Raises:
        ExportConflict, ExportCancelled, ValueError, or the core's ``AudioWriteError``.
    """
    format = format.lower().lstrip(".")
    if format not in OUTPUT_FORMATS:
        raise ValueError(f"Unsupported export format {format!r}; choose one of {', '.join(OUTPUT_FORMATS)}.")
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"on_conflict must be one of {ON_CONFLICT}")
    unknown = set(stems) - set(STEMS)
    if unknown:
        raise ValueError(f"Unknown stems: {', '.join(sorted(unknown))}")
    spec = OUTPUT_FORMATS[format]
    if subtype is not None and not spec.lossless:
        subtype = None  # lossy formats have no bit depth
    if bitrate_kbps is not None and not spec.takes_bitrate:
        bitrate_kbps = None
    if vocals.shape != instrumental.shape:
        raise ValueError("vocals and instrumental differ in shape")
    folder = Path(folder)
    if paths is None:
        base = safe_filename(base)
        paths = stem_paths(folder, base, format, stems)
        clashes = existing(paths)
        if clashes and on_conflict == "error":
            raise ExportConflict(clashes)
        if clashes and on_conflict == "rename":
            paths, clashes = free_paths(folder, base, format, stems, first=2), []
    else:
        missing = set(stems) - set(paths)
        if missing:
            raise ValueError(f"No path given for: {', '.join(sorted(missing))}")
        paths = {stem: Path(paths[stem]) for stem in stems}
        clashes = existing(paths)
    replaced = set(clashes)  # the user agreed to replace these
    for parent in {p.parent for p in paths.values()}:
        parent.mkdir(parents=True, exist_ok=True)

    # At a key/tempo the render takes most of the time: it is half the bar, a step per stem, so the bar moves.
    render_share = 0.0 if is_neutral(key, tempo) else RENDER_SHARE
    if progress is not None:
        progress(0.0)
    rendered = []
    for k, stem_audio in enumerate((vocals, instrumental)):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled("Export cancelled.")
        rendered.append(render_stems(stem_audio, key=key, tempo=tempo)[0])
        if progress is not None and render_share:
            progress(render_share * (k + 1) / 2)
    vocals, instrumental = rendered
    n = vocals.shape[0]
    total = max(1, n * len(stems))
    done = 0
    scratch = np.empty((min(block_frames, max(n, 1)), vocals.shape[1]), dtype=np.float32)
    written: list[Path] = []
    try:
        for stem in stems:
            path = paths[stem]
            with AudioWriter(path, format=format, subtype=subtype, bitrate_kbps=bitrate_kbps) as writer:
                for i in range(0, n, block_frames):
                    if cancel is not None and cancel.is_set():
                        raise ExportCancelled("Export cancelled.")
                    j = min(n, i + block_frames)
                    buf = scratch[: j - i]
                    if stem == "vocals":
                        np.copyto(buf, vocals[i:j])
                    elif stem == "instrumental":
                        np.copyto(buf, instrumental[i:j])
                    else:
                        karaoke_mix(vocals[i:j], instrumental[i:j], vocal_level, instrumental_level, out=buf, mute=mute)
                    writer.write(buf)  # clipped to [-1, 1] there (not FLOAT WAV)
                    for stem_array in (vocals, instrumental):  # a long song's pages back (pcm.Pcm16)
                        getattr(stem_array, "release", lambda a, b: None)(i, j)
                    done += j - i
                    if progress is not None:
                        progress(render_share + (1 - render_share) * done / total)
            written.append(path)
    except BaseException:
        for p in written:
            if p in replaced:
                continue  # the user agreed to replace it; the old file is gone anyway
            try:
                p.unlink()
            except OSError:
                pass
        raise
    if progress is not None:
        progress(1.0)
    return paths
