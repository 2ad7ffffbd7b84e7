"""The window at its minimum size and at 800 x 500: no widget overlaps another, no label is clipped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QLabel, QSlider, QWidget


def _leaves(window):
    """Visible buttons, labels and sliders of the header and the transport, with window rectangles."""
    roots = (window.transport, window.open_button.parentWidget())
    out = []
    for root in roots:
        for w in root.findChildren(QWidget):
            if not isinstance(w, (QAbstractButton, QLabel, QSlider)):
                continue
            if w.isVisibleTo(window) and w.width() > 0 and (w.text() if hasattr(w, "text") else True):
                out.append((w, QRect(w.mapTo(window, w.rect().topLeft()), w.size())))
    return out


@pytest.mark.parametrize("size", ["minimum", (800, 500)])
def test_layout_holds_in_small_windows(qtbot, window, song_file, size):
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    window.vocal_slider.setValue(100)
    window.inst_slider.setValue(100)
    if size == "minimum":
        window.resize(window.minimumSize())
    else:
        window.resize(*size)
    qtbot.wait(50)
    w, h = window.width(), window.height()
    assert (w, h) == ((window.minimumWidth(), window.minimumHeight()) if size == "minimum"
                      else (max(800, window.minimumWidth()), max(500, window.minimumHeight())))
    leaves = _leaves(window)
    assert len(leaves) > 8
    for i, (a, ra) in enumerate(leaves):
        assert window.rect().contains(ra), a
        if isinstance(a, (QLabel, QAbstractButton)) and a.text():
            assert a.width() >= a.minimumSizeHint().width(), f"{a.text()!r} is clipped"
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
