"""UltraStar songs and karaoke videos through the real window: open by drop, the game's score, both exports."""

from __future__ import annotations

import av
import numpy as np
import pytest

from soundnet_app.audio.write import write_audio
from soundnet_app.devtools.simulate import drop_files
from soundnet_app.sing.ultrastar_files import read_ultrastar
from soundnet_app.ui.panels.sing import SingPanel
from soundnet_app.ui.panels.ultrastar import UltraStarPanel
from soundnet_app.ui.ultrastar_dialog import UltraStarChoice
from soundnet_app.ui.video_dialog import VideoChoice
from tests.sing.voice import sung_notes

SR = 44100
NOTES = [(0.52, 1.48, 60), (1.52, 2.48, 64), (3.52, 4.48, 67)]  # the .txt's notes, sung
SECONDS = 5.0
TXT = """#TITLE:Window Song
#ARTIST:Tester
#AUDIO:song.wav
#VOCALS:vocals.wav
#INSTRUMENTAL:instrumental.wav
#BPM:120
#GAP:500
: 0 8 0 Hel
: 8 8 4 lo
this line is broken
- 20
: 24 8 7 world
E
"""


@pytest.fixture
def dialogs(dialogs):
    """The shared fake dialogs, answering the two export dialogs too."""

    class Dialogs(type(dialogs)):
        ultrastar_answer = None
        video_answer = None

        def ultrastar_options(self, parent, folder, own_bpm=None):  # the folder; the BPM left to the song
            self.calls.append(("ultrastar_options", folder, own_bpm))
            return UltraStarChoice(self.ultrastar_answer) if self.ultrastar_answer else self.ultrastar_choice

        def video_options(self, parent, suggested):
            self.calls.append(("video_options", suggested.name))
            return self.video_answer

    return Dialogs()


@pytest.fixture
def song_folder(tmp_path):
    folder = tmp_path / "Tester - Window Song"
    folder.mkdir()
    (folder / "song.txt").write_text(TXT, encoding="utf-8-sig")
    voice, _ = sung_notes(NOTES, SECONDS, seed=9)
    backing = (0.1 * np.sin(2 * np.pi * 130.81 * np.arange(voice.size) / SR)).astype(np.float32)
    write_audio(folder / "vocals.wav", np.stack([voice, voice], axis=1))
    write_audio(folder / "instrumental.wav", np.stack([backing, backing], axis=1))
    write_audio(folder / "song.wav", np.stack([voice + backing] * 2, axis=1))
    return folder


def test_drop_an_ultrastar_folder_then_export_it_and_a_video(qtbot, window, song_folder, dialogs, tmp_path):
    drop_files(window, [song_folder])
    qtbot.waitUntil(lambda: window.song is not None, timeout=20000)
    song = window.song
    assert song.path.name == "song.txt" and song.coverage.complete  # its own stems: nothing to separate
    assert window.separation.job is None or window.separation.job.state != "running"
    assert "1 unreadable line(s) skipped (line 10)" in window.statusBar().currentMessage()
    sing = window.panel(SingPanel).singalong
    assert sing.lyrics.texts == ["Hello", "world"] and sing.guide.complete
    assert [n.midi for n in sing.guide.notes()] == [60, 64, 67]
    panel = window.panel(UltraStarPanel)
    # File › Export › UltraStar Song…: the options dialog, then the song folder written in the background.
    dialogs.ultrastar_answer = str(tmp_path / "exported")
    panel.ultrastar_action.trigger()
    qtbot.waitUntil(lambda: panel.task is None and window.banner.isVisible(), timeout=30000)
    assert "Exported the UltraStar song" in window.banner.text(), window.banner.text()
    exported = read_ultrastar(tmp_path / "exported" / "Tester - Window Song" / "Tester - Window Song.txt")
    assert [n.pitch for n in exported.notes()] == [0, 4, 7] and exported.tags["TITLE"] == "Window Song"
    # Again: the files exist, the user is asked, "Keep Both" makes a second folder.
    dialogs.conflict_answer = "rename"
    panel.ultrastar_action.trigger()
    qtbot.waitUntil(lambda: panel.task is None and (tmp_path / "exported" / "Tester - Window Song (2)").exists(),
                    timeout=30000)
    # File › Export › Karaoke Video…, at the key and tempo playing.
    window.playback.set_shift(key=2, tempo=1.25)
    video = tmp_path / "video.mp4"
    dialogs.video_answer = VideoChoice(video, "720p")
    panel.video_action.trigger()
    assert dialogs.calls[-1] == ("video_options", "Tester - Window Song (key +2 · 125 %).mp4")
    qtbot.waitUntil(lambda: panel.task is None and video.exists(), timeout=60000)
    with av.open(str(video)) as container:
        audio = container.streams.audio[0]
        assert float(audio.duration * audio.time_base) == pytest.approx(song.n_frames / SR / 1.25, abs=0.06)
        assert container.streams.video[0].height == 720


