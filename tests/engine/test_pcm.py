"""A song's audio as 16-bit PCM: what a 60-minute song costs in memory, and that nothing is lost on the way."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.engine import pcm
from soundnet_app.engine.pcm import Difference, Pcm16
from soundnet_app.engine.song import Song

STEP = 1 / 32767


def test_a_song_holds_its_mixture_and_vocals_as_16_bit_and_never_stores_the_instrumental():
    """Mixture + vocals + instrumental were 24 bytes a frame (three float32 stereo arrays): 60 min = 3.8 GB."""
    n = 10 * 44100
    mix = (np.random.default_rng(0).standard_normal((n, 2)) * 0.1).astype(np.float32)
    song = Song("x.wav", mix)
    assert song.mixture.nbytes + song.vocals.nbytes == 8 * n  # 2 x int16 stereo
    assert isinstance(song.instrumental, Difference)  # computed where it is read, never stored
    vocals = mix * 0.3
    song.write_chunk(0, vocals)
    np.testing.assert_allclose(song.vocals[:], vocals, atol=0.51 * STEP)
    np.testing.assert_allclose(song.instrumental[1000:2000], mix[1000:2000] - vocals[1000:2000], atol=1.01 * STEP)
    np.testing.assert_allclose(np.asarray(song.vocals) + song.instrumental, song.mixture[:], atol=1e-6)  # add up


def test_samples_beyond_full_scale_clip_and_reads_are_float32():
    x = Pcm16.from_float(np.array([[0.5, -0.5], [1.5, -2.0], [1.0, -1.0]], np.float32))
    assert x.data.tolist() == [[16384, -16384], [32767, -32768], [32767, -32767]]
    assert x[0:2].dtype == np.float32 and x[0:2].shape == (2, 2)
    out = np.empty((3, 2), np.float32)
    x.read_into(0, out)
    np.testing.assert_array_equal(out, x[:])
    d = Difference(x, Pcm16.from_float(np.full((3, 2), 0.25, np.float32)))
    np.testing.assert_allclose(d[:], x[:] - 0.25, atol=STEP)


def test_decoded_blocks_fill_the_array_whatever_the_header_said():
    blocks = [np.full((1000, 2), 0.1 * k, np.float32) for k in range(1, 6)]
    for hint in (0, 3000, 5000, 9000):  # none, short, exact, long
        x = Pcm16.from_blocks(iter(blocks), frames_hint=hint)
        assert x.shape == (5000, 2)
        np.testing.assert_allclose(x[:], np.concatenate(blocks), atol=0.51 * STEP)


def _resident_mb() -> float:
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) / 1024


def test_a_long_song_lives_in_a_memory_map_and_hands_its_pages_back(monkeypatch):
    if not hasattr(pcm.mmap, "MADV_DONTNEED"):
        pytest.skip("no madvise(MADV_DONTNEED) here")
    monkeypatch.setattr(pcm, "FILE_BACKED_FRAMES", 44100)  # "long" from 1 s on, so the test stays small
    n = 64 * 1024 * 1024 // 4  # 64 MB of 16-bit stereo
    x = Pcm16.zeros(n)
    assert x.file_backed
    before = _resident_mb()
    piece = np.full((1 << 20, 2), 0.25, np.float32)
    for a in range(0, n, piece.shape[0]):
        x[a : a + piece.shape[0]] = piece
    written = _resident_mb()
    x.release()
    released = _resident_mb()
    assert written - before > 48 and written - released > 48, (before, written, released)
    np.testing.assert_allclose(x[n - 10 :], 0.25, atol=STEP)  # the data stays: paged back in from the file
    assert abs(float(x[12345, 0]) - 0.25) < STEP
