"""What the lyrics show at a moment: current line, wipe, preview, countdown."""

from __future__ import annotations

import time

import pytest

from soundnet_app.sing.lyrics import Line, Lyrics, parse_lrc, parse_plain
from soundnet_app.sing.lyrics_frame import BREAK_S, HOLD_S, LyricsFrame, lyrics_frame_at

SONG = parse_lrc(
    "[00:10.00]First line here\n"
    "[00:14.00]Second line\n"
    "[00:18.00]\n"  # an instrumental break
    "[00:30.00]After the break\n"
    "[00:33.00]<00:33.00>Timed <00:34.00>words <00:36.00>here\n"
)


def test_no_lyrics_unsynced_or_empty_show_no_current_line():
    for lyrics in (None, parse_plain("one\ntwo"), Lyrics([])):
        assert lyrics_frame_at(lyrics, 5.0) == LyricsFrame(-1, -1, -1, 0.0, 0)


def test_before_the_first_line_it_is_the_preview_with_a_countdown_after_a_long_intro():
    assert lyrics_frame_at(SONG, 0.0) == LyricsFrame(-1, -1, 0, 0.0, 0)
    assert lyrics_frame_at(SONG, 6.5).countdown == 0
    assert [lyrics_frame_at(SONG, t).countdown for t in (7.2, 8.2, 9.2, 9.99)] == [3, 2, 1, 1]
    assert lyrics_frame_at(SONG, 10.0).countdown == 0
    # A short intro: no countdown.
    short = parse_lrc("[00:02.00]Hi\n")
    assert [lyrics_frame_at(short, t).countdown for t in (0.0, 0.5, 1.5)] == [0, 0, 0]


def test_a_line_without_word_times_wipes_linearly_until_the_next_line():
    f = lyrics_frame_at(SONG, 12.0)
    assert (f.current, f.previous, f.next) == (0, -1, 1)
    assert f.wipe == pytest.approx(0.5)
    assert lyrics_frame_at(SONG, 10.0).wipe == 0.0
    f = lyrics_frame_at(SONG, 15.0)
    assert (f.current, f.previous, f.next, f.countdown) == (1, 0, 3, 0)  # the empty break line is skipped
    assert f.wipe == pytest.approx(0.25)  # sung until the break marker at 18 s


def test_word_times_drive_the_wipe_by_characters_and_interpolate_inside_a_word():
    line = SONG.lines[4]
    assert line.text == "Timed words here"
    f = lyrics_frame_at(SONG, 33.0)
    assert (f.current, f.previous, f.next) == (4, 3, -1)
    assert f.wipe == 0.0
    # Halfway through "Timed" (33..34 s): 2.5 of 16 characters.
    assert lyrics_frame_at(SONG, 33.5).wipe == pytest.approx(2.5 / 16)
    # "words" starts at character 6 and lasts 34..36 s.
    assert lyrics_frame_at(SONG, 35.0).wipe == pytest.approx((6 + 2.5) / 16)
    # The last word lasts the line's median word gap (1.5 s at most): sung by 37.5 s.
    assert lyrics_frame_at(SONG, 36.0).wipe == pytest.approx(12 / 16)
    assert lyrics_frame_at(SONG, 37.6).wipe == 1.0
    wipes = [lyrics_frame_at(SONG, 33 + k * 0.05).wipe for k in range(100)]
    assert wipes == sorted(wipes)


def test_a_long_break_holds_the_finished_line_then_shows_the_next_with_a_countdown():
    f = lyrics_frame_at(SONG, 18.0 + HOLD_S / 2)
    assert (f.current, f.wipe, f.countdown) == (1, 1.0, 0)
    f = lyrics_frame_at(SONG, 18.0 + HOLD_S + 0.1)
    assert (f.current, f.previous, f.next, f.wipe, f.countdown) == (3, 1, 4, 0.0, 0)
    assert [lyrics_frame_at(SONG, t).countdown for t in (27.01, 28.5, 29.5, 30.0)] == [3, 2, 1, 0]
    assert lyrics_frame_at(SONG, 30.0).current == 3


def test_a_short_gap_keeps_the_sung_line_and_has_no_countdown():
    lyrics = parse_lrc("[00:01.00]<00:01.00>a <00:01.50>b\n[00:04.00]next\n")
    assert 4.0 - 2.0 < BREAK_S
    f = lyrics_frame_at(lyrics, 3.5)
    assert (f.current, f.next, f.wipe, f.countdown) == (0, 1, 1.0, 0)


def test_after_the_last_line_it_stays_a_moment_then_nothing_is_current():
    f = lyrics_frame_at(SONG, 38.0)
    assert (f.current, f.wipe) == (4, 1.0)
    f = lyrics_frame_at(SONG, 60.0)
    assert (f.current, f.previous, f.next) == (-1, 4, -1)


def test_a_line_without_an_end_is_not_sung_forever():
    lyrics = parse_lrc("[00:00.00]short\n[02:00.00]much later\n")
    assert lyrics_frame_at(lyrics, 5.0).wipe == pytest.approx(0.5)
    f = lyrics_frame_at(lyrics, 60.0)
    assert (f.current, f.wipe) == (1, 0.0)  # the long break shows the coming line


def test_a_frame_is_cheap_on_a_long_song():
    lyrics = Lyrics([Line(2.0 * i, f"line number {i} with some words") for i in range(400)])
    start = time.perf_counter()
    for k in range(2000):
        lyrics_frame_at(lyrics, k * 0.4)
    per_frame_ms = (time.perf_counter() - start) / 2000 * 1000
    assert per_frame_ms < 1.0  # 60 frames a second must cost nothing noticeable (loaded machine: generous)
