"""The karaoke night panel: the song queue with singers, the interlude, the scores and the stage view.

:class:`QueuePanel` shows the Qt-free :class:`~soundnet_app.engine.queue.SongQueue`
(saved in ``queue.json`` beside the settings) in a list under the waveforms,
separates the next songs ahead (:class:`~soundnet_app.ui.queue_ahead.AheadSeparation`),
counts down the interlude between songs, stores each take's score with its
singer (:class:`~soundnet_app.sing.scoreboard.Scoreboard`, ``scores.json``)
and drives the stage window (View › Stage, F11).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QActionGroup

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.playback import song_id
from soundnet_app.engine.queue import Interlude, QueueEntry, SongQueue
from soundnet_app.engine.song import Song
from soundnet_app.sing.scoreboard import MIN_SUNG_FRAMES, Scoreboard
from soundnet_app.ui.dialogs import screen_choices
from soundnet_app.ui.panels.host import Panel, PanelHost
from soundnet_app.ui.queue_ahead import AheadSeparation
from soundnet_app.ui.queue_view import QueueView
from soundnet_app.ui.stage import StageWindow

DEFAULT_INTERLUDE_S = 10.0
PUMP_EVERY_TICKS = 15  # look for ahead work about twice a second


class QueuePanel(Panel):
    """The queue of the night, its interlude and scores, and the stage window."""

    def __init__(self, host: PanelHost):
        super().__init__(host)
        data = Path(host.settings.q.fileName()).parent  # the app's data folder (tests: a temporary one)
        self.queue, queue_message = SongQueue.load(data / "queue.json")
        self.board, board_message = Scoreboard.load(data / "scores.json")
        self.ahead = AheadSeparation(host, self.queue)
        self.interlude: Interlude | None = None
        self.score = None  # the latest Score of the take on stage
        self._ended = False  # the song on stage ran out and was handled
        self._play_on_open: Path | None = None
        self._song_best: list[str] = []  # the best takes of the song that just ended (for the interlude)
        self._ticks = 0
        self.stage = StageWindow()
        self._build_actions()
        self.view = QueueView(self.actions)
        host.place(self.view, "below_waveforms")
        self.stage.closed.connect(lambda: self.actions["stage"].setChecked(False))
        v = self.view
        v.list.moveRequested.connect(self.move)
        v.list.removeRequested.connect(self.remove)
        v.list.playRequested.connect(self.play_row)
        v.list.orderChanged.connect(self._reordered)
        v.singer.returnPressed.connect(self.set_singer)
        v.list.currentRowChanged.connect(lambda _row: self.update_controls())
        host.events.songsDropped.connect(self.add)
        host.events.songLoaded.connect(self._song_loaded)
        host.events.lyricsChanged.connect(self.stage.set_lyrics)
        host.events.guideChanged.connect(self.stage.set_guide)
        host.events.scoreChanged.connect(self._score_changed)
        host.events.separationFinished.connect(lambda *_: self.ahead.pump())
        host.events.modelReady.connect(lambda _version: self.ahead.model_changed())
        host.events.tick.connect(self.tick)
        self.ahead.changed.connect(self.refresh)
        self.refresh()
        message = " ".join(m for m in (queue_message, board_message) if m)
        if message:  # after the window's own start-up messages (no sound device...), which would hide it
            QTimer.singleShot(0, self, lambda: host.show_banner(message, "warning"))

    def _build_actions(self) -> None:
        h = self.host
        h.add_menu("queue", "&Queue")
        self.actions = {
            "add": h.add_action("&Add to Queue…", self.add_dialog, "Ctrl+Shift+O", "Add songs to the queue",
                                menu="file"),
            "play_next": h.add_action("&Play Next", self.play_next, "Ctrl+Shift+N",
                                      "Move the selected song to right after the one on stage", menu="queue"),
            "skip": h.add_action("S&kip to the Next Song", self.skip, "Ctrl+Shift+Right",
                                 "Stop this song and start the next in the queue", menu="queue"),
            "remove": h.add_action("&Remove from Queue", lambda: self.remove(self.view.selected_row()),
                                   tip="Remove the selected song from the queue", menu="queue"),
            "set_singer": h.add_action("Set Si&nger", self.set_singer, tip="Give the selected song the singer typed",
                                       menu="queue"),
            "pause": h.add_action("Pause the C&ountdown", self.toggle_countdown, "Ctrl+P",
                                  "Pause or go on with the countdown to the next song", menu="queue"),
            "separate_all": h.add_action("Separa&te All", self.separate_all, tip="Separate every song in the queue "
                                         "now (Esc cancels)", menu="queue"),
            "clear": h.add_action("&Clear the Queue", self.clear, tip="Empty the queue and start a new night",
                                  menu="queue"),
        }
        # View: the stage (F11), which screen it opens on (Settings chooses it too), its pitch lane.
        view = h.add_menu("view", "&View")
        self.actions["stage"] = h.add_action("&Stage View", self.show_stage, "F11", "The lyrics full screen, for "
                                             "the room (on a second screen when there is one)", checkable=True,
                                             menu="view")
        self.screen_menu = view.addMenu("Stage Scr&een")
        self.screen_menu.aboutToShow.connect(self._fill_screens)
        self.actions["lane"] = h.add_action("Pitch &Lane on Stage", self._lane_toggled,
                                            tip="Show the melody's notes under the lyrics on the stage",
                                            checkable=True, menu="view")
        self.actions["lane"].setChecked(str(h.settings.q.value("stage/pitch_lane", "false")).lower() == "true")

    def _fill_screens(self) -> None:
        """One entry per screen; the chosen one is remembered (``stage/screen``, the Settings dialog's too)."""
        self.screen_menu.clear()
        group = QActionGroup(self.screen_menu)
        chosen = self.host.settings.stage_screen
        for name, label in screen_choices():
            action = self.screen_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(name == chosen)
            group.addAction(action)
            action.triggered.connect(lambda _=False, n=name: setattr(self.host.settings, "stage_screen", n))

    # -- the queue ------------------------------------------------------------------------------

    def add(self, paths: list, singer: str | None = None) -> None:
        singer = self.view.singer.text() if singer is None else singer
        added = self.queue.add(paths, singer)
        self.refresh()
        if not added:
            return
        self.host.show_status(f"Added {len(added)} song{'s' if len(added) != 1 else ''} to the queue", 4000)
        if self.host.song is None and self.queue.current_entry is None:
            self.start(self.queue.advance(), play=False)  # nothing open yet: the first song comes on stage
        self.ahead.pump()

    def add_dialog(self) -> None:
        """File › Add to Queue…: one or several songs, chosen together, join the queue in the order given."""
        paths = self.host.dialogs.open_songs(self.host, self.host.settings.last_folder)
        if paths:
            self.add(list(paths))

    def move(self, row: int, to: int) -> None:
        new = self.queue.move(row, to)
        self.ahead.forget()
        self.refresh()
        self.view.select_row(new)

    def _reordered(self, ids: list[int]) -> None:
        self.queue.reorder(ids)
        self.ahead.forget()
        QTimer.singleShot(0, self, self.refresh)  # not inside the list's own drop handling

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.queue):
            self.queue.remove(row)
            self.ahead.forget()
            self.refresh()
            self.view.select_row(min(row, len(self.queue) - 1))

    def play_next(self) -> None:
        row = self.view.selected_row()
        if row >= 0:
            new = self.queue.play_next(row)
            self.ahead.forget()
            self.refresh()
            self.view.select_row(new)

    def set_singer(self) -> None:
        row = self.view.selected_row()
        if row >= 0:
            self.queue.set_singer(row, self.view.singer.text())
            self.refresh()

    def clear(self) -> None:
        self.cancel()
        self.interlude = None
        self.queue.clear()
        self.refresh()

    def refresh(self) -> None:
        self.view.show_queue(self.queue, self.ahead.states())
        self.view.setVisible(len(self.queue) > 0)
        self.update_controls()

    # -- songs on stage ------------------------------------------------------------------------

    def play_row(self, row: int) -> None:
        entry = self.queue.jump_to(row)
        if entry is None:
            self.host.show_status("That song's file is missing", 4000)
            self.refresh()
            return
        self.start(entry)

    def skip(self) -> None:
        self.record_score()
        self.host.playback.pause()
        self.start(self.queue.advance())

    def start(self, entry: QueueEntry | None, play: bool = True) -> None:
        """Put ``entry`` on stage: from memory when it was separated ahead, else opened from its file."""
        self.interlude = None
        self._ended = False
        self.score = None
        self.refresh()
        if entry is None:
            self.show_end_of_queue()
            return
        song = self.ahead.take_ready(entry)
        self._play_on_open = entry.path if play else None
        if song is not None:
            self.host.song_opened(song)  # separated ahead: no decoding, no waiting
        else:
            self.host.open_path(entry.path)
        self.stage.set_entry(entry)

    def _song_loaded(self, song: Song) -> None:
        self._ended = False
        self.score = None
        entry = self.queue.current_entry
        self.stage.set_song(song, entry if entry is not None and entry.path == song.path else None)
        if self._play_on_open is not None and song.path == self._play_on_open:
            self._play_on_open = None
            if not self.host.playback.playing:
                self.host.transport.toggle_play()
        self.ahead.pump()

    def _on_stage(self) -> QueueEntry | None:
        """The queue's entry of the open song (``None`` when the open song is not from the queue)."""
        entry, song = self.queue.current_entry, self.host.song
        return entry if entry is not None and song is not None and entry.path == song.path else None

    def _score_changed(self, score) -> None:
        self.score = score
        self.stage.set_score(score)

    def record_score(self) -> None:
        """Store the take's score with its singer (once; takes of less than a second of singing are not scores)."""
        entry, score, song, playback = self._on_stage(), self.score, self.host.song, self.host.playback
        self.score = None
        if entry is None or score is None or song is None or score.voiced_frames < MIN_SUNG_FRAMES:
            return
        self.board.add(entry.singer, song_id(song), song.title, score.total, playback.key, playback.tempo,
                       self.queue.night)

    def song_ended(self) -> None:
        """The song on stage ran out: store the score, then the interlude (or straight on with 0 s)."""
        self._ended = True
        self.record_score()
        self._song_best = self.song_best_lines(self.host.song)
        following = self.queue.peek_next()
        if following is None:
            self.queue.advance()
            self.show_end_of_queue()
            return
        seconds = self.interlude_seconds
        if seconds <= 0:
            self.start(self.queue.advance())
            return
        self.interlude = Interlude(following, seconds, time.monotonic())
        self._show_interlude()
        self.update_controls()

    @property
    def interlude_seconds(self) -> float:
        try:
            return max(0.0, min(120.0, float(self.host.settings.q.value("queue/interlude_s", DEFAULT_INTERLUDE_S))))
        except (TypeError, ValueError):
            return DEFAULT_INTERLUDE_S

    def toggle_countdown(self) -> None:
        if self.interlude is not None:
            self.interlude.toggle_pause(time.monotonic())
            self._show_interlude()
            self.update_controls()

    def song_best_lines(self, song: Song | None) -> list[str]:
        """"Best for <song>:" and its best takes (any night)."""
        best = self.board.best_for_song(song_id(song), 3) if song is not None else []
        return [f"Best for {song.title}:"] + [r.label() for r in best] if best else []

    def best_lines(self, entry: QueueEntry | None = None) -> list[str]:
        """The best takes of the song just sung, then "Best tonight" (one per singer)."""
        night = self.board.best_of_night(self.queue.night, 3)
        return self._song_best + (["Best tonight:"] + [r.label() for r in night] if night else [])

    def show_end_of_queue(self) -> None:
        self.host.show_status("That was the last song in the queue", 8000)
        self.stage.show_interlude("That was the last song. Thank you!", self.best_lines())
        self.refresh()

    def _show_interlude(self) -> None:
        text = self.interlude.text(time.monotonic())
        night = self.board.best_of_night(self.queue.night, 1)
        self.view.status.setText(text + (f" · best tonight: {night[0].label()}" if night else ""))
        self.stage.show_interlude(text, self.best_lines(self.interlude.entry))

    # -- stage --------------------------------------------------------------------------------

    def _lane_toggled(self, on: bool) -> None:
        self.host.settings.q.setValue("stage/pitch_lane", bool(on))
        self.stage.set_lane_visible(on)

    def show_stage(self, on: bool) -> None:
        if on:
            self.stage.show_on_screen(self.host.settings.stage_screen)
        else:
            self.stage.hide()

    # -- every frame ---------------------------------------------------------------------------

    def tick(self) -> None:
        playback, song = self.host.playback, self.host.song
        if self.stage.isVisible():
            self.stage.set_key(playback.key)
            t = max(0, playback.position - self.host.output_delay_frames) / SAMPLE_RATE
            self.stage.set_time(t)
        self._ticks += 1
        if self._ticks % PUMP_EVERY_TICKS == 0:
            self.ahead.pump()
        if self.interlude is not None:
            now = time.monotonic()
            if self.interlude.finished(now):
                self.start(self.queue.advance())
            elif self._ticks % 10 == 0:
                self._show_interlude()
            return
        self.view.status.setText("")
        if song is None or self._ended or self._on_stage() is None:
            return
        if not playback.playing and playback.position >= song.n_frames:
            self.song_ended()

    # -- the window's loops ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.ahead.batch

    def cancel(self) -> bool:
        return self.ahead.cancel() if self.ahead.batch else False

    def separate_all(self) -> None:
        self.ahead.start_batch()
        self.host.refresh_controls()

    def update_controls(self) -> None:
        has_rows, selected = len(self.queue) > 0, self.view.selected_row() >= 0
        a = self.actions
        for name in ("play_next", "remove", "set_singer"):
            a[name].setEnabled(selected)
        a["skip"].setEnabled(self.queue.peek_next() is not None)
        a["pause"].setEnabled(self.interlude is not None)
        a["separate_all"].setEnabled(has_rows and not self.ahead.batch)
        a["clear"].setEnabled(has_rows)
        self.view.buttons["pause"].setText("Go On" if self.interlude is not None and self.interlude.paused
                                           else "Pause Countdown")
        self.view.buttons["pause"].setVisible(self.interlude is not None)

    def shutdown(self) -> None:
        self.ahead.cancel()
        self.queue.save()
        self.stage.close()

