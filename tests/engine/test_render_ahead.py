"""The render-ahead ring: the audio callback's copy of what a worker rendered ahead (no sound device)."""

from __future__ import annotations

import time

import numpy as np
from test_mixer import make_song

from soundnet_app.engine.mix import KARAOKE
from soundnet_app.engine.mixer import PlaybackMixer
from soundnet_app.engine.render_ahead import RenderAhead


class Counter:
    """A source whose sample k is k (both channels): any skip, repeat or reorder shows."""

    def __init__(self):
        self.k = 0

    def __call__(self, out: np.ndarray) -> None:
        n = out.shape[0]
        out[:] = (self.k + np.arange(n, dtype=np.float32))[:, None]
        self.k += n


def test_reads_across_the_ring_end_are_the_stream_in_order():
    src = Counter()
    ring = RenderAhead(src, lambda: src.k, lambda: 1.0, ahead=3000, block=512, max_read=2048)
    got = []
    for size in [1000, 17, 2048, 999, 1024] * 12:  # odd sizes: many wraps of the ring
        ring._fill_to(ring.ahead)
        out = np.empty((size, 2), np.float32)
        ring.read(out)
        got.append(out[:, 0])
    x = np.concatenate(got)
    np.testing.assert_array_equal(x, np.arange(x.size, dtype=np.float32))
    assert ring.underruns == 0 and x.size > 4 * ring.capacity
    assert ring.heard == x.size  # the song frame of the next sample handed out


def test_a_starved_read_plays_silence_and_skips_nothing():
    src = Counter()
    ring = RenderAhead(src, lambda: src.k, lambda: 1.0, ahead=1024, block=512, max_read=4096)
    ring._fill_to(1024)
    out = np.full((3000, 2), 7.0, np.float32)
    ring.read(out)
    np.testing.assert_array_equal(out[:1024, 0], np.arange(1024))
    assert not out[1024:].any() and ring.underruns == 1
    ring._fill_to(1024)
    nxt = np.empty((512, 2), np.float32)
    ring.read(nxt)
    np.testing.assert_array_equal(nxt[:, 0], np.arange(1024, 1536))  # carries on where it stopped


def read_like_a_sound_card(mixer: PlaybackMixer, frames: int, block: int = 1024) -> np.ndarray:
    """Read ``frames`` through the ring, each read waiting until the worker has it (no underrun)."""
    ahead = mixer._ahead
    out = np.empty((frames, 2), np.float32)
    for i in range(0, frames, block):
        n = min(block, frames - i)
        end = time.perf_counter() + 5
        while ahead.written - ahead.read_frames < n and time.perf_counter() < end:
            time.sleep(0.001)
        mixer.fill(out[i : i + n])
    assert ahead.underruns == 0
    return out


def test_mixer_through_the_ring_plays_what_it_renders_directly():
    song = make_song(2.0)
    direct = PlaybackMixer()
    direct.set_song(song)
    direct.play()
    expected = direct.render(44100)
    mixer = PlaybackMixer()
    mixer.set_song(song)
    mixer.mode = KARAOKE
    mixer.play()
    mixer.start_ahead(30)
    try:
        got = read_like_a_sound_card(mixer, 44100)
        # The playhead is what was handed out, not what the worker rendered ahead.
        assert mixer.position == 44100
        assert mixer._ahead.written > 44100
    finally:
        mixer.stop_ahead()
    np.testing.assert_array_equal(got, expected)
    assert mixer._ahead is None


def test_seek_through_the_ring_reports_the_target_until_it_is_heard():
    song = make_song(3.0)
    mixer = PlaybackMixer()
    mixer.set_song(song)
    mixer.play()
    mixer.start_ahead(50)
    try:
        read_like_a_sound_card(mixer, 8192)
        mixer.seek(2 * 44100)
        positions = []
        for _ in range(20):
            read_like_a_sound_card(mixer, 1024)
            positions.append(mixer.position)
        # Never back at the old place once the seek was asked for; then moving on from the target.
        assert min(positions) >= 2 * 44100
        assert positions[-1] > 2 * 44100
    finally:
        mixer.stop_ahead()


def test_a_starved_read_larger_than_the_zero_block_is_silence():
    """A callback asking for more frames than the ring's zero block still gets silence, not an error."""
    ahead = RenderAhead(lambda out: out.fill(0.5), lambda: 0, lambda: 1.0, ahead=256, block=256, max_read=512)
    out = np.full((3000, 2), 9.0, dtype=np.float32)
    ahead.read(out)  # nothing rendered yet: all starved
    assert (out == 0.0).all() and ahead.underruns == 1
