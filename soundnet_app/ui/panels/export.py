"""The "Export Stems" flow: the options dialog, name clashes, the background export and its messages.

:class:`StemExport` belongs to the main window (``window.exports``): it reads
the song and the mix (levels, key and tempo) from it and reports in its
banner, progress row and status bar. The writing itself is
:func:`soundnet_app.engine.export.export_stems`, after
:func:`soundnet_app.engine.keytempo.render_offline` at the key and tempo being played.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from soundnet_app.engine.keytempo import shift_label
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.ui.worker import TaskThread, error_message

if TYPE_CHECKING:
    from soundnet_app.ui.main_window import MainWindow


class StemExport(QObject):
    """Exports the window's song; at most one export runs at a time (:attr:`task`)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.task: TaskThread | None = None

    def dialog(self) -> None:
        """Ask for folder and format (or say why the song cannot be exported yet), then export."""
        w, song = self.window, self.window.song
        if song is None:
            w.banner.show_message("Open a song first: its stems can be exported once it is separated.", "info")
            return
        if self.task is not None:
            w.statusBar().showMessage("An export is already running", 4000)
            return
        if not song.coverage.complete:
            done = round(song.coverage.fraction * 100)
            if w.separating:
                why = f"Separating: {done} % done. Stems can be exported once the whole song is separated."
            else:
                why = f"The separation stopped at {done} %. Resume it to export the stems."
            w.banner.show_message(why, "info")
            return
        label = shift_label(*w.mixer.shift)  # the export is at the key and tempo being played
        s = w.settings
        choice = w.dialogs.export_options(w, s.export_folder, s.export_format,
                                          f"{song.title} ({label})" if label else song.title,
                                          w.mixer.params.vocal_level, subtypes=s.export_subtypes(),
                                          bitrates=s.export_bitrates())
        if choice is not None:
            self.start(choice.folder, choice.format, subtype=choice.subtype, bitrate_kbps=choice.bitrate_kbps)

    def start(self, folder: str | Path, fmt: str, on_conflict: str | None = None, subtype: str | None = None,
              bitrate_kbps: int | None = None) -> TaskThread | None:
        """Export the current song's stems in the background; see :meth:`MainWindow.export_to`."""
        from soundnet_app.engine.export import existing, export_stems, free_paths, safe_filename, stem_paths
        from soundnet_app.engine.keytempo import render_offline

        if on_conflict not in (None, "rename", "overwrite"):
            raise ValueError(f"on_conflict must be None, 'rename' or 'overwrite', not {on_conflict!r}")
        w, song = self.window, self.window.song
        if song is None or not song.coverage.complete or self.task is not None:
            return None
        folder = Path(folder)
        key, tempo = w.mixer.shift
        label = shift_label(key, tempo)
        base = safe_filename(f"{song.title} ({label})" if label else song.title)
        # The names are settled here, once (asking the user about files that exist).
        paths = stem_paths(folder, base, fmt)
        clashes = existing(paths)
        if clashes:
            if on_conflict is None:
                on_conflict = w.dialogs.resolve_conflict(w, clashes)
                if on_conflict is None:
                    return None
            if on_conflict == "rename":
                paths = free_paths(folder, base, fmt, first=2)
        params = w.mixer.params
        vocal_level = 0.0 if params.mute else params.vocal_level
        s = w.settings
        s.export_folder = str(folder)  # offered again for the next song
        s.export_format = fmt
        s.remember_export_options(fmt, subtype, bitrate_kbps)
        vocals, instrumental = song.vocals, song.instrumental  # the closure holds the arrays, not the song

        def run(progress, cancel):
            shifted = [render_offline(x, SAMPLE_RATE, key, tempo) for x in (vocals, instrumental)]
            return export_stems(folder, base, *shifted, format=fmt, subtype=subtype,
                                bitrate_kbps=bitrate_kbps, vocal_level=vocal_level,
                                instrumental_level=params.instrumental_level,
                                paths=paths, progress=progress, cancel=cancel)

        task = TaskThread(run)
        task.progressed.connect(self._progressed)
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        task.finished.connect(self._ended)
        self.task = task
        w.show_progress("Exporting…", 0.0)
        w._update_controls()
        w._start_task(task)
        return task

    def cancel(self) -> bool:
        """Cancel the running export; ``False`` if none runs."""
        if self.task is None:
            return False
        self.task.cancel()
        return True

    def _progressed(self, fraction: float) -> None:
        self.window.show_progress(f"Exporting… {round(fraction * 100)} %", fraction)

    def _done(self, paths: dict) -> None:
        folder = next(iter(paths.values())).parent
        names = ", ".join(p.name for p in paths.values())
        self.window.banner.show_message(f"Exported {names}.", "info", "Show Folder", lambda: self.show_folder(folder))

    def show_folder(self, folder: Path) -> bool:
        """Open ``folder`` in the file manager; without one, say where it is (and copy the path)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        QApplication.clipboard().setText(str(folder))
        self.window.banner.show_message(f"No file manager could be opened. The files are in {folder} "
                                        "(the path is on the clipboard).", "warning")
        return False

    def _failed(self, exc: BaseException) -> None:
        from soundnet_app.engine.export import ExportCancelled

        if isinstance(exc, ExportCancelled):
            self.window.statusBar().showMessage("Export cancelled", 5000)
        else:
            self.window.banner.show_message(f"Export failed. {error_message(exc)}", "error")

    def _ended(self) -> None:
        self.task = None
        w = self.window
        if not w.separating:
            w.progress_row.hide()
        w._update_controls()
