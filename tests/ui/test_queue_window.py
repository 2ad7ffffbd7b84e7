"""The karaoke night through the real window offscreen: the queue, separating ahead, the interlude, scores.

Real model, real files written by the test; waits are for conditions, never sleeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from uihelpers import wait_separated, write_song

from soundnet_app.devtools.simulate import drop_files
from soundnet_app.sing.scoring import Score
from soundnet_app.ui.panels.queue import QueuePanel


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    widget.window().activateWindow()
    qtbot.waitUntil(widget.window().isActiveWindow, timeout=10000)
    QTest.keyClick(widget, key, modifier)


def rows(panel) -> list[str]:
    lst = panel.view.list
    return [lst.item(i).text() for i in range(lst.count())]


def test_dropped_songs_form_a_queue_kept_across_a_restart(qtbot, make_window, settings, tmp_path):
    songs = [write_song(tmp_path / f"{name}.wav", 3.0, seed=i) for i, name in enumerate(("Alpha", "Beta", "Gamma"))]
    window = make_window()
    panel = window.panel(QueuePanel)
    assert not panel.view.isVisibleTo(window)  # no queue, no panel
    panel.view.singer.setText("Anna")
    drop_files(window, songs)
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == songs[0], timeout=30000)
    assert rows(panel) == ["1. Anna — Alpha · on stage", "2. Anna — Beta", "3. Anna — Gamma"][:1] + rows(panel)[1:]
    assert panel.view.isVisibleTo(window)
    # Keyboard: select Gamma, move it up with Alt+Up, rename its singer, remove Beta with Delete.
    lst = panel.view.list
    lst.setFocus()
    lst.setCurrentRow(2)
    press(qtbot, lst, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [e.path.stem for e in panel.queue.entries] == ["Alpha", "Gamma", "Beta"]
    assert lst.currentRow() == 1
    panel.view.singer.setText("Ben")
    panel.actions["set_singer"].trigger()
    lst.setCurrentRow(2)
    lst.setFocus()
    press(qtbot, lst, Qt.Key.Key_Delete)
    assert [e.label() for e in panel.queue.entries] == ["Anna — Alpha", "Ben — Gamma"]
    assert lst.item(1).data(Qt.ItemDataRole.AccessibleTextRole).startswith("2. Ben — Gamma")
    assert lst.accessibleName() == "Song queue"
    # A drag inside the list moves the row in the list's model (what InternalMove does on a drop).
    assert lst.model().moveRow(QModelIndex(), 1, QModelIndex(), 0)
    assert [e.label() for e in panel.queue.entries] == ["Ben — Gamma", "Anna — Alpha"]
    assert panel.queue.current_entry.label() == "Anna — Alpha"  # still on stage
    qtbot.waitUntil(lambda: rows(panel)[1] == "2. Anna — Alpha · on stage", timeout=10000)
    lst.model().moveRow(QModelIndex(), 1, QModelIndex(), 0)
    window.shutdown()
    # A restart: the same queue, the same song on stage.
    again = make_window(settings=settings).panel(QueuePanel)
    assert [e.label() for e in again.queue.entries] == ["Anna — Alpha", "Ben — Gamma"]
    assert again.queue.current == 0 and rows(again)[0].endswith("on stage")


def test_damaged_queue_file_gives_an_empty_queue_and_a_message(qtbot, make_window, settings):
    data = Path(settings.q.fileName()).parent
    (data / "queue.json").write_text('{"songs": [{"path": ')
    window = make_window()
    assert len(window.panel(QueuePanel).queue) == 0
    qtbot.waitUntil(lambda: "song queue (queue.json) was damaged" in window.banner.label.text(), timeout=10000)
    assert window.banner.isVisibleTo(window)
    assert [p.read_text() for p in data.glob("queue.json.damaged-*")] == ['{"songs": [{"path": ']


@pytest.mark.slow
def test_next_song_is_separated_ahead_and_starts_from_memory_after_the_interlude(qtbot, make_window, settings,
                                                                                  tmp_path):
    settings.q.setValue("queue/interlude_s", 30)
    first, second = (write_song(tmp_path / f"{n}.wav", 4.0, seed=i) for i, n in enumerate(("First", "Second")))
    window = make_window()
    panel = window.panel(QueuePanel)
    panel.add([first], singer="Anna")
    panel.add([second], singer="Ben")
    wait_separated(qtbot, window)
    second_id = panel.queue.entries[1].id
    # The worker, idle for the open song, separates the next one: it is kept, separated, in memory.
    qtbot.waitUntil(lambda: panel.ahead.ready is not None and panel.ahead.ready[0] == second_id, timeout=120000)
    assert rows(panel)[1].endswith("ready")
    ready_song = panel.ahead.ready[1]
    assert ready_song.coverage.complete
    # The take's score (the sing panel's signal), then the song runs out: the interlude counts down.
    window.events.scoreChanged.emit(Score(total=0.8, lines=[], voiced_frames=500))
    window.playback.seek(window.song.n_frames)
    qtbot.waitUntil(lambda: panel.interlude is not None, timeout=10000)
    assert panel.stage.interlude.startswith("Next: Ben — Second in ")
    assert any("Anna — 80 % (First)" in line for line in panel.stage.best)
    assert panel.board.best_of_night(panel.queue.night)[0].singer == "Anna"
    assert "best tonight: Anna — 80 % (First)" in panel.view.status.text()
    # Pause the countdown from the keyboard, go on, then let it end at once.
    press(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert panel.interlude.paused and panel.view.buttons["pause"].text() == "Go On"
    press(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert not panel.interlude.paused
    panel.interlude._left = 0.0  # the countdown's end, without waiting 30 s
    qtbot.waitUntil(lambda: window.song is ready_song, timeout=10000)
    assert window.song.coverage.complete and not window.separating
    assert rows(panel)[1].endswith("on stage") and panel.queue.current == 1


@pytest.mark.slow
def test_vanished_next_song_is_skipped(qtbot, make_window, settings, tmp_path):
    settings.q.setValue("queue/interlude_s", 0)
    songs = [write_song(tmp_path / f"{n}.wav", 2.0, seed=i) for i, n in enumerate(("One", "Two", "Three"))]
    window = make_window()
    panel = window.panel(QueuePanel)
    panel.add(songs)
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == songs[0], timeout=30000)
    songs[1].unlink()
    window.playback.seek(window.song.n_frames)
    qtbot.waitUntil(lambda: window.song.path == songs[2], timeout=30000)
    assert "file missing" in rows(panel)[1]


@pytest.mark.slow
def test_separate_all_shows_overall_progress_and_finishes(qtbot, make_window, tmp_path):
    songs = [write_song(tmp_path / f"S{i}.wav", 3.0, seed=i) for i in range(3)]
    window = make_window()
    panel = window.panel(QueuePanel)
    panel.add(songs)
    wait_separated(qtbot, window)
    panel.actions["separate_all"].trigger()
    assert panel.busy and window.cancel_action.isEnabled()
    qtbot.waitUntil(lambda: not panel.busy, timeout=180000)
    assert panel.ahead.plan.batch_counts(panel.queue) == (3, 3)
    assert "The queue is separated: 3 of 3 songs" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_vocal_removal_strength_reloads_the_separator_and_reopens_the_song(qtbot, make_window, settings, song_file):
    from soundnet_app.separation.catalog import model_info
    from soundnet_app.ui.panels.removal import RemovalPanel

    window = make_window()
    window.open_path(song_file)
    wait_separated(qtbot, window)
    first = window.song
    removal = window.panel(RemovalPanel)
    assert removal.actions["standard"].isChecked() and window.separation.mask_power is None
    queue = window.panel(QueuePanel)
    queue.ahead.plan.done.add(-1)  # as if a queued song had been separated ahead at the old strength
    removal.actions["strongest"].trigger()
    tuned = model_info(window.separation.model_path).settings.mask_power
    assert settings.removal_step == "strongest" and removal.actions["strongest"].isChecked()
    assert window.separation.mask_power == 2 * tuned == window.separation.worker.runner.mask_power
    qtbot.waitUntil(lambda: window.song is not None and window.song is not first, timeout=60000)
    assert window.song.path == song_file  # reopened, to be separated at that strength
    qtbot.waitUntil(lambda: window.separation.model_state == "ready" and not queue.ahead.plan.done, timeout=60000)
    assert not queue.ahead.plan.done and queue.ahead.ready is None  # nothing kept from the old strength


def test_play_next_and_skip_from_the_keyboard(qtbot, make_window, tmp_path):
    songs = [write_song(tmp_path / f"{n}.wav", 2.0, seed=i) for i, n in enumerate(("One", "Two", "Three"))]
    window = make_window()
    panel = window.panel(QueuePanel)
    panel.add(songs)
    qtbot.waitUntil(lambda: window.song is not None and window.song.path == songs[0], timeout=30000)
    panel.view.select_row(2)
    assert panel.actions["play_next"].isEnabled()
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [e.path.stem for e in panel.queue.entries] == ["One", "Three", "Two"]
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.song.path == songs[2], timeout=30000)
    assert rows(panel)[0].endswith("sung") and rows(panel)[1].endswith("on stage")
