"""fileio: a file is written whole or not at all, beside its target, and never over one it must not replace."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from soundnet_app import fileio
from soundnet_app.fileio import (
    PartialFile,
    atomic_path,
    atomic_write,
    partial_name,
    remove_stale_partials,
)


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_bytes_and_text_are_written_whole(tmp_path):
    assert atomic_write(tmp_path / "a.bin", b"\x00\x01data") == tmp_path / "a.bin"
    atomic_write(tmp_path / "b.json", '{"é": 1}')
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01data"
    assert (tmp_path / "b.json").read_bytes() == '{"é": 1}'.encode("utf-8")
    assert names(tmp_path) == ["a.bin", "b.json"]  # no temporary file left


def test_an_existing_file_is_replaced(tmp_path):
    target = tmp_path / "prefs.json"
    target.write_text("old")
    atomic_write(target, "new")
    assert target.read_text() == "new" and names(tmp_path) == ["prefs.json"]


def test_data_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(fileio.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    atomic_write(tmp_path / "x", b"data")
    assert events == ["fsync", "replace"]


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path):
    seen = []
    with atomic_path(tmp_path / "model.keras", suffix=".keras") as tmp:
        seen.append(tmp)
        assert tmp.parent == tmp_path and tmp.name.startswith(".model.keras.partial-")
        assert tmp.name.endswith(".keras") and tmp.exists()
        tmp.write_bytes(b"weights")
    assert not seen[0].exists() and (tmp_path / "model.keras").read_bytes() == b"weights"
    name = partial_name(tmp_path / "song.wav", ".wav").name
    assert name.startswith(f".song.wav.partial-{os.getpid()}-") and name.endswith(".wav")


def test_new_files_get_the_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "x", b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "x").stat().st_mode & 0o777 == 0o644


def test_a_failure_leaves_the_target_untouched_and_no_temporary_file(tmp_path):
    target = tmp_path / "guide.npz"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half a fi")
            raise RuntimeError("disk said no")
    assert target.read_bytes() == b"previous" and names(tmp_path) == ["guide.npz"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "inside").write_text("kept")
    with pytest.raises(OSError):
        atomic_write(tmp_path / "taken", b"data")  # a file cannot replace a folder
    assert names(tmp_path) == ["taken"] and (tmp_path / "taken" / "inside").read_text() == "kept"


def test_a_missing_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "x", b"data")
    assert names(tmp_path) == []


def test_exclusive_create_refuses_an_existing_file(tmp_path):
    target = tmp_path / "song.lrc"
    assert atomic_write(target, "first", overwrite=False) == target
    with pytest.raises(FileExistsError):
        atomic_write(target, "second", overwrite=False)
    assert target.read_text() == "first" and names(tmp_path) == ["song.lrc"]


def test_exclusive_create_refuses_a_file_that_appears_meanwhile(tmp_path):
    target = tmp_path / "song.lrc"
    with pytest.raises(FileExistsError):
        with atomic_path(target, overwrite=False) as tmp:
            tmp.write_text("mine")
            target.write_text("another writer's")
    assert target.read_text() == "another writer's" and names(tmp_path) == ["song.lrc"]


@pytest.mark.parametrize("code", [errno.EPERM, errno.EXDEV])
def test_exclusive_create_without_hard_links(tmp_path, monkeypatch, code):
    """FAT/exFAT sticks and some network shares have no hard links: an exclusive placeholder instead."""

    def no_links(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio.os, "link", no_links)
    target = tmp_path / "song.lrc"
    atomic_write(target, "first", overwrite=False)
    assert target.read_text() == "first" and names(tmp_path) == ["song.lrc"]
    with pytest.raises(FileExistsError):
        atomic_write(target, "second", overwrite=False)
    assert target.read_text() == "first" and names(tmp_path) == ["song.lrc"]


def test_partial_file_publishes_late(tmp_path):
    """Two files finished and flushed, then published back to back (the CLI's pair of stems)."""
    parts = [PartialFile(tmp_path / name) for name in ("vocals.wav", "instrumental.wav")]
    for p in parts:
        p.path.write_bytes(p.target.name.encode())
        p.sync()
    assert all(not p.target.exists() for p in parts)
    for p in parts:
        p.publish()
    assert names(tmp_path) == ["instrumental.wav", "vocals.wav"]
    assert (tmp_path / "vocals.wav").read_bytes() == b"vocals.wav"
    dropped = PartialFile(tmp_path / "other.wav")
    dropped.discard()
    dropped.discard()  # twice is fine
    assert names(tmp_path) == ["instrumental.wav", "vocals.wav"]


def test_temporary_files_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".prefs.json.partial-{dead.pid}-0123abcd"
    live = partial_name(tmp_path / "cache.svc", ".tmp")
    for p in (stale, live):
        p.write_bytes(b"x")
    assert remove_stale_partials(tmp_path) == [stale]
    assert names(tmp_path) == [live.name]
    assert remove_stale_partials(tmp_path / "missing") == []


def test_a_folder_is_published_whole_and_never_over_another_writers(tmp_path):
    target = tmp_path / "entry"
    mine = fileio.partial_name(target)
    mine.mkdir()
    (mine / "a.bin").write_bytes(b"mine")
    assert fileio.publish_folder(mine, target) and (target / "a.bin").read_bytes() == b"mine" and not mine.exists()
    theirs = fileio.partial_name(target)
    theirs.mkdir()
    (theirs / "a.bin").write_bytes(b"theirs")
    assert not fileio.publish_folder(theirs, target)
    assert (target / "a.bin").read_bytes() == b"mine" and (theirs / "a.bin").read_bytes() == b"theirs"
