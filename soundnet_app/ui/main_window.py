"""The main window: layout, menus and actions, and the wiring between the parts.

Nothing heavy runs here: files load in a :class:`~.worker.TaskThread`, the
model runs in the :class:`~.worker.SeparationWorker`, sound comes from the
:class:`~.player.PlaybackMixer` on the audio thread. A 30 fps timer moves the
playhead and redraws the waveforms that changed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..assets import resources_dir
from ..cache import StemCache
from ..export import existing, export_stems, free_paths, safe_filename, stem_paths
from ..transforms import SAMPLE_RATE
from . import theme
from .dialogs import Dialogs
from .player import KARAOKE, ORIGINAL, AudioOutput, PlaybackMixer
from .settings import AppSettings
from .song import Song
from .waveform import WaveformPanel, format_time
from .widgets import DropHint, MessageBanner, TransportBar, make_button, shortcut_text
from .worker import (
    SeparationJob,
    SeparationWorker,
    TaskThread,
    error_message,
    load_song,
)

log = logging.getLogger(__name__)

APP_TITLE = "SoundNet Karaoke"
SEEK_STEP_S = 5.0
LOOKAHEAD_S = 8.0  # a seek this far past the worker's position waits for it instead of restarting it
RESOURCES = resources_dir()  # package data in a wheel or bundle, else the checkout's resources/


class _Default:
    """The type of :data:`_DEFAULT`: "the user's stem cache", as opposed to ``None`` (no cache)."""


_DEFAULT = _Default()


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("soundnet.svg", "soundnet.png"):
        path = RESOURCES / name
        if path.exists():
            icon.addFile(str(path))
    return icon


class MainWindow(QMainWindow):
    """The SoundNet Karaoke window.

    Args:
        settings: an :class:`AppSettings` (tests: one on a temporary INI file).
        dialogs: the dialog provider (tests: a stub).
        cache: a :class:`StemCache`; ``None`` disables caching; default the user cache.
        separator_factory: builds the separator in the worker thread (default: bundled model).
        warm_up: run a silent chunk after loading the model.
        audio: open a sound output if one exists (``False``: never).
    """

    songLoaded = Signal(object)  # the Song
    loadFailed = Signal(str)  # the message

    def __init__(
        self,
        settings: AppSettings | None = None,
        dialogs: Dialogs | None = None,
        cache: StemCache | None | _Default = _DEFAULT,
        separator_factory: Callable[[], object] | None = None,
        warm_up: bool = True,
        audio: bool = True,
    ):
        super().__init__()
        self.settings = settings or AppSettings()
        self.dialogs = dialogs or Dialogs()
        self.cache = StemCache() if cache is _DEFAULT else cache
        self.mixer = PlaybackMixer()
        self.output = AudioOutput(self.mixer, enabled=audio)
        self.worker = SeparationWorker(separator_factory, cache=self.cache, warm_up=warm_up)
        self.song: Song | None = None
        self.job: SeparationJob | None = None
        self._load_seq = 0
        self._tasks: set[TaskThread] = set()
        self._export_task: TaskThread | None = None
        self._waveforms_dirty = False
        self._model_state = "loading"
        self.icon = app_icon()

        self.setWindowIcon(self.icon)
        self.setAcceptDrops(True)
        self.setMinimumSize(QSize(760, 520))
        self._build_actions()
        self._build_menus()
        self._build_ui()
        self._connect_worker()
        self._restore_settings()
        self._update_title()
        self._update_controls()

        self.timer = QTimer(self)
        self.timer.setInterval(33)  # ~30 fps playhead
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        # Loading TensorFlow holds the GIL for ~0.3 s once (the library's dlopen): start
        # it just after the window's first paint rather than before.
        QTimer.singleShot(150, self, self._start_worker)

    def _start_worker(self) -> None:
        if not getattr(self, "_shut_down", False) and not self.worker.isRunning():
            self.worker.start()

    # ------------------------------------------------------------------ building

    def _action(self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
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
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_dialog, K.Open, "Open a song")
        self.export_action = self._action("&Export Stems…", self.export_dialog, "Ctrl+E",
                                          "Write vocals, instrumental and karaoke files")
        self.quit_action = self._action("&Quit", self.close, K.Quit, "Quit SoundNet Karaoke")
        self.play_action = self._action("&Play / Pause", self.toggle_play, Qt.Key.Key_Space, "Play or pause")
        self.ab_action = self._action("Original / &Karaoke", self.toggle_ab, Qt.Key.Key_A,
                                      "Switch between the original song and the karaoke version")
        self.solo_action = self._action("&Solo Vocals", self.set_solo, Qt.Key.Key_S,
                                        "Hear only the vocals", checkable=True)
        self.mute_action = self._action("&Mute Vocals", self.set_mute, Qt.Key.Key_M,
                                        "Silence the guide vocal", checkable=True)
        self.back_action = self._action("&Back 5 s", lambda: self.seek_relative(-SEEK_STEP_S), Qt.Key.Key_Left,
                                        "Jump back five seconds")
        self.forward_action = self._action("&Forward 5 s", lambda: self.seek_relative(SEEK_STEP_S), Qt.Key.Key_Right,
                                           "Jump forward five seconds")
        self.start_action = self._action("Go to &Start", lambda: self.seek_seconds(0.0), Qt.Key.Key_Home,
                                         "Jump to the beginning")
        self.cancel_action = self._action("&Cancel Separation", self.cancel_separation, Qt.Key.Key_Escape,
                                          "Stop separating this song")
        self.shortcuts_action = self._action("&Keyboard Shortcuts", self.show_shortcuts, K.HelpContents,
                                             "List the keyboard shortcuts")
        self.about_action = self._action("&About SoundNet Karaoke", self.show_about, tip="About this app")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        play_menu = bar.addMenu("&Playback")
        for action in (self.play_action, self.ab_action, None, self.solo_action, self.mute_action, None,
                       self.back_action, self.forward_action, self.start_action, None, self.cancel_action):
            play_menu.addSeparator() if action is None else play_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    _key = staticmethod(shortcut_text)

    def _build_ui(self) -> None:
        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(16, 12, 16, 12)
        root.setSpacing(10)

        # Header: icon, song title and details, open and export.
        header = QHBoxLayout()
        art = QLabel()
        art.setPixmap(self.icon.pixmap(40, 40))
        header.addWidget(art)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title_label = QLabel("No song loaded")
        self.title_label.setObjectName("songTitle")
        self.subtitle_label = QLabel("Drop a song on the window, or open one with Ctrl+O")
        self.subtitle_label.setObjectName("songSubtitle")
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)
        header.addLayout(titles, 1)
        self.open_button = make_button("Open…", self.open_action)
        self.open_button.clicked.connect(self.open_action.trigger)
        self.export_button = make_button("Export Stems…", self.export_action, name="primary")
        self.export_button.clicked.connect(self.export_action.trigger)
        header.addWidget(self.open_button)
        header.addWidget(self.export_button)
        root.addLayout(header)

        self.banner = MessageBanner()
        root.addWidget(self.banner)

        # Waveforms, or the drop hint before a song is loaded.
        self.stack = QStackedWidget()
        self.drop_hint = DropHint(self.icon, self.open_action)
        self.waveforms = WaveformPanel()
        self.waveforms.seekRequested.connect(self.seek_seconds)
        self.stack.addWidget(self.drop_hint)
        self.stack.addWidget(self.waveforms)
        root.addWidget(self.stack, 1)

        # Progress: separation or export.
        self.progress_row = QWidget()
        prow = QHBoxLayout(self.progress_row)
        prow.setContentsMargins(0, 0, 0, 0)
        self.progress_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setToolTip("How much of the song is separated")
        self.eta_label = QLabel("")
        self.eta_label.setObjectName("dim")
        self.cancel_button = make_button("Cancel", self.cancel_action, "Stop separating this song")
        self.cancel_button.clicked.connect(self._cancel_or_resume)
        prow.addWidget(self.progress_label)
        prow.addWidget(self.progress_bar, 1)
        prow.addWidget(self.eta_label)
        prow.addWidget(self.cancel_button)
        self.progress_row.hide()
        root.addWidget(self.progress_row)

        # Transport and mix controls.
        self.transport = TransportBar(self.play_action, self.ab_action, self.solo_action, self.mute_action)
        t = self.transport
        self.play_button, self.time_label, self.region_label = t.play_button, t.time_label, t.region_label
        self.ab_button, self.solo_button, self.mute_button = t.ab_button, t.solo_button, t.mute_button
        self.vocal_slider, self.vocal_value = t.vocal_slider, t.vocal_value
        self.inst_slider, self.inst_value = t.inst_slider, t.inst_value
        self.play_button.clicked.connect(self.toggle_play)
        self.ab_button.clicked.connect(self.toggle_ab)
        self.solo_button.toggled.connect(self.solo_action.setChecked)
        self.mute_button.toggled.connect(self.mute_action.setChecked)
        self.vocal_slider.valueChanged.connect(self._vocal_level_changed)
        self.inst_slider.valueChanged.connect(self._inst_level_changed)
        root.addWidget(self.transport)
        self.setCentralWidget(central)

        self.model_label = QLabel("Loading the separation model…")
        self.model_label.setObjectName("dim")
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().setSizeGripEnabled(False)

    def _connect_worker(self) -> None:
        w = self.worker
        w.modelReady.connect(self._model_ready)
        w.modelFailed.connect(self._model_failed)
        w.jobStarted.connect(self._job_started)
        w.chunkReady.connect(self._chunk_ready)
        w.progress.connect(self._job_progress)
        w.jobFinished.connect(self._job_finished)
        w.jobCancelled.connect(self._job_cancelled)
        w.jobFailed.connect(self._job_failed)

    def _restore_settings(self) -> None:
        geometry = self.settings.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 720)
        self.vocal_slider.setValue(round(self.settings.vocal_level * 100))
        self.inst_slider.setValue(round(self.settings.instrumental_level * 100))
        self._vocal_level_changed(self.vocal_slider.value())
        self._inst_level_changed(self.inst_slider.value())
        if not self.output.available:
            self.banner.show_message(self.output.reason, "warning")

    # ------------------------------------------------------------------ loading

    def open_dialog(self) -> None:
        path = self.dialogs.open_file(self, self.settings.last_folder)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> TaskThread:
        """Load ``path`` in the background; the current song keeps playing until it is ready."""
        path = Path(path)
        self._load_seq += 1
        seq = self._load_seq
        self.statusBar().showMessage(f"Opening {path.name}…")
        hash_content = self.cache is not None and self.cache.enabled  # the hash only keys the cache
        task = TaskThread(lambda progress, cancel: load_song(path, hash_content=hash_content))
        task.succeeded.connect(lambda song, seq=seq: self._song_loaded(seq, song))
        task.failed.connect(lambda exc, seq=seq, path=path: self._song_failed(seq, path, exc))
        self._start_task(task)
        return task

    def _start_task(self, task: TaskThread) -> None:
        self._tasks.add(task)
        task.finished.connect(lambda task=task: self._tasks.discard(task))
        task.start()

    def _song_loaded(self, seq: int, song: Song) -> None:
        if seq != self._load_seq:
            return  # a later open superseded this one
        self.mixer.pause()
        if self.job is not None:
            self.worker.cancel()
        self.song = song
        self.mixer.set_song(song)
        self.waveforms.set_song(song)
        self.stack.setCurrentWidget(self.waveforms)
        if self.banner.kind == "error":
            self.banner.hide()
        self.settings.add_recent(song.path)
        self.settings.last_folder = str(song.path.parent)
        self._update_title()
        self.statusBar().showMessage(f"Opened {song.path.name}", 4000)
        self.job = self.worker.submit(song, start=0)
        self._show_progress("Separating…" if self._model_state == "ready" else "Loading the model…", 0.0)
        self._update_controls()
        self.songLoaded.emit(song)

    def _song_failed(self, seq: int, path: Path, exc: BaseException) -> None:
        if seq != self._load_seq:
            return
        message = error_message(exc)
        log.info("could not open %s: %s", path, message)
        self.statusBar().showMessage(f"Could not open {path.name}", 6000)
        self.banner.show_message(f"Could not open this file. {message.rstrip('.')}.", "error")
        if str(path) in self.settings.recent_files and not path.exists():
            self.settings.remove_recent(path)
        self.loadFailed.emit(message)

    # drag and drop -------------------------------------------------------------

    @staticmethod
    def _local_paths(mime) -> list[Path]:
        if mime is None or not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self._local_paths(event.mimeData()):
            event.acceptProposedAction()
            self.drop_hint.set_highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.drop_hint.set_highlight(False)

    def dropEvent(self, event) -> None:
        self.drop_hint.set_highlight(False)
        paths = self._local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_dropped(paths)

    def open_dropped(self, paths: list[Path]) -> Path | None:
        """Open the first supported audio file among dropped files and folders."""
        from ..audio import is_supported_input

        candidates = []
        for path in paths:
            if path.is_dir():
                candidates.extend(self._audio_files_in(path, is_supported_input))
            elif is_supported_input(path):
                candidates.append(path)
        if not candidates:
            files = [p for p in paths if not p.is_dir()]
            if len(paths) == 1 and files:
                self.open_path(files[0])  # let the reader say what is wrong with it
                return files[0]
            self.banner.show_message("There is no audio file in what you dropped.", "error")
            return None
        chosen = candidates[0]
        self.open_path(chosen)
        if len(candidates) > 1:
            self.statusBar().showMessage(
                f"Opening {chosen.name}; {len(candidates) - 1} more audio file(s) were ignored", 6000)
        return chosen

    @staticmethod
    def _audio_files_in(folder: Path, supported, limit: int = 2000) -> list[Path]:
        found = []
        seen = 0
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                seen += 1
                if supported(name) and not name.startswith("."):
                    found.append(Path(dirpath) / name)
            if seen > limit or len(found) > 50:
                break
        return found

    # recent files ----------------------------------------------------------------

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.settings.recent_files
        for i, path in enumerate(recent, 1):
            action = menu.addAction(f"&{i % 10}  {Path(path).name}" if i <= 10 else Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_path(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear Menu", self.settings.clear_recent)
        else:
            menu.addAction("No recent songs").setEnabled(False)

    # ------------------------------------------------------------------ separation

    def _model_ready(self, version: str) -> None:
        self._model_state = "ready"
        self.model_label.setText("Separation model ready")
        self.model_label.setToolTip(f"Model version {version}")
        if self.job is not None and self.job.active:
            self._show_progress("Separating…", self.progress_bar.value() / 1000)

    def _model_failed(self, message: str) -> None:
        self._model_state = "failed"
        self.model_label.setText("Separation model unavailable")
        self.banner.show_message(f"{message} You can still play the original song.", "error")
        self.progress_row.hide()

    def _is_current(self, job_id: int) -> bool:
        return self.job is not None and self.job.id == job_id

    def _job_started(self, job_id: int) -> None:
        if self._is_current(job_id):
            self._show_progress("Separating…", self.song.coverage.fraction if self.song else 0.0)

    def _chunk_ready(self, job_id: int, start: int, end: int) -> None:
        if self._is_current(job_id):
            self._waveforms_dirty = True

    def _job_progress(self, job_id: int, fraction: float, elapsed: float, remaining: float) -> None:
        if not self._is_current(job_id):
            return
        eta = f"{format_time(elapsed)} elapsed"
        if remaining >= 0:
            eta += f" · about {format_time(remaining + 0.5)} left"
        self._show_progress(f"Separating… {round(fraction * 100)} %", fraction, eta)

    def _job_finished(self, job_id: int, seconds: float, from_cache: int) -> None:
        if not self._is_current(job_id):
            return
        self._waveforms_dirty = True
        self.progress_row.hide()
        if from_cache:
            self.statusBar().showMessage("Loaded the separated stems from the cache", 6000)
        else:
            self.statusBar().showMessage(f"Separated in {seconds:.1f} s", 6000)
        self._update_controls()

    def _job_cancelled(self, job_id: int) -> None:
        if not self._is_current(job_id):
            return
        self._waveforms_dirty = True
        fraction = self.song.coverage.fraction if self.song else 0.0
        self._show_progress(f"Separation stopped at {round(fraction * 100)} %", fraction,
                            "unseparated parts play the original", resumable=True)
        self._update_controls()

    def _job_failed(self, job_id: int, message: str) -> None:
        if not self._is_current(job_id):
            return
        self.progress_row.hide()
        self.banner.show_message(message, "error")
        self._update_controls()

    def _show_progress(self, text: str, fraction: float, eta: str = "", resumable: bool = False) -> None:
        self.progress_label.setText(text)
        self.progress_bar.setValue(round(fraction * 1000))
        self.eta_label.setText(eta)
        self.cancel_button.setText("Resume" if resumable else "Cancel")
        self.cancel_button.setToolTip("Separate the rest of the song" if resumable
                                      else f"Stop separating this song ({self._key(self.cancel_action)})")
        self.progress_row.show()

    def cancel_separation(self) -> None:
        if self._export_task is not None:
            self._export_task.cancel()
        elif self.job is not None and self.job.active:
            self.worker.cancel()

    def resume_separation(self) -> None:
        if self.song is None or self.song.coverage.complete or self._model_state == "failed":
            return
        self.job = self.worker.submit(self.song, start=self.mixer.position)
        self._show_progress("Separating…", self.song.coverage.fraction)
        self._update_controls()

    def _cancel_or_resume(self) -> None:
        if self.cancel_button.text() == "Resume":
            self.resume_separation()
        else:
            self.cancel_separation()

    @property
    def separating(self) -> bool:
        return self.job is not None and self.job.active

    # ------------------------------------------------------------------ playback

    def toggle_play(self) -> None:
        if self.song is None:
            return
        if self.mixer.playing:
            self.mixer.pause()
        else:
            if not self.output.start():
                self.banner.show_message(self.output.reason, "warning")
                self._update_controls()
                return
            self.mixer.play()
        self._update_play_button()

    def toggle_ab(self) -> None:
        self.mixer.toggle_mode()
        self._update_mode_controls()

    def set_mode(self, mode: str) -> None:
        self.mixer.mode = mode
        self._update_mode_controls()

    def set_solo(self, on: bool) -> None:
        self._set_vocal_toggle("solo", on, self.mute_action)

    def set_mute(self, on: bool) -> None:
        self._set_vocal_toggle("mute", on, self.solo_action)

    def _set_vocal_toggle(self, name: str, on: bool, other: QAction) -> None:
        """Solo or mute (``name``) the vocals; turning one on turns ``other`` off and picks karaoke."""
        if on and other.isChecked():
            other.setChecked(False)
        self.mixer.update(**{name: bool(on)})
        if on:
            self.mixer.mode = KARAOKE
        self._update_mode_controls()

    def _vocal_level_changed(self, value: int) -> None:
        self.vocal_value.setText(f"{value} %")
        self.mixer.update(vocal_level=value / 100)
        self.settings.vocal_level = value / 100
        if self.mute_action.isChecked() and value > 0 and self.sender() is self.vocal_slider:
            self.mute_action.setChecked(False)  # moving the guide up means "let me hear it"

    def _inst_level_changed(self, value: int) -> None:
        self.inst_value.setText(f"{value} %")
        self.mixer.update(instrumental_level=value / 100)
        self.settings.instrumental_level = value / 100

    def seek_seconds(self, seconds: float) -> None:
        """Jump to ``seconds``; a jump into a part not separated yet moves the worker there."""
        if self.song is None:
            return
        frame = max(0, min(round(seconds * SAMPLE_RATE), self.song.n_frames))
        self.mixer.seek(frame)
        self.waveforms.set_playhead(frame / SAMPLE_RATE)
        self._update_time_label(frame)
        job = self.job
        if job is None or not job.active or frame >= self.song.n_frames:
            return
        if self.song.coverage.is_separated(frame):
            return
        ahead = frame - job.position
        if job.state == "running" and 0 <= ahead <= LOOKAHEAD_S * SAMPLE_RATE:
            return  # the chunk in progress gets there soon
        block = self.song.coverage.block
        self.worker.restart_at(frame // block * block)

    def seek_relative(self, delta_s: float) -> None:
        if self.song is not None:
            self.seek_seconds(self.mixer.position / SAMPLE_RATE + delta_s)

    # ------------------------------------------------------------------ export

    def export_dialog(self) -> None:
        song = self.song
        if song is None or not song.coverage.complete:
            self.banner.show_message("Stems can be exported once the song is fully separated.", "info")
            return
        choice = self.dialogs.export_options(self, self.settings.export_folder, self.settings.export_format,
                                             song.title, self.mixer.params.vocal_level)
        if choice is None:
            return
        self.export_to(choice.folder, choice.format)

    def export_to(self, folder: str | Path, fmt: str, on_conflict: str | None = None) -> TaskThread | None:
        """Export the current song's stems in the background.

        ``on_conflict`` says what to do when files of those names exist:
        ``"rename"`` (a free `` (2)`` suffix), ``"overwrite"``, or ``None``:
        ask the user. Returns the export task, or ``None`` if nothing started.
        """
        if on_conflict not in (None, "rename", "overwrite"):
            raise ValueError(f"on_conflict must be None, 'rename' or 'overwrite', not {on_conflict!r}")
        song = self.song
        if song is None or not song.coverage.complete or self._export_task is not None:
            return None
        folder = Path(folder)
        base = safe_filename(song.title)
        # The names are settled here, once (asking the user about files that exist).
        paths = stem_paths(folder, base, fmt)
        clashes = existing(paths)
        if clashes:
            if on_conflict is None:
                on_conflict = self.dialogs.resolve_conflict(self, clashes)
                if on_conflict is None:
                    return None
            if on_conflict == "rename":
                paths = free_paths(folder, base, fmt, first=2)
        params = self.mixer.params
        vocal_level = 0.0 if params.mute else params.vocal_level
        self.settings.export_folder = str(folder)
        self.settings.export_format = fmt

        def run(progress, cancel):
            return export_stems(folder, base, song.vocals, song.instrumental, format=fmt,
                                vocal_level=vocal_level, instrumental_level=params.instrumental_level,
                                paths=paths, progress=progress, cancel=cancel)

        task = TaskThread(run)
        task.progressed.connect(lambda f: self._show_progress(f"Exporting… {round(f * 100)} %", f))
        task.succeeded.connect(self._export_done)
        task.failed.connect(self._export_failed)
        task.finished.connect(self._export_ended)
        self._export_task = task
        self._show_progress("Exporting…", 0.0)
        self._update_controls()
        self._start_task(task)
        return task

    def _export_done(self, paths: dict) -> None:
        folder = next(iter(paths.values())).parent
        names = ", ".join(p.name for p in paths.values())
        self.banner.show_message(f"Exported {names}.", "info", "Show Folder",
                                 lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))

    def _export_failed(self, exc: BaseException) -> None:
        from ..export import ExportCancelled

        if isinstance(exc, ExportCancelled):
            self.statusBar().showMessage("Export cancelled", 5000)
        else:
            self.banner.show_message(f"Export failed. {error_message(exc)}", "error")

    def _export_ended(self) -> None:
        self._export_task = None
        if not self.separating:
            self.progress_row.hide()
        self._update_controls()

    # ------------------------------------------------------------------ help

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td style='padding-right:16px'><b>{self._key(a)}</b></td><td>{a.text().replace('&', '')}</td></tr>"
            for a in (self.open_action, self.export_action, self.play_action, self.ab_action, self.solo_action,
                      self.mute_action, self.back_action, self.forward_action, self.start_action, self.cancel_action)
        )
        self.dialogs.information(self, "Keyboard Shortcuts", f"<table>{rows}</table>")

    def show_about(self) -> None:
        version = self.model_label.toolTip() or "not loaded yet"
        self.dialogs.information(
            self, "About SoundNet Karaoke",
            "<h3>SoundNet Karaoke</h3><p>Turns any song into a karaoke track: a neural network "
            "separates the vocals from the instrumental on your computer.</p>"
            f"<p style='color:{theme.TEXT_DIM}'>{version}</p>",
        )

    # ------------------------------------------------------------------ state

    def _update_title(self) -> None:
        if self.song is None:
            self.setWindowTitle(APP_TITLE)
            return
        self.setWindowTitle(f"{APP_TITLE} — {self.song.title}")
        self.title_label.setText(self.song.title)
        info = self.song.info
        parts = [format_time(self.song.duration_s)]
        if info is not None:
            parts.append(str(getattr(info, "format", "")).upper())
            rate, channels = getattr(info, "source_rate", 0), getattr(info, "source_channels", 0)
            if rate:
                parts.append(f"{rate / 1000:g} kHz")
            if channels:
                parts.append({1: "mono", 2: "stereo"}.get(channels, f"{channels} channels"))
        parts.append(self.song.path.name)
        self.subtitle_label.setText("  ·  ".join(p for p in parts if p))
        self.subtitle_label.setToolTip(str(self.song.path))

    def _update_controls(self) -> None:
        has_song = self.song is not None
        can_play = has_song and self.output.available
        self.play_action.setEnabled(can_play)
        self.play_button.setEnabled(can_play)
        if has_song and not self.output.available:
            self.play_button.setToolTip(f"Playback is off: {self.output.reason}")
        else:
            self.play_button.setToolTip(f"Play or pause ({self._key(self.play_action)})")
        for action in (self.back_action, self.forward_action, self.start_action):
            action.setEnabled(has_song)
        complete = has_song and self.song.coverage.complete
        can_export = complete and self._export_task is None
        self.export_action.setEnabled(can_export)
        self.export_button.setEnabled(can_export)
        if has_song and not complete:
            self.export_button.setToolTip("Available once the song is fully separated")
        else:
            self.export_button.setToolTip(f"Write vocals, instrumental and karaoke files ({self._key(self.export_action)})")
        self.cancel_action.setEnabled(self.separating or self._export_task is not None)
        self._update_play_button()
        self._update_mode_controls()

    def _update_play_button(self) -> None:
        self.play_button.setText("❚❚" if self.mixer.playing else "▶")

    def _update_mode_controls(self) -> None:
        params = self.mixer.params
        karaoke = params.mode == KARAOKE
        self.ab_button.setChecked(karaoke)
        self.ab_button.setText("Karaoke" if karaoke else "Original")
        key = self._key(self.ab_action)
        self.ab_button.setToolTip(
            f"Playing the karaoke version; click to hear the original ({key})" if karaoke
            else f"Playing the original song; click to hear the karaoke version ({key})")
        for button, on in ((self.solo_button, params.solo), (self.mute_button, params.mute)):
            if button.isChecked() != on:
                button.blockSignals(True)
                button.setChecked(on)
                button.blockSignals(False)

    def _update_time_label(self, frame: int) -> None:
        total = self.song.duration_s if self.song else 0.0
        self.time_label.setText(f"{format_time(frame / SAMPLE_RATE)} / {format_time(total)}")

    def _tick(self) -> None:
        song = self.song
        if song is None:
            return
        frame = max(0, self.mixer.position - self.output.output_delay_frames)
        self.waveforms.set_playhead(frame / SAMPLE_RATE)
        self._update_time_label(frame)
        if self.mixer.ended:
            self.mixer.ended = False
            self._update_play_button()
        separating = self.separating
        if self._waveforms_dirty or separating:
            self._waveforms_dirty = False
            frontier = self.job.position / SAMPLE_RATE if separating else None
            self.waveforms.refresh(separating, frontier)
        if self.mixer.params.mode == ORIGINAL or song.coverage.is_separated(min(frame, song.n_frames - 1)):
            text = ""
        else:
            text = "separating… playing the original" if separating else "not separated: playing the original"
        if self.region_label.text() != text:
            self.region_label.setText(text)

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save settings, stop sound and threads (idempotent)."""
        if getattr(self, "_shut_down", False):
            return
        self._shut_down = True
        self.timer.stop()
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.mixer.pause()
        self.output.close()
        for task in list(self._tasks):
            task.cancel()
        # No time limit: a QThread destroyed while it runs aborts the process. Cancelled,
        # the worker ends after its chunk in progress, an export after its block.
        self.worker.stop()
        for task in list(self._tasks):
            task.wait()
