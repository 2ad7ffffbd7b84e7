"""Hostile stem cache entries (issue #19 items 6 and 11): a swapped entry, a huge file, stale temporaries."""

from __future__ import annotations

import resource
import subprocess
import sys

import numpy as np
from hostile_inputs import SR, song, sparse_file

from soundnet_app.engine.loading import load_song
from soundnet_app.separation.cache import StemCache, cache_key


def _separated(tmp_path, name: str, seed: int, cache: StemCache):
    """A 2-s song opened through the cache (a miss), its "vocals" stored: ``(path, key, vocals)``."""
    path = song(tmp_path / f"{name}.wav", seconds=2.0, seed=seed)
    opened = load_song(path, cache=cache, model_version="v1")
    assert not opened.cached
    vocals = (0.5 * opened.mixture).astype(np.float32)
    key = cache_key(opened.content_hash, "v1")
    cache.put(key, vocals, opened.mixture - vocals)
    return path, key, vocals


def test_item6_an_entry_copied_under_another_songs_name_is_not_served(tmp_path):
    cache = StemCache(tmp_path / "cache")
    path_a, key_a, vocals_a = _separated(tmp_path, "a", 1, cache)
    path_b, key_b, _ = _separated(tmp_path, "b", 2, cache)
    cache.path_for(key_b).write_bytes(cache.path_for(key_a).read_bytes())  # cp <keyA>.stem <keyB>.stem
    opened_b = load_song(path_b, cache=cache, model_version="v1")
    assert not opened_b.cached and not opened_b.coverage.complete and not np.any(opened_b.vocals)
    assert not cache.path_for(key_b).exists()  # dropped: B is separated again
    opened_a = load_song(path_a, cache=cache, model_version="v1")
    assert opened_a.cached and np.allclose(opened_a.vocals, vocals_a, atol=1e-4)


def test_item11_a_huge_file_under_an_entrys_name_is_refused_unread(tmp_path):
    cache = StemCache(tmp_path / "cache")
    path, key, _ = _separated(tmp_path, "a", 1, cache)
    entry = cache.path_for(key)
    with open(entry, "r+b") as f:
        f.truncate(1 << 30)  # a sound header, then a 1 GiB hole
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    opened = load_song(path, cache=cache, model_version="v1")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert not opened.cached and not entry.exists()
    assert grown_mb < 256, f"peak memory grew {grown_mb:.0f} MB"
    sparse_file(entry, 1 << 30)  # all zeros: not an entry
    assert cache.lookup(key, np.zeros((2 * SR, 2), np.float32)) is None and not entry.exists()


def test_item11_a_killed_writers_temporary_file_goes_at_the_next_write(tmp_path):
    cache = StemCache(tmp_path / "cache")
    _separated(tmp_path, "a", 1, cache)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    stale = cache.root / f".{'0' * 40}.stem.partial-{int(dead.stdout)}-0123abcd.tmp"
    stale.write_bytes(b"half an entry")
    _separated(tmp_path, "b", 2, cache)
    assert not stale.exists()