def test_cancelled_video_and_broken_files_leave_the_window_working(qtbot, window, song_folder, tmp_path):
    window.open_path(song_folder / "song.txt")
    qtbot.waitUntil(lambda: window.song is not None, timeout=20000)
    panel = window.panel(UltraStarPanel)
    video = tmp_path / "cancelled.mp4"
    task = panel.start_video(video, "1080p")
    panel.cancel()
    qtbot.waitUntil(lambda: panel.task is None, timeout=30000)
    assert task is not None and not video.exists() and list(tmp_path.glob(".cancelled*")) == []
    assert "cancelled" in window.statusBar().currentMessage()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "song.txt").write_text("#TITLE:x\n#AUDIO:../../etc/passwd\n#BPM:-5\n: 0 1 0 a\n")
    failures = []
    window.loadFailed.connect(failures.append)
    drop_files(window, [broken])
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert window.banner.kind == "error" and "BPM" in window.banner.text()
    assert "Error" not in window.banner.text() and window.song.path.name == "song.txt"  # the song stays


def test_the_sing_panel_shows_the_ultrastar_score_of_a_file_fed_singer(qtbot, window, song_folder, tmp_path,
                                                                        monkeypatch):
    from soundnet_app.devtools.simulate import FakeAudioThread

    voice, _ = sung_notes(NOTES, SECONDS, seed=9)
    singer = tmp_path / "singer.wav"
    write_audio(singer, np.stack([voice, voice], axis=1))
    monkeypatch.setenv("SOUNDNET_MIC_FILE", str(singer))
    window.open_path(song_folder)
    qtbot.waitUntil(lambda: window.song is not None, timeout=20000)
    sing = window.panel(SingPanel)
    sing.mic_action.setChecked(True)
    audio = FakeAudioThread(window.playback.mixer)
    window.playback.play()
    audio.start()
    try:
        qtbot.waitUntil(lambda: window.playback.position > 4.6 * SR, timeout=20000)
        qtbot.waitUntil(lambda: "UltraStar" in sing.view.score_label.text(), timeout=5000)
    finally:
        window.playback.pause()
        audio.stop_event.set()
        audio.join(2)
    sing.mic_action.setChecked(False)
    game = sing.singalong.ultrastar_score()
    assert game is not None and game.total >= 7000, game


def test_a_typed_bpm_is_the_exported_songs_bpm(qtbot, window, song_folder, dialogs, tmp_path):
    from soundnet_app.sing.ultrastar_notes import grid_bpm

    window.open_path(song_folder / "song.txt")
    qtbot.waitUntil(lambda: window.song is not None, timeout=20000)
    panel = window.panel(UltraStarPanel)
    assert grid_bpm(250.0) == 250.0 and grid_bpm(120.0) != 250.0  # written as typed; not the song's own 120
    dialogs.ultrastar_choice = UltraStarChoice(tmp_path / "typed", 250.0)
    panel.ultrastar_action.trigger()
    assert dialogs.calls[-1] == ("ultrastar_options", window.settings.export_folder, 120.0)  # its own BPM offered
    txt = tmp_path / "typed" / "Tester - Window Song" / "Tester - Window Song.txt"
    qtbot.waitUntil(lambda: panel.task is None and txt.exists(), timeout=30000)
    exported = read_ultrastar(txt)
    assert exported.bpm == 250.0 and exported.tags["BPM"] == "250", exported.tags["BPM"]
    # The notes stay where they were sung, on the new grid (C, E, G from 0.5 s).
    assert [n.pitch for n in exported.notes()] == [0, 4, 7]
    assert exported.beat_s(exported.notes()[0].start) == pytest.approx(0.5, abs=0.1)


def test_the_ultrastar_dialog_takes_a_typed_bpm_or_estimates(qtbot, window):
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from soundnet_app.ui.dialogs import Dialogs
    from soundnet_app.ui.ultrastar_dialog import UltraStarDialog

    def answer(keys: str):
        seen: dict = {}

        def type_into_the_dialog():
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, UltraStarDialog) or not dialog.isActiveWindow():
                QTimer.singleShot(20, type_into_the_dialog)
                return
            seen["placeholder"] = dialog.bpm_edit.placeholderText()
            seen["focused"] = QApplication.focusWidget() is dialog.bpm_edit
            QTest.keyClicks(dialog.bpm_edit, keys)
            QTest.keyClick(dialog.bpm_edit, Qt.Key.Key_Return)
            if dialog.isVisible():  # Enter did not accept (an invalid BPM): cancel so the test goes on
                seen["still_open"] = True
                dialog.reject()

        QTimer.singleShot(0, type_into_the_dialog)
        return Dialogs().ultrastar_options(window, "/tmp/songs"), seen

    typed, seen = answer("98.5")
    assert typed is not None and typed.bpm == 98.5 and str(typed.folder) == "/tmp/songs", typed
    assert seen["focused"] and seen["placeholder"] == "estimate"
    estimated, seen = answer("")
    assert estimated is not None and estimated.bpm is None and "still_open" not in seen
    refused, seen = answer("5")  # below 30 BPM: OK stays disabled, Enter does nothing
    assert refused is None and seen["still_open"]
