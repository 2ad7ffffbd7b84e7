"""The real window, worker and model, offscreen: drop, separate, listen, seek, export."""

from __future__ import annotations

import sys
import types

import numpy as np
import soundfile as sf
from enginehelpers import settle
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from uihelpers import assert_audio_equal, shown_title, wait_separated, write_song

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.simulate import drop_files
from soundnet_app.engine.mix import KARAOKE, ORIGINAL
from soundnet_app.ui.dialogs import ExportChoice
from soundnet_app.ui.panels.export import ExportPanel


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10000)
    QTest.keyClick(window, key, modifier)


def test_window_starts_empty_and_ready(window):
    assert shown_title(window) == "SoundNet Karaoke"
    assert window.stack.currentWidget() is window.drop_hint
    assert not window.panel(ExportPanel).action.isEnabled()
    assert window.separation.model_label.text() == "Separation model ready"
    assert not window.windowIcon().isNull()
    # Every visible control explains itself.
    for widget in (window.header.open_button, window.panel(ExportPanel).button, window.transport.play_button, window.transport.ab_button,
                   window.transport.solo_button, window.transport.mute_button, window.transport.vocal_slider, window.transport.inst_slider,
                   window.progress_row.cancel_button, window.transport.time_label):
        assert widget.toolTip(), widget
    # Shortcuts are shown in the menus.
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.panel(ExportPanel).action.shortcut().toString() == "Ctrl+E"
    assert window.transport.play_action.shortcut().toString() == "Space"


def test_drop_loads_song_and_separates_with_the_real_model(qtbot, window, song_file):
    loaded = []
    window.events.songLoaded.connect(loaded.append)
    drop_files(window, [song_file])
    qtbot.waitUntil(lambda: bool(loaded), timeout=10000)
    song = window.song
    assert shown_title(window) == "Test Song — SoundNet Karaoke"
    assert window.stack.currentWidget() is window.waveforms
    # The mixture waveform is there at once.
    assert np.abs(window.waveforms.mixture.curve.getData()[1]).max() > 0.05
    assert window.progress_row.isVisibleTo(window)
    wait_separated(qtbot, window)
    assert song.coverage.complete
    np.testing.assert_allclose(song.vocals + song.instrumental, song.mixture, atol=1e-5)
    qtbot.waitUntil(lambda: not window.progress_row.isVisibleTo(window), timeout=10000)
    for view, env in ((window.waveforms.vocals, song.env_vocals),
                      (window.waveforms.instrumental, song.env_instrumental)):
        qtbot.waitUntil(lambda view=view, env=env: view._version == env.version, timeout=10000)
        x, y = view.curve.getData()
        assert len(x) == len(y) == 2 * env.count
        assert np.abs(y).max() > 0
    assert window.panel(ExportPanel).action.isEnabled()
    assert str(song_file.resolve()) in window.settings.recent_files


def test_ab_solo_mute_and_levels_through_the_controls(qtbot, window, song_file):
    window.open_path(song_file)
    wait_separated(qtbot, window)
    song, mixer = window.song, window.playback.mixer
    mixer.play()  # no sound card here: the test plays the audio callback's part
    mixer.render(2048)

    def heard(n=4096):
        settle(mixer)
        pos = mixer.position
        return mixer.render(n), slice(pos, pos + n)

    assert mixer.mode == KARAOKE and window.transport.ab_button.text() == "Karaoke"
    out, seg = heard()
    assert_audio_equal(out, song.instrumental[seg], atol=0)

    before = mixer.position
    press(qtbot, window, Qt.Key.Key_A)  # A/B by key: same position
    assert mixer.mode == ORIGINAL and mixer.position == before
    assert window.transport.ab_button.text() == "Original" and not window.transport.ab_button.isChecked()
    out, seg = heard()
    assert_audio_equal(out, song.mixture[seg], atol=0)

    window.transport.ab_button.click()  # and by button
    assert mixer.mode == KARAOKE

    window.transport.solo_button.click()
    out, seg = heard()
    assert_audio_equal(out, song.vocals[seg], atol=0)
    press(qtbot, window, Qt.Key.Key_S)  # solo off
    assert not mixer.params.solo and not window.transport.solo_button.isChecked()

    window.transport.vocal_slider.setValue(30)
    assert window.transport.vocal_value.text() == "30 %"
    out, seg = heard()
    assert_audio_equal(out, song.instrumental[seg] + np.float32(0.3) * song.vocals[seg])

    window.transport.mute_button.click()
    assert mixer.params.mute
    out, seg = heard()
    assert_audio_equal(out, song.instrumental[seg], atol=0)
    window.transport.mute_button.click()

    window.transport.inst_slider.setValue(50)
    out, seg = heard()
    assert_audio_equal(out, 0.5 * song.instrumental[seg] + np.float32(0.3) * song.vocals[seg])

    # Solo while listening to the original switches to the processed version.
    window.transport.set_mode(ORIGINAL)
    window.transport.solo_button.click()
    assert mixer.mode == KARAOKE and mixer.params.solo


