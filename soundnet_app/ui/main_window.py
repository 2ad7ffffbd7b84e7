"""The main window: the layout, the window's own actions, opening songs, the transport, and the panels.

Nothing heavy runs here: files load in a :class:`~soundnet_app.ui.threads.TaskThread`,
the model runs in the :class:`~soundnet_app.ui.separation.SeparationControl`'s
worker, sound comes from the engine's :class:`~soundnet_app.engine.playback.Playback`
(the only owner of mode, solo/mute, levels, key and tempo) on the audio thread.
The window implements :class:`~soundnet_app.ui.panels.host.PanelHost`: the panels
(:data:`PANELS`) ask it for what they need and never touch anything else of it.
A 30 fps timer moves the playhead and redraws the waveforms that changed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QVBoxLayout, QWidget

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.mix import ORIGINAL
from soundnet_app.engine.output import AudioOutput
from soundnet_app.engine.playback import Playback, SongPrefs
from soundnet_app.engine.render_ahead import SWITCH_INTERVAL_S
from soundnet_app.engine.song import Song
from soundnet_app.paths import APP_NAME
from soundnet_app.separation.cache import StemCache
from soundnet_app.separation.catalog import model_info
from soundnet_app.separation.runtime import set_preferences as set_runtime_preferences
from soundnet_app.system import release_memory
from soundnet_app.ui import about, menus
from soundnet_app.ui.dialogs import Dialogs
from soundnet_app.ui.header import SongHeader
from soundnet_app.ui.keys import KeyRouter, set_tab_order
from soundnet_app.ui.opening import SongOpener
from soundnet_app.ui.panels import PANELS
from soundnet_app.ui.panels.host import SLOTS, HostEvents, Panel
from soundnet_app.ui.progress_row import ProgressRow
from soundnet_app.ui.separation import SeparationControl
from soundnet_app.ui.settings import AppSettings
from soundnet_app.ui.theme import app_icon
from soundnet_app.ui.threads import TaskThread
from soundnet_app.ui.transport import TransportControls
from soundnet_app.ui.waveform import WaveformPanel
from soundnet_app.ui.widgets import DropHint, MessageBanner, PageStack


class _Default:
    """The type of :data:`_DEFAULT`: "the user's stem cache", as opposed to ``None`` (no cache)."""


_DEFAULT = _Default()


class MainWindow(QMainWindow):
    """The SoundNet Karaoke window.

    Args:
        settings: an :class:`AppSettings` (tests: one on a temporary INI file).
        dialogs: the dialog provider (tests: a stub).
        cache: a :class:`StemCache`; ``None`` disables caching; default the user cache.
        separator_factory: builds the separator in the worker thread (default: bundled model).
        warm_up: run a silent chunk after loading the model.
        audio: open a sound output if one exists (``False``: never).
        model_path: the separation model (default: the one chosen in the settings).
    """

    loadFailed = Signal(str)  # the message

    def __init__(
        self,
        settings: AppSettings | None = None,
        dialogs: Dialogs | None = None,
        cache: StemCache | None | _Default = _DEFAULT,
        separator_factory: Callable[[], object] | None = None,
        warm_up: bool = True,
        audio: bool = True,
        model_path: str | Path | None = None,
    ):
        super().__init__()
        # The audio, separation, pitch and microphone threads share the GIL on as few as 2 cores:
        # hand it over every 1 ms, not 5, so the UI and the render-ahead worker never wait long for it.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.settings = settings or AppSettings()
        self.dialogs = dialogs or Dialogs()
        self.cache = StemCache() if cache is _DEFAULT else cache
        self.events = HostEvents()
        # Per-song memory beside the settings file: tests keep theirs in a temporary folder.
        self.playback = Playback(prefs=SongPrefs(Path(self.settings.q.fileName()).with_name("songs.json")))
        self.output = AudioOutput(self.playback.mixer, enabled=audio)
        self.song: Song | None = None
        self._tasks: set[TaskThread] = set()
        self._closing = False
        self._waveforms_dirty = False
        self._menus: dict[str, tuple[QMenu, QAction | None]] = {}
        self.icon = app_icon()
        set_runtime_preferences(self.settings.runtime, self.settings.precision)  # before any model or cache key
        self.separation = SeparationControl(self, separator_factory, self.cache, warm_up,
                                            Path(model_path) if model_path else self.settings.model_path)
        self.separation.changed.connect(lambda: setattr(self, "_waveforms_dirty", True))
        self.opener = SongOpener(self)

        self.setWindowIcon(self.icon)
        self.setAcceptDrops(True)
        # Width only: the layout sets the minimum height from what is shown (sing panel, banner...).
        self.setMinimumWidth(760)
        menus.build_actions(self)
        self.transport = TransportControls(self)
        self._menus = menus.build_menus(self, self.menuBar())
        self._build_ui()
        self.timer = QTimer(self)
        self.panels: list[Panel] = [panel_class(self) for panel_class in PANELS]
        self.keys = KeyRouter(self, lambda: self.song is not None or self.opener.loading is not None)
        self.keys.watch(self)  # with a song, Space/A/S/←/→... go to the window, not the focused button
        set_tab_order(self.centralWidget())
        self._restore_settings()
        self._update_title()
        self.refresh_controls()

        self.timer.setInterval(33)  # ~30 fps playhead
        self.timer.timeout.connect(self._tick)
        self.timer.timeout.connect(self.events.tick)  # signal to signal: the panels' tick, no Python in between
        self.timer.start()
        # Loading TensorFlow holds the GIL for ~0.3 s once (the library's dlopen), and
        # importing it keeps a core busy for seconds: start it after the window's first
        # paint, and after a song being opened (often cached: no model needed) is shown.
        QTimer.singleShot(150, self, self.start_worker)

    # ------------------------------------------------------------------ the panel contract

    def add_action(self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False,
                   menu: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        if menu is not None:
            target, anchor = self._menus[menu]
            target.insertAction(anchor, action) if anchor is not None else target.addAction(action)
        return action

    def add_separator(self, menu: str) -> None:
        target, anchor = self._menus[menu]
        target.insertSeparator(anchor) if anchor is not None else target.addSeparator()

    def add_menu(self, name: str, title: str, parent: str | None = None) -> QMenu:
        return menus.add_menu(self, self._menus, name, title, parent)

    def place(self, widget: QWidget, slot: str, stretch: int = 0) -> None:
        if slot not in SLOTS:
            raise ValueError(f"unknown slot {slot!r}; one of {SLOTS}")
        if slot == "header":
            self.header.add_button(widget)
            return
        root = self.centralWidget().layout()
        after = {"below_waveforms": self.stack, "above_transport": self.progress_row}[slot]
        root.insertWidget(root.indexOf(after) + 1, widget, stretch)

    def start_task(self, task: TaskThread) -> None:
        self._tasks.add(task)
        # A bound method, not a lambda holding the task: that loop kept every task
        # (and the song its closure held) alive.
        task.finished.connect(self._task_finished)
        task.start()

    def show_banner(self, text: str, kind: str = "info", action_text: str = "", action=None) -> None:
        self.banner.show_message(text, kind, action_text, action)

    def show_status(self, text: str, timeout_ms: int = 4000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def show_progress(self, text: str, fraction: float, eta: str = "", resumable: bool = False) -> None:
        self.progress_row.show_progress(text, fraction, eta, resumable)

    def hide_progress(self) -> None:
        self.progress_row.hide()

    def refresh_controls(self) -> None:
        self.transport.update_controls()
        self.cancel_action.setEnabled(self.separating or any(p.busy for p in self.panels))
        for panel in self.panels:
            panel.update_controls()

    @property
    def separating(self) -> bool:
        return self.separation.separating

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def output_delay_frames(self) -> int:
        return self.output.output_delay_frames

    def panel(self, panel_class: type[Panel]) -> Panel:
        """The window's panel of that class (for the app's entry points and tests)."""
        return next(p for p in self.panels if isinstance(p, panel_class))

    # ------------------------------------------------------------------ building

    def _build_ui(self) -> None:
        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(16, 8, 16, 8)  # tight: the window fits a 1920 x 1080 screen at 200 %
        root.setSpacing(5)
        self.header = SongHeader(self.icon, self.open_action)
        root.addWidget(self.header)
        self.banner = MessageBanner()
        root.addWidget(self.banner)
        # Waveforms, or the drop hint before a song is loaded.
        self.stack = PageStack()
        self.drop_hint = DropHint(self.icon, self.open_action)
        self.waveforms = WaveformPanel()  # no focus: ←/→/Home seek from anywhere
        self.waveforms.seekRequested.connect(self.transport.seek_seconds)
        self.stack.addWidget(self.drop_hint)
        self.stack.addWidget(self.waveforms)
        root.addWidget(self.stack, 1)
        self.progress_row = ProgressRow(self.cancel_action)  # separation or export
        self.progress_row.cancel_button.clicked.connect(self._cancel_or_resume)
        root.addWidget(self.progress_row)
        root.addWidget(self.transport.bar)
        self.setCentralWidget(central)
        self.statusBar().addPermanentWidget(self.separation.model_label)
        self.statusBar().setSizeGripEnabled(False)

    def _restore_settings(self) -> None:
        geometry = self.settings.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:  # the first start: as big as a laptop screen, or the screen (less a title bar) if smaller
            self.resize(QSize(1100, 720).boundedTo(self.screen().availableGeometry().size() - QSize(0, 32)))
        self.transport.restore_levels(self.settings.vocal_level, self.settings.instrumental_level)
        if not self.output.available:
            self.banner.show_message(self.output.reason, "warning")

    def start_worker(self) -> None:
        if self._closing or self.opener.loading is not None:
            return  # after a song being opened is shown (SongOpener calls again)
        self.separation.start_worker()

    # ------------------------------------------------------------------ songs

    def open_dialog(self) -> None:
        path = self.dialogs.open_file(self, self.settings.last_folder)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> TaskThread:
        """Load ``path`` in the background; the current song keeps playing until it is ready."""
        return self.opener.open(Path(path))

    def song_opened(self, song: Song) -> None:
        """The :class:`SongOpener` loaded ``song``: it replaces the current one, paused."""
        self.playback.pause()
        self.song = song
        self.playback.open(song)
        self.transport.show_levels()
        self.waveforms.set_song(song)
        self.transport.show_position()  # where the song was left (Playback remembers it)
        self.stack.setCurrentWidget(self.waveforms)
        if self.banner.kind != "warning":  # errors and "Exported…" were about the previous song
            self.banner.hide()
        self.settings.add_recent(song.path)
        self.settings.last_folder = str(song.path.parent)
        self._update_title()
        self.separation.song_opened(song)
        self.refresh_controls()
        self.events.songLoaded.emit(song)
        # A cached song needs no model now: TensorFlow's import (GIL-heavy) waits until it is drawn.
        QTimer.singleShot(400 if song.coverage.complete else 0, self, self.start_worker)
        # The previous song's arrays go back to the system, off the UI thread (malloc_trim can take a while).
        QTimer.singleShot(500, self, lambda: threading.Thread(target=release_memory, daemon=True).start())

    def _task_finished(self) -> None:
        task = self.sender()
        if task in self._tasks:
            self._tasks.discard(task)
            task.deleteLater()

    # ------------------------------------------------------------------ separation and tasks

    def cancel_task(self) -> None:
        """Esc: cancel what runs, a panel's task (an export) first, else the separation."""
        if not any(panel.cancel() for panel in self.panels):
            self.separation.cancel()

    def _cancel_or_resume(self) -> None:
        if self.progress_row.resumable:
            self.separation.resume(self.song, self.playback.position)
        else:
            self.cancel_task()

    def show_settings(self) -> None:
        """The settings dialog: the model (a change reloads the separator), the stem cache, the stage screen."""
        chosen = self.dialogs.settings(self, self.separation.model_path, self.cache, self.settings)
        if chosen is None or Path(chosen) == self.separation.model_path:
            return
        self.set_model(chosen)

    def set_model(self, path: str | Path) -> None:
        """Separate with another model from now on; the current song is separated again with it."""
        self.settings.model_path = Path(path)
        self.separation.set_model(Path(path))
        self.start_worker()
        if self.song is not None:
            self.opener.open(self.song.path)  # reopened: cached stems of this model, or a new separation

    # ------------------------------------------------------------------ help

    def show_shortcuts(self) -> None:
        self.dialogs.information(self, "Keyboard Shortcuts", about.shortcuts_html(menus.shortcut_rows(self.menuBar())))

    def show_about(self) -> None:
        state = {"ready": "loaded", "loading": "loading", "failed": "could not be loaded"}.get(
            self.separation.model_state, "")
        self.dialogs.information(self, f"About {APP_NAME}",
                                 about.about_html(model_info(self.separation.model_path), state))

    # ------------------------------------------------------------------ state

    def _update_title(self) -> None:
        # Where the application's display name is set, Qt appends it to the title itself.
        app_named = QApplication.applicationDisplayName() == APP_NAME
        if self.song is None:
            self.setWindowTitle("" if app_named else APP_NAME)
            return
        self.setWindowTitle(self.song.title if app_named else f"{self.song.title} — {APP_NAME}")
        self.header.set_song(self.song)

    def _tick(self) -> None:
        self.output.maintain()  # a larger sound card buffer after an underflow
        song = self.song
        if song is None:
            return
        frame = max(0, self.playback.position - self.output.output_delay_frames)
        self.waveforms.set_playhead(frame / SAMPLE_RATE)
        self.transport.show_time(frame)
        if self.playback.take_ended():
            self.transport.update_play_button()
        separating = self.separating
        if self._waveforms_dirty or separating:
            self._waveforms_dirty = False
            frontier = self.separation.job.position / SAMPLE_RATE if separating else None
            self.waveforms.refresh(separating, frontier)
        if self.playback.mode == ORIGINAL or song.coverage.is_separated(min(frame, song.n_frames - 1)):
            text = ""
        else:
            # Short: it sits under the time; its tooltip says that these parts play the original.
            text = "separating… (original)" if separating else "not separated (original)"
        self.transport.show_region(text)

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save settings, stop sound and threads (idempotent)."""
        if self._closing:
            return
        self._closing = True
        self.timer.stop()
        self.events.closing.emit()
        for panel in self.panels:
            panel.shutdown()
        self.playback.pause()  # remembers where the song was
        self.playback.prefs.flush()
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.output.close()
        for task in list(self._tasks):
            task.cancel()
        # No time limit: a QThread destroyed while it runs aborts the process. Cancelled,
        # the worker ends after its chunk in progress, an export after its block.
        self.separation.shutdown()
        for task in list(self._tasks):
            task.wait()
