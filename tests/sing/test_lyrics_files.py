"""Lyrics files and tags: reading, finding, writing .lrc files (never over one without asking)."""

from __future__ import annotations

import errno
import os
import stat

import numpy as np
import pytest

from soundnet_app.audio.write import write_audio
from soundnet_app.sing.lyrics import (
    Line,
    Lyrics,
    LyricsError,
    LyricsExistError,
    parse_lrc,
)
from soundnet_app.sing.lyrics_files import (
    find_lyrics,
    read_lrc,
    read_tag_lyrics,
    write_lrc,
)

SR = 44100


def test_bad_files_give_messages_and_are_not_modified(tmp_path):
    huge = tmp_path / "huge.lrc"
    huge.write_bytes(b"[00:01.00]la\n" * 100_000)
    with pytest.raises(LyricsError, match="MB"):
        read_lrc(huge)
    binary = tmp_path / "binary.lrc"
    binary.write_bytes(bytes(range(256)) * 4)
    before = binary.read_bytes()
    with pytest.raises(LyricsError, match="not a text file"):
        read_lrc(binary)
    assert binary.read_bytes() == before
    bad_utf16 = tmp_path / "bad16.lrc"
    bad_utf16.write_bytes(b"\xff\xfe" + b"\x00\xd8")  # a lone surrogate
    with pytest.raises(LyricsError, match="UTF-16"):
        read_lrc(bad_utf16)
    undecodable = tmp_path / "undecodable.lrc"
    undecodable.write_bytes(b"[00:01.00]\x81\x8d\x8f\x90\x9d")  # not UTF-8, undefined in cp1252
    with pytest.raises(LyricsError, match="encoding"):
        read_lrc(undecodable)
    with pytest.raises(LyricsError, match="Could not read"):
        read_lrc(tmp_path / "missing.lrc")


def test_encodings(tmp_path):
    p = tmp_path / "a.lrc"
    p.write_bytes("[00:01.00]Ça va, garçon\n".encode("utf-16"))
    assert read_lrc(p).texts == ["Ça va, garçon"]
    p.write_bytes("[00:01.00]Ça va\n".encode("cp1252"))
    assert read_lrc(p).texts == ["Ça va"]
    p.write_bytes(b"\xef\xbb\xbf[00:01.00]bom")
    assert read_lrc(p).texts == ["bom"]


@pytest.fixture()
def short_song(tmp_path):
    def make(name: str):
        path = tmp_path / name
        write_audio(path, np.zeros((SR // 2, 2), np.float32))
        return path
    return make


def test_id3_sylt_and_uslt(short_song):
    from mutagen.id3 import ID3, SYLT, USLT

    path = short_song("song.mp3")
    tags = ID3()
    tags.add(SYLT(encoding=3, lang="eng", format=2, type=1, text=[("one", 1000), ("two", 2500)]))
    tags.save(path)
    lyrics = read_tag_lyrics(path)
    assert lyrics.synced and [(ln.start, ln.text) for ln in lyrics.lines] == [(1.0, "one"), (2.5, "two")]

    tags = ID3()
    tags.add(USLT(encoding=3, lang="eng", desc="", text="plain one\nplain two"))
    tags.save(path)
    lyrics = read_tag_lyrics(path)
    assert not lyrics.synced and lyrics.texts == ["plain one", "plain two"]


def test_flac_lyrics_tag_with_lrc(short_song):
    from mutagen.flac import FLAC

    path = short_song("song.flac")
    f = FLAC(path)
    f["LYRICS"] = "[00:03.00]from flac\n[00:04.00]<00:04.00>two <00:04.50>words"
    f.save()
    lyrics = read_tag_lyrics(path)
    assert lyrics.synced and lyrics.texts == ["from flac", "two words"]
    assert lyrics.lines[1].words[1].start == pytest.approx(4.5)


def test_mp4_lyr_tag(tmp_path):
    av = pytest.importorskip("av")
    from mutagen.mp4 import MP4

    path = tmp_path / "song.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=SR)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 4096), np.float32), format="fltp", layout="mono")
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    f = MP4(path)
    f["\xa9lyr"] = "[00:02.00]from mp4"
    f.save()
    lyrics = read_tag_lyrics(path)
    assert lyrics.texts == ["from mp4"] and lyrics.lines[0].start == 2.0


def test_lrc_file_wins_over_tags_and_damaged_tags_are_ignored(short_song):
    path = short_song("song.flac")
    assert find_lyrics(path, lyrics_dir=path.parent / "appdata") is None
    path.with_suffix(".lrc").write_text("[00:01.00]from the lrc\n", encoding="utf-8")
    assert find_lyrics(path, lyrics_dir=path.parent / "appdata").texts == ["from the lrc"]
    junk = path.parent / "junk.mp3"
    junk.write_bytes(b"ID3\x04\x00\x00\xff\xff\xff\xff garbage")
    assert read_tag_lyrics(junk) is None


def test_write_lrc_never_overwrites_without_asking(short_song):
    song = short_song("song.wav")
    lyrics = Lyrics([Line(1.0, "one"), Line(2.25, "two")])
    path = write_lrc(lyrics, song, lyrics_dir=song.parent / "appdata")
    assert path == song.with_suffix(".lrc")
    assert read_lrc(path).lines == lyrics.lines
    with pytest.raises(LyricsExistError):
        write_lrc(Lyrics([Line(5.0, "other")]), song, lyrics_dir=song.parent / "appdata")
    assert read_lrc(path).texts == ["one", "two"]  # untouched
    write_lrc(Lyrics([Line(5.0, "other")]), song, overwrite=True, lyrics_dir=song.parent / "appdata")
    assert read_lrc(path).texts == ["other"]
    assert [p.name for p in song.parent.iterdir() if p.name.startswith(".")] == []  # no temp files left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_write_lrc_falls_back_to_app_folder(short_song):
    song = short_song("song.wav")
    appdata = song.parent / "appdata"
    os.chmod(song.parent, stat.S_IRUSR | stat.S_IXUSR)
    try:
        path = write_lrc(Lyrics([Line(1.0, "one")]), song, lyrics_dir=appdata)
    finally:
        os.chmod(song.parent, stat.S_IRWXU)
    assert path.parent == appdata
    assert find_lyrics(song, lyrics_dir=appdata).texts == ["one"]


def test_write_lrc_falls_back_when_song_folder_is_a_file_path(tmp_path, monkeypatch):
    # Root ignores permissions: make the song's folder unwritable another way (a read-only mount
    # is not available in tests), by pointing the song into a folder that cannot be created.
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    song = blocker / "song.wav"
    appdata = tmp_path / "appdata"
    path = write_lrc(Lyrics([Line(1.0, "one")]), song, lyrics_dir=appdata)
    assert path.parent == appdata and read_lrc(path).texts == ["one"]


def test_lrc_is_written_where_hard_links_are_not_supported(tmp_path, monkeypatch):
    """FAT/exFAT drives have no hard links: the .lrc still lands next to the song, and never over a file."""

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    song = tmp_path / "song.mp3"
    song.write_bytes(b"")
    lyrics = parse_lrc("[00:01.00]hello\n[00:02.00]world\n")
    written = write_lrc(lyrics, song)
    assert written == tmp_path / "song.lrc"
    assert [ln.text for ln in parse_lrc(written.read_text()).lines] == ["hello", "world"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    with pytest.raises(LyricsExistError):
        write_lrc(lyrics, song)
