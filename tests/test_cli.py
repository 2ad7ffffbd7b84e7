"""soundnet-separate end to end with the bundled model and real files."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from soundnet_app import cli
from soundnet_app.synth import write_synthetic_song
from soundnet_app.transforms import SAMPLE_RATE


@pytest.fixture
def songs(tmp_path):
    (tmp_path / "in").mkdir()
    a = write_synthetic_song(tmp_path / "in" / "first song.wav", 12.0, seed=1)
    b = write_synthetic_song(tmp_path / "in" / "second.flac", 5.0, seed=2)
    bad = tmp_path / "in" / "not audio.mp3"
    bad.write_text("this is a text file, not an MP3\n")
    return a, b, bad


def test_batch_with_a_failing_file(songs, tmp_path, model_path, capsys):
    good, other, bad = songs
    before = {p: p.read_bytes() for p in (good, other, bad)}
    out = tmp_path / "out"
    rc = cli.main([str(good), str(bad), str(other), "-o", str(out), "--model", str(model_path)])
    assert rc == 1
    err = capsys.readouterr().err
    failed_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(failed_lines) == 1 and "not audio.mp3" in failed_lines[0]
    assert "Traceback" not in err
    for song, fmt_len in ((good, 12.0), (other, 5.0)):
        folder = out / song.stem
        vocals, rate = sf.read(folder / "vocals.wav", dtype="float32")
        instrumental, _ = sf.read(folder / "instrumental.wav", dtype="float32")
        assert rate == SAMPLE_RATE and vocals.shape == (round(fmt_len * SAMPLE_RATE), 2)
        mixture, _ = sf.read(song, dtype="float32")
        # 16-bit output: the stems add up to the input within quantisation.
        assert np.abs(vocals + instrumental - mixture).max() < 2e-4
    assert not (out / bad.stem).exists() or not any((out / bad.stem).iterdir())
    assert {p: p.read_bytes() for p in (good, other, bad)} == before, "inputs are never modified"


def test_never_overwrites_without_the_flag(songs, tmp_path, model_path, capsys):
    _, other, _ = songs
    out = tmp_path / "out"
    args = [str(other), "-o", str(out), "--model", str(model_path), "--format", "flac"]
    assert cli.main(args) == 0
    target = out / "second" / "vocals.flac"
    stamp = target.stat().st_mtime_ns
    assert cli.main(args) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert target.stat().st_mtime_ns == stamp
    assert cli.main(args + ["--overwrite"]) == 0
    assert sf.info(target).samplerate == SAMPLE_RATE


def test_missing_model_is_one_clear_line(songs, tmp_path, capsys):
    _, other, _ = songs
    assert cli.main([str(other), "-o", str(tmp_path / "o"), "--model", str(tmp_path / "nope.keras")]) == 2
    assert "model not found" in capsys.readouterr().err


@pytest.mark.slow
def test_interrupt_leaves_no_partial_file(tmp_path, model_path):
    long_song = write_synthetic_song(tmp_path / "long.wav", 600.0)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "soundnet_app.cli", str(long_song), "-o", str(out), "--model", str(model_path)],
        stderr=subprocess.PIPE, text=True,
    )
    folder = out / "long"
    deadline = time.time() + 120
    while time.time() < deadline and not (folder.exists() and any(folder.iterdir())):
        time.sleep(0.2)  # wait until writing has begun
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert list(folder.iterdir()) == []


def test_songs_with_the_same_name_get_their_own_folders(tmp_path, model_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_synthetic_song(tmp_path / "a" / "song.wav", 3.0, seed=3)
    second = write_synthetic_song(tmp_path / "b" / "song.flac", 4.0, seed=4)
    out = tmp_path / "out"
    assert cli.main([str(first), str(second), "-o", str(out), "--model", str(model_path)]) == 0
    assert sf.info(out / "song" / "vocals.wav").frames == 3 * SAMPLE_RATE
    assert sf.info(out / "song (2)" / "vocals.wav").frames == 4 * SAMPLE_RATE


def test_an_input_is_never_replaced(tmp_path, model_path, capsys):
    folder = tmp_path / "vocals"
    folder.mkdir()
    song = write_synthetic_song(folder / "vocals.wav", 3.0, seed=5)
    before = song.read_bytes()
    assert cli.main([str(song), "-o", str(tmp_path), "--overwrite", "--model", str(model_path)]) == 1
    assert "replace an input" in capsys.readouterr().err
    assert song.read_bytes() == before
