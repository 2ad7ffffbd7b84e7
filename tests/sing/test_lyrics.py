"""LRC parsing and writing, lyrics in tags, tap-to-sync snapping."""

from __future__ import annotations

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
    find_lyrics,
    format_lrc,
    parse_lrc,
    read_lrc,
    read_tag_lyrics,
    snap_taps,
    sync_lines,
    vocal_onsets,
    write_lrc,
)

SR = 44100


def test_plain_lrc_lines_in_time_order_with_tags():
    text = "[ar:Someone]\n[ti:A Song]\n[00:12.50]Second line\n[00:01.00]First line\n\n[01:02.345]Third\n"
    lyrics = parse_lrc(text)
    assert lyrics.synced
    assert lyrics.tags == {"ar": "Someone", "ti": "A Song"}
    assert [ln.text for ln in lyrics.lines] == ["First line", "Second line", "Third"]
    assert [ln.start for ln in lyrics.lines] == pytest.approx([1.0, 12.5, 62.345])
    assert lyrics.line_at(0.5) == -1
    assert lyrics.line_at(12.5) == 1
    assert lyrics.line_at(100) == 2


def test_repeated_stamps_and_offset():
    lyrics = parse_lrc("[offset:+500]\n[00:10.00][00:40.00]Chorus\n[00:20.00]Verse\n")
    # +500 ms: the lyrics come half a second earlier.
    assert [(ln.start, ln.text) for ln in lyrics.lines] == [(9.5, "Chorus"), (19.5, "Verse"), (39.5, "Chorus")]
    later = parse_lrc("[offset:-250]\n[00:01.00]a\n")
    assert later.lines[0].start == pytest.approx(1.25)


def test_enhanced_word_timings():
    lyrics = parse_lrc("[00:05.00]<00:05.00>Hello <00:05.60>big <00:06.10>world\n[00:08.00]next")
    line = lyrics.lines[0]
    assert line.text == "Hello big world"
    assert [(w.start, w.text) for w in line.words] == [(5.0, "Hello"), (5.6, "big"), (6.1, "world")]
    assert lyrics.word_at(0, 5.7) == 1
    assert lyrics.word_at(0, 4.0) == -1
    assert lyrics.lines[1].words == ()
    # Round trip through the writer keeps the word stamps.
    again = parse_lrc(format_lrc(lyrics))
    assert again.lines == lyrics.lines


def test_text_without_stamps_is_plain_lyrics():
    lyrics = parse_lrc("first line\n\nsecond   line\n")
    assert not lyrics.synced
    assert lyrics.texts == ["first line", "second line"]
    assert lyrics.line_at(3.0) == -1


def test_broken_timestamps_give_a_message():
    with pytest.raises(LyricsError, match="broken"):
        parse_lrc("[00:1x.00]one\n[aa:bb]two\n")
    # Broken lines among good ones are skipped with a warning.
    lyrics = parse_lrc("[00:01.00]good\n[0x:02.00]bad\n")
    assert lyrics.texts == ["good"]
    assert "broken" in lyrics.warnings[0]
    with pytest.raises(LyricsError, match="offset"):
        parse_lrc("[offset:soon]\n[00:01.00]x")


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


def tone_vocal(onsets: list[float], seconds: float, note_s: float = 0.35, seed: int = 0) -> np.ndarray:
    """A "voice" of harmonic tones starting at ``onsets`` with a little breath noise in between."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    out = rng.standard_normal(n).astype(np.float32) * 1e-3
    pitches = [220.0, 247.0, 262.0, 294.0, 330.0]
    for k, t0 in enumerate(onsets):
        a, b = int(t0 * SR), min(n, int((t0 + note_s) * SR))
        t = np.arange(b - a) / SR
        f = pitches[k % len(pitches)]
        env = np.minimum(1.0, t / 0.01) * np.minimum(1.0, (note_s - t) / 0.03)
        out[a:b] += env * sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, 6)) * 0.2
    return out


def test_tap_to_sync_snaps_line_starts_to_vocal_onsets():
    rng = np.random.default_rng(1)
    line_starts = [1.0, 3.2, 5.5, 7.9, 10.3, 12.6]
    # Each line: three notes 0.4 s apart (onsets inside the line too).
    onsets_true = sorted(t + k * 0.4 for t in line_starts for k in range(3))
    vocal = tone_vocal(onsets_true, 15.0)
    found = vocal_onsets(np.stack([vocal, vocal], axis=1), SR)
    # Every true onset is found within 20 ms, and nothing much else.
    errors = [np.min(np.abs(found - t)) for t in onsets_true]
    assert max(errors) < 0.02, errors
    assert len(found) <= len(onsets_true) + 3
    taps = [t + rng.uniform(0.05, 0.3) for t in line_starts]  # people tap late
    lyrics = sync_lines([f"line {i}" for i in range(len(line_starts))], taps, found)
    snapped = [ln.start for ln in lyrics.lines]
    assert np.max(np.abs(np.array(snapped) - line_starts)) <= 0.05, snapped
    # Without onsets the taps are kept as they are.
    assert snap_taps(taps, np.zeros(0)) == pytest.approx(taps)


def test_lrc_is_written_where_hard_links_are_not_supported(tmp_path, monkeypatch):
    """FAT/exFAT drives have no hard links: the .lrc still lands next to the song, and never over a file."""
    import errno
    import os

    from soundnet_app.sing import lyrics as lyr

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    song = tmp_path / "song.mp3"
    song.write_bytes(b"")
    lyrics = lyr.parse_lrc("[00:01.00]hello\n[00:02.00]world\n")
    written = lyr.write_lrc(lyrics, song)
    assert written == tmp_path / "song.lrc"
    assert [ln.text for ln in lyr.parse_lrc(written.read_text()).lines] == ["hello", "world"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    with pytest.raises(lyr.LyricsExistError):
        lyr.write_lrc(lyrics, song)
