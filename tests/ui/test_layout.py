"""The window at its minimum size and at 800 x 500: no widget overlaps another, no label is clipped.

The app's theme (fonts, paddings) is applied as ``soundnet`` applies it: the
sizes that matter are the themed ones.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QSlider,
    QWidget,
)

from soundnet_app.ui.panels.keytempo import KeyTempoPanel
from soundnet_app.ui.panels.sing_views import LyricsView, PitchLane

LEAVES = (QAbstractButton, QLabel, QSlider, QComboBox, LyricsView, PitchLane)


@pytest.fixture(autouse=True)
def _themed(themed):
    """Every test here sees the app's theme (sizes and colours as the user sees them)."""


def _leaves(window):
    """Visible buttons, labels, sliders and views of everything in the window, with window rectangles."""
    out = []
    for w in window.centralWidget().findChildren(QWidget):
        if isinstance(w, LEAVES):
            if w.isVisibleTo(window) and w.width() > 0 and (w.text() if hasattr(w, "text") else True):
                out.append((w, QRect(w.mapTo(window, w.rect().topLeft()), w.size())))
    return out


@pytest.mark.parametrize("size", ["minimum", (800, 500)])
def test_layout_holds_in_small_windows(qtbot, window, song_file, size):
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    window.transport.vocal_slider.setValue(100)
    window.transport.inst_slider.setValue(100)
    if size == "minimum":
        window.resize(window.minimumSize())
    else:
        window.resize(*size)
    qtbot.wait(50)
    w, h = window.width(), window.height()
    assert window.minimumWidth() <= 800 and window.minimumHeight() <= 680  # fits a 1366 x 768 laptop screen
    assert (w, h) == ((window.minimumWidth(), window.minimumHeight()) if size == "minimum"
                      else (max(800, window.minimumWidth()), max(500, window.minimumHeight())))
    leaves = _leaves(window)
    kinds = {type(w) for w, _ in leaves}
    assert len(leaves) > 20 and {LyricsView, PitchLane, QComboBox} <= kinds  # key/tempo bar and sing panel too
    assert window.panel(KeyTempoPanel).bar.buttons["key_up"] in [w for w, _ in leaves]
    for i, (a, ra) in enumerate(leaves):
        assert window.rect().contains(ra), a
        if isinstance(a, (QLabel, QAbstractButton)) and a.text():
            assert a.width() >= a.minimumSizeHint().width(), f"{a.text()!r} is clipped"
        assert a.height() >= a.minimumSizeHint().height(), f"{a.objectName() or type(a).__name__} is squashed"
        for b, rb in leaves[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            assert not ra.intersects(rb), f"{a.objectName() or a.text()} overlaps {b.objectName() or b.text()}"


def test_minimum_size_screenshot(qtbot, window, song_file, tmp_path):
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    window.resize(window.minimumSize())
    qtbot.wait(50)
    image = window.grab().toImage()
    assert (image.width(), image.height()) == (window.minimumWidth(), window.minimumHeight())
