"""StemCache: content + model keyed, atomic, LRU-evicted."""

from __future__ import annotations

import os
import time

import numpy as np

from soundnet_app.cache import StemCache, cache_key, default_cache_dir, file_hash


def stems(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, 2)).astype(np.float32)
    return v, -v * 0.5


def test_roundtrip(tmp_path):
    cache = StemCache(tmp_path / "c", max_bytes=10**7)
    v, i = stems()
    key = cache_key("abc", "m1")
    assert cache.get(key) is None
    path = cache.put(key, v, i)
    assert path is not None and path.exists()
    got = cache.get(key, n_frames=1000)
    assert got is not None
    np.testing.assert_array_equal(got[0], v)
    np.testing.assert_array_equal(got[1], i)
    assert cache.get(key, n_frames=999) is None  # wrong length: dropped
    assert not path.exists()
    assert not list((tmp_path / "c").glob("*.tmp"))


def test_key_depends_on_content_and_model(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"one song")
    b.write_bytes(b"one song")
    assert file_hash(a) == file_hash(b)
    b.write_bytes(b"another song")
    assert file_hash(a) != file_hash(b)
    assert cache_key(file_hash(a), "v1") != cache_key(file_hash(a), "v2")


def test_lru_eviction(tmp_path):
    v, i = stems(1000)
    entry = 1000 * 4 * 4
    cache = StemCache(tmp_path, max_bytes=int(entry * 2.5))
    for k in "abc":
        cache.put(k, v, i)
        time.sleep(0.02)
    assert {p.stem for p, _, _ in cache.entries()} == {"b", "c"}  # "a" was least recently used
    old = time.time() - 100
    os.utime(cache.path_for("b"), (old, old))
    os.utime(cache.path_for("c"), (old + 1, old + 1))
    assert cache.get("b") is not None  # touching "b" makes "c" the oldest
    cache.put("d", v, i)
    assert {p.stem for p, _, _ in cache.entries()} == {"b", "d"}
    assert cache.size_bytes() <= cache.max_bytes


def test_too_big_or_disabled(tmp_path):
    v, i = stems(1000)
    assert StemCache(tmp_path, max_bytes=100).put("k", v, i) is None
    off = StemCache(tmp_path, max_bytes=0)
    assert off.put("k", v, i) is None and off.get("k") is None and not off.enabled


def test_damaged_entry_is_a_miss(tmp_path):
    cache = StemCache(tmp_path)
    cache.path_for("bad").write_bytes(b"not a numpy file")
    assert cache.get("bad") is None
    assert not cache.path_for("bad").exists()


def test_default_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SOUNDNET_CACHE_DIR", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("SOUNDNET_CACHE_DIR")
    assert "SoundNet" in str(default_cache_dir())
