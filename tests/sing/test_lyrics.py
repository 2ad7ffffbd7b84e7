"""LRC parsing and writing (the text form of lyrics)."""

from __future__ import annotations

import pytest

from soundnet_app.sing.lyrics import LyricsError, format_lrc, parse_lrc


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
