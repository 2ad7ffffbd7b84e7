"""Tests for soundnet_app.audio.decode. Every fixture file is generated in tmp_path."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import sys
import os
import pickle
import tracemalloc
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from soundnet_app.audio.decode import (
    OUTPUT_FORMATS,
    SAMPLE_RATE,
    SUPPORTED_INPUT_SUFFIXES,
    WAV_SUBTYPES,
    AudioError,
    AudioReadError,
    AudioWriteError,
    AudioWriter,
    is_supported_input,
    probe,
    read_audio,
    stream_audio,
    write_audio,
)

LEFT_HZ, RIGHT_HZ = 440.0, 660.0


def tones(seconds: float, rate: int, freqs=(LEFT_HZ, RIGHT_HZ), amp: float = 0.4) -> np.ndarray:
    """``(n, len(freqs))`` float32: one sine per channel."""
    t = np.arange(int(round(seconds * rate))) / rate
    return np.stack([amp * np.sin(2 * np.pi * f * t) for f in freqs], axis=1).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Frequency of the strongest spectral peak, refined by parabolic interpolation."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-12)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / len(x)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def encode_av(path: Path, audio: np.ndarray, rate: int, codec: str, container: str,
              tags: dict | None = None, video: bool = False) -> Path:
    """Encode ``(n, channels)`` float audio with PyAV (for formats libsndfile cannot write)."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[audio.shape[1]]
    with av.open(str(path), "w", format=container) as out:
        out.metadata.update(tags or {})
        stream = out.add_stream(codec, rate=rate, layout=layout)
        stream.bit_rate = 128000
        if video:
            vstream = out.add_stream("mpeg4", rate=10)
            vstream.width = vstream.height = 32
            vstream.pix_fmt = "yuv420p"
        for i in range(0, len(audio), 1024):  # PyAV re-frames to the codec's frame size
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[i : i + 1024].T), format="fltp",
                                               layout=layout)
            frame.rate, frame.pts = rate, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if video:
            for k in range(int(len(audio) / rate * 10)):
                vframe = av.VideoFrame(32, 32, "yuv420p")
                vframe.pts = k
                out.mux(vstream.encode(vframe))
            out.mux(vstream.encode(None))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_tones(audio: np.ndarray, seconds: float, tol_s: float = 0.1) -> None:
    """Stereo float32 at 44.1 kHz, right length, 440 Hz left / 660 Hz right at the right level."""
    assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[1] == 2
    assert audio.flags.c_contiguous
    assert abs(len(audio) - seconds * SAMPLE_RATE) <= tol_s * SAMPLE_RATE
    mid = audio[len(audio) // 4 : 3 * len(audio) // 4]
    assert peak_hz(mid[:, 0]) == pytest.approx(LEFT_HZ, abs=2)
    assert peak_hz(mid[:, 1]) == pytest.approx(RIGHT_HZ, abs=2)
    for ch in range(2):
        assert rms(mid[:, ch]) == pytest.approx(0.4 / np.sqrt(2), rel=0.15)


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


# ----------------------------------------------------------------------------- writing


WRITE_CASES = [
    ("out.wav", None, None, "wav", 1 / 32768),
    ("out.wav", None, "PCM_24", "wav", 1e-6),
    ("out.wav", None, "FLOAT", "wav", 0.0),
    ("out.flac", None, None, "flac", 1 / 32768),
    ("out.flac", None, "PCM_24", "flac", 1e-6),
    ("out.ogg", None, None, "ogg", None),
    ("out.mp3", None, None, "mp3", None),
    ("out.bin", "flac", None, "flac", 1 / 32768),  # explicit format overrides the suffix
]


@pytest.mark.parametrize("name,fmt,subtype,expected,max_err", WRITE_CASES, ids=lambda v: str(v))
def test_write_round_trip(tmp_path, name, fmt, subtype, expected, max_err):
    x = tones(1.5, SAMPLE_RATE)
    path = tmp_path / name
    write_audio(path, x, format=fmt, subtype=subtype)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp files left behind
    audio, info = read_audio(path)
    assert (info.format, info.source_rate, info.source_channels) == (expected, SAMPLE_RATE, 2)
    if max_err is None:  # lossy
        assert_tones(audio, 1.5, tol_s=0.01)
    else:
        assert audio.shape == x.shape
        assert np.abs(audio - x).max() <= max_err


def test_wav_subtypes_constant():
    assert WAV_SUBTYPES == ("PCM_16", "PCM_24", "FLOAT") and OUTPUT_FORMATS == ("wav", "flac", "ogg", "mp3")


def test_integer_output_is_clipped_float_is_not(tmp_path):
    x = np.full((1000, 2), 1.5, np.float32)
    x[:, 1] = -3.0
    write_audio(tmp_path / "int.wav", x)
    write_audio(tmp_path / "float.wav", x, subtype="FLOAT")
    clipped, _ = read_audio(tmp_path / "int.wav")
    kept, _ = read_audio(tmp_path / "float.wav")
    assert clipped[:, 0].min() > 0.999 and clipped.max() <= 1.0 and clipped[:, 1].max() == -1.0
    np.testing.assert_array_equal(kept, x)


def test_writer_streams_blocks_and_accepts_mono(tmp_path):
    x = tones(1.0, SAMPLE_RATE, freqs=(LEFT_HZ,))[:, 0]
    with AudioWriter(tmp_path / "mono.flac", channels=1) as w:
        for i in range(0, len(x), 10000):
            w.write(x[i : i + 10000])
    assert sf.info(tmp_path / "mono.flac").channels == 1
    audio, _ = read_audio(tmp_path / "mono.flac")
    assert np.abs(audio[:, 0] - x).max() <= 1 / 32768


def test_writer_is_atomic_on_exception(tmp_path):
    target = tmp_path / "result.wav"
    target.write_bytes(b"previous result")
    with pytest.raises(KeyboardInterrupt):
        with AudioWriter(target) as w:
            w.write(tones(0.5, SAMPLE_RATE))
            partial = [p for p in tmp_path.iterdir() if p.name.startswith(".result.wav.partial-")]
            assert len(partial) == 1 and partial[0].stat().st_size > 0  # temp file sits beside the target
            raise KeyboardInterrupt
    assert target.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["result.wav"]


def test_writer_abort_and_new_file(tmp_path):
    target = tmp_path / "new.mp3"
    w = AudioWriter(target)
    w.write(tones(0.2, SAMPLE_RATE))
    w.abort()
    w.close()  # no-op after abort
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(AudioWriteError):
        w.write(tones(0.2, SAMPLE_RATE))


def test_writer_replaces_existing_file(tmp_path):
    target = tmp_path / "out.wav"
    write_audio(target, tones(0.2, SAMPLE_RATE))
    write_audio(target, tones(0.3, SAMPLE_RATE))
    assert sf.info(target).frames == int(0.3 * SAMPLE_RATE)


def test_writer_rejects_nan_and_leaves_nothing(tmp_path):
    x = tones(0.2, SAMPLE_RATE)
    x[100, 0] = np.nan
    with pytest.raises(AudioWriteError, match="NaN"):
        write_audio(tmp_path / "nan.wav", x)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name,fmt,subtype,match", [
    ("out.xyz", None, None, "cannot write"),
    ("out.wav", "aac", None, "cannot write"),
    ("out.wav", None, "PCM_8", "cannot be written"),
    ("out.mp3", None, "FLOAT", "cannot be written"),
    ("missing/out.wav", None, None, "does not exist"),
])
def test_write_errors(tmp_path, name, fmt, subtype, match):
    with pytest.raises(AudioWriteError, match=match) as err:
        write_audio(tmp_path / name, tones(0.1, SAMPLE_RATE), format=fmt, subtype=subtype)
    assert Path(name).name in str(err.value)
    assert not (tmp_path / name).exists()


