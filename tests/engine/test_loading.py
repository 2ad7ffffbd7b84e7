"""Loading a song without Qt: the length limit, truncated files, the stem-cache lookup, error messages."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import soundnet_app.engine.loading as loading
from soundnet_app.audio.errors import AudioReadError
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.synth import synthetic_song
from soundnet_app.engine.loading import TruncatedFile, error_message, load_song
from soundnet_app.separation.cache import StemCache, cache_key


def write_song(path, seconds=2.0, seed=3):
    sf.write(path, synthetic_song(seconds, seed=seed), SAMPLE_RATE, subtype="PCM_16")
    return path


def test_error_messages_are_one_line_for_the_user(tmp_path):
    # The core's errors are already written for the user: passed on as they are.
    assert error_message(AudioReadError(tmp_path / "a.mp3", "file is empty (0 bytes)")) == "a.mp3: file is empty (0 bytes)"
    # Anything else gets its type, and only its first line.
    assert error_message(ValueError("bad value\nTraceback details")) == "ValueError: bad value"
    assert error_message(MemoryError()) == "MemoryError"
    assert error_message(RuntimeError("   ")) == "RuntimeError"


def test_a_song_loads_with_its_hash_and_no_stems(tmp_path):
    path = write_song(tmp_path / "a.wav")
    song = load_song(path)
    assert song.n_frames == 2 * SAMPLE_RATE and song.mixture.shape == (2 * SAMPLE_RATE, 2)
    assert len(song.content_hash) == 64 and song.coverage.separated_frames() == 0 and not song.cached
    assert load_song(path, hash_content=False).content_hash == ""


def test_too_long_song_is_refused_before_decoding(tmp_path, monkeypatch):
    path = write_song(tmp_path / "long.wav", seconds=7.0)
    monkeypatch.setattr(loading, "MAX_SONG_MINUTES", 0.1)
    with pytest.raises(AudioReadError, match="minutes long"):
        load_song(path)
    with pytest.raises(AudioReadError, match="minutes long"):
        load_song(path, allow_truncated=True)


def test_a_truncated_file_says_how_much_decodes_and_that_part_opens(tmp_path):
    path = tmp_path / "half.mp3"
    sf.write(path, synthetic_song(4.0, seed=3), SAMPLE_RATE, format="MP3")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(TruncatedFile) as info:
        load_song(path)
    assert info.value.path == path and 1.0 < info.value.seconds < 2.5
    assert isinstance(info.value.__cause__, AudioReadError) and "truncated" in str(info.value)
    song = load_song(path, allow_truncated=True)
    assert song.n_frames == round(info.value.seconds * SAMPLE_RATE)


def test_stems_come_from_the_cache_complete_or_in_part(tmp_path):
    path = write_song(tmp_path / "cached.wav")
    cache = StemCache(tmp_path / "cache")
    song = load_song(path)
    key = cache_key(song.content_hash, "v1")
    vocals = 0.25 * np.asarray(song.mixture)
    cache.put(key, vocals)
    hit = load_song(path, cache=cache, model_version=lambda: "v1")  # computed beside the decoding
    assert hit.cached and hit.coverage.complete
    np.testing.assert_allclose(hit.vocals, vocals, atol=1e-4)
    np.testing.assert_allclose(hit.vocals + hit.instrumental, hit.mixture, atol=1e-6)
    # Another model's stems are not served; a partial entry restores its parts only.
    assert load_song(path, cache=cache, model_version="v2").coverage.separated_frames() == 0
    part = [(0, 16 * 1024)]
    cache.put(cache_key(song.content_hash, "v3"), vocals, intervals=part)
    partial = load_song(path, cache=cache, model_version="v3")
    assert partial.coverage.intervals() == part and not partial.cached