def test_seek_by_click_and_keys(qtbot, window, song_file):
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    view = window.waveforms.vocals
    qtbot.waitUntil(view.isVisible, timeout=10000)
    vb = view.getPlotItem().getViewBox()
    target = 6.0
    point = view.mapFromScene(vb.mapViewToScene(QPointF(target, 0.0)))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert abs(window.playback.position_s - target) < 0.1
    qtbot.wait(80)
    assert abs(view.playhead.value() - window.playback.position_s) < 0.1
    assert window.transport.time_label.text().startswith("0:06")

    press(qtbot, window, Qt.Key.Key_Right)
    assert abs(window.playback.position_s - min(target + 5, window.song.duration_s)) < 0.1
    press(qtbot, window, Qt.Key.Key_Left)
    press(qtbot, window, Qt.Key.Key_Left)
    assert abs(window.playback.position_s - (min(target + 5, window.song.duration_s) - 10)) < 0.1
    press(qtbot, window, Qt.Key.Key_Home)
    assert window.playback.position == 0
    press(qtbot, window, Qt.Key.Key_Left)  # clamped at the start
    assert window.playback.position == 0


def test_play_while_separating_and_seek_ahead_restarts_the_worker(qtbot, window, tmp_path):
    path = write_song(tmp_path / "Long Song.wav", 60.0, seed=3)
    starts = []
    window.separation.worker.chunkReady.connect(lambda job, s, e: starts.append(s))
    window.open_path(path)
    qtbot.waitUntil(lambda: window.song is not None and window.song.coverage.is_separated(0), timeout=20000)
    song, mixer = window.song, window.playback.mixer
    assert window.separating
    mixer.play()
    settle(mixer)
    out = mixer.render(2048)
    assert_audio_equal(out, song.instrumental[mixer.position - 2048 : mixer.position], atol=0)

    target = int(50 * SAMPLE_RATE)
    window.transport.seek_seconds(50.0)
    assert not song.coverage.is_separated(target)  # the worker is far behind...
    settle(mixer)
    pos = mixer.position
    assert_audio_equal(mixer.render(2048), song.mixture[pos : pos + 2048], atol=0)  # ...so: the original
    qtbot.waitUntil(lambda: window.transport.region_label.text().startswith("separating"), timeout=10000)
    aligned = target // song.coverage.block * song.coverage.block
    # The worker jumps to the playhead instead of grinding on from the start.
    qtbot.waitUntil(lambda: aligned in starts, timeout=20000)
    qtbot.waitUntil(lambda: song.coverage.is_separated(mixer.position), timeout=20000)
    settle(mixer)
    pos = mixer.position
    assert_audio_equal(mixer.render(2048), song.instrumental[pos : pos + 2048], atol=0)
    # Then it goes back and fills the gap it skipped.
    wait_separated(qtbot, window)
    assert song.coverage.complete
    np.testing.assert_allclose(song.vocals + song.instrumental, song.mixture, atol=1e-5)
    qtbot.waitUntil(lambda: window.transport.region_label.text() == "", timeout=10000)


def test_cancel_and_resume(qtbot, window, tmp_path):
    path = write_song(tmp_path / "Long Song.wav", 45.0, seed=5)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.song is not None and window.song.coverage.separated_frames() > 0,
                    timeout=20000)
    window.progress_row.cancel_button.click()
    qtbot.waitUntil(lambda: window.separation.job.state == "cancelled", timeout=20000)
    assert window.progress_row.cancel_button.text() == "Resume"
    assert not window.song.coverage.complete
    window.panel(ExportPanel).action.trigger()  # says why instead of nothing
    assert "Resume" in window.banner.text() and window.panel(ExportPanel).task is None
    window.progress_row.cancel_button.click()
    wait_separated(qtbot, window)
    assert window.song.coverage.complete and window.panel(ExportPanel).action.isEnabled()


