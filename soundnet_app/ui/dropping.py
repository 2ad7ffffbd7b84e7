"""What a drop (or a command line) offers: the audio files among dropped files and folders."""

from __future__ import annotations

import os
from pathlib import Path

from soundnet_app.audio.formats import is_supported_input


def local_paths(mime) -> list[Path]:
    """The local files and folders in a drag's ``QMimeData`` (``[]`` for anything else)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def audio_files_in(folder: Path, limit: int = 2000) -> list[Path]:
    """Supported audio files under ``folder``, sorted, hidden ones skipped (stops after ``limit`` files)."""
    found = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            seen += 1
            if is_supported_input(name) and not name.startswith("."):
                found.append(Path(dirpath) / name)
        if seen > limit or len(found) > 50:
            break
    return found


def audio_candidates(paths: list[Path]) -> list[Path]:
    """Dropped files that are audio, then the audio files inside dropped folders, in order."""
    out = []
    for path in paths:
        if path.is_dir():
            out.extend(audio_files_in(path))
        elif is_supported_input(path):
            out.append(path)
    return out
