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
    ring = RenderAhead(src, lambda: src.k, lambda: 1.0, ahead=3000, block=512, max_read=2048, max_ahead=3000)
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


def play_on_a_busy_machine(max_ahead: int, seconds: float = 20.0) -> tuple[int, int, RenderAhead]:
    """Virtual time: a 1024-frame callback every 23.2 ms; the worker wakes every 3 ms but is kept off
    the CPU for 80 ms once a second (a loaded 2-core machine). Returns the underruns in the first
    3 s and after them, and the ring."""
    rate, frames = 44100, 1024
    src = Counter()
    ring = RenderAhead(src, lambda: src.k, lambda: 1.0, ahead=2205, block=512, max_read=4096,
                       max_ahead=max_ahead, sample_rate=rate)
    ring.step(0.0)
    out = np.zeros((frames, 2), np.float32)
    next_read, next_work, t, early = frames / rate, 0.003, 0.0, None
    while t < seconds:
        if early is None and t >= 3.0:
            early = ring.underruns
        t = min(next_read, next_work)
        if t == next_read:
            ring.read(out)
            next_read += frames / rate
        else:
            ring.step(t)
            stalled = (t % 1.0) > 0.5 and ((t - 0.003) % 1.0) <= 0.5
            next_work = t + (0.080 if stalled else 0.003)
    return early, ring.underruns - early, ring


def test_the_ring_grows_while_the_worker_is_starved_and_rides_out_stalls():
    _, fixed, _ = play_on_a_busy_machine(max_ahead=2205)
    early, late, ring = play_on_a_busy_machine(max_ahead=8 * 2205)
    assert fixed >= 15  # every stall longer than the 50 ms ring is heard
    assert early > 0 and late == 0  # the first stalls are heard, then the grown ring rides them out
    assert ring.ahead < ring.max_level <= ring.max_ahead


def test_the_ring_shrinks_back_once_the_machine_is_calm():
    from soundnet_app.engine.render_ahead import CALM_S

    src = Counter()
    ring = RenderAhead(src, lambda: src.k, lambda: 1.0, ahead=1024, block=512, max_read=4096, max_ahead=8192)
    ring.step(0.0)
    ring.read(np.zeros((3000, 2), np.float32))  # starved
    ring.step(1.0)
    assert ring.level == 2048 and ring.written - ring.read_frames >= 2048
    ring.step(1.001)  # the same dip: no second doubling
    assert ring.level == 2048
    ring.step(1.0 + CALM_S + 0.1)
    assert ring.level == 1024
    ring.step(1.0 + 3 * CALM_S)
    assert ring.level == 1024  # never below the calm level
    src_k = src.k
    out = np.zeros((ring.written - ring.read_frames, 2), np.float32)
    ring.read(out)
    assert out[-1, 0] == src_k - 1  # the stream stays in order through the changes


def test_the_audio_clock_follows_the_blocks_heard_not_wall_time():
    """A 2 s stall of the output (tap-to-sync under load): the heard frame waits for the sound, so taps
    timed against it stay on the song; wall time would put them 2 s early."""
    from soundnet_app.engine.output import AudioClock

    rate, frames = 44100, 1024
    clock = AudioClock(rate)
    assert clock.frame_at(0.0) is None
    dac, frame = 0.1, 0
    for _ in range(40):  # ~0.93 s played
        clock.mark(dac, frame, frames)
        dac, frame = dac + frames / rate, frame + frames
    stalled_at = dac  # nothing reaches the speaker for 2 s
    dac += 2.0
    for _ in range(40):
        clock.mark(dac, frame, frames)
        dac, frame = dac + frames / rate, frame + frames
    assert clock.frame_at(stalled_at + 1.0) == 40 * frames  # during the stall: where the sound stopped
    assert clock.frame_at(stalled_at + 2.0 + 0.5) == 40 * frames + round(0.5 * rate)
    clock.mark(dac, frame, frames, tempo=0.8)
    assert clock.frame_at(dac + 0.01) == frame + round(round(0.01 * rate) * 0.8)  # song frames at the tempo
