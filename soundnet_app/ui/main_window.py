"""The main window: layout, menus and actions, and the wiring between the parts.

Nothing heavy runs here: files load in a :class:`~.threads.TaskThread`, the
model runs in the :class:`~.threads.SeparationWorker`, sound comes from the
:class:`~.player.PlaybackMixer` on the audio thread. A 30 fps timer moves the
playhead and redraws the waveforms that changed.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.paths import resources_dir
from soundnet_app.separation.cache import StemCache
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.separation.catalog import model_info
from soundnet_app.system import release_memory
from soundnet_app.ui import about, menus
from soundnet_app.ui.dialogs import Dialogs
from soundnet_app.ui.dropping import audio_candidates, local_paths
from soundnet_app.ui.panels.export import StemExport
from soundnet_app.ui.panels.keytempo import KeyTempoControls
from soundnet_app.engine.mix import KARAOKE, ORIGINAL
from soundnet_app.engine.mixer import PlaybackMixer
from soundnet_app.engine.output import AudioOutput
from soundnet_app.engine.render_ahead import SWITCH_INTERVAL_S
from soundnet_app.ui.settings import AppSettings
from soundnet_app.ui.panels.sing import SingPanel
from soundnet_app.engine.song import Song
from soundnet_app.ui.waveform import WaveformPanel, format_time
from soundnet_app.ui.widgets import DropHint, MessageBanner, PageStack, TransportBar, make_button, shortcut_text
from soundnet_app.ui.threads import SeparationWorker, TaskThread
from soundnet_app.engine.jobs import SeparationJob
from soundnet_app.engine.loading import TruncatedFile, error_message, load_song
from soundnet_app.separation.catalog import model_version_of

log = logging.getLogger(__name__)

APP_TITLE = "SoundNet Karaoke"
LEVEL_STEP = 10  # % per key press on the level shortcuts
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
        model_path: the separation model (default: the one chosen in the settings).
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
        model_path: str | Path | None = None,
    ):
        super().__init__()
        # The audio, separation, pitch and microphone threads share the GIL on as few as 2 cores:
        # hand it over every 1 ms, not 5, so the UI and the render-ahead worker never wait long for it.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.settings = settings or AppSettings()
        self.dialogs = dialogs or Dialogs()
        self.cache = StemCache() if cache is _DEFAULT else cache
        self.model_path = Path(model_path) if model_path else self.settings.model_path
        self.mixer = PlaybackMixer()
        self.output = AudioOutput(self.mixer, enabled=audio)
        self.worker = SeparationWorker(separator_factory, cache=self.cache, warm_up=warm_up, model_path=self.model_path)
        self.song: Song | None = None
        self.job: SeparationJob | None = None
        self._load_seq = 0
        self.loading: Path | None = None  # the file being opened
        self.play_on_load = False  # Space pressed while it opens: play it once it is there
        self._tasks: set[TaskThread] = set()
        self._waveforms_dirty = False
        self._model_state = "loading"
        self.icon = app_icon()
        self.exports = StemExport(self)

        self.setWindowIcon(self.icon)
        self.setAcceptDrops(True)
        # Width only: the layout sets the minimum height from what is shown (sing panel, banner...).
        self.setMinimumWidth(760)
        menus.build_actions(self)
        menus.build_menus(self)
        self._build_ui()
        self._connect_worker()
        self.timer = QTimer(self)
        self.sing = SingPanel(self)  # lyrics, pitch lane, microphone: under the waveforms
        root = self.centralWidget().layout()
        root.insertWidget(root.indexOf(self.stack) + 1, self.sing, 1)
        self._restore_settings()
        self.keytempo = KeyTempoControls(self)  # key/tempo bar, shortcuts, per-song memory
        self._update_title()
        self._update_controls()

        self.timer.setInterval(33)  # ~30 fps playhead
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        # Loading TensorFlow holds the GIL for ~0.3 s once (the library's dlopen), and
        # importing it keeps a core busy for seconds: start it after the window's first
        # paint, and after a song being opened (often cached: no model needed) is shown.
        QTimer.singleShot(150, self, self._start_worker)

    def _start_worker(self) -> None:
        if getattr(self, "_shut_down", False) or self.worker.isRunning() or self.worker.isFinished():
            return
        if self.loading is not None:
            return  # _song_loaded / _song_failed call again
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

    _key = staticmethod(shortcut_text)

    def _build_ui(self) -> None:
        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(16, 12, 16, 12)
        root.setSpacing(8)

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
        self.open_button = make_button("Open…", self.open_action, accessible="Open a song")
        self.open_button.clicked.connect(self.open_action.trigger)
        self.export_button = make_button("Export Stems…", self.export_action, name="primary",
                                         accessible="Export stems")
        self.export_button.clicked.connect(self.export_action.trigger)
        header.addWidget(self.open_button)
        header.addWidget(self.export_button)
        root.addLayout(header)

        self.banner = MessageBanner()
        root.addWidget(self.banner)

        # Waveforms, or the drop hint before a song is loaded.
        self.stack = PageStack()
        self.drop_hint = DropHint(self.icon, self.open_action)
        self.waveforms = WaveformPanel()  # no focus: ←/→/Home seek from anywhere
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
        self.cancel_button = make_button("Cancel", self.cancel_action, "Stop separating this song",
                                         accessible="Cancel or resume the separation")
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
        self.progress_bar.setAccessibleName("Separation progress")
        chain = (self.open_button, self.export_button, self.banner.action_button, self.banner.close_button,
                 self.drop_hint.button, self.cancel_button, self.play_button, self.ab_button, self.solo_button,
                 self.mute_button, self.vocal_slider, self.inst_slider)
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

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
        return self._open(Path(path))

    def _open(self, path: Path, allow_truncated: bool = False) -> TaskThread:
        self._load_seq += 1
        seq = self._load_seq
        self.loading = path
        self.statusBar().showMessage(f"Opening {path.name}…")
        cache = self.cache if self.cache is not None and self.cache.enabled else None
        model_path = self.model_path

        def run(progress, cancel):
            # The model's version is a hash of its file: no TensorFlow, so a cached
            # song is complete here, before the model has loaded.
            version = (lambda: model_version_of(model_path)) if cache is not None else ""
            return load_song(path, hash_content=cache is not None, cache=cache, model_version=version,
                             allow_truncated=allow_truncated)

        task = TaskThread(run)
        task.succeeded.connect(lambda song, seq=seq: self._song_loaded(seq, song))
        task.failed.connect(lambda exc, seq=seq, path=path: self._song_failed(seq, path, exc))
        self._start_task(task)
        return task

    def _start_task(self, task: TaskThread) -> None:
        self._tasks.add(task)
        # A bound method, not a lambda holding the task: that loop kept every task
        # (and the song its closure held) alive.
        task.finished.connect(self._task_finished)
        task.start()

    def _task_finished(self) -> None:
        task = self.sender()
        if task in self._tasks:
            self._tasks.discard(task)
            task.deleteLater()

    def _song_loaded(self, seq: int, song: Song) -> None:
        if seq != self._load_seq:
            return  # a later open superseded this one
        self.loading = None
        self.mixer.pause()
        if self.job is not None:
            self.worker.cancel()
        self.job = None
        self.song = song
        self.mixer.set_song(song)
        self.waveforms.set_song(song)
        self.stack.setCurrentWidget(self.waveforms)
        if self.banner.kind != "warning":  # errors and "Exported…" were about the previous song
            self.banner.hide()
        self.settings.add_recent(song.path)
        self.settings.last_folder = str(song.path.parent)
        self._update_title()
        if song.coverage.complete:
            self.progress_row.hide()
            self.statusBar().showMessage(f"Opened {song.path.name} with its separated stems from the cache", 6000)
        else:
            self.statusBar().showMessage(f"Opened {song.path.name}", 4000)
            self.job = self.worker.submit(song, start=0)
            fraction = song.coverage.fraction
            what = "Separating…" if self._model_state == "ready" else "Loading the model…"
            self.show_progress(f"{what} {round(fraction * 100)} % kept from before" if fraction else what, fraction)
        self._update_controls()
        self.songLoaded.emit(song)
        if self.play_on_load:
            self.play_on_load = False
            self.toggle_play()
        # A cached song needs no model now: TensorFlow's import (GIL-heavy) waits until it is drawn.
        QTimer.singleShot(400 if song.coverage.complete else 0, self, self._start_worker)
        # The previous song's arrays go back to the system, off the UI thread (malloc_trim can take a while).
        QTimer.singleShot(500, self, lambda: threading.Thread(target=release_memory, daemon=True).start())

    def _song_failed(self, seq: int, path: Path, exc: BaseException) -> None:
        if seq != self._load_seq:
            return
        self.loading = None
        self.play_on_load = False
        self._start_worker()
        if isinstance(exc, TruncatedFile):
            message = error_message(exc.__cause__ or exc)
            self.banner.show_message(
                f"{message.rstrip('.')}. The first {format_time(exc.seconds)} of it can be opened.", "error",
                "Open That Part", lambda: self._open(path, allow_truncated=True))
        else:
            message = error_message(exc)
            self.banner.show_message(f"Could not open this file. {message.rstrip('.')}.", "error")
        log.info("could not open %s: %s", path, message)
        self.statusBar().showMessage(f"Could not open {path.name}", 6000)
        if str(path) in self.settings.recent_files and not path.exists():
            self.settings.remove_recent(path)
        self.loadFailed.emit(message)

    # drag and drop -------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self.drop_hint.set_highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.drop_hint.set_highlight(False)

    def dropEvent(self, event) -> None:
        self.drop_hint.set_highlight(False)
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_dropped(paths)

    def open_dropped(self, paths: list[Path]) -> Path | None:
        """Open the first supported audio file among dropped files and folders."""
        candidates = audio_candidates(paths)
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

    # ------------------------------------------------------------------ separation

    def _model_ready(self, version: str) -> None:
        self._model_state = "ready"
        self.model_label.setText("Separation model ready")
        self.model_label.setToolTip(f"{model_info(self.model_path).name}, version {version}")
        if self.job is not None and self.job.active:
            self.show_progress("Separating…", self.progress_bar.value() / 1000)

    def _model_failed(self, message: str) -> None:
        self._model_state = "failed"
        self.model_label.setText("Separation model unavailable")
        self.banner.show_message(f"{message} You can still play the original song.", "error")
        self.progress_row.hide()

    def _is_current(self, job_id: int) -> bool:
        return self.job is not None and self.job.id == job_id

    def _job_started(self, job_id: int) -> None:
        if self._is_current(job_id):
            self.show_progress("Separating…", self.song.coverage.fraction if self.song else 0.0)

    def _chunk_ready(self, job_id: int, start: int, end: int) -> None:
        if self._is_current(job_id):
            self._waveforms_dirty = True

    def _job_progress(self, job_id: int, fraction: float, elapsed: float, remaining: float) -> None:
        if not self._is_current(job_id):
            return
        eta = f"{format_time(elapsed)} elapsed"
        if remaining >= 0:
            eta += f" · about {format_time(remaining + 0.5)} left"
        self.show_progress(f"Separating… {round(fraction * 100)} %", fraction, eta)

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
        self.show_progress(f"Separation stopped at {round(fraction * 100)} %", fraction,
                            "unseparated parts play the original", resumable=True)
        self._update_controls()

    def _job_failed(self, job_id: int, message: str) -> None:
        if not self._is_current(job_id):
            return
        self.progress_row.hide()
        self.banner.show_message(message, "error")
        self._update_controls()

    def show_progress(self, text: str, fraction: float, eta: str = "", resumable: bool = False) -> None:
        # Called per separated chunk: set only what changed (a new label text re-lays out the row).
        for label, value in ((self.progress_label, text), (self.eta_label, eta),
                             (self.cancel_button, "Resume" if resumable else "Cancel")):
            if label.text() != value:
                label.setText(value)
        self.progress_bar.setValue(round(fraction * 1000))
        tip = ("Separate the rest of the song" if resumable
               else f"Stop separating this song ({self._key(self.cancel_action)})")
        if self.cancel_button.toolTip() != tip:
            self.cancel_button.setToolTip(tip)
        if self.progress_row.isHidden():
            self.progress_row.show()

    def cancel_separation(self) -> None:
        if self.exports.cancel():
            return
        if self.job is not None and self.job.active:
            self.worker.cancel()

    def show_settings(self) -> None:
        """The settings dialog: the model (a change reloads the separator) and the stem cache."""
        chosen = self.dialogs.settings(self, self.model_path, self.cache)
        if chosen is None or Path(chosen) == self.model_path:
            return
        self.set_model(chosen)

    def set_model(self, path: str | Path) -> None:
        """Separate with another model from now on; the current song is separated again with it."""
        self.model_path = Path(path)
        self.settings.model_path = self.model_path
        self._model_state = "loading"
        self.model_label.setText(f"Loading {model_info(self.model_path).name}…")
        self.worker.set_model(self.model_path)
        self._start_worker()
        if self.song is not None:
            self._open(self.song.path)  # reopened: cached stems of this model, or a new separation

    def resume_separation(self) -> None:
        if self.song is None or self.song.coverage.complete or self._model_state == "failed":
            return
        self.job = self.worker.submit(self.song, start=self.mixer.position)
        self.show_progress("Separating…", self.song.coverage.fraction)
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
        if self.loading is not None:
            # Space right after a drop means the new song: never the one on its way out.
            self.play_on_load = not self.play_on_load
            self.mixer.pause()
            self._update_play_button()
            if self.play_on_load:
                self.statusBar().showMessage(f"{self.loading.name} will play as soon as it is open", 4000)
            return
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

    def _step_level(self, slider, direction: int) -> None:
        if slider.isEnabled():
            slider.setValue(slider.value() + direction * LEVEL_STEP)

    def _vocal_level_changed(self, value: int) -> None:
        self.vocal_value.setText(f"{value} %")
        self.mixer.update(vocal_level=value / 100)
        self.settings.vocal_level = value / 100
        if self.mute_action.isChecked() and value > 0 and self.sender() is self.vocal_slider:
            self.mute_action.setChecked(False)  # moving the guide up means "let me hear it"
        self._update_mode_controls()

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
        self.exports.dialog()

    def export_to(self, folder: str | Path, fmt: str, on_conflict: str | None = None, subtype: str | None = None,
                  bitrate_kbps: int | None = None) -> TaskThread | None:
        """Export the current song's stems in the background.

        ``on_conflict`` says what to do when files of those names exist:
        ``"rename"`` (a free `` (2)`` suffix), ``"overwrite"``, or ``None``:
        ask the user. Returns the export task, or ``None`` if nothing started.
        """
        return self.exports.start(folder, fmt, on_conflict, subtype, bitrate_kbps)

    @property
    def _export_task(self) -> TaskThread | None:
        return self.exports.task

    # ------------------------------------------------------------------ help

    def show_shortcuts(self) -> None:
        self.dialogs.information(self, "Keyboard Shortcuts", about.shortcuts_html(menus.shortcut_rows(self)))

    def show_about(self) -> None:
        state = {"ready": "loaded", "loading": "loading", "failed": "could not be loaded"}.get(self._model_state, "")
        self.dialogs.information(self, "About SoundNet Karaoke", about.about_html(model_info(self.model_path), state))

    # ------------------------------------------------------------------ state

    def _update_title(self) -> None:
        # Where the application's display name is set, Qt appends it to the title itself.
        app_named = QApplication.applicationDisplayName() == APP_TITLE
        if self.song is None:
            self.setWindowTitle("" if app_named else APP_TITLE)
            return
        self.setWindowTitle(self.song.title if app_named else f"{self.song.title} — {APP_TITLE}")
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
        # Enabled with any song: Ctrl+E on an unfinished one says why it cannot export yet.
        can_export = has_song and self._export_task is None
        self.export_action.setEnabled(can_export)
        self.export_button.setEnabled(can_export)
        for control in (self.ab_action, self.solo_action, self.ab_button, self.solo_button, self.vocal_slider,
                        self.inst_slider, self.guide_up_action, self.guide_down_action, self.inst_up_action,
                        self.inst_down_action):
            control.setEnabled(has_song)
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
        # Mute silences the guide vocal: with the guide at 0 % there is nothing to mute.
        can_mute = self.song is not None and (params.vocal_level > 0 or params.mute)
        self.mute_action.setEnabled(can_mute)
        self.mute_button.setEnabled(can_mute)
        key = self._key(self.mute_action)
        self.mute_button.setToolTip(
            f"Silence the guide vocal, now at {round(params.vocal_level * 100)} % ({key})" if can_mute
            else "The guide vocal is at 0 %: raise the Guide vocal slider to hear the singer; "
                 f"Mute then silences it ({key})")

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
            # Short: it sits under the time; its tooltip says that these parts play the original.
            text = "separating… (original)" if separating else "not separated (original)"
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
        self.sing.shutdown()
        self.keytempo.playback.prefs.flush()
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