def test_second_song_replaces_a_running_job(qtbot, window, tmp_path):
    first = write_song(tmp_path / "First.wav", 60.0, seed=1)
    second = write_song(tmp_path / "Second.wav", 12.0, seed=2)
    cancelled = []
    window.separation.worker.jobCancelled.connect(cancelled.append)
    drop_files(window, [first])
    qtbot.waitUntil(lambda: window.song is not None and window.song.coverage.separated_frames() > 0,
                    timeout=20000)
    first_job, first_song = window.separation.job, window.song
    assert first_job.active
    drop_files(window, [second])
    qtbot.waitUntil(lambda: window.song is not first_song and window.song is not None, timeout=10000)
    qtbot.waitUntil(lambda: first_job.id in cancelled, timeout=20000)
    assert not first_song.coverage.complete
    assert shown_title(window).startswith("Second")
    wait_separated(qtbot, window)
    assert window.separation.job is not first_job and window.song.coverage.complete
    assert window.playback.mixer.n_frames == window.song.n_frames


def test_bad_file_shows_a_message_and_the_app_stays_ready(qtbot, window, tmp_path, song_file):
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"this is not audio at all" * 100)
    failures = []
    window.loadFailed.connect(failures.append)
    drop_files(window, [bad])
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert window.banner.isVisible() and window.banner.kind == "error"
    assert "broken.mp3" in window.banner.text()
    assert window.song is None and shown_title(window) == "SoundNet Karaoke"
    # A text file dropped alone is tried, and explained too.
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    failures.clear()
    drop_files(window, [txt])
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert "notes.txt" in window.banner.text()
    # Still works afterwards.
    drop_files(window, [song_file])
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    assert window.banner.kind != "error" or not window.banner.isVisible()


def test_drop_folder_or_several_files_queues_the_audio_files(qtbot, window, tmp_path):
    from soundnet_app.ui.panels.queue import QueuePanel

    queue = window.panel(QueuePanel).queue
    folder = tmp_path / "album"
    (folder / "sub").mkdir(parents=True)
    (folder / "cover.jpg").write_bytes(b"\xff\xd8")
    write_song(folder / "sub" / "02 Second.wav", 2.0)
    write_song(folder / "01 First.wav", 2.0)
    drop_files(window, [folder])
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    assert window.song.path.name == "01 First.wav"  # nothing was open: the queue's first song comes on stage
    assert [e.path.name for e in queue.entries] == ["01 First.wav", "02 Second.wav"]

    other = write_song(tmp_path / "Other.flac", 2.0)
    drop_files(window, [tmp_path / "readme.txt", other, folder])  # joins the queue; the open song stays
    assert [e.path.name for e in queue.entries][2:] == ["Other.flac", "01 First.wav", "02 Second.wav"]
    assert window.song.path.name == "01 First.wav"
    assert "Added 3 songs to the queue" in window.statusBar().currentMessage()

    empty = tmp_path / "empty"
    empty.mkdir()
    drop_files(window, [empty])
    assert "no audio file" in window.banner.text()


def test_export_with_injected_dialogs(qtbot, window, dialogs, song_file, tmp_path):
    out = tmp_path / "out"
    window.open_path(song_file)
    wait_separated(qtbot, window)
    window.transport.vocal_slider.setValue(40)
    dialogs.export_choice = ExportChoice(out, "flac")
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert dialogs.calls[-1][0] == "export_options"
    assert dialogs.calls[-1][4] == 0.4  # the guide level the karaoke file gets
    qtbot.waitUntil(lambda: window.panel(ExportPanel).task is None, timeout=30000)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["Test Song - instrumental.flac", "Test Song - karaoke.flac", "Test Song - vocals.flac"]
    song = window.song
    karaoke, rate = sf.read(out / "Test Song - karaoke.flac", dtype="float32")
    assert rate == SAMPLE_RATE
    expected = np.clip(song.instrumental + np.float32(0.4) * song.vocals, -1, 1)
    np.testing.assert_allclose(karaoke, expected, atol=2 / 32768)
    assert "Exported" in window.banner.text()
    assert window.settings.export_format == "flac"

    # Again: the user is asked, and "keep both" writes new names.
    dialogs.conflict_answer = "rename"
    window.panel(ExportPanel).action.trigger()
    assert dialogs.calls[-1][0] == "resolve_conflict"
    qtbot.waitUntil(lambda: window.panel(ExportPanel).task is None, timeout=30000)
    assert (out / "Test Song - vocals (2).flac").exists()
    # Cancel at the question: nothing new.
    dialogs.conflict_answer = None
    window.panel(ExportPanel).action.trigger()
    assert window.panel(ExportPanel).task is None and len(list(out.iterdir())) == 6
    # Cancel at the first dialog: nothing asked further.
    dialogs.export_choice = None
    window.panel(ExportPanel).action.trigger()
    assert dialogs.calls[-1][0] == "export_options"


