"""Key and tempo controls: a bar of buttons, the shortcuts, and the song's detected key.

:class:`KeyTempoControls` attaches itself to the main window (one line
there): it adds its bar above the transport, its actions to the Playback
menu, and follows the window's signals: a song opened restores that song's
key, tempo and levels (:class:`~soundnet_app.engine.playback.Playback`), a finished
separation finds the song's key from the instrumental in the background.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from soundnet_app.engine.keytempo import KEY_MAX, KEY_MIN, TEMPO_MAX, TEMPO_MIN
from soundnet_app.engine.playback import Playback, SongPrefs
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.ui.widgets import make_button

if TYPE_CHECKING:
    from soundnet_app.ui.main_window import MainWindow
    from soundnet_app.engine.song import Song


class KeyTempoBar(QWidget):
    """``Key [−] +2 [+]   Tempo [−] 80 % [+]   [Reset]   Song key: A minor → B minor``."""

    def __init__(self, actions: dict[str, QAction]):
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.buttons = {}

        def add(name: str, text: str) -> None:
            button = make_button(text, actions[name])
            button.clicked.connect(actions[name].trigger)
            self.buttons[name] = button
            row.addWidget(button)

        def stepper(title: str, name: str, text: str, width: int) -> QLabel:
            """``title  −  value  +``: two buttons around the value they change."""
            row.addWidget(QLabel(title))
            add(f"{name}_down", "−")
            value = QLabel(text)
            value.setObjectName("value")
            value.setMinimumWidth(width)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(value)
            add(f"{name}_up", "+")
            return value

        self.key_value = stepper("Key", "key", "0", 28)
        row.addSpacing(14)
        self.tempo_value = stepper("Tempo", "tempo", "100 %", 48)
        row.addSpacing(8)
        add("reset", "Reset")
        row.addSpacing(14)
        self.song_key = QLabel("")
        self.song_key.setObjectName("dim")
        self.song_key.setToolTip("The song's key, found from the instrumental; after the arrow, the key you hear")
        row.addWidget(self.song_key)
        row.addStretch(1)


class KeyTempoControls(QObject):
    """Wires a :class:`~soundnet_app.engine.playback.Playback` to the bar, shortcuts and window."""

    def __init__(self, window: MainWindow, prefs_path: str | Path | None = None):
        super().__init__(window)
        self.window = window
        if prefs_path is None:  # beside the settings file: tests keep theirs in a temporary folder
            prefs_path = Path(window.settings.q.fileName()).with_name("songs.json")
        self.playback = Playback(window.mixer, SongPrefs(prefs_path))
        self._detect_seq = 0
        act = window._action
        self.actions = {
            "key_up": act("Key &Up", lambda: self.step_key(1), None, "One semitone higher"),
            "key_down": act("Key &Down", lambda: self.step_key(-1), None, "One semitone lower"),
            "tempo_up": act("&Faster", lambda: self.step_tempo(1), "Ctrl+Up", "5 % faster, same key"),
            "tempo_down": act("S&lower", lambda: self.step_tempo(-1), "Ctrl+Down", "5 % slower, same key"),
            "reset": act("&Reset Key and Tempo", self.reset, "Ctrl+0", "Original key and tempo"),
        }
        self.actions["key_up"].setShortcuts([QKeySequence("+"), QKeySequence("="), QKeySequence("]")])
        self.actions["key_down"].setShortcuts([QKeySequence("-"), QKeySequence("[")])
        self.bar = KeyTempoBar(self.actions)
        for name, button in self.bar.buttons.items():  # tooltips name the shortcuts set just above
            action = self.actions[name]
            keys = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
            button.setToolTip(f"{action.toolTip()} ({keys})")
        layout = window.centralWidget().layout()
        layout.insertWidget(layout.indexOf(window.transport), self.bar)
        for menu_action in window.menuBar().actions():
            if menu_action.text() == "&Playback":
                menu = menu_action.menu()
                menu.addSeparator()
                menu.addActions(list(self.actions.values()))
        threading.Thread(target=window.mixer.prepare_stretcher, name="stretcher-setup", daemon=True).start()
        window.songLoaded.connect(self.song_opened)
        window.worker.jobFinished.connect(lambda *_: self.find_key())
        window.vocal_slider.valueChanged.connect(lambda v: self.playback.set_levels(vocal_level=v / 100))
        window.inst_slider.valueChanged.connect(lambda v: self.playback.set_levels(instrumental_level=v / 100))
        self.update()

    # -- actions ------------------------------------------------------------

    def step_key(self, semitones: int) -> None:
        self.playback.step_key(semitones)
        self.update()

    def step_tempo(self, steps: int) -> None:
        self.playback.step_tempo(steps)
        self.update()

    def set_shift(self, key: int | None = None, tempo: float | None = None) -> None:
        self.playback.set_shift(key, tempo)
        self.update()

    def reset(self) -> None:
        self.playback.reset_shift()
        self.update()

    # -- window events ------------------------------------------------------

    def song_opened(self, song: Song) -> None:
        levels = self.playback.song_opened(song)
        w = self.window
        if "vocal_level" in levels:
            w.vocal_slider.setValue(round(levels["vocal_level"] * 100))
        if "instrumental_level" in levels:
            w.inst_slider.setValue(round(levels["instrumental_level"] * 100))
        self.update()
        if song.coverage.complete:  # after the song is drawn: librosa's first import is GIL-heavy
            QTimer.singleShot(600, self, self.find_key)

    def find_key(self) -> None:
        """Find the song's key from its instrumental, in the background (once it is separated)."""
        song = self.window.song
        if song is None or not song.coverage.complete or self.playback.song_key is not None \
                or getattr(self.window, "_shut_down", False):
            return
        from soundnet_app.engine.keyfind import detect_key
        from soundnet_app.system import lower_thread_priority, release_memory
        from soundnet_app.ui.threads import TaskThread

        def run(progress, cancel):
            lower_thread_priority()  # background work (a task thread ends with it): the UI and audio first
            key = detect_key(song.instrumental, SAMPLE_RATE)
            release_memory()  # its spectrogram (tens of MB for a long song) back to the system
            return key

        self._detect_seq += 1
        seq = self._detect_seq
        task = TaskThread(run)
        task.succeeded.connect(lambda key, seq=seq, song=song: self._key_found(seq, song, key))
        self.window._start_task(task)

    def _key_found(self, seq, song, key) -> None:
        if getattr(self.window, "_shut_down", False):
            return  # the window's widgets may be gone
        if seq == self._detect_seq and song is self.playback.song and key is not None:
            self.playback.song_key = key
            self.update()

    def update(self) -> None:
        p, bar = self.playback, self.bar
        has_song = self.window.song is not None
        bar.key_value.setText(p.key_text())
        bar.tempo_value.setText(p.tempo_text())
        bar.song_key.setText(f"Song key: {p.song_key_text()}" if p.song_key_text() else "")
        enabled = has_song and not self.window.mixer.shift_error
        self.actions["key_up"].setEnabled(enabled and p.key < KEY_MAX)
        self.actions["key_down"].setEnabled(enabled and p.key > KEY_MIN)
        self.actions["tempo_up"].setEnabled(enabled and p.tempo < TEMPO_MAX - 1e-9)
        self.actions["tempo_down"].setEnabled(enabled and p.tempo > TEMPO_MIN + 1e-9)
        self.actions["reset"].setEnabled(enabled and p.shifted)
        for name, button in bar.buttons.items():
            button.setEnabled(self.actions[name].isEnabled())
        if self.window.mixer.shift_error:
            bar.setToolTip(self.window.mixer.shift_error)
