"""The key and tempo panel: a bar of buttons, the shortcuts, and the song's detected key.

:class:`KeyTempoPanel` puts its bar above the transport and its actions in
the Playback menu, and asks the host's
:class:`~soundnet_app.engine.playback.Playback` for every change (which
remembers key and tempo per song). Once a song is separated, it finds the
song's key from the instrumental in the background.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.keyfind import detect_key
from soundnet_app.engine.keytempo import KEY_MAX, KEY_MIN, TEMPO_MAX, TEMPO_MIN
from soundnet_app.engine.song import Song
from soundnet_app.system import lower_thread_priority, release_memory
from soundnet_app.ui.panels.host import Panel, PanelHost
from soundnet_app.ui.threads import TaskThread
from soundnet_app.ui.widgets import make_button


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


class KeyTempoPanel(Panel):
    """Wires the host's :class:`~soundnet_app.engine.playback.Playback` key and tempo to the bar and shortcuts."""

    def __init__(self, host: PanelHost):
        super().__init__(host)
        self.playback = host.playback
        self._detect_seq = 0
        host.add_separator("playback")

        def act(text, slot, shortcut, tip):
            return host.add_action(text, slot, shortcut, tip, menu="playback")

        self.actions = {
            "key_up": act("Key &Up", lambda: self.step_key(1), None, "One semitone higher"),
            "key_down": act("Key &Down", lambda: self.step_key(-1), None, "One semitone lower"),
            "tempo_up": act("F&aster", lambda: self.step_tempo(1), "Ctrl+Up", "5 % faster, same key"),
            "tempo_down": act("Slo&wer", lambda: self.step_tempo(-1), "Ctrl+Down", "5 % slower, same key"),
            "reset": act("&Reset Key and Tempo", self.reset, "Ctrl+0", "Original key and tempo"),
        }
        self.actions["key_up"].setShortcuts([QKeySequence("+"), QKeySequence("="), QKeySequence("]")])
        self.actions["key_down"].setShortcuts([QKeySequence("-"), QKeySequence("[")])
        self.bar = KeyTempoBar(self.actions)
        for name, button in self.bar.buttons.items():  # tooltips name the shortcuts set just above
            action = self.actions[name]
            keys = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
            button.setToolTip(f"{action.toolTip()} ({keys})")
        host.place(self.bar, "above_transport")
        threading.Thread(target=self.playback.prepare_stretcher, name="stretcher-setup", daemon=True).start()
        host.events.songLoaded.connect(self.song_opened)
        host.events.separationFinished.connect(lambda *_: self.find_key())
        self.update_controls()

    # -- actions ------------------------------------------------------------

    def step_key(self, semitones: int) -> None:
        self.playback.step_key(semitones)
        self.update_controls()

    def step_tempo(self, steps: int) -> None:
        self.playback.step_tempo(steps)
        self.update_controls()

    def set_shift(self, key: int | None = None, tempo: float | None = None) -> None:
        self.playback.set_shift(key, tempo)
        self.update_controls()

    def reset(self) -> None:
        self.playback.reset_shift()
        self.update_controls()

    # -- host events --------------------------------------------------------

    def song_opened(self, song: Song) -> None:
        self.update_controls()
        if song.coverage.complete:  # after the song is drawn: librosa's first import is GIL-heavy
            QTimer.singleShot(600, self, self.find_key)

    def find_key(self) -> None:
        """Find the song's key from its instrumental, in the background (once it is separated)."""
        song = self.host.song
        if song is None or not song.coverage.complete or self.playback.song_key is not None or self.host.closing:
            return

        def run(progress, cancel):
            lower_thread_priority()  # background work (a task thread ends with it): the UI and audio first
            key = detect_key(song.instrumental, SAMPLE_RATE)
            release_memory()  # its spectrogram (tens of MB for a long song) back to the system
            return key

        self._detect_seq += 1
        seq = self._detect_seq
        task = TaskThread(run)
        task.succeeded.connect(lambda key, seq=seq, song=song: self._key_found(seq, song, key))
        self.host.start_task(task)

    def _key_found(self, seq, song, key) -> None:
        if self.host.closing:
            return  # the window's widgets may be gone
        if seq == self._detect_seq and song is self.playback.song and key is not None:
            self.playback.song_key = key
            self.update_controls()

    def update_controls(self) -> None:
        p, bar = self.playback, self.bar
        has_song = self.host.song is not None
        bar.key_value.setText(p.key_text())
        bar.tempo_value.setText(p.tempo_text())
        bar.song_key.setText(f"Song key: {p.song_key_text()}" if p.song_key_text() else "")
        enabled = has_song and not p.shift_error
        self.actions["key_up"].setEnabled(enabled and p.key < KEY_MAX)
        self.actions["key_down"].setEnabled(enabled and p.key > KEY_MIN)
        self.actions["tempo_up"].setEnabled(enabled and p.tempo < TEMPO_MAX - 1e-9)
        self.actions["tempo_down"].setEnabled(enabled and p.tempo > TEMPO_MIN + 1e-9)
        self.actions["reset"].setEnabled(enabled and p.shifted)
        for name, button in bar.buttons.items():
            button.setEnabled(self.actions[name].isEnabled())
        if p.shift_error:
            bar.setToolTip(p.shift_error)