def test_write_to_folder_path_fails(tmp_path):
    (tmp_path / "taken.wav").mkdir()
    with pytest.raises(AudioWriteError, match="folder"):
        write_audio(tmp_path / "taken.wav", tones(0.1, SAMPLE_RATE))


# ----------------------------------------------------------------------------- bad input


def _good(tmp_path: Path, name: str, seconds: float = 3.0, **kw) -> Path:
    path = tmp_path / name
    rng = np.random.default_rng(2)
    sf.write(path, (rng.standard_normal((int(seconds * SAMPLE_RATE), 2)) * 0.1).astype(np.float32),
             SAMPLE_RATE, **kw)
    return path


def _cut(path: Path, keep: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def _garble(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4000] = np.random.default_rng(3).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def _float_wav(tmp_path: Path, bad: float) -> Path:
    x = tones(1.0, SAMPLE_RATE)
    x[30000, 1] = bad
    path = tmp_path / "bad_samples.wav"
    sf.write(path, x, SAMPLE_RATE, subtype="FLOAT")
    return path


def _empty(d: Path) -> Path:
    (d / "empty.wav").write_bytes(b"")
    return d / "empty.wav"


def _folder(d: Path) -> Path:
    (d / "album.wav").mkdir()
    return d / "album.wav"


def _text_as_mp3(d: Path) -> Path:
    (d / "notes.mp3").write_text("not audio at all\n" * 100)
    return d / "notes.mp3"


def _wav_no_samples(d: Path) -> Path:
    sf.write(d / "zero.wav", np.zeros((0, 2)), SAMPLE_RATE)
    return d / "zero.wav"


def _webm_header_only(d: Path) -> Path:
    with av.open(str(d / "nothing.webm"), "w", format="webm") as out:  # header and track, no packets
        out.add_stream("libopus", rate=48000, layout="stereo")
        out.start_encoding()
    return d / "nothing.webm"


def _cut_bytes(path: Path, keep: int) -> Path:
    path.write_bytes(path.read_bytes()[:keep])
    return path


BAD_INPUTS = {  # case: (make the file in a folder, expected words in the reason)
    "missing": (lambda d: d / "nope.mp3", "file not found"),
    "folder": (_folder, "is a folder"),
    "empty": (_empty, "file is empty"),
    "text_as_mp3": (_text_as_mp3, "not a supported audio file"),
    "wav_header_cut": (lambda d: _cut_bytes(_good(d, "cut.wav"), 20), "not a supported audio file"),
    "wav_truncated": (lambda d: _cut(_good(d, "half.wav"), 0.5), "truncated"),
    "flac_truncated": (lambda d: _cut(_good(d, "half.flac"), 0.5), "damaged"),
    "mp3_truncated": (lambda d: _cut(_good(d, "half.mp3", format="MP3"), 0.5), "truncated"),
    "ogg_header_cut": (lambda d: _cut_bytes(_good(d, "cut.ogg", format="OGG"), 300), "not a supported audio file"),
    "flac_corrupt": (lambda d: _garble(_good(d, "garbled.flac")), "damaged"),
    "mp3_corrupt": (lambda d: _garble(_good(d, "garbled.mp3", format="MP3")), "damaged"),
    "m4a_truncated": (lambda d: _cut(encode_av(d / "half.m4a", tones(2.0, 48000), 48000, "aac", "ipod"), 0.5),
                      "not a supported audio file"),
    "wav_no_samples": (_wav_no_samples, "no audio samples"),
    "webm_header_only": (_webm_header_only, "unexpected end of file"),
    "nan": (lambda d: _float_wav(d, np.nan), "contains NaN or infinite samples"),
    "inf": (lambda d: _float_wav(d, -np.inf), "contains NaN or infinite samples"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_one_clear_error(tmp_path, case):
    make, reason = BAD_INPUTS[case]
    path = make(tmp_path)
    with pytest.raises(AudioReadError) as err:
        read_audio(path)
    message = str(err.value)
    assert message.startswith(f"{path.name}: ") and reason in message and "\n" not in message
    assert err.value.path == path and reason in err.value.reason
    # Streaming gives the same typed error, never a raw library exception.
    with pytest.raises(AudioReadError):
        for _ in stream_audio(path, block_frames=8192):
            pass


def _mp3_without_length_tag(d: Path) -> Path:
    """A VBR MP3 (quiet, then loud) whose Xing tag is wiped: FFmpeg must guess its length."""
    rng = np.random.default_rng(4)
    x = np.concatenate([np.zeros((2 * SAMPLE_RATE, 2)), rng.standard_normal((4 * SAMPLE_RATE, 2)) * 0.3])
    path = d / "no_xing.mp3"
    sf.write(path, x.astype(np.float32), SAMPLE_RATE, format="MP3")
    data = bytearray(path.read_bytes())
    at = max(data.find(b"Xing"), data.find(b"Info"))
    assert at > 0
    data[at : at + 4] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    return path


def _adts_aac(d: Path) -> Path:
    """Raw ADTS AAC (quiet, then loud): no header states its length."""
    rng = np.random.default_rng(5)
    x = np.concatenate([np.zeros((3 * 48000, 2)), rng.standard_normal((5 * 48000, 2)) * 0.3]).astype(np.float32)
    return encode_av(d / "raw.aac", x, 48000, "aac", "adts")


@pytest.mark.parametrize("make, seconds", [(_mp3_without_length_tag, 6.0), (_adts_aac, 8.0)],
                         ids=["mp3_no_xing", "adts_aac"])
def test_bitrate_estimated_length_is_not_called_truncated(tmp_path, make, seconds):
    path = make(tmp_path)
    assert probe(path).duration_s > 2 * seconds  # FFmpeg's guess is far too long...
    audio, _ = read_audio(path)  # ...but the file is whole
    assert abs(len(audio) / SAMPLE_RATE - seconds) < 0.2
    assert sum(len(b) for b in stream_audio(path)) == len(audio)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a mode-000 file anyway: no real unreadable file to test with")
def test_unreadable_file(tmp_path):
    path = _good(tmp_path, "locked.wav", seconds=0.1)
    path.chmod(0)
    try:
        with pytest.raises(AudioReadError, match="permission denied"):
            probe(path)
        with pytest.raises(AudioReadError, match="^locked.wav: permission denied$"):
            read_audio(path)
    finally:
        path.chmod(0o644)


def test_invalid_path_name():
    with pytest.raises(AudioReadError):
        probe("bad\0name.wav")


def test_probe_catches_header_problems_without_decoding(tmp_path):
    for path in (tmp_path / "gone.wav", _cut(_good(tmp_path, "h.wav"), 0.5)):
        with pytest.raises(AudioReadError):
            probe(path)


def test_errors_are_typed_and_picklable(tmp_path):
    err = AudioReadError(tmp_path / "x.mp3", "file is empty (0 bytes)")
    assert isinstance(err, AudioError) and issubclass(AudioWriteError, AudioError)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is AudioReadError and str(copy) == "x.mp3: file is empty (0 bytes)"
    assert copy.path == err.path and copy.reason == err.reason


# ----------------------------------------------------------------------------- damaged headers (fuzzing finds)


def _wav_field(d: Path, name: str, offset: int, fmt: str, value: int, seconds: float = 0.1) -> Path:
    """A small PCM_16 WAV with one ``fmt `` field overwritten (22 channels, 24 rate, 34 bits)."""
    path = _good(d, name, seconds=seconds, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    assert data[12:16] == b"fmt "
    data[offset:offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(data))
    return path


DAMAGED_HEADERS = {
    # PyAV leaves the codec context empty for 0 bits per sample (was a raw AttributeError).
    "zero_bits": (lambda d: _wav_field(d, "bits0.wav", 34, "<H", 0), "damaged"),
    # An 8 KB file that claims 1 Hz decoded to 30 minutes (2.9 GB peak) before.
    "rate_1hz": (lambda d: _wav_field(d, "slow.wav", 24, "<I", 1, seconds=0.05), "unsupported sample rate 1 Hz"),
    "rate_100hz": (lambda d: _wav_field(d, "slow.wav", 24, "<I", 100), "unsupported sample rate 100 Hz"),
    "rate_huge": (lambda d: _wav_field(d, "fast.wav", 24, "<I", 0x7FFFFFFF), "unsupported sample rate"),
    "channels_65535": (lambda d: _wav_field(d, "wide.wav", 22, "<H", 65535), "channel"),
    # Huge finite floats overflowed the separator into NaN ("NaN" about the stem file, before).
    "float_huge": (lambda d: _float_wav(d, 3e38), "times full scale"),
}


@pytest.mark.parametrize("case", list(DAMAGED_HEADERS))
def test_damaged_header_is_refused_up_front(tmp_path, case):
    make, reason = DAMAGED_HEADERS[case]
    path = make(tmp_path)
    before = sha(path)
    tracemalloc.start()
    try:
        with pytest.raises(AudioReadError) as err:
            for _ in stream_audio(path, block_frames=8192):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reason in err.value.reason and str(err.value).startswith(path.name + ": ")
    assert peak < 20e6, f"{peak / 1e6:.0f} MB to refuse a {path.stat().st_size}-byte file"
    with pytest.raises(AudioReadError, match=reason):
        read_audio(path)
    assert sha(path) == before


def test_low_but_valid_rate_resamples_in_bounded_pieces(tmp_path):
    """4 kHz is the lowest rate accepted: 11x more output than input, streamed in bounded blocks."""
    path = tmp_path / "phone.wav"
    sf.write(path, tones(20.0, 4000, freqs=(440.0, 660.0)), 4000, subtype="PCM_16")
    tracemalloc.start()
    try:
        total = sum(len(b) for b in stream_audio(path, block_frames=4096))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert abs(total - 20 * SAMPLE_RATE) < 64
    assert peak < 12e6, f"peak {peak / 1e6:.1f} MB"


def test_damaged_mp3_prints_nothing_on_stderr(tmp_path, capfd):
    """libmpg123 (behind libsndfile) printed "Note: Illegal Audio-MPEG-Header" lines."""
    paths = [_garble(_good(tmp_path, f"garbled{i}.mp3", format="MP3")) for i in range(2)]
    data = bytearray(paths[1].read_bytes())
    data[:4] = b"\xff\xfb\x00\x00"  # a broken first frame header, as the fuzzer made
    paths[1].write_bytes(bytes(data))
    for path in paths:
        try:
            read_audio(path)
        except AudioReadError:
            pass
    out, err = capfd.readouterr()
    assert err == "" and out == ""


# ----------------------------------------------------------------------------- partial files and pairs


def test_stale_partial_files_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".vocals.wav.partial-{dead.pid}-0123abcd.wav"
    mine = tmp_path / f".other.wav.partial-{os.getpid()}-89abcdef.wav"
    legacy_new = tmp_path / ".old.wav.partial-deadbeef.wav"
    legacy_old = tmp_path / ".older.wav.partial-cafebabe.wav"
    look_alike = tmp_path / "vocals.partial-1-0123abcd.wav"  # not hidden: not ours
    for p in (stale, mine, legacy_new, legacy_old, look_alike):
        p.write_bytes(b"RIFF")
    os.utime(legacy_old, (0, 0))
    with AudioWriter(tmp_path / "vocals.wav") as w:
        w.write(tones(0.1, SAMPLE_RATE))
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"vocals.wav", mine.name, legacy_new.name, look_alike.name}


def test_finish_then_close_publishes_late(tmp_path):
    a, b = AudioWriter(tmp_path / "a.wav"), AudioWriter(tmp_path / "b.flac")
    for w in (a, b):
        w.write(tones(0.5, SAMPLE_RATE))
        w.finish()
    assert not (tmp_path / "a.wav").exists() and not (tmp_path / "b.flac").exists()
    a.close()
    b.close()
    for name in ("a.wav", "b.flac"):
        assert sf.info(tmp_path / name).frames == SAMPLE_RATE // 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.flac"]
    c = AudioWriter(tmp_path / "c.wav")
    c.write(tones(0.1, SAMPLE_RATE))
    c.finish()
    c.abort()
    assert not (tmp_path / "c.wav").exists() and len(list(tmp_path.iterdir())) == 2


def test_wav_is_written_as_plain_riff_under_4_gib(tmp_path):
    """RF64 with auto-downgrade: ordinary sizes stay a RIFF WAV every reader knows."""
    path = tmp_path / "x.wav"
    write_audio(path, tones(1.0, SAMPLE_RATE))
    assert path.read_bytes()[:4] == b"RIFF"
    assert probe(path).format == "wav" and len(read_audio(path)[0]) == SAMPLE_RATE
    with av.open(str(path)) as c:
        assert c.streams.audio[0].rate == SAMPLE_RATE


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB file system (tmpfs; needs root), or a skip."""
    folder = tmp_path / "small"
    if not _mount_tmpfs(folder, "256k"):
        pytest.skip("cannot mount a small tmpfs here (needs root) to fill a disk")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_disk_full_says_so(small_disk):
    with pytest.raises(AudioWriteError) as err:
        write_audio(small_disk / "long.wav", tones(5.0, SAMPLE_RATE))
    assert "space" in err.value.reason.lower(), err.value.reason
    assert list(small_disk.iterdir()) == []


@pytest.mark.slow
def test_wav_over_4_gib_reads_back_whole(tmp_path):
    """Past 4 GiB a WAV's 32-bit sizes overflow: the writer switches to RF64."""
    if shutil.disk_usage(tmp_path).free < 10 * 2**30:
        pytest.skip("needs 10 GiB of free disk")
    path = tmp_path / "long.wav"
    block = np.full((1 << 20, 2), 0.25, np.float32)
    blocks = (2**32 // (block.nbytes // 2)) + 8  # PCM_16: 4 bytes per frame; a bit past 4 GiB
    with AudioWriter(path) as w:
        for _ in range(blocks):
            w.write(block)
    try:
        info = sf.info(path)
        assert info.format == "RF64" and info.frames == blocks * len(block)
        assert probe(path).duration_s == pytest.approx(blocks * len(block) / SAMPLE_RATE)
    finally:
        path.unlink()
