"""The File › Export › Stems panel: its action and button, the options dialog, name clashes, the background export.

:class:`ExportPanel` reads the song and the mix (levels, key and tempo) from
the host's playback and reports in the host's banner, progress row and
status bar. The writing itself is :func:`soundnet_app.engine.export.export_stems`,
at the key and tempo being played.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from soundnet_app.engine.export import (
    ExportCancelled,
    existing,
    export_stems,
    free_paths,
    safe_filename,
    shifted_name,
    stem_paths,
)
from soundnet_app.engine.loading import error_message
from soundnet_app.ui.panels.host import Panel, PanelHost
from soundnet_app.ui.threads import TaskThread
from soundnet_app.ui.widgets import make_button, shortcut_text


class ExportPanel(Panel):
    """Exports the host's song; at most one export runs at a time (:attr:`task`)."""

    def __init__(self, host: PanelHost):
        super().__init__(host)
        self.task: TaskThread | None = None
        host.add_menu("export", "&Export", parent="file")  # File › Export, shared with the UltraStar panel
        self.action = host.add_action("&Stems…", self.dialog, "Ctrl+E",
                                      "Write vocals, instrumental and karaoke files", menu="export")
        self.button = make_button("Export Stems…", self.action, name="primary", accessible="Export stems")
        self.button.clicked.connect(self.action.trigger)
        host.place(self.button, "header")

    @property
    def busy(self) -> bool:
        return self.task is not None

    def update_controls(self) -> None:
        song = self.host.song
        # Enabled with any song: Ctrl+E on an unfinished one says why it cannot export yet.
        can_export = song is not None and self.task is None
        self.action.setEnabled(can_export)
        self.button.setEnabled(can_export)
        if song is not None and not song.coverage.complete:
            self.button.setToolTip("Available once the song is fully separated")
        else:
            self.button.setToolTip(f"Write vocals, instrumental and karaoke files ({shortcut_text(self.action)})")

    def dialog(self) -> None:
        """Ask for folder and format (or say why the song cannot be exported yet), then export."""
        host, song = self.host, self.host.song
        if song is None:
            host.show_banner("Open a song first: its stems can be exported once it is separated.", "info")
            return
        if self.task is not None:
            host.show_status("An export is already running", 4000)
            return
        if not song.coverage.complete:
            done = round(song.coverage.fraction * 100)
            if host.separating:
                why = f"Separating: {done} % done. Stems can be exported once the whole song is separated."
            else:
                why = f"The separation stopped at {done} %. Resume it to export the stems."
            host.show_banner(why, "info")
            return
        playback = host.playback
        s = host.settings
        choice = host.dialogs.export_options(host, s.export_folder, s.export_format,
                                             shifted_name(song.title, playback.key, playback.tempo),  # as playing
                                             playback.params.vocal_level, subtypes=s.export_subtypes(),
                                             bitrates=s.export_bitrates())
        if choice is not None:
            self.start(choice.folder, choice.format, subtype=choice.subtype, bitrate_kbps=choice.bitrate_kbps)

    def start(self, folder: str | Path, fmt: str, on_conflict: str | None = None, subtype: str | None = None,
              bitrate_kbps: int | None = None) -> TaskThread | None:
        """Export the current song's stems in the background, at the key, tempo and levels playing.

        ``on_conflict`` says what to do when files of those names exist:
        ``"rename"`` (a free `` (2)`` suffix), ``"overwrite"``, or ``None``:
        ask the user. Returns the export task, or ``None`` if nothing started.
        """
        if on_conflict not in (None, "rename", "overwrite"):
            raise ValueError(f"on_conflict must be None, 'rename' or 'overwrite', not {on_conflict!r}")
        host, song = self.host, self.host.song
        if song is None or not song.coverage.complete or self.task is not None:
            return None
        folder = Path(folder)
        key, tempo = host.playback.key, host.playback.tempo
        base = safe_filename(shifted_name(song.title, key, tempo))
        # The names are settled here, once (asking the user about files that exist).
        paths = stem_paths(folder, base, fmt)
        clashes = existing(paths)
        if clashes:
            if on_conflict is None:
                on_conflict = host.dialogs.resolve_conflict(host, clashes)
                if on_conflict is None:
                    return None
            if on_conflict == "rename":
                paths = free_paths(folder, base, fmt, first=2)
        params = host.playback.params
        s = host.settings
        s.export_folder = str(folder)  # offered again for the next song
        s.export_format = fmt
        s.remember_export_options(fmt, subtype, bitrate_kbps)
        vocals, instrumental = song.vocals, song.instrumental  # the closure holds the arrays, not the song

        def run(progress, cancel):
            return export_stems(folder, base, vocals, instrumental, key=key, tempo=tempo, format=fmt,
                                subtype=subtype, bitrate_kbps=bitrate_kbps, vocal_level=params.vocal_level,
                                mute=params.mute, instrumental_level=params.instrumental_level,
                                paths=paths, progress=progress, cancel=cancel)

        task = TaskThread(run)
        task.progressed.connect(self._progressed)
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        task.finished.connect(self._ended)
        self.task = task
        host.show_progress("Exporting…", 0.0)
        host.refresh_controls()
        host.start_task(task)
        return task

    def cancel(self) -> bool:
        """Cancel the running export; ``False`` if none runs."""
        if self.task is None:
            return False
        self.task.cancel()
        return True

    def _progressed(self, fraction: float) -> None:
        self.host.show_progress(f"Exporting… {round(fraction * 100)} %", fraction)

    def _done(self, paths: dict) -> None:
        folder = next(iter(paths.values())).parent
        names = ", ".join(p.name for p in paths.values())
        self.host.show_banner(f"Exported {names}.", "info", "Show Folder", lambda: self.show_folder(folder))

    def show_folder(self, folder: Path) -> bool:
        """Open ``folder`` in the file manager; without one, say where it is (and copy the path)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        QApplication.clipboard().setText(str(folder))
        self.host.show_banner(f"No file manager could be opened. The files are in {folder} "
                              "(the path is on the clipboard).", "warning")
        return False

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExportCancelled):
            self.host.show_status("Export cancelled", 5000)
        else:
            self.host.show_banner(f"Export failed. {error_message(exc)}", "error")

    def _ended(self) -> None:
        self.task = None
        if not self.host.separating:
            self.host.hide_progress()
        self.host.refresh_controls()
