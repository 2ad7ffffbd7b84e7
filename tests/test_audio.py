"""Tests for soundnet_app.audio. Every fixture file is generated in tmp_path."""

from __future__ import annotations

import hashlib
import os
import pickle
import tracemalloc
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from soundnet_app.audio import (
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
