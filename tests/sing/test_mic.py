"""The microphone: no device here, so a file-fed input drives the live pitch and the score."""

from __future__ import annotations

import numpy as np
import pytest
from voice import MELODY, SR, sung_notes

from soundnet_app.audio.write import write_audio
from soundnet_app.sing.mic import FileInput, MicInput, SingingSession, input_devices
from soundnet_app.sing.pitch import track_pitch


def test_no_microphone_is_a_clear_state():
    mic = MicInput()
    if input_devices() and mic.available:
        pytest.skip("this machine has a microphone")
    assert not mic.available
    assert "microphone" in mic.reason.lower() or "portaudio" in mic.reason.lower()
    assert mic.start(lambda block: None) is False
    mic.stop()  # harmless


@pytest.mark.parametrize("semitones, low, high", [(0, 0.93, 1.0), (12, 0.9, 1.0), (1, 0.0, 0.05)])
def test_file_fed_input_drives_live_pitch_and_score(tmp_path, semitones, low, high):
    guide_audio, _ = sung_notes(MELODY, 5.5)
    guide = track_pitch(guide_audio, SR)
    singer, _ = sung_notes([(a, b, m + semitones) for a, b, m in MELODY], 5.5, seed=11)
    path = tmp_path / "singer.wav"
    write_audio(path, np.stack([singer, singer], axis=1))
    source = FileInput(path, speed=0)  # as fast as the tracker takes it
    session = SingingSession(source, guide, song_start_s=0.0, latency_s=0.0,
                             lines=[(0.2, 2.3), (2.4, 4.0), (4.1, 5.2)])
    assert session.start()
    assert source.finished.wait(10)
    assert session.wait_idle()
    session.stop()
    times, f0 = session.sung()
    assert f0.size > 500 and (f0 > 0).mean() > 0.6
    score = session.scorer.score()
    print(f"{semitones:+}: live score {score.percent} %, lines {score.lines}")
    assert low <= score.total <= high
    rec = session.recording()
    assert rec.size == singer.size and np.allclose(rec, singer, atol=1e-4)


def test_latency_shifts_the_singer_onto_the_song():
    guide_audio, _ = sung_notes(MELODY, 5.5)
    guide = track_pitch(guide_audio, SR)
    # The singer is heard 120 ms late, and the session started 1 s into the song.
    late = np.concatenate([np.zeros(int(0.12 * SR), np.float32), guide_audio[SR:]])
    scored = {}
    for latency in (0.0, 0.12):
        session = SingingSession(FileInput(late, speed=0), guide, song_start_s=1.0, latency_s=latency)
        session.start()
        session.source.finished.wait(10)
        session.wait_idle()
        session.stop()
        scored[latency] = session.scorer.score().total
    assert scored[0.12] > 0.93 and scored[0.12] > scored[0.0]


@pytest.mark.parametrize("key, tempo", [(3, 1.0), (-2, 0.8)])
def test_singing_at_the_players_key_and_tempo_scores_against_the_guide(key, tempo):
    """The player plays at ``key`` and ``tempo``: the singer follows it, the session maps them back."""
    guide_audio, _ = sung_notes(MELODY, 5.5)
    guide = track_pitch(guide_audio, SR)
    # What the singer sings along with the shifted song: the melody ``key`` up, stretched by 1 / tempo.
    notes = [(a / tempo, b / tempo, m + key) for a, b, m in MELODY]
    singer, _ = sung_notes(notes, 5.5 / tempo, seed=11)
    scores = {}
    for k in (key, 0):
        session = SingingSession(FileInput(singer, speed=0), guide, song_start_s=0.0, latency_s=0.0,
                                 key=k, tempo=tempo)
        assert session.start()
        assert session.source.finished.wait(10) and session.wait_idle()
        session.stop()
        scores[k] = session.scorer.score().total
    times, _ = session.sung()
    assert abs(times[-1] - tempo * singer.size / SR) < 0.25  # song time, not recording time (the last frame lags)
    assert scores[key] > 0.85 and scores[0] < 0.1, scores


def test_a_failing_block_does_not_end_the_session():
    """One bad block is reported; the blocks after it are still recorded."""
    from soundnet_app.sing.mic import FileInput, SingingSession

    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(44100) / 44100)).astype(np.float32)
    session = SingingSession(FileInput(tone, speed=0), record=True)
    real_feed, calls = session.live.feed, []

    def feed(block):
        calls.append(len(block))
        if len(calls) == 2:
            raise RuntimeError("bad block")
        return real_feed(block)

    session.live.feed = feed
    assert session.start()
    assert session.wait_idle()  # waits for the source's last block, not only for an empty queue
    session.stop()
    assert "bad block" in session.error
    assert len(calls) > 3 and session.recording().shape[0] >= 44100 - 1024


def test_wait_idle_waits_for_a_source_that_starts_late(tmp_path):
    """A file source decodes on its own thread: the queue is empty before its first block, not idle."""
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(3 * 44100) / 44100)).astype(np.float32)
    path = tmp_path / "voice.flac"
    write_audio(path, np.stack([tone, tone], axis=1))
    session = SingingSession(FileInput(path, speed=0), record=True)
    assert session.start()
    assert session.wait_idle(timeout=60)
    assert session.recording().shape[0] == tone.size  # every block was in before wait_idle returned
    session.stop()
