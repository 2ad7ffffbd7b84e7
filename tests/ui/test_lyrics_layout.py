"""Issue #18 items 6 and 7: the lyrics get the room first, never clip or overlap; the window fits a 200 % screen.

The app's theme is applied as ``soundnet`` applies it (its fonts and paddings set the sizes).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QRectF
from uihelpers import wait_separated

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.ui.panels.sing import SingPanel

LONG = ("this line is far too long for one row of the lyrics view so it has to wrap onto a second row "
        "and maybe a third one without being cut at either side")
LRC = f"[00:00.50]The line before it\n[00:03.00]{LONG}\n[00:08.00]And the next line to come\n[00:10.00]last\n"


@pytest.fixture(autouse=True)
def _themed(themed):
    """Every test here sees the app's theme (sizes and colours as the user sees them)."""


def _window_with_lyrics(qtbot, make_window, song_file):
    song_file.with_suffix(".lrc").write_text(LRC)
    window = make_window()
    window.open_path(song_file)
    wait_separated(qtbot, window)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: sing.view.isVisible() and sing.singalong.lyrics is not None, timeout=5000)
    return window, sing


def _drawn_at(qtbot, window, sing, size, t=4.0):
    window.resize(*size)
    window.transport.seek_seconds(t)
    sing.tick()
    view = sing.view.lyrics_view
    view.drawn = []
    view.repaint()
    qtbot.waitUntil(lambda: bool(view.drawn), timeout=2000)
    return view, view.drawn


def _assert_inside_and_apart(view, rects):
    bounds = QRectF(view.rect())
    for r in rects:
        assert bounds.adjusted(-0.01, -0.01, 0.01, 0.01).contains(r), (r, bounds)
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            overlap = a.intersected(b)
            assert overlap.width() <= 0.01 or overlap.height() <= 0.01, (a, b)


def test_at_the_default_size_the_wrapped_line_and_the_next_one_show_whole(qtbot, make_window, song_file):
    window, sing = _window_with_lyrics(qtbot, make_window, song_file)
    view, rects = _drawn_at(qtbot, window, sing, (1100, 720))
    _assert_inside_and_apart(view, rects)
    rows = [r for r in rects if r.height() >= max(r2.height() for r2 in rects) - 0.5]
    assert len(rows) >= 2  # the long current line is wrapped, not cut at the sides
    assert len(rects) >= len(rows) + 1  # and the next line shows below it
    lane = sing.view.lane
    view_box = QRect(view.mapTo(window, view.rect().topLeft()), view.size())
    lane_box = QRect(lane.mapTo(window, lane.rect().topLeft()), lane.size())
    assert not view_box.intersects(lane_box)


def test_at_the_minimum_size_lines_do_not_overlap(qtbot, make_window, song_file):
    window, sing = _window_with_lyrics(qtbot, make_window, song_file)
    view, rects = _drawn_at(qtbot, window, sing, (window.minimumWidth(), window.minimumHeight()))
    _assert_inside_and_apart(view, rects)
    assert len(rects) >= 2


def test_a_bigger_window_gives_its_room_to_the_lyrics_first(qtbot, make_window, song_file):
    window, sing = _window_with_lyrics(qtbot, make_window, song_file)
    view = sing.view.lyrics_view
    window.resize(1100, 720)
    qtbot.waitUntil(lambda: window.height() == 720, timeout=2000)
    lyrics_small, waves_small = view.height(), window.waveforms.height()
    window.resize(1920, 1040)
    qtbot.waitUntil(lambda: window.height() == 1040, timeout=2000)
    lyrics_big, waves_big = view.height(), window.waveforms.height()
    assert lyrics_big - lyrics_small > waves_big - waves_small
    assert lyrics_big >= 0.3 * window.centralWidget().height()
    _, rects = _drawn_at(qtbot, window, sing, (1920, 1040))
    assert max(r.height() for r in rects) >= 50  # the current line grows with the room, not ~20 px


def shrink(qtbot, window, width=960):
    """As small as the layout lets the window be, ``width`` wide. A few passes: at that width the
    transport takes one row, and the smaller minimum height applies from the next layout pass."""
    from PySide6.QtWidgets import QApplication

    last = -1
    for _ in range(8):
        window.resize(width, 300)
        qtbot.waitUntil(lambda: window.width() == width, timeout=2000)
        QApplication.processEvents()  # the layout requests posted by the resize
        if window.height() == window.minimumHeight() == last:  # the same twice: settled
            return
        last = window.height()
    raise AssertionError(f"the window does not settle: {window.size()}, minimum {window.minimumSize()}")


def test_the_window_fits_a_1920x1080_screen_at_200_percent(qtbot, make_window, song_file):
    """960 x 540 logical pixels, less the window's title bar (about 30 px): with a message shown,
    and even while the progress row shows."""
    window, _ = _window_with_lyrics(qtbot, make_window, song_file)
    window.show_banner("A message above the waveforms, as after a failed export.", "warning")
    shrink(qtbot, window)
    assert window.height() <= 500, window.height()
    bar = window.transport.bar
    assert window.rect().contains(QRect(bar.mapTo(window, bar.rect().topLeft()), bar.size()))
    window.show_progress("Exporting…", 0.5)
    shrink(qtbot, window)
    assert window.height() <= 510, window.height()
    assert window.minimumWidth() <= 960
    window.transport.seek_seconds(4.0)
    assert window.playback.position == 4 * SAMPLE_RATE


def test_a_first_start_on_a_small_screen_opens_a_window_that_fits_it(qtbot, separator, settings, dialogs,
                                                                     monkeypatch):
    from PySide6.QtGui import QScreen

    from soundnet_app.ui.main_window import MainWindow

    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 960, 510))
    window = MainWindow(settings=settings, dialogs=dialogs, cache=None, separator_factory=lambda: separator,
                        warm_up=False, audio=False)  # no saved geometry: the first start
    qtbot.addWidget(window)
    try:
        assert window.width() <= 960 and window.height() <= 510
    finally:
        window.shutdown()
