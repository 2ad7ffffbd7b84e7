"""Damaged, missing and hostile input files: one clear, typed error each, in bounded memory."""

from __future__ import annotations

import os
import pickle
import struct
import tracemalloc
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from audiohelpers import encode_av, sha, tones

from soundnet_app.audio.decode import read_audio, stream_audio
from soundnet_app.audio.errors import AudioError, AudioReadError, AudioWriteError
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import probe

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
