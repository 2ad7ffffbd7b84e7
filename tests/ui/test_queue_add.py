"""File › Add to Queue… (Ctrl+Shift+O) takes several songs from one dialog, in the order chosen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from uihelpers import write_song

from soundnet_app.ui.panels.queue import QueuePanel


def test_add_to_queue_takes_three_files_in_their_order(qtbot, window, dialogs, tmp_path):
    songs = [write_song(tmp_path / f"{name}.wav", 2.0, seed=i) for i, name in enumerate(("Zulu", "Alpha", "Mike"))]
    dialogs.open_paths = [str(p) for p in songs]  # the order the user picked them in, not alphabetical
    panel = window.panel(QueuePanel)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10000)
    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert ("open_songs", window.settings.last_folder) in dialogs.calls  # one dialog for all three
    qtbot.waitUntil(lambda: len(panel.queue.entries) == 3, timeout=10000)
    assert [e.path for e in panel.queue.entries] == songs
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == songs[0], timeout=30000)  # first on stage
    lst = panel.view.list
    assert [lst.item(i).text().split(". ", 1)[1].split(" ·")[0] for i in range(lst.count())] == ["Zulu", "Alpha",
                                                                                                 "Mike"]
    # Cancelling the dialog adds nothing.
    dialogs.open_paths = []
    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [c[0] for c in dialogs.calls].count("open_songs") == 2 and len(panel.queue.entries) == 3
