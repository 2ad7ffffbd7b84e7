"""soundnet-separate with hostile names and folders (issue #19 items 7-9, 11), real model and files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from hostile_inputs import SR, song

from soundnet_app import cli
from soundnet_app.audio.errors import NOT_AUDIO, read_reason
from soundnet_app.engine.export import write_shifted

REPO = Path(__file__).resolve().parents[2]


def _run(args, model_path):
    return cli.main([*map(str, args), "--model", str(model_path), "--quiet"])


def test_item7_a_half_written_shifted_pair_is_finished_by_a_rerun(tmp_path, model_path, capsys):
    wav = song(tmp_path / "song.wav", seconds=3.0)
    out = tmp_path / "out"
    assert _run([wav, "-o", out], model_path) == 0  # the stems; the key +2 copies are what the kill cut short
    folder = out / "song"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    shutil.copy(folder / "vocals.wav", folder / "vocals (key +2).wav")  # published before the SIGTERM
    assert _run([wav, "-o", out, "--key", "2"], model_path) == 0, capsys.readouterr().err
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["instrumental (key +2).wav", "instrumental.wav", "vocals (key +2).wav", "vocals.wav"]
    assert all(sf.info(folder / n).frames == 3 * SR for n in names)
    assert {n: (folder / n).read_bytes() for n in before} == before  # the stems were kept, not separated again
    assert _run([wav, "-o", out, "--key", "2"], model_path) == 1  # complete: never replaced without --overwrite
    assert "output exists" in capsys.readouterr().err


def test_item7_shifted_copies_appear_together_or_not_at_all(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    song(folder / "vocals.wav", seconds=1.0)
    (folder / "instrumental.wav").write_bytes(b"RIFF but no audio")
    outputs = {"vocals": folder / "vocals.wav", "instrumental": folder / "instrumental.wav"}
    with pytest.raises(Exception):  # noqa: B017 - the reader's error; what matters is what is left
        write_shifted(outputs, 2, 1.0, "wav")
    assert sorted(p.name for p in folder.iterdir()) == ["instrumental.wav", "vocals.wav"]


def test_item8_a_name_that_is_not_utf8_is_separated(tmp_path, model_path, capsys):
    bad = Path(os.fsdecode(bytes(tmp_path) + b"/bad\xff.wav"))
    shutil.copy(song(tmp_path / "good.wav", seconds=1.0), bad)  # cp song.wav $'bad\xff.wav'
    assert _run([bad, "-o", tmp_path / "out"], model_path) == 0, capsys.readouterr().err
    folder = tmp_path / "out" / "bad\ufffd"
    assert sorted(p.name for p in folder.iterdir()) == ["instrumental.wav", "vocals.wav"]
    line = capsys.readouterr().out.strip()
    assert "bad\\xff.wav -> " in line and line.isprintable()


def test_item11_newlines_in_a_name_are_not_printed_raw(tmp_path, model_path, capsys):
    odd = song(tmp_path / "two\nlines\r.wav", seconds=1.0)
    assert _run([odd, "-o", tmp_path / "out"], model_path) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "two\\nlines\\r.wav -> " in out


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    return next(line for line in err.splitlines() if line.startswith("error:"))


def test_item9_an_output_folder_that_is_a_file_is_said_in_words(tmp_path, model_path, capsys):
    wav = song(tmp_path / "song.wav", seconds=1.0)
    (tmp_path / "afile").write_text("x")
    assert _run([wav, "-o", tmp_path / "afile"], model_path) == 1
    line = _error_line(capsys)
    assert "not a folder" in line and "Errno" not in line and "unexpected" not in line, line


def _mount_tmpfs(folder: Path, options: str):
    if os.geteuid() != 0 or not shutil.which("mount") or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=False, capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")


def test_item9_a_read_only_disk_is_said_in_words(tmp_path, model_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    _mount_tmpfs(folder, "ro,size=1m")
    try:
        wav = song(tmp_path / "song.wav", seconds=1.0)
        assert _run([wav, "-o", folder / "out"], model_path) == 1
        line = _error_line(capsys)
        assert "read-only disk" in line and "Errno" not in line and "unexpected" not in line, line
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_item9_a_disk_full_at_open_is_said_in_words(tmp_path, model_path, capsys):
    folder = tmp_path / "full"
    folder.mkdir()
    _mount_tmpfs(folder, "size=256k")
    try:
        wav = song(tmp_path / "song.wav", seconds=1.0)
        (folder / "song").mkdir()
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, bytes(4096)):
                pass
        except OSError:  # the disk is full now
            pass
        finally:
            os.close(fd)
        assert _run([wav, "-o", folder], model_path) == 1
        line = _error_line(capsys)
        assert ("space" in line or "full" in line) and "System error" not in line, line
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_item9_library_jargon_becomes_words():
    internal = sf.LibsndfileError(39)  # "Internal psf_fseek() failed."
    assert "psf_" in str(internal) and read_reason(internal) == NOT_AUDIO
    with pytest.raises(av.error.FFmpegError) as undefined:
        av.error.err_check(-50531338)  # "Error number -50531338 occurred"
    assert read_reason(undefined.value) == NOT_AUDIO
    assert read_reason(OSError(28, "No space left on device")) == "No space left on device"


def test_item9_a_damaged_file_reads_as_damaged_without_jargon(tmp_path, model_path, capsys):
    noise = tmp_path / "noise.wav"
    noise.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + np.random.default_rng(3).bytes(3000))
    assert _run([noise, "-o", tmp_path / "out"], model_path) == 1
    line = _error_line(capsys)
    assert "psf_" not in line and "Error number" not in line and "Internal" not in line, line


@pytest.mark.slow
def test_item11_sigterm_just_after_the_success_line_exits_0(tmp_path, model_path):
    wav = song(tmp_path / "song.wav", seconds=1.0)
    proc = subprocess.Popen([sys.executable, "-m", "soundnet_app.cli", str(wav), "-o", str(tmp_path / "out"),
                             "--model", str(model_path), "--quiet"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # blocks until the success line
    assert " -> " in line, proc.stderr.read()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()
    assert sorted(p.name for p in (tmp_path / "out" / "song").iterdir()) == ["instrumental.wav", "vocals.wav"]
