"""Scoring against the guide, latency measurement, alignment and "my take" export."""

from __future__ import annotations

import numpy as np
import pytest
from voice import MELODY, SR, sung_notes

from soundnet_app.audio.decode import read_audio
from soundnet_app.engine.keytempo import render_offline
from soundnet_app.engine.mix import karaoke_mix
from soundnet_app.sing.pitch import HOP_S, track_pitch
from soundnet_app.sing.scoring import LiveScorer, octave_distance_cents, score_take
from soundnet_app.sing.take import (
    TakePart,
    align_recording,
    calibrate_latency,
    click_track,
    export_take,
    export_takes,
    measure_latency,
)

LINES = [(0.2, 2.3), (2.4, 4.0), (4.1, 5.2)]


def shifted(semitones: float) -> list[tuple[float, float, float]]:
    """The melody moved; notes that would leave a voice's range (under G2) go up an octave."""
    return [(a, b, m + semitones + (12 if m + semitones < 43 else 0)) for a, b, m in MELODY]


def lag_s(reference: np.ndarray, signal: np.ndarray, max_lag_s: float = 0.05) -> float:
    """How late ``signal`` is against ``reference`` (seconds, either sign), by cross-correlation."""
    n = min(reference.size, signal.size)
    max_lag = int(max_lag_s * SR)
    lags = np.arange(-max_lag, max_lag + 1)
    a, b = reference[max_lag:n - max_lag], signal[:n]
    xc = [float(np.dot(a, b[max_lag + k:max_lag + k + a.size])) for k in lags]
    return lags[int(np.argmax(xc))] / SR


@pytest.fixture(scope="module")
def guide():
    audio, _ = sung_notes(MELODY, 5.5)
    return track_pitch(audio, SR)


def test_octave_folding():
    d = octave_distance_cents(np.array([440.0, 880.0, 220.0, 466.16, 0.0]), np.array([440.0] * 5))
    assert d[:4] == pytest.approx([0, 0, 0, 100], abs=0.1)
    assert np.isnan(d[4])


@pytest.mark.parametrize("semitones, low, high", [(0, 0.95, 1.0), (12, 0.93, 1.0), (-12, 0.93, 1.0),
                                                  (1, 0.0, 0.05), (-1, 0.0, 0.05), (0.5, 0.0, 0.6)])
def test_take_scores(guide, semitones, low, high):
    # The singer: the same melody (another noise), an octave away, or a semitone off.
    audio, _ = sung_notes(shifted(semitones), 5.5, seed=7)
    sung = track_pitch(audio, SR)
    score = score_take(sung, guide, HOP_S, LINES)
    print(f"{semitones:+} semitones: {score.percent} %, lines {score.lines}")
    assert low <= score.total <= high
    assert all(low - 0.05 <= s <= high for s in score.lines)


def test_silence_scores_nothing_and_unvoiced_guide_costs_nothing(guide):
    assert score_take(np.zeros_like(guide), guide).total == 0.0
    s = score_take(guide, guide, HOP_S, [(5.1, 5.4)])
    assert s.lines == [None]  # no guide-voiced frame in that line


def test_live_scorer_counts_only_heard_frames(guide):
    scorer = LiveScorer(guide, HOP_S, LINES)
    first = int(2.4 / HOP_S)
    scorer.add(first, guide[first:])  # joined at the second line, sang it perfectly
    s = scorer.score()
    assert s.total == pytest.approx(1.0)
    assert s.lines[0] is None and s.lines[1] == pytest.approx(1.0)
    scorer.add(-5, np.zeros(10))  # before the song: clipped, no crash
    scorer.reset()
    assert scorer.score().total == 0.0


def room(x: np.ndarray, delay_s: float, seed: int = 0) -> np.ndarray:
    """What a microphone records of ``x`` played by a speaker: delayed, quieter, coloured, noisy."""
    rng = np.random.default_rng(seed)
    d = int(round(delay_s * SR))
    y = np.concatenate([np.zeros(d), x])[: x.size + d]
    y = 0.3 * np.convolve(y, [0.5, 0.3, 0.15, 0.05])[: y.size]  # a little low-pass
    return (y + 0.003 * rng.standard_normal(y.size)).astype(np.float32)


