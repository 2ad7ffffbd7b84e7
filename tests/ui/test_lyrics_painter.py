"""The lyrics painter, on QImages of every size it meets: inside the rectangle, never overlapping, wrapped, wiped."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from soundnet_app.sing.lyrics import Line, Lyrics, parse_lrc, parse_plain
from soundnet_app.sing.lyrics_frame import LyricsFrame, lyrics_frame_at
from soundnet_app.ui import theme
from soundnet_app.ui.lyrics_painter import MIN_PX, LyricsStyle, paint_lyrics

LONG = ("this is a very long line of lyrics that no screen could hold on one row at a readable size, "
        "it goes on and on with words the singer still has to read while singing along to the song")
SONG = parse_lrc(f"[00:01.00]The line before\n[00:05.00]{LONG}\n[00:15.00]The next line is also here\n"
                 "[00:20.00]\n[00:40.00]After a long break\n")
SIZES = [(900, 56, False), (700, 90, False), (1100, 160, False), (1400, 260, False),
         (1920, 1080, True), (960, 540, True), (640, 360, True), (320, 180, True)]
FRAMES = [LyricsFrame(1, 0, 2, 0.4, 0), LyricsFrame(4, 2, -1, 0.0, 2), LyricsFrame(-1, -1, 0, 0.0, 3),
          LyricsFrame(0, -1, 1, 1.0, 0), LyricsFrame(-1, 4, -1, 0.0, 0)]


def _paint(w, h, lyrics, frame, style=None, message="", background="#000000"):
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor(background))
    p = QPainter(image)
    rects = paint_lyrics(p, QRectF(0, 0, w, h), lyrics, frame, style or LyricsStyle.for_height(h), message)
    p.end()
    return image, rects


def _pixels(image: QImage) -> np.ndarray:
    """H×W×3 RGB."""
    buf = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return buf[:, :image.width(), 2::-1]


def _near(pixels: np.ndarray, colour: str, tol: int = 40) -> np.ndarray:
    c = QColor(colour)
    return (np.abs(pixels.astype(int) - [c.red(), c.green(), c.blue()]).sum(axis=2) < tol)


def _assert_inside_and_apart(rects, w, h):
    for r in rects:
        assert r.left() >= -0.01 and r.top() >= -0.01 and r.right() <= w + 0.01 and r.bottom() <= h + 0.01, (r, w, h)
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersected(b).height() > 0.01 or not a.intersected(b).width() > 0.01, (a, b)


@pytest.mark.parametrize("w,h,stage", SIZES)
def test_everything_lies_inside_the_rectangle_and_nothing_overlaps(qapp, w, h, stage):
    for frame in FRAMES:
        style = LyricsStyle.for_height(h, stage=stage)
        _, rects = _paint(w, h, SONG, frame, style)
        assert rects or (frame.current == frame.next == -1 and not style.show_previous), frame
        _assert_inside_and_apart(rects, w, h)


def test_a_long_line_wraps_onto_rows_instead_of_being_cut(qapp):
    style = LyricsStyle.for_height(200)
    _, rects = _paint(800, 200, SONG, LyricsFrame(1, -1, -1, 0.0, 0), style)
    assert len(rects) >= 3  # several rows of the one long line
    assert all(r.width() <= 800 - 2 * style.margin_px + 0.01 for r in rects)
    # Every row as tall as the font asks: wrapped, not shrunk (the block fits at the style's size).
    assert min(r.height() for r in rects) >= style.current_px


def test_the_line_before_goes_first_then_the_font_shrinks_but_never_below_the_minimum(qapp):
    style = LyricsStyle.for_height(100)
    _, roomy = _paint(1600, 400, SONG, LyricsFrame(1, 0, 2, 0.0, 0), style)
    _, tight = _paint(500, 70, SONG, LyricsFrame(1, 0, 2, 0.0, 0), style)
    assert len(roomy) > 3
    assert max(r.height() for r in tight) < max(r.height() for r in roomy)  # the current line shrank
    assert min(r.height() for r in tight) >= MIN_PX
    _assert_inside_and_apart(tight, 500, 70)


def test_the_sung_part_is_in_the_vocals_colour_from_the_left(qapp):
    lyrics = Lyrics([Line(0.0, "Sing this line now")])
    vocals = []
    for wipe in (0.0, 0.5, 1.0):
        image, rects = _paint(900, 120, lyrics, LyricsFrame(0, -1, -1, wipe, 0))
        (row,) = rects
        px = _pixels(image)[int(row.top()):int(row.bottom()), int(row.left()):int(row.right())]
        sung, unsung = _near(px, theme.VOCALS), _near(px, theme.TEXT)
        vocals.append(sung.sum())
        if wipe == 0.5:
            cols_sung, cols_unsung = np.nonzero(sung.any(axis=0))[0], np.nonzero(unsung.any(axis=0))[0]
            assert cols_sung.max() <= cols_unsung.min() + 2  # sung on the left, the rest on the right
        if wipe == 1.0:
            assert unsung.sum() == 0
    assert vocals[0] == 0 < vocals[1] < vocals[2]


def test_the_countdown_draws_that_many_dots_above_the_current_line(qapp):
    lyrics = parse_lrc("[00:30.00]Here we go\n[00:33.00]and on\n")
    for count in (3, 1):
        image, rects = _paint(960, 540, lyrics, LyricsFrame(0, -1, 1, 0.0, count), LyricsStyle.for_height(540, True))
        dots, current = rects[0], rects[1]
        assert dots.bottom() <= current.top()
        px = _near(_pixels(image)[int(dots.top()):int(dots.bottom()) + 1, int(dots.left()):int(dots.right()) + 2],
                   theme.ACCENT)
        columns = px.any(axis=0).astype(int)
        assert int((np.diff(columns) == 1).sum() + columns[0]) == count


def test_before_the_first_line_it_is_shown_coming_with_the_one_after_as_preview(qapp):
    lyrics = parse_lrc("[00:10.00]First\n[00:12.00]Second\n")
    image, rects = _paint(900, 160, lyrics, lyrics_frame_at(lyrics, 8.0))
    assert len(rects) == 2 + 1  # dots, "First", "Second"
    assert rects[1].height() > rects[2].height()
    assert not _near(_pixels(image), theme.VOCALS).any()


def test_the_stage_rule_makes_the_current_line_at_least_six_percent_of_the_height(qapp):
    for h in (360, 540, 720, 1080, 2160):
        style = LyricsStyle.for_height(h, stage=True)
        assert style.current_px >= 0.06 * h and not style.show_previous
        assert style.preview_px < style.current_px
    desk = [LyricsStyle.for_height(h).current_px for h in (40, 100, 150, 400, 2000)]
    assert desk == sorted(desk) and desk[0] >= 14 and desk[-2] >= 0.15 * 400 and desk[-1] <= 64


def test_no_lyrics_show_the_message_and_plain_lyrics_show_their_lines_from_the_top(qapp):
    _, rects = _paint(300, 80, None, LyricsFrame(-1, -1, -1, 0.0, 0), message="No lyrics for this song. " * 3)
    assert len(rects) >= 2
    _assert_inside_and_apart(rects, 300, 80)
    assert _paint(600, 80, None, LyricsFrame(-1, -1, -1, 0.0, 0))[1] == []
    plain = parse_plain("\n".join(f"plain line {k}" for k in range(30)))
    _, rects = _paint(600, 200, plain, lyrics_frame_at(plain, 3.0))
    assert 2 <= len(rects) < 30 and rects[0].top() == 0
    _assert_inside_and_apart(rects, 600, 200)


def test_the_painter_leaves_its_state_as_it_was(qapp):
    image = QImage(400, 100, QImage.Format.Format_RGB32)
    p = QPainter(image)
    font_before, pen_before = p.font(), p.pen().color()
    paint_lyrics(p, QRectF(0, 0, 400, 100), SONG, LyricsFrame(1, 0, 2, 0.5, 2), LyricsStyle.for_height(100))
    assert p.font() == font_before and p.pen().color() == pen_before and not p.hasClipping()
    p.end()


def test_a_full_hd_frame_paints_well_under_8_ms(qapp):
    image = QImage(1920, 1080, QImage.Format.Format_RGB32)
    style = LyricsStyle.for_height(1080, stage=True)
    p = QPainter(image)
    times = []
    for k in range(60):
        frame = LyricsFrame(1, 0, 2, k / 60, 0)
        start = time.perf_counter()
        paint_lyrics(p, QRectF(0, 0, 1920, 1080), SONG, frame, style)
        times.append(time.perf_counter() - start)
    p.end()
    median_ms = sorted(times[5:])[len(times[5:]) // 2] * 1000
    assert median_ms < 8.0, median_ms


def test_crafted_lyrics_cost_what_a_screenful_does(qapp):
    """A megabyte-long line without spaces, and thousands of plain lines: painted in a blink, inside the rect."""
    huge = "1" * 1_000_000
    for lyrics, frame in ((parse_plain(huge), LyricsFrame(-1, -1, -1, 0.0, 0)),
                          (Lyrics([Line(0.0, huge), Line(5.0, huge)]), LyricsFrame(0, -1, 1, 0.5, 0)),
                          (parse_plain("\n".join(f"line {k}" for k in range(20000))), LyricsFrame(-1, -1, -1, 0.0, 0))):
        start = time.perf_counter()
        _, rects = _paint(900, 160, lyrics, frame)
        assert time.perf_counter() - start < 1.0
        assert rects
        _assert_inside_and_apart(rects, 900, 160)
