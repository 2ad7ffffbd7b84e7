"""Writing any song as an UltraStar song folder. No Qt here.

:func:`export_ultrastar` writes ``OUTDIR/<Artist - Title>/``:

* ``<name><suffix>`` -- the original file, copied as it is (``#AUDIO``, and ``#MP3`` for older games);
* ``<name> [VOC].ogg`` and ``<name> [INSTR].ogg`` -- the separated stems (``#VOCALS``, ``#INSTRUMENTAL``);
* ``<name>.txt`` -- notes from the pitch guide, syllables from the synced lyrics
  (:func:`~soundnet_app.sing.ultrastar_notes.build_song`), written last, so a folder
  with a ``.txt`` is complete.

Every file is written to a hidden partial file first and they are published
together at the end (the ``.txt`` last); on cancel or failure the partial
files go and what was there before stays as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.formats import OUTPUT_FORMATS, SAMPLE_RATE
from soundnet_app.audio.write import AudioWriter
from soundnet_app.engine.export import ExportCancelled, ExportConflict, safe_filename
from soundnet_app.fileio import PartialFile
from soundnet_app.sing.lyrics import Lyrics, LyricsError
from soundnet_app.sing.lyrics_files import find_lyrics
from soundnet_app.sing.pitch import HOP_S, track_pitch
from soundnet_app.sing.ultrastar import UltraStarSong, format_ultrastar
from soundnet_app.sing.ultrastar_notes import build_song, estimate_bpm

STEM_FORMAT = "ogg"  # Vorbis: every UltraStar game plays it
BLOCK_FRAMES = 1 << 17


def ultrastar_paths(outdir: str | Path, name: str, original_suffix: str) -> dict[str, Path]:
    """``{"txt", "audio", "vocals", "instrumental"}`` paths of the song folder ``outdir / name``."""
    base = safe_filename(name)
    folder = Path(outdir) / base
    ext = OUTPUT_FORMATS[STEM_FORMAT].extension
    return {"txt": folder / f"{base}.txt", "audio": folder / f"{base}{original_suffix.lower()}",
            "vocals": folder / f"{base} [VOC]{ext}", "instrumental": folder / f"{base} [INSTR]{ext}"}


def export_ultrastar(outdir: str | Path, original: str | Path, vocals: np.ndarray, instrumental: np.ndarray,
                     guide_f0: np.ndarray, hop_s: float, lyrics: Lyrics | None, *, title: str, artist: str = "",
                     tempo: float | None = None, mixture: np.ndarray | None = None, overwrite: bool = False,
                     folder_name: str | None = None, progress: Callable[[float], None] | None = None,
                     cancel: Callable[[], bool] | None = None) -> tuple[dict[str, Path], UltraStarSong]:
    """Write the song folder; returns its paths and the song written.

    Args:
        original: the song's file (copied as the folder's ``#AUDIO``).
        vocals, instrumental: the stems, ``(n, 2)`` float32 at 44.1 kHz.
        guide_f0: the pitch guide, ``(n_hops,)`` Hz on the grid ``k * hop_s`` (0 unvoiced).
        lyrics: synced lyrics for the syllables (``None``: ``~`` placeholders).
        tempo: the song's BPM; ``None`` estimates it from ``mixture`` (or the stems' sum).
        folder_name: the song folder's and files' name (default: ``Artist - Title``).

    Raises :class:`~soundnet_app.engine.export.ExportConflict` when files of those names
    exist (without ``overwrite``), :class:`~soundnet_app.engine.export.ExportCancelled`
    when ``cancel()`` turned true, ``OSError`` / ``AudioWriteError`` from the disk.
    """
    original = Path(original)
    name = folder_name or (f"{artist} - {title}" if artist else title)
    paths = ultrastar_paths(outdir, name, original.suffix)
    clashes = [p for p in paths.values() if p.exists()]
    if clashes and not overwrite:
        raise ExportConflict(clashes)
    if tempo is None:
        tempo = estimate_bpm(mixture if mixture is not None else vocals + instrumental, SAMPLE_RATE)
    media = {"AUDIO": paths["audio"].name, "VOCALS": paths["vocals"].name,
             "INSTRUMENTAL": paths["instrumental"].name}
    song = build_song(guide_f0, hop_s, lyrics, tempo, title=title, artist=artist, media=media)
    folder = paths["txt"].parent
    made_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    pending: list[PartialFile | AudioWriter] = []  # finished on disk, published together at the end
    report = progress or (lambda fraction: None)

    def check() -> None:
        if cancel is not None and cancel():
            raise ExportCancelled()

    try:
        copy = PartialFile(paths["audio"], overwrite=overwrite)
        pending.append(copy)
        shutil.copyfile(original, copy.path)
        copy.sync()
        n = vocals.shape[0]
        writers = {stem: AudioWriter(paths[stem], format=STEM_FORMAT) for stem in ("vocals", "instrumental")}
        pending.extend(writers.values())
        done = dict.fromkeys(writers, 0)

        def encode(stem: str) -> None:  # libsndfile lets go of the GIL: the two stems encode side by side
            audio = vocals if stem == "vocals" else instrumental
            for i in range(0, n, BLOCK_FRAMES):
                check()
                writers[stem].write(audio[i:i + BLOCK_FRAMES])
                done[stem] = min(n, i + BLOCK_FRAMES)
            writers[stem].finish()

        with ThreadPoolExecutor(2) as pool:
            jobs = [pool.submit(encode, stem) for stem in writers]
            while not all(job.done() for job in jobs):
                wait(jobs, timeout=0.2)
                report(sum(done.values()) / max(1, 2 * n) * 0.98)
            for job in jobs:
                job.result()  # the first failure (or ExportCancelled) goes up
        txt = PartialFile(paths["txt"], overwrite=overwrite)
        pending.append(txt)
        txt.path.write_text(format_ultrastar(song), encoding="utf-8")
        txt.sync()
        check()
        while pending:  # the .txt last: a folder with a .txt is complete
            item = pending.pop(0)
            item.close() if isinstance(item, AudioWriter) else item.publish()
        report(1.0)
    except BaseException:
        for item in pending:
            item.abort() if isinstance(item, AudioWriter) else item.discard()
        if made_folder:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    return paths, song


def export_file(separator, path: str | Path, outdir: str | Path, *, tempo: float | None = None,
                overwrite: bool = False, progress: Callable[[float], None] | None = None) -> dict[str, Path]:
    """Separate the song file ``path`` with ``separator`` (a
    :class:`~soundnet_app.separation.separator.Separator`), track its vocal's pitch,
    take its lyrics (``.lrc`` or tags) and write its UltraStar folder in ``outdir``.

    ``progress`` gets 0..1 (separation up to 0.8). Returns the paths written.
    """
    path = Path(path)
    report = progress or (lambda fraction: None)
    audio, info = read_audio(path)
    vocals = np.empty_like(audio)
    for chunk in separator.separate_array(audio):
        vocals[chunk.start:chunk.end] = chunk.vocals
        report(0.8 * chunk.end / max(1, audio.shape[0]))
    instrumental = audio - vocals
    try:
        lyrics = find_lyrics(path)
    except LyricsError:
        lyrics = None  # unreadable lyrics: the notes still sing (~)
    f0 = track_pitch(vocals, SAMPLE_RATE, HOP_S)
    paths, _ = export_ultrastar(outdir, path, vocals, instrumental, f0, HOP_S, lyrics,
                                title=info.title or path.stem, artist=info.artist or "", tempo=tempo,
                                mixture=audio, overwrite=overwrite, progress=lambda f: report(0.8 + 0.2 * f))
    return paths
