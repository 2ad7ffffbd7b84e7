"""StemCache: content + model keyed, compact, checksummed, atomic, LRU-evicted."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from soundnet_app.paths import stem_cache_dir
from soundnet_app.separation.cache import HEADER_BYTES, StemCache, cache_key, file_hash


def song(n=1000, seed=0):
    """``(mixture, vocals, instrumental)``: stems that add up to the mixture, as the separator's do."""
    rng = np.random.default_rng(seed)
    mixture = (0.4 * rng.standard_normal((n, 2))).clip(-1, 1).astype(np.float32)
    vocals = (mixture * rng.uniform(0, 1, (n, 1))).astype(np.float32)
    return mixture, vocals, mixture - vocals


def test_roundtrip_is_exact_to_half_a_16_bit_step_and_adds_up(tmp_path):
    cache = StemCache(tmp_path / "c", max_bytes=10**7)
    mixture, v, i = song(5000)
    key = cache_key("abc", "m1")
    assert cache.get(key, mixture) is None
    path = cache.put(key, v, i)
    assert path is not None and path.exists()
    got = cache.get(key, mixture)
    assert got is not None
    vocals, instrumental = got
    assert vocals.dtype == instrumental.dtype == np.float32 and vocals.shape == v.shape
    assert np.abs(vocals - v).max() <= 0.5 / 32767 + 1e-7
    np.testing.assert_array_equal(instrumental, mixture - vocals)  # the stems add up exactly
    assert not list((tmp_path / "c").glob(".*.tmp"))
    assert [p.name for p in (tmp_path / "c").iterdir()] == [path.name]  # no temporary file of any name


def test_entries_are_compact(tmp_path):
    cache = StemCache(tmp_path, max_bytes=10**9)
    mixture, v, i = song(44100 * 10)
    path = cache.put("k", v, i)
    float_entry = v.shape[0] * 4 * 4  # what the float32 (n, 4) entries took
    assert path.stat().st_size < float_entry / 4


def test_loud_vocals_are_scaled_not_clipped(tmp_path):
    cache = StemCache(tmp_path)
    mixture, v, i = song(3000)
    v = v * 3.0  # an estimate may peak above full scale
    cache.put("k", v, mixture - v)
    vocals, _ = cache.get("k", mixture)
    assert np.abs(vocals - v).max() <= 0.5 * 3.0 / 32767 * 1.01


def test_key_depends_on_content_and_model(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"one song")
    b.write_bytes(b"one song")
    assert file_hash(a) == file_hash(b)
    b.write_bytes(b"another song")
    assert file_hash(a) != file_hash(b)
    assert cache_key(file_hash(a), "v1") != cache_key(file_hash(a), "v2")


def test_lru_eviction(tmp_path):
    mixture, v, i = song(1000)
    probe = StemCache(tmp_path / "probe")
    entry = probe.put("x", v, i).stat().st_size
    cache = StemCache(tmp_path / "c", max_bytes=int(entry * 2.5))
    for k in "abc":
        cache.put(k, v, i)
        time.sleep(0.02)
    assert {p.stem for p, _, _ in cache.entries()} == {"b", "c"}  # "a" was least recently used
    old = time.time() - 100
    os.utime(cache.path_for("b"), (old, old))
    os.utime(cache.path_for("c"), (old + 1, old + 1))
    assert cache.get("b", mixture) is not None  # touching "b" makes "c" the oldest
    cache.put("d", v, i)
    assert {p.stem for p, _, _ in cache.entries()} == {"b", "d"}
    assert cache.size_bytes() <= cache.max_bytes


def test_too_big_or_disabled(tmp_path):
    mixture, v, i = song(1000)
    assert StemCache(tmp_path, max_bytes=100).put("k", v, i) is None
    off = StemCache(tmp_path, max_bytes=0)
    assert off.put("k", v, i) is None and off.get("k", mixture) is None and not off.enabled


def _damage(kind: str, data: bytes) -> bytes:
    if kind == "empty":
        return b""
    if kind == "garbled header":
        return b"SNSTEM2\n" + bytes(range(40)) + data[48:]
    if kind == "truncated":
        return data[: HEADER_BYTES + (len(data) - HEADER_BYTES) // 2]
    if kind == "flipped payload byte":
        k = HEADER_BYTES + (len(data) - HEADER_BYTES) // 2
        return data[:k] + bytes([data[k] ^ 0x55]) + data[k + 1 :]
    if kind == "not an entry":
        return b"not a cache file at all"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["empty", "garbled header", "truncated", "flipped payload byte", "not an entry"])
def test_any_damage_is_a_miss_and_is_removed(tmp_path, kind):
    cache = StemCache(tmp_path)
    mixture, v, i = song(4000)
    path = cache.put("k", v, i)
    path.write_bytes(_damage(kind, path.read_bytes()))
    assert cache.get("k", mixture) is None  # never raises
    assert not path.exists()


def test_wrong_length_is_a_miss(tmp_path):
    cache = StemCache(tmp_path)
    mixture, v, i = song(1000)
    cache.put("k", v, i)
    assert cache.get("k", mixture[:999]) is None
    assert not cache.path_for("k").exists()


def test_clear_removes_entries_old_format_included(tmp_path):
    cache = StemCache(tmp_path)
    mixture, v, i = song(2000)
    cache.put("a", v, i)
    cache.put("b", v, i)
    (tmp_path / "legacy.npy").write_bytes(b"x" * 5000)  # an entry of the old float32 format
    (tmp_path / "notes.txt").write_text("not ours")
    size = cache.size_bytes()
    assert size > 5000
    assert cache.clear() == size
    assert cache.size_bytes() == 0 and cache.get("a", mixture) is None
    assert (tmp_path / "notes.txt").exists()


def test_default_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SOUNDNET_CACHE_DIR", str(tmp_path / "x"))
    assert stem_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("SOUNDNET_CACHE_DIR")
    assert "SoundNet" in str(stem_cache_dir())


def test_partial_entry_keeps_its_intervals(tmp_path):
    cache = StemCache(tmp_path)
    mixture, v, i = song(6000)
    v[2000:4000] = 0  # not separated there
    cache.put("k", v, mixture - v, intervals=[(0, 2000), (4000, 6000)])
    assert cache.get("k", mixture) is None  # not complete
    hit = cache.lookup("k", mixture)
    assert hit.intervals == [(0, 2000), (4000, 6000)] and not hit.complete
    assert np.abs(hit.vocals - v).max() <= 0.5 / 32767 + 1e-7
    cache.put("k", v, mixture - v)  # finished later: replaces it
    assert cache.lookup("k", mixture).complete
