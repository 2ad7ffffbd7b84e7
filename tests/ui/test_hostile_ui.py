"""Hostile files in the real window (issue #19 items 1, 4) and the sing panel's memory (issue #18 items 4, 5, 13)."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from uihelpers import wait_separated, write_song

from soundnet_app.engine.jobs import SeparationRunner
from soundnet_app.separation.cache import StemCache
from soundnet_app.sing.guide import PitchGuide
from soundnet_app.sing.lyrics_files import MAX_LRC_BYTES
from soundnet_app.ui.app import create_app
from soundnet_app.ui.dialogs import SettingsDialog
from soundnet_app.ui.panels.sing import SingPanel


def test_item1_a_crafted_lrc_does_not_freeze_the_window(make_window, qtbot, tmp_path):
    """``[111…`` (1 MB, no ``]``): the old regex took minutes on the UI thread; now the read runs off it."""
    song = write_song(tmp_path / "song.wav", 3.0)
    song.with_suffix(".lrc").write_text("[" + "1" * (MAX_LRC_BYTES - 2))
    window = make_window()
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    window.open_path(song)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: window.song is not None and sing.singalong.lyrics is not None, timeout=60000)
    assert len(sing.singalong.lyrics.lines) == 1 and not sing.singalong.lyrics.synced
    assert ticks  # the event loop ran meanwhile


def test_item1_lyrics_still_being_read_do_not_replace_lines_being_tapped(make_window, qtbot, tmp_path):
    song = write_song(tmp_path / "song.wav", 3.0)
    song.with_suffix(".lrc").write_text("[00:01.00]from the file\n")
    window = make_window()
    window.open_path(song)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: window.song is not None and sing.singalong.song is window.song, timeout=20000)
    assert sing.start_tap_sync("tapped one\ntapped two")
    qtbot.waitUntil(lambda: not sing.lyrics_reader.pending, timeout=10000)
    assert sing.singalong.lyrics.texts == ["tapped one", "tapped two"]


def test_issue18_item5_lyrics_loaded_by_hand_come_back_when_the_song_is_reopened(make_window, qtbot, tmp_path,
                                                                                  dialogs):
    song = write_song(tmp_path / "song.wav", 3.0)
    chosen = tmp_path / "elsewhere" / "my words.lrc"
    chosen.parent.mkdir()
    chosen.write_text("[00:00.50]picked by hand\n")
    window = make_window()
    window.open_path(song)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: window.song is not None and sing.singalong.song is window.song, timeout=20000)
    assert sing.singalong.lyrics is None
    dialogs.open_path = str(chosen)
    sing.load_action.trigger()  # Sing › Load Lyrics…
    qtbot.waitUntil(lambda: sing.singalong.lyrics is not None, timeout=10000)
    first = window.song
    window.open_path(song)
    qtbot.waitUntil(lambda: window.song is not first and sing.singalong.song is window.song
                    and sing.singalong.lyrics is not None, timeout=20000)
    assert sing.singalong.lyrics.texts == ["picked by hand"]


def test_issue18_item4_the_first_song_of_a_session_gets_its_stored_guide_while_the_model_loads(
        qtbot, settings, dialogs, separator, tmp_path):
    from soundnet_app.ui.main_window import MainWindow

    song = write_song(tmp_path / "song.wav", 6.0)
    cache = StemCache(tmp_path / "cache")
    first = MainWindow(settings=settings, dialogs=dialogs, cache=cache, separator_factory=lambda: separator,
                       warm_up=False, audio=False)
    qtbot.addWidget(first)
    try:
        first.open_path(song)
        wait_separated(qtbot, first)
        sing = first.panel(SingPanel)
        qtbot.waitUntil(lambda: sing.singalong.guide.complete and sing.singalong.guide_file().exists(), timeout=30000)
        stored_f0 = sing.singalong.guide.f0.copy()
    finally:
        first.shutdown()
    model_may_load = threading.Event()  # the next session's model takes its time (TensorFlow's import)

    def slow_model():
        model_may_load.wait(60)
        return separator

    window = MainWindow(settings=settings, dialogs=dialogs, cache=cache, separator_factory=slow_model,
                        warm_up=False, audio=False)
    qtbot.addWidget(window)
    try:
        window.open_path(song)  # soundnet song.wav: opened before the model is ready
        sing = window.panel(SingPanel)
        qtbot.waitUntil(lambda: window.song is not None and window.song.cached
                        and sing.singalong.song is window.song, timeout=20000)
        assert window.separation.model_state != "ready"
        qtbot.waitUntil(lambda: sing.singalong.guide.complete, timeout=5000)
        assert np.array_equal(sing.singalong.guide.f0, stored_f0) and sing.view.lane.guide is sing.singalong.guide
    finally:
        model_may_load.set()
        window.shutdown()


def _answer_next_message_box(qtbot, button: QMessageBox.StandardButton | None) -> list[str]:
    """Answer the next modal message box as a user would (Escape, or a click on ``button``); returns its text."""
    seen: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        if button is None:
            qtbot.keyClick(box, Qt.Key.Key_Escape)
        else:
            qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    return seen


def test_issue18_item13_clear_cache_asks_first_and_takes_the_pitch_guides_too(qtbot, tmp_path, model_path):
    cache = StemCache(tmp_path / "cache")
    vocals = np.zeros((44100, 2), np.float32)
    for key in ("a" * 40, "b" * 40):
        cache.put(key, vocals)
        guide = PitchGuide(44100)
        guide.done[:] = True
        guide.save(cache.root / f"{key}.pitch.npz")
    PitchGuide(44100).save(cache.root / f"{'c' * 40}.pitch.npz")  # a guide whose stems were evicted
    dialog = SettingsDialog(None, model_path, cache)
    qtbot.addWidget(dialog)
    assert dialog.cache_label.text().endswith("in 3 songs") and not dialog.cache_label.text().startswith("0 bytes")
    seen = _answer_next_message_box(qtbot, None)  # Escape: nothing is deleted
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert seen and "Delete" in seen[0] and len(list(cache.root.iterdir())) == 5
    seen = _answer_next_message_box(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert seen and list(cache.root.iterdir()) == []
    assert dialog.cache_label.text().endswith("in 0 songs")


def test_item4_the_app_starts_with_a_nested_songs_json(qtbot, monkeypatch, separator, tmp_path):
    monkeypatch.setattr(SeparationRunner, "_default_separator", lambda self: separator)
    (tmp_path / "songs.json").write_text("[" * 1000)
    _app, window, _ = create_app(["--settings", str(tmp_path / "s.ini"), "--no-audio", "--no-cache"])
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and "damaged" in window.banner.text()
        assert [p.name.split("-")[0] for p in tmp_path.glob("songs.json.damaged-*")] == ["songs.json.damaged"]
    finally:
        window.shutdown()


def test_item10_save_my_take_proposes_a_name_not_a_subfolder(make_window, qtbot, tmp_path, dialogs):
    from mutagen.flac import FLAC

    from soundnet_app.audio.write import write_audio
    from soundnet_app.sing.take import TakePart

    song = tmp_path / "track.flac"
    write_audio(song, np.zeros((44100, 2), np.float32))
    tags = FLAC(song)
    tags["artist"], tags["title"] = "AC/DC", "Back in Black"
    tags.save()
    window = make_window()
    window.open_path(song)
    sing = window.panel(SingPanel)
    qtbot.waitUntil(lambda: window.song is not None and sing.singalong.song is window.song, timeout=20000)
    sing.singalong.take_parts.append(TakePart(np.zeros(4410, np.float32), 0))  # something was sung
    sing.take_action.trigger()  # Sing › Save My Take…
    assert ("save_audio", "Save My Take", "AC DC - Back in Black - my take.wav") in dialogs.calls


def test_item4_a_damaged_model_sidecar_is_shown_in_the_banner(make_window, qtbot, settings, tmp_path):
    """The CLI prints a damaged sidecar's message; the app shows it when the model loads (defaults are used)."""
    import shutil

    from soundnet_app.separation.catalog import default_model_path

    model = tmp_path / "mine" / "soundnet.keras"
    model.parent.mkdir()
    shutil.copyfile(default_model_path(), model)
    (model.parent / "soundnet.json").write_text('{"name": "Mine", "settings": {"mask_power": ')
    settings.model_path = model
    window = make_window()
    assert window.separation.model_path == model
    qtbot.waitUntil(lambda: "settings file (soundnet.json) was damaged" in window.banner.text(), timeout=10000)
    assert window.banner.kind == "warning" and "using defaults" in window.banner.text()
    assert (model.parent / "soundnet.json").exists()  # a model's file is left as it is
