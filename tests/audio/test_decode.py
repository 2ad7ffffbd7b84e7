"""Decoding: every input format, resampling, channel mapping, tags, streaming and start offsets."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiohelpers import LEFT_HZ, assert_tones, encode_av, peak_hz, sha, tones

from soundnet_app.audio.decode import read_audio, stream_audio
from soundnet_app.audio.formats import (
    SAMPLE_RATE,
    SUPPORTED_INPUT_SUFFIXES,
    is_supported_input,
)
from soundnet_app.audio.probe import probe

# ----------------------------------------------------------------------------- reading formats

# (suffix, how to make it, expected AudioInfo.format)
SF_INPUTS = [
    (".wav", "WAV", "PCM_16", "wav"),
    (".wav", "WAV", "FLOAT", "wav"),
    (".flac", "FLAC", "PCM_24", "flac"),
    (".aiff", "AIFF", "PCM_16", "aiff"),
    (".aifc", "AIFF", "FLOAT", "aiff"),  # libsndfile writes float AIFF as AIFC
    (".mp3", "MP3", "MPEG_LAYER_III", "mp3"),
    (".ogg", "OGG", "VORBIS", "ogg"),
    (".opus", "OGG", "OPUS", "opus"),
]
AV_INPUTS = [
    (".m4a", "aac", "ipod", False, "m4a"),
    (".aac", "aac", "adts", False, "aac"),
    (".mp4", "aac", "mp4", True, "mp4"),
    (".m4v", "aac", "mp4", True, "m4v"),
    (".mov", "aac", "mov", True, "mov"),
    (".mkv", "libopus", "matroska", True, "mkv"),
    (".mka", "flac", "matroska", False, "mka"),
    (".webm", "libopus", "webm", False, "webm"),
    (".wma", "wmav2", "asf", False, "wma"),
]


@pytest.mark.parametrize("suffix,sf_format,subtype,expected", SF_INPUTS, ids=lambda v: str(v))
def test_read_formats_written_by_libsndfile(tmp_path, suffix, sf_format, subtype, expected):
    rate = 48000 if subtype == "OPUS" else SAMPLE_RATE
    path = tmp_path / f"song{suffix}"
    sf.write(path, tones(1.5, rate), rate, subtype=subtype, format=sf_format)
    before = sha(path)
    audio, info = read_audio(path)
    assert_tones(audio, 1.5)
    assert (info.path, info.format, info.source_rate, info.source_channels) == (path, expected, rate, 2)
    assert info.duration_s == pytest.approx(1.5, abs=0.1)
    assert sha(path) == before  # inputs are never modified


def test_mp3_decodes_like_a_whole_file_read(tmp_path):
    # libsndfile 1.2 decodes some MP3s wrongly when they are read block by block (as streaming
    # must); its one-shot read and FFmpeg agree. This tonal MP3 triggers that bug.
    path = tmp_path / "tone.mp3"
    sf.write(path, tones(4.0, SAMPLE_RATE), SAMPLE_RATE)
    reference, _ = sf.read(path, dtype="float32")
    audio = np.concatenate(list(stream_audio(path, block_frames=4096)))
    assert audio.shape == reference.shape
    assert np.abs(audio - reference).max() < 1e-4


@pytest.mark.parametrize("suffix,codec,container,video,expected", AV_INPUTS, ids=lambda v: str(v))
def test_read_formats_written_by_ffmpeg(tmp_path, suffix, codec, container, video, expected):
    path = encode_av(tmp_path / f"clip{suffix}", tones(1.5, 48000), 48000, codec, container, video=video)
    audio, info = read_audio(path)
    # Raw AAC (ADTS) keeps the encoder's priming samples, so allow a little slack.
    assert_tones(audio, 1.5, tol_s=0.12)
    assert (info.format, info.source_rate, info.source_channels) == (expected, 48000, 2)


def test_supported_suffixes():
    tested = {s for s, *_ in SF_INPUTS} | {s for s, *_ in AV_INPUTS}
    assert tested <= SUPPORTED_INPUT_SUFFIXES
    assert all(s == s.lower() and s.startswith(".") for s in SUPPORTED_INPUT_SUFFIXES)
    assert is_supported_input("A/B/Song.MP3") and is_supported_input(Path("x.webm"))
    assert not is_supported_input("notes.txt") and not is_supported_input("noext")


# ----------------------------------------------------------------------------- resampling, channels


@pytest.mark.parametrize("rate", [22050, 48000])
def test_resampled_to_44k_with_sine_intact(tmp_path, rate):
    path = tmp_path / f"at{rate}.wav"
    sf.write(path, tones(2.0, rate, freqs=(1000.0, 3000.0)), rate, subtype="FLOAT")
    audio, info = read_audio(path)
    assert info.source_rate == rate
    assert abs(len(audio) - 2 * SAMPLE_RATE) <= 2
    # soxr is delay-compensated and band-limited: away from the edges the output matches the
    # ideal sine sampled at 44.1 kHz (linear interpolation would be off by ~1e-2 at 3 kHz).
    expected = tones(2.0, SAMPLE_RATE, freqs=(1000.0, 3000.0))
    inner = slice(2000, len(audio) - 2000)
    assert np.abs(audio[inner] - expected[inner]).max() < 2e-3
    assert peak_hz(audio[inner, 0]) == pytest.approx(1000, abs=0.5)
    assert peak_hz(audio[inner, 1]) == pytest.approx(3000, abs=0.5)


def test_mono_is_duplicated(tmp_path):
    path = tmp_path / "mono.flac"
    mono = tones(0.5, SAMPLE_RATE, freqs=(LEFT_HZ,))
    sf.write(path, mono, SAMPLE_RATE, subtype="PCM_24")
    audio, info = read_audio(path)
    assert info.source_channels == 1 and audio.shape == (len(mono), 2)
    np.testing.assert_array_equal(audio[:, 0], audio[:, 1])
    np.testing.assert_allclose(audio[:, 0], mono[:, 0], atol=1e-6)


SIX = (100.0, 200.0, 300.0, 400.0, 500.0, 600.0)  # FL FR FC LFE BL BR, one tone each


def _itu(x: np.ndarray) -> np.ndarray:
    fl, fr, fc, _lfe, bl, br = x.T
    return np.stack([fl + 0.7071 * (fc + bl), fr + 0.7071 * (fc + br)], axis=1)


def test_six_channel_wav_is_itu_downmixed(tmp_path):
    path = tmp_path / "surround.wav"
    x = tones(0.5, SAMPLE_RATE, freqs=SIX, amp=0.2)
    sf.write(path, x, SAMPLE_RATE, subtype="FLOAT")
    audio, info = read_audio(path)
    assert info.source_channels == 6 and audio.shape == (len(x), 2)
    np.testing.assert_allclose(audio, _itu(x), atol=1e-4)


def test_six_channel_vorbis_order_is_respected(tmp_path):
    # Vorbis stores 5.1 as L C R Ls Rs LFE; the downmix must still put FC in the middle.
    path = tmp_path / "surround.ogg"
    x = tones(1.0, SAMPLE_RATE, freqs=SIX, amp=0.2)
    sf.write(path, x[:, [0, 2, 1, 4, 5, 3]], SAMPLE_RATE, format="OGG", subtype="VORBIS")
    audio, _ = read_audio(path)
    ref = _itu(x)
    mid = slice(5000, len(ref) - 5000)
    for ch in range(2):
        assert np.corrcoef(audio[mid, ch], ref[mid, ch])[0, 1] > 0.98


def test_four_unnamed_channels_average_pairs(tmp_path):
    path = tmp_path / "quad.wav"
    x = tones(0.2, SAMPLE_RATE, freqs=(100, 200, 300, 400), amp=0.2)
    sf.write(path, x, SAMPLE_RATE, subtype="FLOAT")
    audio, _ = read_audio(path)
    np.testing.assert_allclose(audio, np.stack([x[:, 0] + x[:, 2], x[:, 1] + x[:, 3]], 1) / 2, atol=1e-6)


# ----------------------------------------------------------------------------- tags


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".ogg", ".m4a", ".webm"])
def test_tags_are_read(tmp_path, suffix):
    path = tmp_path / f"tagged{suffix}"
    if suffix in (".m4a", ".webm"):
        codec, container = ("aac", "ipod") if suffix == ".m4a" else ("libopus", "webm")
        encode_av(path, tones(0.5, 48000), 48000, codec, container, tags={"title": "Tïtle", "artist": "Ärtist"})
    else:
        with sf.SoundFile(path, "w", SAMPLE_RATE, 2, format=suffix[1:].upper()) as f:
            f.title, f.artist = "Tïtle", "Ärtist"
            f.write(tones(0.5, SAMPLE_RATE))
    info = probe(path)
    assert (info.title, info.artist) == ("Tïtle", "Ärtist")
    assert info.display_name == "Ärtist - Tïtle"


def test_display_name_falls_back_to_stem(tmp_path):
    path = tmp_path / "My Song.wav"
    sf.write(path, tones(0.1, SAMPLE_RATE), SAMPLE_RATE)
    info = probe(path)
    assert info.title is None and info.artist is None and info.display_name == "My Song"


# ----------------------------------------------------------------------------- streaming


def test_stream_blocks_are_bounded_and_match_read_audio(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, tones(1.3, 22050), 22050)
    blocks = list(stream_audio(path, block_frames=4000))
    assert all(b.dtype == np.float32 and b.shape[1] == 2 and b.flags.c_contiguous for b in blocks)
    assert all(len(b) == 4000 for b in blocks[:-1]) and 0 < len(blocks[-1]) <= 4000
    audio, _ = read_audio(path)
    np.testing.assert_array_equal(np.concatenate(blocks), audio)


def _peak_stream_memory(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        total = sum(len(b) for b in stream_audio(path, block_frames=16384))
        return total, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_stream_memory_does_not_grow_with_length(tmp_path):
    peaks = []
    for seconds in (8, 40):  # mono 22.05 kHz: resampled and duplicated to stereo on the way
        path = tmp_path / f"{seconds}s.wav"
        sf.write(path, tones(seconds, 22050, freqs=(LEFT_HZ,)), 22050)
        total, peak = _peak_stream_memory(path)
        assert total == pytest.approx(seconds * SAMPLE_RATE, abs=2)
        peaks.append(peak)
    decoded_bytes = 40 * SAMPLE_RATE * 2 * 4  # 14 MB if it were all held at once
    assert peaks[1] < 1.25 * peaks[0] and peaks[1] < decoded_bytes / 3


@pytest.mark.parametrize("kind", ["wav", "resampled", "mp3", "m4a"])
def test_start_offset(tmp_path, kind):
    rate = 48000 if kind in ("resampled", "m4a") else SAMPLE_RATE
    # A chirp: any misalignment shows up as a large sample difference. (Not noise: AAC codes
    # noise as "substituted noise", which decodes differently on every run.)
    t = np.arange(int(2.5 * rate)) / rate
    chirp = 0.3 * np.sin(2 * np.pi * (200 * t + 300 * t**2))
    x = np.stack([chirp, -chirp], axis=1).astype(np.float32)
    if kind == "m4a":
        path = encode_av(tmp_path / "chirp.m4a", x, rate, "aac", "ipod")
    else:
        path = tmp_path / ("chirp.mp3" if kind == "mp3" else "chirp.wav")
        sf.write(path, x, rate, subtype="MPEG_LAYER_III" if kind == "mp3" else "FLOAT")
    full, _ = read_audio(path)
    start = 1.25
    tail = np.concatenate(list(stream_audio(path, block_frames=10000, start_s=start)))
    offset = int(start * SAMPLE_RATE)
    assert abs(len(tail) - (len(full) - offset)) <= 2
    if kind == "wav":
        np.testing.assert_array_equal(tail, full[offset:])
    else:
        # Decoders and the resampler restart after a seek: compare past their warm-up.
        a, b = tail[4096:40000], full[offset + 4096 : offset + 40000]
        assert np.abs(a - b).max() < (2e-3 if kind == "resampled" else 0.02)


def test_start_past_the_end_yields_nothing(tmp_path):
    path = tmp_path / "short.wav"
    sf.write(path, tones(0.5, SAMPLE_RATE), SAMPLE_RATE)
    assert list(stream_audio(path, start_s=10.0)) == []


def test_stream_rejects_bad_arguments(tmp_path):
    path = tmp_path / "a.wav"
    sf.write(path, tones(0.1, SAMPLE_RATE), SAMPLE_RATE)
    with pytest.raises(ValueError):
        stream_audio(path, block_frames=0)
    with pytest.raises(ValueError):
        stream_audio(path, start_s=-1.0)
