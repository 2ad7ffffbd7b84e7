"""Opening songs: in the background, the latest request wins, damaged files explained, drops sorted out.

:class:`SongOpener` belongs to the main window. It decodes a file on a
:class:`~soundnet_app.ui.threads.TaskThread` with
:func:`~soundnet_app.engine.loading.load_song` (stems from the cache
when it holds them), hands the song to the window's ``song_opened``, and
says in the banner why a file could not be opened (offering the readable
part of a truncated one).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject

from soundnet_app.engine.loading import TruncatedFile, error_message, load_song
from soundnet_app.separation.catalog import model_version_of
from soundnet_app.sing.ultrastar import UltraStarError
from soundnet_app.sing.ultrastar_files import is_ultrastar_source, load_ultrastar
from soundnet_app.ui.dropping import audio_candidates, local_paths
from soundnet_app.ui.threads import TaskThread
from soundnet_app.ui.waveform import format_time

log = logging.getLogger(__name__)


class SongOpener(QObject):
    """Opens files for the window (``window.opener``).

    Args:
        window: the main window (its ``cache``, ``separation``, ``settings``, ``song_opened``,
            ``start_task``, ``start_worker``, banner, status bar, drop hint and ``loadFailed`` are used).
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._seq = 0
        self.loading: Path | None = None  # the file being opened
        self.play_on_load = False  # Space pressed while it opens: play it once it is there
        window.installEventFilter(self)  # files dropped on the window

    def open(self, path: Path, allow_truncated: bool = False) -> TaskThread:
        """Load ``path`` in the background; the current song keeps playing until it is ready."""
        w = self.window
        self._seq += 1
        seq = self._seq
        self.loading = path
        w.show_status(f"Opening {path.name}…", 0)
        if w.song is None:
            w.header.show_opening(path.name)
        cache = w.cache if w.cache is not None and w.cache.enabled else None
        model_path, mask_power = w.separation.model_path, w.separation.mask_power

        def run(progress, cancel):
            # The model's version is a hash of its file: no TensorFlow, so a cached
            # song is complete here, before the model has loaded.
            version = (lambda: model_version_of(model_path, mask_power)) if cache is not None else ""
            if is_ultrastar_source(path):  # an UltraStar song: its .txt names the audio (and maybe the stems)
                return load_ultrastar(path, cache=cache, model_version=version, allow_truncated=allow_truncated)
            return load_song(path, hash_content=cache is not None, cache=cache, model_version=version,
                             allow_truncated=allow_truncated)

        task = TaskThread(run)
        task.succeeded.connect(lambda song, seq=seq: self._loaded(seq, song))
        task.failed.connect(lambda exc, seq=seq, path=path: self._failed(seq, path, exc))
        w.start_task(task)
        return task

    def _loaded(self, seq: int, song) -> None:
        if seq != self._seq:
            return  # a later open superseded this one
        self.loading = None
        self.window.song_opened(song)
        sheet = song.ultrastar
        if sheet is not None and sheet.warnings:  # what the reader skipped in the .txt
            self.window.show_status(f"{song.path.name}: {' '.join(sheet.warnings)}", 12000)
        if self.play_on_load:
            self.play_on_load = False
            self.window.transport.toggle_play()

    def _failed(self, seq: int, path: Path, exc: BaseException) -> None:
        if seq != self._seq:
            return
        w = self.window
        self.loading = None
        self.play_on_load = False
        if w.song is None:
            w.header.show_empty()
        w.start_worker()
        if isinstance(exc, TruncatedFile):
            message = error_message(exc.__cause__ or exc)
            w.show_banner(f"{message.rstrip('.')}. The first {format_time(exc.seconds)} of it can be opened.",
                          "error", "Open That Part", lambda: self.open(path, allow_truncated=True))
        else:
            message = str(exc) if isinstance(exc, UltraStarError) else error_message(exc)
            w.show_banner(f"Could not open this file. {message.rstrip('.')}.", "error")
        log.info("could not open %s: %s", path, message)
        w.show_status(f"Could not open {path.name}", 6000)
        if str(path) in w.settings.recent_files and not path.exists():
            w.settings.remove_recent(path)
        w.loadFailed.emit(message)

    # -- drag and drop ----------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if local_paths(event.mimeData()):
                event.acceptProposedAction()
                if kind == QEvent.Type.DragEnter:
                    self.window.drop_hint.set_highlight(True)
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.DragLeave:
            self.window.drop_hint.set_highlight(False)
            return True
        if kind == QEvent.Type.Drop:
            self.window.drop_hint.set_highlight(False)
            paths = local_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self.open_dropped(paths)
            else:
                event.ignore()
            return True
        return False

    def open_dropped(self, paths: list[Path]) -> Path | None:
        """Open a dropped UltraStar song (its .txt or folder) or audio file; several songs (or a folder of
        audio) go to the queue (``None`` is returned)."""
        w = self.window
        song_folder = next((p for p in paths if is_ultrastar_source(p)), None)
        if song_folder is not None:  # an UltraStar song (its .txt or its folder) opens as one
            self.open(song_folder)
            return song_folder
        candidates = audio_candidates(paths)
        if not candidates:
            files = [p for p in paths if not p.is_dir()]
            if len(paths) == 1 and files:
                self.open(files[0])  # let the reader say what is wrong with it
                return files[0]
            w.show_banner("There is no audio file in what you dropped.", "error")
            return None
        if len(candidates) > 1:  # several songs, or a folder: a queue of them (the queue panel)
            w.events.songsDropped.emit(candidates)
            return None
        chosen = candidates[0]
        self.open(chosen)
        return chosen
