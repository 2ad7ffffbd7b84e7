"""PlaybackMixer: the samples the audio callback would play (no sound device, no Qt)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from enginehelpers import settle

from soundnet_app.engine.mix import KARAOKE, ORIGINAL
from soundnet_app.engine.mixer import MixParams, PlaybackMixer
from soundnet_app.engine.output import AudioOutput
from soundnet_app.engine.song import BLOCK_FRAMES, Song

RATE = 44100


def make_song(seconds: float = 2.0, separated: bool = True, seed: int = 0) -> Song:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    vocals = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 445 * t)], 1).astype(np.float32) * 0.3
    inst = (rng.standard_normal((n, 2)) * 0.1).astype(np.float32)
    song = Song("song.wav", vocals + inst)
    if separated:
        song.write_chunk(0, vocals, song.mixture - vocals)
    return song


@pytest.fixture
def song():
    return make_song()


@pytest.fixture
def mixer(song):
    m = PlaybackMixer()
    m.set_song(song)
    m.play()
    return m


def test_paused_mixer_outputs_silence_and_stays_put(song):
    m = PlaybackMixer()
    m.set_song(song)
    out = m.render(4096)
    assert not out.any()
    assert m.position == 0


def test_no_song_outputs_silence():
    out = PlaybackMixer().render(512)
    assert out.shape == (512, 2) and not out.any()


def test_karaoke_mode_is_the_instrumental(mixer, song):
    assert mixer.mode == KARAOKE
    settle(mixer)
    pos = mixer.position
    out = mixer.render(5000)
    np.testing.assert_array_equal(out, song.instrumental[pos : pos + 5000])


def test_original_mode_is_the_mixture(mixer, song):
    mixer.mode = ORIGINAL
    settle(mixer)
    pos = mixer.position
    np.testing.assert_array_equal(mixer.render(3000), song.mixture[pos : pos + 3000])


def test_ab_toggle_keeps_position_and_ramps_without_a_click(song):
    m = PlaybackMixer()
    m.set_song(song)
    m.play()
    m.render(10000)
    before = m.position
    assert m.toggle_mode() == ORIGINAL
    assert m.position == before  # same place in the song
    out = m.render(2 * m.ramp_frames)
    assert m.position == before + 2 * m.ramp_frames
    # Gains move linearly: the output is a crossfade of instrumental into mixture.
    seg = slice(before, before + 2 * m.ramp_frames)
    ramp = np.clip(np.arange(1, 2 * m.ramp_frames + 1) / m.ramp_frames, 0, 1)[:, None]
    expected = song.mixture[seg] * ramp + song.instrumental[seg] * (1 - ramp)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    # No step anywhere: the largest sample-to-sample jump stays near the signals' own.
    joined = np.concatenate([song.instrumental[before - 100 : before], out])
    natural = max(np.abs(np.diff(song.mixture, axis=0)).max(), np.abs(np.diff(song.instrumental, axis=0)).max())
    assert np.abs(np.diff(joined, axis=0)).max() <= natural * 1.05


def test_ramp_is_a_few_milliseconds():
    m = PlaybackMixer(ramp_ms=5.0)
    assert 100 <= m.ramp_frames <= 500


def test_solo_is_the_vocals(mixer, song):
    mixer.update(solo=True)
    settle(mixer)
    pos = mixer.position
    np.testing.assert_array_equal(mixer.render(4000), song.vocals[pos : pos + 4000])


def test_mute_silences_the_guide_vocal(mixer, song):
    mixer.update(vocal_level=0.5, mute=True)
    settle(mixer)
    pos = mixer.position
    np.testing.assert_array_equal(mixer.render(4000), song.instrumental[pos : pos + 4000])


@pytest.mark.parametrize("level", [0.3, 0.75, 1.0])
def test_guide_vocal_level(mixer, song, level):
    mixer.update(vocal_level=level)
    settle(mixer)
    pos = mixer.position
    expected = song.instrumental[pos : pos + 4000] + np.float32(level) * song.vocals[pos : pos + 4000]
    np.testing.assert_allclose(mixer.render(4000), expected, atol=1e-6)


def test_full_guide_vocal_gives_back_the_mixture(mixer, song):
    mixer.update(vocal_level=1.0)
    settle(mixer)
    pos = mixer.position
    np.testing.assert_allclose(mixer.render(4000), song.mixture[pos : pos + 4000], atol=1e-6)


def test_instrumental_level(mixer, song):
    mixer.update(vocal_level=0.2, instrumental_level=0.5)
    settle(mixer)
    pos = mixer.position
    seg = slice(pos, pos + 4000)
    expected = 0.5 * song.instrumental[seg] + 0.2 * song.vocals[seg]
    np.testing.assert_allclose(mixer.render(4000), expected, atol=1e-6)


def test_levels_are_clamped(mixer):
    mixer.update(vocal_level=2.0, instrumental_level=-1)
    assert mixer.params.vocal_level == 1.0 and mixer.params.instrumental_level == 0.0


def test_level_change_is_ramped(mixer, song):
    settle(mixer)
    mixer.update(vocal_level=1.0)
    pos = mixer.position
    out = mixer.render(mixer.ramp_frames)
    gain = (np.arange(1, mixer.ramp_frames + 1) / mixer.ramp_frames)[:, None]
    seg = slice(pos, pos + mixer.ramp_frames)
    np.testing.assert_allclose(out, song.instrumental[seg] + gain * song.vocals[seg], atol=1e-5)


def test_seek(mixer, song):
    mixer.seek(RATE)  # 1 s
    assert mixer.position == RATE
    settle(mixer)
    pos = mixer.position
    np.testing.assert_array_equal(mixer.render(1000), song.instrumental[pos : pos + 1000])
    mixer.seek(-50)
    assert mixer.position == 0
    mixer.seek(10**9)
    assert mixer.position == song.n_frames


def test_unseparated_blocks_play_the_original():
    song = make_song(separated=False)
    half = song.n_frames // 2 // BLOCK_FRAMES * BLOCK_FRAMES
    rng = np.random.default_rng(1)
    vocals = (rng.standard_normal((half, 2)) * 0.1).astype(np.float32)
    song.write_chunk(0, vocals, song.mixture[:half] - vocals)
    m = PlaybackMixer()
    m.set_song(song)
    m.play()
    settle(m)
    pos = m.position
    np.testing.assert_array_equal(m.render(2000), song.instrumental[pos : pos + 2000])
    m.seek(half + 10 * BLOCK_FRAMES)  # not separated: the original, not silence
    settle(m)
    pos = m.position
    np.testing.assert_array_equal(m.render(2000), song.mixture[pos : pos + 2000])
    # Once the worker catches up the same place turns karaoke (after a ramp).
    vocals2 = (rng.standard_normal((song.n_frames - half, 2)) * 0.1).astype(np.float32)
    song.write_chunk(half, vocals2, song.mixture[half:] - vocals2)
    settle(m)
    pos = m.position
    np.testing.assert_array_equal(m.render(2000), song.instrumental[pos : pos + 2000])


def test_partial_block_is_not_used(song):
    fresh = Song("x.wav", song.mixture)
    fresh.write_chunk(0, song.vocals[:1500], song.instrumental[:1500])  # block 0 full, block 1 partial
    assert fresh.coverage.is_separated(0)
    assert not fresh.coverage.is_separated(1500)
    m = PlaybackMixer()
    m.set_song(fresh)
    m.play()
    out = m.render(2048)
    # Block 1 (1024..2047) is not fully separated: it plays the mixture (after the ramp from block 0).
    tail = slice(1024 + m.ramp_frames, 2048)
    np.testing.assert_array_equal(out[tail], fresh.mixture[tail])


def test_pause_fades_out_then_stops(mixer, song):
    settle(mixer)
    mixer.pause()
    pos = mixer.position
    out = mixer.render(2000)
    assert np.abs(out[: mixer.ramp_frames]).max() > 0
    assert not out[mixer.ramp_frames :].any()
    assert mixer.position == pos + mixer.ramp_frames
    assert not mixer.render(500).any()
    assert mixer.position == pos + mixer.ramp_frames


def test_play_fades_in(song):
    m = PlaybackMixer()
    m.set_song(song)
    m.play()
    out = m.render(m.ramp_frames)
    assert np.abs(out[0]).max() <= np.abs(song.instrumental[0]).max() / m.ramp_frames + 1e-6


def test_end_of_song_stops(song):
    m = PlaybackMixer()
    m.set_song(song)
    m.play()
    m.seek(song.n_frames - 100)
    out = m.render(1000)
    assert not out[100:].any()
    assert not m.playing and m.ended
    m.play()  # plays again from the start
    assert m.position == 0 and m.playing


def test_fill_handles_requests_longer_than_the_scratch(song):
    m = PlaybackMixer(max_frames=1024)
    m.set_song(song)
    m.play()
    settle(m)
    pos = m.position
    np.testing.assert_array_equal(m.render(5000), song.instrumental[pos : pos + 5000])


def test_fill_writes_into_the_callers_buffer_without_allocating_audio_sized_memory(mixer):
    out = np.zeros((1024, 2), dtype=np.float32)
    mixer.update(vocal_level=0.4)
    mixer.fill(out)  # warm up
    mixer.mode = ORIGINAL
    tracemalloc.start()
    try:
        for _ in range(20):
            mixer.fill(out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4096  # an audio-sized temporary would be 8 KiB
    assert out.any()


def test_params_are_replaced_whole():
    m = PlaybackMixer()
    before = m.params
    m.update(vocal_level=0.5, solo=True)
    assert m.params is not before and before == MixParams()
    assert m.params.solo and m.params.vocal_level == 0.5


def test_audio_output_without_device_says_why():
    mixer = PlaybackMixer()
    out = AudioOutput(mixer, enabled=False)
    assert not out.available and out.reason
    assert out.start() is False
    real = AudioOutput(mixer)
    if real.available:
        pytest.skip("this machine has a sound device")
    assert real.reason and not real.start()
    real.close()


def test_seek_while_playing_fades_out_then_in(mixer, song):
    settle(mixer)
    old = mixer.position
    mixer.seek(RATE)
    assert mixer.position == RATE
    r = mixer.ramp_frames
    out = mixer.render(2 * r)
    fade = (1 - np.arange(1, r + 1) / r)[:, None]
    np.testing.assert_allclose(out[:r], song.instrumental[old : old + r] * fade, atol=1e-6)
    rise = (np.arange(1, r + 1) / r)[:, None]
    np.testing.assert_allclose(out[r:], song.instrumental[RATE : RATE + r] * rise, atol=1e-6)
    assert mixer.position == RATE + r


def test_seek_while_paused_is_immediate(song):
    m = PlaybackMixer()
    m.set_song(song)
    m.seek(5000)
    m.render(100)
    assert m.position == 5000
    m.play()
    out = m.render(m.ramp_frames)
    assert m.position == 5000 + m.ramp_frames and out.any()


def test_switching_songs_mid_callback_does_not_disturb_either_song(song):
    """The UI thread may swap songs while the audio callback is inside ``fill``."""

    class SwitchedMidFill(PlaybackMixer):
        switch_to = None

        def _ramp(self, i, target, length):
            if self.switch_to is not None:  # the UI thread runs set_song here
                other, self.switch_to = self.switch_to, None
                self.set_song(other)
            return super()._ramp(i, target, length)

    other = make_song(seed=5)
    m = SwitchedMidFill()
    m.set_song(song)
    m.play()
    settle(m)
    pos = m.position
    m.switch_to = other
    # The buffer in progress finishes the old song with the gains it had: no step.
    np.testing.assert_array_equal(m.render(2048), song.instrumental[pos : pos + 2048])
    # Then the new song starts paused, from silence, at its start...
    assert not m.render(1024).any() and m.position == 0
    m.play()
    out = m.render(m.ramp_frames)
    # ...and fades in from zero: the first sample is one ramp step of the signal.
    assert np.abs(out[0]).max() <= np.abs(other.instrumental[0]).max() / m.ramp_frames + 1e-6
    settle(m)
    pos = m.position
    np.testing.assert_array_equal(m.render(2000), other.instrumental[pos : pos + 2000])
