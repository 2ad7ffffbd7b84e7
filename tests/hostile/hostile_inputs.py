"""Fast generators of the hostile inputs of issue #19: made in a test's tmp_path, never committed.

Each returns what it wrote. Big files are sparse (``truncate``): no disk, no time.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from soundnet_app.audio.write import write_audio

SR = 44100


def unclosed_bracket_lrc(path: Path, n: int = 100_000) -> Path:
    """``[111…`` without a ``]``: backtracked quadratically by the old timestamp regex (100 k: 8.5 s)."""
    path.write_text("[" + "1" * n)
    return path


def stamp_bomb_lrc(path: Path, stamps: int = 4000, words: int = 4000) -> Path:
    """A 60 kB ``.lrc`` whose line stamps x word stamps expand to 16 M word timings (2.27 GB)."""
    path.write_text("[00:01]" * stamps + "<00:01>a" * words)
    return path


def song(path: Path, seconds: float = 0.5, seed: int = 0) -> Path:
    """A short stereo song (noise, so two songs of one length differ)."""
    rng = np.random.default_rng(seed)
    write_audio(path, (0.1 * rng.standard_normal((int(seconds * SR), 2))).astype(np.float32))
    return path


def mp3_with_uslt(path: Path, text: str) -> Path:
    from mutagen.id3 import ID3, USLT

    song(path)
    tags = ID3()
    tags.add(USLT(encoding=3, lang="eng", desc="", text=text))
    tags.save(path)
    return path


def nested_json(path: Path, depth: int = 1000) -> Path:
    """``[[[[…``: ``json.loads`` raises RecursionError (not ValueError) on it."""
    path.write_text("[" * depth)
    return path


def sparse_file(path: Path, size: int = 3 << 30) -> Path:
    """A ``size``-byte file that takes no disk (a hole)."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def zip_bomb_keras(path: Path, inflated: int = 1 << 30) -> Path:
    """A small ``.keras`` (a zip) whose ``model.weights.h5`` inflates to ``inflated`` zero bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        z.writestr("config.json", json.dumps({"class_name": "Functional", "config": {}}))
        with z.open("model.weights.h5", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(inflated >> 20):
                f.write(block)
    return path


def damaged_variants(good: bytes) -> dict[str, bytes]:
    """A file's bytes spoiled the usual ways: empty, cut in half, one bit flipped in the middle."""
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x10
    return {"empty": b"", "truncated": good[: len(good) // 2], "bitflip": bytes(flipped)}


def sung_notes(seconds: float = 3.0) -> np.ndarray:
    """A stereo "voice": a note every half second (220-330 Hz sines), the pitch tracker's test tune."""
    t = np.arange(int(seconds * SR)) / SR
    freq = 220.0 * 2 ** (np.floor(t * 2) % 8 / 12)
    voice = 0.3 * np.sin(2 * np.pi * np.cumsum(freq) / SR).astype(np.float32)
    return np.stack([voice, voice], axis=1)