def test_latency_of_a_simulated_120ms_round_trip():
    latency = calibrate_latency(lambda clicks: room(clicks, 0.120), SR)
    assert abs(latency - 0.120) <= 0.005, latency
    with pytest.raises(ValueError, match="not heard"):
        measure_latency(click_track(SR), 0.003 * np.random.default_rng(1).standard_normal(click_track(SR).size))


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_take_export_aligns_the_voice(tmp_path, fmt):
    n = 4 * SR
    rng = np.random.default_rng(2)
    instrumental = (0.05 * rng.standard_normal((n, 2))).astype(np.float32)
    voice, _ = sung_notes([(0.5, 1.5, 60), (2.0, 3.0, 64)], 4.0)
    record_start = SR // 2  # the singer started recording half a second in
    recorded = room(voice[record_start:], 0.120, seed=3)
    latency = calibrate_latency(lambda clicks: room(clicks, 0.120, seed=4), SR)
    aligned = align_recording(recorded, latency, SR)
    # The aligned recording lines up with what was sung, within 5 ms.
    ref = voice[record_start:record_start + aligned.size]
    assert abs(lag_s(ref, aligned)) <= 0.005
    path = export_take(tmp_path / f"my take.{fmt}", instrumental, recorded, record_start, latency, voice_gain=2.0)
    assert [p.name for p in tmp_path.iterdir()] == [f"my take.{fmt}"]  # no temp file left
    out, _ = read_audio(path)
    assert out.shape[1] == 2 and abs(out.shape[0] - n) < 3000  # MP3 pads a little
    if fmt != "mp3":
        expected = instrumental.copy()
        expected[record_start:] += 2.0 * aligned[: n - record_start, None]
        assert np.max(np.abs(out[:n] - expected)) < 2e-3
    # The voice lands where it was sung: cross-correlate the take minus the instrumental with the voice.
    voice_part = out[:n].mean(axis=1) - instrumental[: min(n, out.shape[0])].mean(axis=1)
    lag = lag_s(voice[: voice_part.size], voice_part)
    assert abs(lag) <= 0.005, lag
    with pytest.raises(ValueError, match="Unsupported"):
        export_take(tmp_path / "x.aiff", instrumental, recorded, 0, latency)


