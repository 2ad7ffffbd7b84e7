"""soundnet-separate end to end with the bundled model and real files."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundnet_app import cli
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.synth import synthetic_song, write_synthetic_song


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


def _interrupt_while_writing(tmp_path, model_path, sig: int) -> tuple[subprocess.Popen, str, Path]:
    """Start ``soundnet-separate`` on a 10-minute song and send ``sig`` once writing has begun."""
    long_song = write_synthetic_song(tmp_path / "long.wav", 600.0)
    out = tmp_path / "out"
    # Ctrl+C as in a terminal: a test run started in the background (``cmd &`` in a script) hands its children
    # SIGINT ignored, and Python then installs no KeyboardInterrupt for it. -X faulthandler: a child that hangs
    # shows its threads' stacks on SIGABRT (below).
    as_in_a_terminal = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                        "from soundnet_app import cli; sys.exit(cli.main())")
    proc = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", as_in_a_terminal, str(long_song), "-o", str(out),
         "--model", str(model_path)],
        stderr=subprocess.PIPE, text=True,
    )
    folder = out / "long"
    deadline = time.time() + 120
    while time.time() < deadline and not (folder.exists() and any(folder.iterdir())):
        time.sleep(0.2)  # wait until writing has begun
    time.sleep(1.0)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        _, err = proc.communicate()
        raise AssertionError(f"still running 60 s after {signal.Signals(sig).name}; its threads:\n{err[-6000:]}") from None
    return proc, err, out


@pytest.mark.slow
def test_interrupt_leaves_no_partial_file(tmp_path, model_path):
    proc, err, out = _interrupt_while_writing(tmp_path, model_path, signal.SIGINT)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []  # no partial file, no empty folder


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


# ----------------------------------------------------------------------------- hostile inputs


def _float_wav(path, peak: float):
    x = synthetic_song(1.0, seed=6)
    x[1000, 0] = peak
    sf.write(path, x, SAMPLE_RATE, subtype="FLOAT")
    return path


def test_hostile_batch(tmp_path, model_path, capsys):
    """A symlink loop, a file named ``...wav``, huge float samples and a good song in one batch."""
    d = tmp_path / "in"
    d.mkdir()
    loop = d / "loop.wav"
    loop.symlink_to(loop.name)  # points at itself: resolve() raised RuntimeError
    dots = write_synthetic_song(d / "...wav", 2.0, seed=7)  # the song name was "..": outside -o
    huge = _float_wav(d / "huge.wav", 3e38)
    good = write_synthetic_song(d / "good.wav", 2.0, seed=8)
    before = {p: p.read_bytes() for p in (dots, huge, good)}
    out = tmp_path / "work" / "out"
    rc = cli.main([str(loop), str(dots), str(huge), str(good), "-o", str(out), "--model", str(model_path)])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, err
    assert errors[0].startswith(f"error: {loop}: ")
    # The song is named, with the real reason (was "vocals.wav: audio contains NaN...").
    assert errors[1].startswith(f"error: {huge}: ") and "full scale" in errors[1] and "NaN" not in errors[1]
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["out"]
    # Failed songs leave no empty folder behind; ``...wav`` lands inside -o.
    assert sorted(p.name for p in out.iterdir()) == ["good", "song"]
    assert sf.info(out / "song" / "vocals.wav").frames == 2 * SAMPLE_RATE
    assert {p: p.read_bytes() for p in before} == before


def test_only_failures_leave_no_output_folder(tmp_path, model_path, capsys):
    bad = tmp_path / "noise.mp3"
    bad.write_bytes(np.random.default_rng(9).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    out = tmp_path / "out"
    assert cli.main([str(bad), "-o", str(out), "--model", str(model_path)]) == 1
    assert not out.exists()
    assert capsys.readouterr().err.count("\n") == 2  # the file's line and the summary


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB file system (tmpfs; needs root), or a skip."""
    folder = tmp_path / "small"
    folder.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount") or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root) to fill a disk")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_disk_full_names_the_song_and_the_reason(tmp_path, small_disk, model_path, capsys):
    song = write_synthetic_song(tmp_path / "long song.wav", 20.0, seed=10)  # 2 x 3.5 MB of stems
    rc = cli.main([str(song), "-o", str(small_disk), "--model", str(model_path)])
    err = capsys.readouterr().err
    assert rc == 1
    line = next(line for line in err.splitlines() if line.startswith("error:"))
    assert line.startswith(f"error: {song}: cannot write ") and "space" in line.lower(), line
    assert list(small_disk.iterdir()) == []  # no partial file, no empty folder


# ----------------------------------------------------------------------------- kills and pairs


def test_rerun_completes_a_half_written_pair(tmp_path, model_path, capsys):
    """A kill between the two renames left instrumental.wav alone (and a dead process's partial)."""
    song = write_synthetic_song(tmp_path / "song.wav", 3.0, seed=11)
    folder = tmp_path / "out" / "song"
    folder.mkdir(parents=True)
    (folder / "instrumental.wav").write_bytes(b"RIFF junk from a killed run")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = folder / f".vocals.wav.partial-{dead.pid}-0123abcd.wav"
    stale.write_bytes(b"RIFF")
    assert cli.main([str(song), "-o", str(tmp_path / "out"), "--model", str(model_path)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["instrumental.wav", "vocals.wav"]
    for stem in cli.STEMS:
        assert sf.info(folder / f"{stem}.wav").frames == 3 * SAMPLE_RATE
    # A complete pair is still never replaced without --overwrite.
    assert cli.main([str(song), "-o", str(tmp_path / "out"), "--model", str(model_path)]) == 1


@pytest.mark.slow
def test_sigterm_leaves_no_partial_file(tmp_path, model_path):
    proc, err, out = _interrupt_while_writing(tmp_path, model_path, signal.SIGTERM)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and "SIGTERM" in err
    assert not out.exists() or list(out.iterdir()) == []
