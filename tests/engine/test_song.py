"""Song, Coverage (the per-block "separated" map) and Envelope (waveform min/max)."""

from __future__ import annotations

import numpy as np

from soundnet_app.engine.song import Coverage, Envelope, Song


def test_coverage_merges_and_maps_blocks():
    c = Coverage(10_000, block=1000)
    c.add(0, 2500)
    assert c.blocks[:2].all() and not c.blocks[2]
    c.add(2500, 4000)
    assert c.intervals() == [(0, 4000)]
    assert c.blocks[:4].all() and not c.blocks[4:].any()
    c.add(7000, 10_000)  # the last (partial or not) block counts at the song's end
    assert c.intervals() == [(0, 4000), (7000, 10_000)]
    assert c.blocks[7:].all()
    assert c.gaps() == [(4000, 7000)]
    assert c.next_gap(0) == (4000, 7000)
    assert c.next_gap(5000) == (5000, 7000)
    assert c.next_gap(8000) == (4000, 7000)  # wraps to the first gap
    assert not c.complete
    c.add(3000, 8000)
    assert c.complete and c.next_gap(0) is None and c.fraction == 1.0


def test_coverage_partial_last_block():
    c = Coverage(2500, block=1000)
    c.add(0, 2500)
    assert c.blocks.tolist() == [True, True, True]
    assert c.is_separated(2499) and not c.is_separated(2500)


def test_envelope_min_max():
    n = 10_000
    audio = np.zeros((n, 2), np.float32)
    audio[123, 0] = 0.9
    audio[5000, 1] = -0.7
    env = Envelope(n, points=100)
    env.update(audio)
    assert env.y.size == 2 * env.count and env.x.size == env.y.size
    assert env.y.max() == np.float32(0.9) and env.y.min() == np.float32(-0.7)
    v = env.version
    audio[9999, 0] = 0.5
    env.update(audio, 9990, 10_000)
    assert env.version == v + 1 and env.y[-1] == np.float32(0.5)


def test_song_write_chunk_fills_stems_and_envelopes():
    rng = np.random.default_rng(0)
    mix = (rng.standard_normal((50_000, 2)) * 0.1).astype(np.float32)
    song = Song("a/b/My Song.wav", mix)
    assert song.title == "My Song"
    assert not song.env_vocals.y.any()
    voc = mix[10_000:20_000] * 0.5
    song.write_chunk(10_000, voc, mix[10_000:20_000] - voc)
    np.testing.assert_allclose(song.vocals[10_000:20_000], voc, atol=0.51 / 32767)  # stored as 16-bit
    assert song.env_vocals.y.any()
    assert song.coverage.intervals() == [(10_000, 20_000)]
    # A chunk running past the end is clipped.
    assert song.write_chunk(45_000, np.zeros((10_000, 2), np.float32), np.zeros((10_000, 2), np.float32)) == (45_000, 50_000)


def test_blend_chunk_cross_fades_into_separated_stems():
    rng = np.random.default_rng(1)
    mix = (rng.standard_normal((8000, 2)) * 0.1).astype(np.float32)
    song = Song("x.wav", mix)
    old = mix * 0.25
    song.write_chunk(0, old, mix - old)
    new = mix * 0.75
    weight = np.linspace(0.0, 1.0, 1000, dtype=np.float32)
    assert song.blend_chunk(2000, new[2000:3000], weight) == (2000, 3000)
    expected = old[2000:3000] * (1 - weight[:, None]) + new[2000:3000] * weight[:, None]
    step = 1 / 32767  # the stems are stored as 16-bit samples
    np.testing.assert_allclose(song.vocals[2000:3000], expected, atol=1.01 * step)
    np.testing.assert_allclose(song.vocals[:2000], old[:2000], atol=0.51 * step)  # nothing outside the range
    np.testing.assert_allclose(song.vocals[3000:], old[3000:], atol=0.51 * step)
    np.testing.assert_allclose(np.asarray(song.vocals) + song.instrumental, mix, atol=0.51 * step)
    assert song.coverage.intervals() == [(0, 8000)]
