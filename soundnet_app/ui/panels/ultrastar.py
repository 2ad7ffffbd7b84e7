"""File › Export › UltraStar Song… and Karaoke Video…: the song out as a game's song folder or an MP4.

:class:`UltraStarPanel` runs one export at a time in the background, with the
window's progress row and Cancel. The melody comes from the song's own notes
when it was opened from an UltraStar file, else from its separated vocal
(tracked as the export starts); the lyrics from the song's ``.txt``, ``.lrc``
or tags. The work itself: :func:`~soundnet_app.sing.ultrastar_export.export_ultrastar`
and :func:`~soundnet_app.ui.karaoke_video.write_karaoke_video`.
"""

from __future__ import annotations

from pathlib import Path

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.export import ExportCancelled, safe_filename, shifted_name
from soundnet_app.engine.loading import error_message
from soundnet_app.engine.song import Song
from soundnet_app.engine.video import SIZES
from soundnet_app.sing.pitch import HOP_S, track_pitch
from soundnet_app.sing.ultrastar import UltraStarError
from soundnet_app.sing.ultrastar_export import export_ultrastar, ultrastar_paths
from soundnet_app.sing.ultrastar_files import lyrics_for, media_path, singer_lyrics
from soundnet_app.sing.ultrastar_notes import guide_from_notes
from soundnet_app.ui.karaoke_video import BACKGROUND, VideoError, write_karaoke_video
from soundnet_app.ui.panels.host import Panel, PanelHost
from soundnet_app.ui.threads import TaskThread


