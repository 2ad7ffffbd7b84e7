"""Writing: every output format, atomic publishing, partial files, a full disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from audiohelpers import LEFT_HZ, assert_tones, tones

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.errors import AudioWriteError
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import probe
from soundnet_app.audio.write import AudioWriter, write_audio

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
