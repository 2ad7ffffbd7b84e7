"""#18 item 16: each song keeps its own guide level and where it was left, through the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_keyboard import focus_window
from uihelpers import write_song

from soundnet_app.audio.formats import SAMPLE_RATE


def open_and_wait(qtbot, window, path):
    window.open_path(path)
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == path and window.opener.loading is None,
                    timeout=20000)
    window.refresh_controls()


def press(key, times=1):
    for _ in range(times):
        QTest.keyClick(QApplication.focusWidget(), key)


def test_guide_level_and_position_are_per_song(qtbot, make_window, tmp_path):
    first, second = write_song(tmp_path / "First.wav", 40.0, seed=1), write_song(tmp_path / "Second.wav", 40.0, seed=2)
    window = make_window()
    open_and_wait(qtbot, window, first)
    focus_window(qtbot, window)
    window.transport.play_button.setFocus()
    press(Qt.Key.Key_Up, 4)  # guide vocal 40 %
    press(Qt.Key.Key_Right, 4)  # 20 s in
    assert window.transport.vocal_slider.value() == 40 and window.playback.position == 20 * SAMPLE_RATE
    open_and_wait(qtbot, window, second)
    assert window.transport.vocal_slider.value() == 0 and window.playback.params.vocal_level == 0.0
    assert window.playback.position == 0
    press(Qt.Key.Key_Right)
    open_and_wait(qtbot, window, first)
    assert window.transport.vocal_slider.value() == 40 and window.playback.params.vocal_level == 0.4
    assert window.playback.position == 20 * SAMPLE_RATE
    assert window.transport.time_label.text().startswith("0:20")
    window.close()  # closing remembers where the song was, for the next start
    again = make_window()
    open_and_wait(qtbot, again, first)
    assert again.playback.position == 20 * SAMPLE_RATE and again.transport.vocal_slider.value() == 40
