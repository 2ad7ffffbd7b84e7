"""Hostile lyrics (issue #19 items 1-3, 11): parsed in linear time, bounded, never a freeze or a crash."""

from __future__ import annotations

import threading

import pytest
from hostile_inputs import mp3_with_uslt, stamp_bomb_lrc, unclosed_bracket_lrc

from soundnet_app.sing import lyrics_files
from soundnet_app.sing.lyrics import MAX_LYRICS_CHARS, LyricsError, format_lrc, parse_lrc
from soundnet_app.sing.lyrics_files import read_lrc, read_tag_lyrics

GENEROUS_S = 60.0  # linear parsing takes milliseconds; the quadratic regex took minutes for 1 MB


def _finishes(fn, timeout_s: float = GENEROUS_S):
    """Run ``fn`` in a thread; its result, or a failure when it has not ended within ``timeout_s``."""
    done, box = threading.Event(), {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            box["error"] = e
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(timeout_s), f"still running after {timeout_s} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


def test_item1_an_unclosed_bracket_is_parsed_in_linear_time(tmp_path):
    path = unclosed_bracket_lrc(tmp_path / "song.lrc", n=MAX_LYRICS_CHARS - 1)
    lyrics = _finishes(lambda: read_lrc(path))
    assert not lyrics.synced and len(lyrics.lines) == 1


def test_item1_text_over_the_cap_is_refused_with_words():
    with pytest.raises(LyricsError, match="characters long"):
        parse_lrc("a\n" * (MAX_LYRICS_CHARS // 2 + 1))


def test_item2_line_stamps_times_word_stamps_are_bounded(tmp_path):
    path = stamp_bomb_lrc(tmp_path / "song.lrc", stamps=1500, words=1500)  # 2.25 M word timings before
    with pytest.raises(LyricsError, match="too many timestamps"):
        read_lrc(path)


def test_item2_many_stamps_on_one_line_are_not_copied_per_stamp():
    with pytest.raises(LyricsError, match="too many timestamps"):
        _finishes(lambda: parse_lrc("[00:01]" * 140_000 + "la"))


def test_item2_a_real_song_with_repeats_still_parses():
    text = "[00:01.00][00:31.00][01:01.00]<00:01.00>la <00:01.50>la\n[00:05.00]verse\n"
    lyrics = parse_lrc(text)
    assert [ln.start for ln in lyrics.lines] == [1.0, 5.0, 31.0, 61.0]
    assert lyrics.lines[3].words[1].start == pytest.approx(61.5)


def test_item3_a_huge_lyrics_tag_is_not_parsed(tmp_path):
    path = mp3_with_uslt(tmp_path / "song.mp3", "la la\n" * (MAX_LYRICS_CHARS // 6 + 100))
    assert _finishes(lambda: read_tag_lyrics(path)) is None
    assert read_tag_lyrics(mp3_with_uslt(tmp_path / "ok.mp3", "one\ntwo")).texts == ["one", "two"]


def test_item3_a_tag_over_the_size_cap_is_not_read(tmp_path, monkeypatch):
    from mutagen.id3 import APIC, ID3

    path = mp3_with_uslt(tmp_path / "song.mp3", "one\ntwo")
    tags = ID3(path)
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="", data=bytes(2 << 20)))  # 2 MB of "cover art"
    tags.save(path)
    assert lyrics_files.tag_bytes(path) > 2 << 20
    assert read_tag_lyrics(path).texts == ["one", "two"]
    monkeypatch.setattr(lyrics_files, "MAX_TAG_BYTES", 1 << 20)  # the cap, scaled down to the test's file
    assert read_tag_lyrics(path) is None


@pytest.mark.parametrize("value", ["nan", "-inf", "inf", "1e400"])
def test_item11_a_non_finite_offset_is_refused(value):
    with pytest.raises(LyricsError, match="offset"):
        parse_lrc(f"[offset:{value}]\n[00:01.00]one\n[00:02.00]two")


def test_item11_a_finite_offset_still_shifts_and_writes_back():
    lyrics = parse_lrc("[offset:500]\n[00:01.00]one\n[00:02.00]two")
    assert [ln.start for ln in lyrics.lines] == [0.5, 1.5]
    assert "[00:01.50]two" in format_lrc(lyrics)


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_issue18_item14_an_lrc_is_written_with_the_umasks_mode(tmp_path, umask):
    import os
    import stat

    from soundnet_app.sing.lyrics import Line, Lyrics
    from soundnet_app.sing.lyrics_files import write_lrc

    song = tmp_path / "song.wav"
    song.write_bytes(b"")
    old = os.umask(umask)
    try:
        path = write_lrc(Lyrics([Line(1.0, "one")]), song)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # like any saved document, not 0600
