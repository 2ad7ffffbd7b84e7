"""Issue #18 item 1: with a song loaded, the app's keys win over the focused button or slider.

Keys are sent as a user sends them: to the widget that has the keyboard focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout
from test_keyboard import NullOutput, focus_window
from uihelpers import wait_separated

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.mix import KARAOKE, ORIGINAL


def press(key, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(QApplication.focusWidget(), key, modifier)


def loaded_window(qtbot, window, song_file):
    window.output = NullOutput()
    window.open_path(song_file)
    wait_separated(qtbot, window)
    window.refresh_controls()
    focus_window(qtbot, window)
    return window


def test_space_plays_even_with_the_open_button_focused(qtbot, window, dialogs, song_file):
    loaded_window(qtbot, window, song_file)
    window.header.open_button.setFocus()  # where the focus is after start-up, or after clicking it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.header.open_button, timeout=2000)
    press(Qt.Key.Key_Space)
    assert ("open_file", window.settings.last_folder) not in dialogs.calls  # no "Open a Song" dialog
    assert window.playback.playing
    press(Qt.Key.Key_Space)
    assert not window.playback.playing
    mode = window.playback.params.mode
    press(Qt.Key.Key_A)
    assert window.playback.params.mode != mode
    press(Qt.Key.Key_S)
    assert window.playback.params.solo
    assert not any(call[0] == "open_file" for call in dialogs.calls)


def test_a_clicked_button_or_slider_does_not_keep_the_focus(qtbot, window, song_file):
    loaded_window(qtbot, window, song_file)
    window.transport.play_button.setFocus()
    t = window.transport
    for control in (t.solo_button, t.ab_button, window.header.open_button, t.vocal_slider):
        if control is window.header.open_button:
            window.dialogs.open_path = None  # the dialog is cancelled
        QTest.mouseClick(control, Qt.MouseButton.LeftButton)
        assert QApplication.focusWidget() is not control, control


def test_arrows_seek_even_with_a_slider_focused_and_up_down_still_move_it(qtbot, window, song_file):
    loaded_window(qtbot, window, song_file)
    slider = window.transport.inst_slider
    slider.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is slider, timeout=2000)
    value = slider.value()
    press(Qt.Key.Key_Right)
    assert window.playback.position == 5 * SAMPLE_RATE and slider.value() == value
    press(Qt.Key.Key_Left)
    assert window.playback.position == 0
    slider.setValue(50)
    press(Qt.Key.Key_Up)  # the focused slider's own key: up one step
    assert slider.value() == 50 + slider.singleStep()


def test_return_still_presses_the_focused_button_and_checkbox(qtbot, window, song_file):
    loaded_window(qtbot, window, song_file)
    window.transport.solo_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.transport.solo_button, timeout=2000)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.playback.params.solo, timeout=2000)
    assert not window.playback.playing


def test_text_fields_in_dialogs_still_get_their_keys(qtbot, window, song_file):
    loaded_window(qtbot, window, song_file)
    mode = window.playback.params.mode
    dialog = QDialog(window)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.show()
    dialog.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=2000)
    for key in (Qt.Key.Key_A, Qt.Key.Key_S, Qt.Key.Key_Space, Qt.Key.Key_M, Qt.Key.Key_Left):
        press(key)
    assert field.text() == "as m"
    assert window.playback.params.mode == mode and not window.playback.params.solo
    assert not window.playback.playing and mode in (KARAOKE, ORIGINAL)
    dialog.close()


def test_without_a_song_space_presses_the_focused_button(qtbot, window, dialogs):
    focus_window(qtbot, window)
    window.header.open_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.header.open_button, timeout=2000)
    press(Qt.Key.Key_Space)
    assert any(call[0] == "open_file" for call in dialogs.calls)


def test_solo_from_the_original_goes_back_to_the_original(qtbot, window, song_file):
    """#18 item 11: S in Original mode solos the vocals; S again is the original again, as before."""
    loaded_window(qtbot, window, song_file)
    window.transport.play_button.setFocus()
    if window.playback.params.mode == KARAOKE:
        press(Qt.Key.Key_A)
    assert window.transport.ab_button.text() == "Original"
    press(Qt.Key.Key_S)
    assert window.playback.params.solo and window.transport.solo_button.isChecked()
    press(Qt.Key.Key_S)
    assert not window.playback.params.solo and not window.transport.solo_button.isChecked()
    assert window.playback.params.mode == ORIGINAL and window.transport.ab_button.text() == "Original"
