"""Keyboard use with real key events: focus order, slider keys, level shortcuts, Space during a load."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from uihelpers import wait_separated, write_song

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.ui.panels.export import ExportPanel


class NullOutput:
    """A sound output that is always there (the test plays the audio callback's part with ``render``)."""

    available = True
    reason = ""
    output_delay_frames = 0

    def start(self) -> bool:
        return True

    def maintain(self) -> bool:
        return False

    def close(self) -> None:
        pass


def focus_window(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10000)


def test_tab_reaches_every_control_in_order_with_names(qtbot, window, song_file):
    window.output = NullOutput()  # the play button is enabled with a sound output
    window.open_path(song_file)
    wait_separated(qtbot, window)
    window.transport.vocal_slider.setValue(30)  # Mute has something to silence
    focus_window(qtbot, window)
    window.header.open_button.setFocus()
    seen = [QApplication.focusWidget()]
    for _ in range(30):  # the lyrics' and key/tempo controls come before the transport, as on screen
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    expected = [window.header.open_button, window.panel(ExportPanel).button, window.transport.play_button, window.transport.ab_button,
                window.transport.solo_button, window.transport.mute_button, window.transport.vocal_slider, window.transport.inst_slider]
    order = [w for w in seen if w in expected]
    assert order[: len(expected)] == expected  # hidden controls (banner, drop hint...) are skipped
    for w in expected:
        assert w.accessibleName(), w


def test_return_presses_the_focused_button_and_up_down_move_the_focused_slider(qtbot, window, song_file):
    """With a song, Space and ←/→ belong to the window (tests/ui/test_app_keys.py); Return and ↑/↓/End don't."""
    window.open_path(song_file)
    wait_separated(qtbot, window)
    focus_window(qtbot, window)
    window.transport.solo_button.setFocus()
    QTest.keyClick(window.transport.solo_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.transport.solo_button.isChecked() and window.playback.mixer.params.solo,
                    timeout=2000)
    QTest.keyClick(window.transport.solo_button, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: not window.playback.mixer.params.solo, timeout=2000)
    window.playback.seek(5 * SAMPLE_RATE)
    window.transport.vocal_slider.setFocus()
    value = window.transport.vocal_slider.value()
    QTest.keyClick(window.transport.vocal_slider, Qt.Key.Key_Up)
    assert window.transport.vocal_slider.value() == value + window.transport.vocal_slider.singleStep()
    assert window.playback.position == 5 * SAMPLE_RATE
    QTest.keyClick(window.transport.vocal_slider, Qt.Key.Key_End)
    assert window.transport.vocal_slider.value() == 100 and window.playback.mixer.params.vocal_level == 1.0


def test_level_shortcuts_and_seek_keys_without_slider_focus(qtbot, window, song_file):
    window.open_path(song_file)
    wait_separated(qtbot, window)
    focus_window(qtbot, window)
    window.transport.play_button.setFocus()
    window.transport.vocal_slider.setValue(20)
    window.transport.inst_slider.setValue(100)
    QTest.keyClick(window.transport.play_button, Qt.Key.Key_Up)
    assert window.transport.vocal_slider.value() == 30
    QTest.keyClick(window.transport.play_button, Qt.Key.Key_Down)
    QTest.keyClick(window.transport.play_button, Qt.Key.Key_Down)
    assert window.transport.vocal_slider.value() == 10
    QTest.keyClick(window.transport.play_button, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert window.transport.inst_slider.value() == 90 and window.playback.mixer.params.instrumental_level == 0.9
    QTest.keyClick(window.transport.play_button, Qt.Key.Key_Right)
    assert window.playback.position == 5 * SAMPLE_RATE


def test_click_on_a_slider_track_jumps_there(qtbot, window, song_file):
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    slider = window.transport.inst_slider
    slider.setValue(0)
    target = slider.width() * 3 // 4
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(target, slider.height() // 2))
    assert abs(slider.value() - slider.value_at(target)) <= 1
    assert 65 <= slider.value() <= 85  # not one page step (10) from 0


def test_mix_controls_are_inactive_before_a_song(qtbot, window):
    for control in (window.transport.ab_button, window.transport.solo_button, window.transport.mute_button, window.transport.vocal_slider,
                    window.transport.inst_slider, window.transport.play_button, window.panel(ExportPanel).button):
        assert not control.isEnabled(), control


def test_mute_is_offered_only_with_a_guide_vocal(qtbot, window, song_file):
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    window.transport.vocal_slider.setValue(0)
    assert not window.transport.mute_button.isEnabled() and "0 %" in window.transport.mute_button.toolTip()
    window.transport.vocal_slider.setValue(40)
    assert window.transport.mute_button.isEnabled() and "40 %" in window.transport.mute_button.toolTip()


def test_space_during_a_load_plays_the_new_song(qtbot, window, tmp_path):
    window.output = NullOutput()
    first = write_song(tmp_path / "A.wav", 4.0, seed=1)
    second = write_song(tmp_path / "B.wav", 90.0, seed=2)  # takes a moment to decode and hash
    window.open_path(first)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    song_a = window.song
    window.refresh_controls()
    focus_window(qtbot, window)
    window.open_path(second)
    assert window.opener.loading is not None
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not window.playback.playing  # the old song does not start
    assert window.opener.play_on_load
    qtbot.waitUntil(lambda: window.song is not None and window.song is not song_a, timeout=20000)
    assert window.song.path.name == "B.wav"
    assert window.playback.playing and window.playback.position == 0  # the key press belongs to B