def test_take_at_key_and_tempo_is_rendered_and_aligned_in_song_time(tmp_path):
    """Sung at key +3 and 80 %: the instrumental comes out shifted and slower, the voice where it was sung."""
    key, tempo, latency = 3, 0.8, 0.12
    n = 4 * SR
    t = np.arange(n) / SR
    tone = (0.2 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    instrumental = np.stack([tone, tone], 1)
    # The singer claps at song time 2.0 s. The recording started at song time 0.5 s; at 80 % the
    # song reaches 2.0 s after (2.0 - 0.5) / 0.8 s of real time, heard `latency` later in the recording.
    record_start = SR // 2
    clap_at = (2.0 - 0.5) / tempo + latency
    recorded = np.zeros(int(4 * SR), np.float32)
    k = int(round(clap_at * SR))
    recorded[k:k + 64] = 0.9
    path = export_take(tmp_path / "take.wav", instrumental, recorded, record_start, latency,
                       key=key, tempo=tempo)
    out, _ = read_audio(path)
    assert abs(out.shape[0] - round(n / tempo)) <= 2  # the instrumental at 80 %
    # The instrumental alone is the tone at +3 semitones (zero crossings over a clap-free second).
    seg = out[int(0.5 * SR):int(1.5 * SR), 0]
    crossings = np.flatnonzero((seg[:-1] < 0) & (seg[1:] >= 0))
    f = (crossings.size - 1) * SR / (crossings[-1] - crossings[0])
    assert abs(f - 440.0 * 2 ** (key / 12)) / 523.25 < 0.005, f
    # The clap lies at song time 2.0 s of the rendered song: 2.0 / 0.8 = 2.5 s into the file.
    residual = np.abs(out[:, 0] - render_offline(instrumental, SR, key, tempo)[: out.shape[0], 0])
    at = np.argmax(residual) / SR
    assert abs(at - 2.0 / tempo) <= 0.005, at


def test_every_stretch_goes_where_it_was_sung_and_a_later_one_wins_an_overlap(tmp_path):
    """Sung 0.5-2.0 s, paused, then 1.5-3.5 s (the overlap sung twice) and, at another rate, 3.6-3.9 s."""
    n, latency = 4 * SR, 0.12
    shift = round(latency * SR)
    rng = np.random.default_rng(5)
    instrumental = (0.05 * rng.standard_normal((n, 2))).astype(np.float32)
    sung = [(0.5, 2.0), (1.5, 3.5)]
    voices = [(0.1 * rng.standard_normal(round((b - a) * SR) + shift)).astype(np.float32) for a, b in sung]
    parts = [TakePart(v, round(a * SR), SR) for v, (a, _) in zip(voices, sung)]
    # A third stretch recorded at 48 kHz (another microphone): resampled, it lands at 3.6 s.
    third = (0.1 * rng.standard_normal(round(0.3 * 48000) + round(latency * 48000))).astype(np.float32)
    parts.append(TakePart(third, round(3.6 * SR), 48000))
    out, _ = read_audio(export_takes(tmp_path / "take.flac", instrumental, parts, latency, voice_gain=1.5))
    assert out.shape == (n, 2)
    voice = (out - instrumental).mean(axis=1) / 1.5
    # Each stretch at its song position (within 5 ms), the first one kept where the second did not cover it.
    for v, (a, b), (lo, hi) in zip(voices, sung, [(0.4, 1.5), (1.4, 3.6)]):
        ref = np.zeros(n, np.float32)
        ref[round(a * SR):round(b * SR)] = v[shift:]
        seg = slice(round(lo * SR), round(hi * SR))
        assert abs(lag_s(ref[seg], voice[seg])) <= 0.005
    assert np.max(np.abs(voice[round(0.5 * SR):round(1.5 * SR)] - voices[0][shift:shift + SR])) < 1e-3
    # The overlap (1.5-2.0 s) is the second stretch alone, not both added.
    assert np.max(np.abs(voice[round(1.5 * SR):round(3.5 * SR)] - voices[1][shift:])) < 1e-3
    assert np.max(np.abs(voice[:round(0.5 * SR)])) < 1e-3 and np.max(np.abs(voice[round(3.5 * SR):round(3.6 * SR)])) < 1e-3
    assert 0.03 < np.std(voice[round(3.62 * SR):round(3.88 * SR)]) < 0.4
    # Stretches at different shifts do not fit one instrumental: refused, nothing written.
    with pytest.raises(ValueError, match="different keys or tempos"):
        export_takes(tmp_path / "mixed.wav", instrumental, [parts[0], parts[1]._replace(tempo=0.8)], latency)
    assert not (tmp_path / "mixed.wav").exists()


def test_the_guide_vocal_is_mixed_like_the_stem_export_and_mute_leaves_it_out(tmp_path):
    n, latency = 2 * SR, 0.0
    rng = np.random.default_rng(7)
    instrumental, vocals = ((0.1 * rng.standard_normal((n, 2))).astype(np.float32) for _ in range(2))
    silent = TakePart(np.zeros(SR, np.float32), 0, SR)
    guided = export_takes(tmp_path / "guided.wav", instrumental, [silent], latency, vocals=vocals, vocal_level=0.5,
                          instrumental_level=0.8, format="wav")
    muted = export_takes(tmp_path / "muted.wav", instrumental, [silent], latency, vocals=vocals, vocal_level=0.5,
                         instrumental_level=0.8, mute=True)
    tol = 2 / 32768  # 16-bit PCM
    np.testing.assert_allclose(read_audio(guided)[0], karaoke_mix(vocals, instrumental, 0.5, 0.8), atol=tol)
    np.testing.assert_allclose(read_audio(muted)[0], 0.8 * instrumental, atol=tol)