def test_reopening_a_song_serves_stems_from_the_cache(qtbot, window, make_window, song_file):
    window.open_path(song_file)
    wait_separated(qtbot, window)
    vocals = window.song.vocals.copy()
    qtbot.waitUntil(lambda: window.cache.entries() != [], timeout=10000)
    other = make_window()
    other.open_path(song_file)
    wait_separated(qtbot, other, timeout=10000)
    assert other.separation.job is None and other.song.cached  # complete from the cache: no job at all
    np.testing.assert_allclose(other.song.vocals, vocals, atol=0.5 / 32767 + 1e-7, rtol=0)  # 16-bit entries
    np.testing.assert_allclose(other.song.vocals + other.song.instrumental, other.song.mixture, atol=1e-6, rtol=0)
    assert other.song.coverage.complete and other.panel(ExportPanel).action.isEnabled()


def test_settings_persist(qtbot, make_window, settings, song_file, tmp_path):
    from soundnet_app.ui.settings import AppSettings

    first = make_window()
    first.resize(780, 680)  # the offscreen screen is 800 x 800; above the minimum with the sing panel shown
    first.transport.vocal_slider.setValue(25)
    first.transport.inst_slider.setValue(80)
    first.open_path(song_file)
    qtbot.waitUntil(lambda: first.song is not None, timeout=10000)
    first.close()
    again = make_window(settings=AppSettings(tmp_path / "settings.ini"))
    assert again.transport.vocal_slider.value() == 25 and again.transport.inst_slider.value() == 80
    assert again.playback.mixer.params.vocal_level == 0.25
    assert (again.width(), again.height()) == (780, 680)
    assert again.settings.last_folder == str(song_file.parent)
    again.recent_menu.aboutToShow.emit()
    assert any("Test Song.wav" in a.text() for a in again.recent_menu.actions())


def test_no_sound_device_disables_playback_but_not_the_rest(qtbot, monkeypatch, make_window, song_file):
    def no_output_device(kind=None):
        raise ValueError("No output device found")  # what PortAudio says on a machine without one

    # The app's own device check runs, whatever this machine has (even no PortAudio).
    monkeypatch.delenv("SOUNDNET_NO_AUDIO", raising=False)
    monkeypatch.setitem(sys.modules, "sounddevice", types.SimpleNamespace(query_devices=no_output_device))
    window = make_window(audio=True)
    assert not window.output.available
    assert window.output.reason.startswith("No sound output device was found.")
    assert window.banner.kind == "warning" and window.banner.text() == window.output.reason
    window.open_path(song_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    assert not window.transport.play_button.isEnabled() and not window.transport.play_action.isEnabled()
    assert "Playback is off" in window.transport.play_button.toolTip()
    window.transport.toggle_play()
    assert not window.playback.playing
    wait_separated(qtbot, window)  # separating still works
    assert window.panel(ExportPanel).action.isEnabled()


def test_open_dialog_and_help(qtbot, window, dialogs, song_file):
    dialogs.open_path = str(song_file)
    press(qtbot, window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    window.shortcuts_action.trigger()
    window.about_action.trigger()
    assert [c[1] for c in dialogs.calls if c[0] == "information"] == ["Keyboard Shortcuts", "About SoundNet Karaoke"]


def test_screenshot_renders(qtbot, window, song_file, tmp_path):
    window.open_path(song_file)
    wait_separated(qtbot, window)
    qtbot.wait(100)
    image = window.grab().toImage()
    assert image.width() > 800 and image.height() > 500
