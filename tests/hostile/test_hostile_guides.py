"""Damaged pitch guides (issue #19 item 5) and the guide of a song opened from the cache (issue #18 item 4)."""

from __future__ import annotations


import numpy as np
import pytest
from hostile_inputs import SR, damaged_variants, sung_notes
from singhelpers import DeadInput, until

from soundnet_app.audio.write import write_audio
from soundnet_app.engine.loading import load_song
from soundnet_app.separation.cache import StemCache, cache_key
from soundnet_app.sing.guide import PitchGuide, guide_path
from soundnet_app.sing.session import SingAlong


@pytest.fixture
def singalong():
    sa = SingAlong(DeadInput)
    yield sa
    sa.shutdown()


@pytest.fixture
def cached_song(tmp_path):
    """A song file whose separated stems are in a real stem cache: ``(path, cache, key)``."""
    voice = sung_notes(3.0)
    path = tmp_path / "song.wav"
    write_audio(path, voice)
    cache = StemCache(tmp_path / "cache")
    first = load_song(path, cache=cache, model_version="v1")  # a miss: separate (here: the voice is the vocals)
    key = cache_key(first.content_hash, "v1")
    cache.put(key, first.mixture, np.zeros_like(first.mixture))
    return path, cache, key


def _good_guide_bytes(tmp_path, n_frames: int) -> bytes:
    guide = PitchGuide(n_frames, SR)
    guide.f0[:] = 220.0
    guide.done[:] = True
    return guide.save(tmp_path / "good.pitch.npz").read_bytes()


@pytest.mark.parametrize("damage", ["empty", "truncated", "bitflip", "zero_hop", "nan_f0", "wrong_shape"])
def test_item5_a_damaged_guide_is_a_miss_and_is_removed(tmp_path, damage):
    n = 3 * SR
    good = _good_guide_bytes(tmp_path, n)
    path = tmp_path / "key.pitch.npz"
    if damage in damaged_variants(good):
        path.write_bytes(damaged_variants(good)[damage])
    else:
        f0 = {"nan_f0": np.full(300, np.nan, np.float32), "wrong_shape": np.zeros(7, np.float32)}.get(
            damage, np.zeros(300, np.float32))
        hop = 0.0 if damage == "zero_hop" else 0.01
        with open(path, "wb") as f:
            np.savez(f, f0=f0, meta=np.array([n, SR, hop]))
    assert PitchGuide.load(path, n) is None
    assert not path.exists()  # rebuilt and stored again, not tripped over next time


def test_item5_a_guide_of_another_length_is_a_miss_but_kept(tmp_path):
    good = tmp_path / "good.pitch.npz"
    good.write_bytes(_good_guide_bytes(tmp_path, 3 * SR))
    assert PitchGuide.load(good, 2 * SR) is None and good.exists()
    assert PitchGuide.load(good, 3 * SR).complete


def test_item5_a_song_with_a_damaged_guide_opens_and_the_guide_is_rebuilt(cached_song, singalong):
    path, cache, key = cached_song
    stored = guide_path(cache.root, key)
    stored.write_bytes(b"PK\x03\x04 not really a zip")
    song = load_song(path, cache=cache, model_version="v1")
    assert song.coverage.complete
    singalong.cache_root = cache.root
    assert singalong.open_song(song) is None
    until(lambda: singalong.guide.complete and stored.exists())
    assert PitchGuide.load(stored, song.n_frames).complete and singalong.guide.notes()


def test_issue18_item4_the_first_cached_song_finds_its_stored_guide_before_the_model_loads(cached_song, singalong):
    path, cache, key = cached_song
    guide = PitchGuide(3 * SR, SR)
    guide.f0[:] = 247.0
    guide.done[:] = True
    guide.save(guide_path(cache.root, key))
    song = load_song(path, cache=cache, model_version="v1")
    singalong.cache_root = cache.root  # no model version yet: the model has not loaded
    assert singalong.model_version == ""
    singalong.open_song(song)
    assert singalong.guide.complete and np.all(singalong.guide.f0 == 247.0)


def test_issue18_item4_a_cached_song_without_a_guide_gets_one_without_chunks(cached_song, singalong):
    path, cache, key = cached_song
    song = load_song(path, cache=cache, model_version="v1")
    singalong.cache_root = cache.root
    singalong.open_song(song)
    until(lambda: singalong.guide.complete and guide_path(cache.root, key).exists())
    assert singalong.guide.notes()
