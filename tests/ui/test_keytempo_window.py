"""Key and tempo in the real window: shortcuts, per-song memory, the song key, export."""

from __future__ import annotations

import pytest
import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from uihelpers import wait_separated, write_song

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.ui.dialogs import ExportChoice
from soundnet_app.ui.panels.export import ExportPanel
from soundnet_app.ui.panels.keytempo import KeyTempoPanel


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10000)
    QTest.keyClick(window, key, modifier)


def open_song(qtbot, window, path):
    loaded = []
    window.events.songLoaded.connect(loaded.append)
    window.open_path(path)
    qtbot.waitUntil(lambda: bool(loaded), timeout=10000)


def test_shortcuts_change_key_and_tempo_and_the_bar_shows_them(qtbot, window, song_file):
    bar = window.panel(KeyTempoPanel).bar
    assert not window.panel(KeyTempoPanel).actions["key_up"].isEnabled()  # no song yet
    open_song(qtbot, window, song_file)
    for key in (Qt.Key.Key_Plus, Qt.Key.Key_BracketRight, Qt.Key.Key_Minus):
        press(qtbot, window, key)
    assert window.playback.mixer.shift == (1, 1.0) and bar.key_value.text() == "+1"
    press(qtbot, window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert window.playback.mixer.shift == (1, 0.9) and bar.tempo_value.text() == "90 %"
    for _ in range(10):
        press(qtbot, window, Qt.Key.Key_Plus)
    assert window.playback.mixer.key == 6 and not bar.buttons["key_up"].isEnabled()  # clamped at +6
    press(qtbot, window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.playback.mixer.shift == (0, 1.0) and not bar.buttons["reset"].isEnabled()
    for button in bar.buttons.values():
        assert button.toolTip()


def test_key_tempo_and_levels_are_remembered_per_song(qtbot, make_window, settings, tmp_path, song_file):
    other = write_song(tmp_path / "Other.wav", 3.0, seed=9)
    window = make_window()
    open_song(qtbot, window, song_file)
    window.panel(KeyTempoPanel).set_shift(-2, 0.8)
    window.transport.vocal_slider.setValue(35)
    open_song(qtbot, window, other)  # a song never seen: neutral
    assert window.playback.mixer.shift == (0, 1.0)
    window.shutdown()

    again = make_window(settings=settings)
    open_song(qtbot, again, song_file)
    assert again.playback.mixer.shift == (-2, 0.8)
    assert again.transport.vocal_slider.value() == 35 and again.playback.mixer.params.vocal_level == 0.35
    assert again.panel(KeyTempoPanel).bar.key_value.text() == "-2"


def test_song_key_is_shown_and_export_is_at_the_chosen_key_and_tempo(qtbot, window, dialogs, song_file, tmp_path):
    open_song(qtbot, window, song_file)
    wait_separated(qtbot, window)
    qtbot.waitUntil(lambda: window.playback.song_key is not None, timeout=20000)
    found = window.playback.song_key
    window.panel(KeyTempoPanel).set_shift(2, 0.8)
    text = window.panel(KeyTempoPanel).bar.song_key.text()
    assert text == f"Song key: {found.name} → {found.shifted(2).name}"

    dialogs.export_choice = ExportChoice(str(tmp_path / "out"), "wav")
    window.panel(ExportPanel).dialog()
    assert dialogs.calls[-1][3] == "Test Song (key +2 · 80 %)"
    qtbot.waitUntil(lambda: window.panel(ExportPanel).task is None, timeout=60000)
    written = sorted((tmp_path / "out").iterdir())
    assert written and all(p.name.startswith("Test Song (key +2 · 80 %)") for p in written)
    for path in written:
        assert sf.info(path).frames / (12 * SAMPLE_RATE) == pytest.approx(1 / 0.8, rel=0.01)
