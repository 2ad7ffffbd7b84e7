"""A long evening in one window: exported songs and finished tasks are freed."""

from __future__ import annotations

import gc
import weakref

from uihelpers import wait_separated, write_song

from soundnet_app.ui.panels.export import ExportPanel


def test_three_exports_free_their_songs_and_tasks(qtbot, window, tmp_path):
    songs, tasks = [], []
    for k in range(3):
        path = write_song(tmp_path / f"Song {k}.wav", 4.0, seed=k)
        window.open_path(path)
        qtbot.waitUntil(lambda path=path: window.song is not None and window.song.path == path, timeout=10000)
        wait_separated(qtbot, window)
        task = window.panel(ExportPanel).start(tmp_path / "out", "wav", on_conflict="rename")
        assert task is not None
        qtbot.waitUntil(lambda: window.panel(ExportPanel).task is None, timeout=20000)
        songs.append(weakref.ref(window.song))
        tasks.append(weakref.ref(task))
        del task
    tiny = write_song(tmp_path / "Tiny.wav", 0.3, seed=9)
    window.open_path(tiny)
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == tiny, timeout=10000)
    wait_separated(qtbot, window)
    for _ in range(3):
        qtbot.wait(50)  # deferred deletes of the finished threads
        gc.collect()
    assert not window._tasks
    assert [r() for r in songs] == [None, None, None]
    assert [r() for r in tasks] == [None, None, None]
    assert len(list((tmp_path / "out").iterdir())) == 9