class UltraStarPanel(Panel):
    """The two exports (at most one runs: :attr:`task`)."""

    def __init__(self, host: PanelHost):
        super().__init__(host)
        self.task: TaskThread | None = None
        self._what = ""
        host.add_menu("export", "&Export", parent="file")  # File › Export (the export panel's too)
        self.ultrastar_action = host.add_action("&UltraStar Song…", self.ultrastar_dialog,
                                                tip="Write a song folder for UltraStar, Vocaluxe, Performous…",
                                                menu="export")
        self.video_action = host.add_action("Karaoke &Video…", self.video_dialog,
                                            tip="Write an MP4 of the karaoke mix with its lyrics", menu="export")

    @property
    def busy(self) -> bool:
        return self.task is not None

    def cancel(self) -> bool:
        if self.task is None:
            return False
        self.task.cancel()
        return True

    def update_controls(self) -> None:
        can = self.host.song is not None and self.task is None
        self.ultrastar_action.setEnabled(can)
        self.video_action.setEnabled(can)

    def _ready(self) -> Song | None:
        """The song, when it can be exported now; else say why and ``None``."""
        host, song = self.host, self.host.song
        if song is None:
            host.show_banner("Open a song first.", "info")
            return None
        if self.task is not None:
            host.show_status("An export is already running", 4000)
            return None
        if not song.coverage.complete:
            host.show_banner(f"Separating: {round(song.coverage.fraction * 100)} % done. The song can be exported "
                             "once it is fully separated.", "info")
            return None
        return song

    # -- UltraStar song ---------------------------------------------------------------

    def ultrastar_dialog(self) -> None:
        """The folder and the BPM (estimated, the song's own, or typed), then the export."""
        song = self._ready()
        if song is not None:
            own = song.ultrastar.bpm if song.ultrastar is not None else None
            choice = self.host.dialogs.ultrastar_options(self.host, self.host.settings.export_folder, own)
            if choice is not None:
                self.start_ultrastar(choice.folder, bpm=choice.bpm)

    def start_ultrastar(self, outdir: str | Path, on_conflict: str | None = None,
                        bpm: float | None = None) -> TaskThread | None:
        """Write the song's UltraStar folder into ``outdir`` in the background (``on_conflict``: see ExportPanel).

        ``bpm``: the song's tempo (as ``--bpm``); ``None`` estimates it (an UltraStar song keeps its own).
        """
        song = self._ready()
        if song is None:
            return None
        sheet = song.ultrastar
        original = media_path(sheet, "AUDIO") if sheet is not None else song.path
        info = song.info
        title = (sheet.title if sheet is not None else getattr(info, "title", None)) or song.path.stem
        artist = (sheet.artist if sheet is not None else getattr(info, "artist", None)) or ""
        paths = ultrastar_paths(outdir, f"{artist} - {title}" if artist else title, original.suffix)
        clashes = [p for p in paths.values() if p.exists()]
        if clashes and on_conflict is None:
            on_conflict = self.host.dialogs.resolve_conflict(self.host, clashes)
            if on_conflict is None:
                return None
        overwrite = on_conflict == "overwrite"
        folder_name = None
        if clashes and on_conflict == "rename":
            k = 2
            while (Path(outdir) / f"{paths['txt'].parent.name} ({k})").exists():
                k += 1
            folder_name = f"{paths['txt'].parent.name} ({k})"
        vocals, instrumental, mixture = song.vocals, song.instrumental, song.mixture

        def run(progress, cancel):
            if sheet is not None:  # its own notes, on its own beat grid (unless a BPM was typed)
                f0, tempo = guide_from_notes(sheet, -(-song.n_frames // round(HOP_S * SAMPLE_RATE)), HOP_S), sheet.bpm
            else:
                f0, tempo = track_pitch(vocals, SAMPLE_RATE, HOP_S), None
            tempo = bpm if bpm is not None else tempo
            written, _ = export_ultrastar(outdir, original, vocals, instrumental, f0, HOP_S, lyrics_for(song),
                                          title=title, artist=artist, tempo=tempo, mixture=mixture,
                                          overwrite=overwrite, folder_name=folder_name, progress=progress,
                                          cancel=cancel.is_set)
            return written["txt"].parent

        self.host.settings.export_folder = str(outdir)
        return self._start(run, "UltraStar song")

    # -- karaoke video ----------------------------------------------------------------

    def video_dialog(self) -> None:
        song = self._ready()
        if song is None:
            return
        playback = self.host.playback
        name = safe_filename(shifted_name(song.title, playback.key, playback.tempo))
        choice = self.host.dialogs.video_options(self.host, Path(self.host.settings.export_folder) / f"{name}.mp4")
        if choice is not None:
            self.start_video(choice.path, choice.size, choice.colour, choice.picture)

    def start_video(self, path: str | Path, size: str = "720p", colour: str = BACKGROUND,
                    picture: str | Path | None = None) -> TaskThread | None:
        """Write the karaoke video at the key, tempo and guide level playing, in the background."""
        song = self._ready()
        if song is None:
            return None
        path = Path(path).with_suffix(".mp4")
        playback = self.host.playback
        key, tempo, params = playback.key, playback.tempo, playback.params
        vocals, instrumental = song.vocals, song.instrumental

        def run(progress, cancel):
            first, second = singer_lyrics(song)
            return write_karaoke_video(path, vocals, instrumental, first, second=second, key=key, tempo=tempo,
                                       vocal_level=params.vocal_level, instrumental_level=params.instrumental_level,
                                       mute=params.mute, size=SIZES[size], colour=colour, picture=picture,
                                       title=song.title, progress=progress, cancel=cancel.is_set)

        self.host.settings.export_folder = str(path.parent)
        return self._start(run, "karaoke video")

    # -- the task -----------------------------------------------------------------------

    def _start(self, run, what: str) -> TaskThread:
        task = TaskThread(run)
        task.progressed.connect(lambda f: self.host.show_progress(f"Exporting the {what}… {round(f * 100)} %", f))
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        task.finished.connect(self._ended)
        self.task, self._what = task, what
        self.host.show_progress(f"Exporting the {what}…", 0.0)
        self.host.refresh_controls()
        self.host.start_task(task)
        return task

    def _done(self, path: Path) -> None:
        self.host.show_banner(f"Exported the {self._what}: {path}.", "info")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExportCancelled):
            self.host.show_status("Export cancelled", 5000)
            return
        message = str(exc) if isinstance(exc, (UltraStarError, VideoError)) else error_message(exc)
        self.host.show_banner(f"The {self._what} could not be exported. {message}", "error")

    def _ended(self) -> None:
        self.task = None
        if not self.host.separating:
            self.host.hide_progress()
        self.host.refresh_controls()
