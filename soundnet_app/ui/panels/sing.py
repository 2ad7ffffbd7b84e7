"""Sing along: the panel that wires the sing-along session to the window.

The Qt side of :mod:`soundnet_app.sing.session`: :class:`SingPanel` adds a
"Sing" menu, puts a :class:`~soundnet_app.ui.panels.sing_views.SingView`
(lyrics, pitch lane, microphone row) under the waveforms, forwards the
window's events (song opened, chunk separated, model ready, tick) to a
:class:`~soundnet_app.sing.session.SingAlong`, and shows its state. Nothing
heavy runs on the UI thread: the guide is tracked by the session's
:class:`~soundnet_app.sing.guide.GuideBuilder` thread, the singer by a
:class:`~soundnet_app.sing.mic.SingingSession` thread; the tick only repaints.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.export import safe_filename
from soundnet_app.engine.loading import error_message
from soundnet_app.engine.playback import song_id
from soundnet_app.engine.song import Song
from soundnet_app.sing.lyrics import Lyrics, LyricsError, LyricsExistError
from soundnet_app.sing.mic import FileInput, InputSource, MicInput, input_devices
from soundnet_app.sing.monitor import VoiceMonitor
from soundnet_app.sing.session import SingAlong
from soundnet_app.sing.take import calibrate_latency, file_play_record, latency_problem
from soundnet_app.sing.ultrastar_files import singer_lyrics
from soundnet_app.ui.panels.host import Panel, PanelHost
from soundnet_app.ui.panels.lyrics_reader import LyricsReader
from soundnet_app.ui.panels.sing_views import SingView
from soundnet_app.ui.threads import TaskThread


class SingPanel(Panel):
    """Lyrics, pitch lane and the microphone row, on a :class:`~soundnet_app.ui.panels.host.PanelHost`.

    ``singalong`` holds the song's singing state; ``view`` is the widget;
    the settings are stored beside the window's, under ``sing/``.
    """

    def __init__(self, host: PanelHost):
        super().__init__(host)
        self.view = SingView()
        self.monitor = self._make_monitor()
        host.playback.set_monitor(self.monitor)  # the voice is added to what plays
        self.singalong = SingAlong(self.make_source, self.monitor)
        self.lyrics_reader = LyricsReader(host, self._lyrics_read)  # parsing off the UI thread
        self.singalong.latency_s = self._stored_latency()
        self._shown_score = None  # the last Score told to HostEvents.scoreChanged
        self._build_actions()
        self._fill_devices()
        v = self.view
        v.device_box.currentTextChanged.connect(lambda name: self.host.settings.q.setValue("sing/device", name))
        v.hear_box.toggled.connect(self._hear_toggled)
        v.monitor_slider.valueChanged.connect(self._monitor_level_changed)
        v.reverb_box.toggled.connect(self._reverb_toggled)
        self._apply_monitor()
        v.show_latency(self.latency_s)
        host.place(v, "below_waveforms", stretch=2)  # lyrics before waveforms: 2/3 of a bigger window
        host.events.songLoaded.connect(self.set_song)
        host.events.chunkSeparated.connect(self._chunk_ready)
        host.events.modelReady.connect(self._model_ready)
        host.events.tick.connect(self.tick)
        v.setVisible(False)  # shown with a song (the window's minimum height counts it only then)

    # -- settings ---------------------------------------------------------------------

    def settings_bool(self, key: str, default: bool) -> bool:
        value = self.host.settings.q.value(key, default)
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1")

    def _stored_latency(self) -> float:
        try:
            return min(1.0, max(0.0, float(self.host.settings.q.value("sing/latency_s", 0.0))))
        except (TypeError, ValueError):
            return 0.0

    @property
    def latency_s(self) -> float:
        return self.singalong.latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        self.host.settings.q.setValue("sing/latency_s", float(value))
        self.singalong.latency_s = self._stored_latency()
        self.view.show_latency(self.latency_s)

    # -- hearing yourself ----------------------------------------------------------------

    def _make_monitor(self) -> VoiceMonitor:
        """The monitor the mixer adds in, and its controls, as the settings left them."""
        try:
            level = min(100, max(0, int(self.host.settings.q.value("sing/monitor_level", 80))))
        except (TypeError, ValueError):
            level = 80
        monitor = VoiceMonitor(SAMPLE_RATE)
        monitor.set_params(level=level / 100, reverb=self.settings_bool("sing/reverb", False))
        self.view.show_monitor(level, self.settings_bool("sing/monitor", False), monitor.params.reverb)
        return monitor

    def _hear_toggled(self, on: bool) -> None:
        self.host.settings.q.setValue("sing/monitor", bool(on))
        self._apply_monitor()

    def _monitor_level_changed(self, value: int) -> None:
        self.host.settings.q.setValue("sing/monitor_level", int(value))
        self.monitor.set_params(level=value / 100)
        self.view.show_monitor_level(value)

    def _reverb_toggled(self, on: bool) -> None:
        self.host.settings.q.setValue("sing/reverb", bool(on))
        self.monitor.set_params(reverb=on)

    def _apply_monitor(self) -> None:
        """Monitor on when asked for and a microphone exists; the controls say why not otherwise."""
        has_mic = self.view.has_mic
        self.monitor.enabled = has_mic and self.view.hear_box.isChecked()
        self.view.show_has_mic(has_mic)

    # -- actions and menu -------------------------------------------------------------------

    def _build_actions(self) -> None:
        host = self.host
        menu = host.add_menu("sing", "&Sing")
        self.show_action = host.add_action("Show &Lyrics and Pitch", self._set_visible, "Ctrl+L",
                                           "Show or hide the lyrics and the pitch lane", checkable=True, menu="sing")
        self.show_action.setChecked(self.settings_bool("sing/visible", True))
        menu.addSeparator()
        self.load_action = host.add_action("Load L&yrics…", self.load_lyrics_dialog, tip="Open an .lrc or text file",
                                           menu="sing")
        self.sync_action = host.add_action("&Sync Lyrics by Tapping…", self.start_tap_sync,
                                           tip="Tap a key at the start of each line while the song plays", menu="sing")
        self.tap_action = host.add_action("&Tap Line Start", self.tap, Qt.Key.Key_T, "Mark the start of the next line",
                                          menu="sing")
        self.tap_action.setEnabled(False)
        menu.addSeparator()
        self.mic_action = host.add_action("Sing with the &Microphone", self.set_mic, "Ctrl+M",
                                          "Your pitch on the lane, a score and a recording", checkable=True,
                                          menu="sing")
        self.calibrate_action = host.add_action("&Calibrate Latency", self.calibrate,
                                                tip="Play clicks and record them to measure the round trip",
                                                menu="sing")
        self.take_action = host.add_action("Sa&ve My Take…", self.save_take_dialog,
                                           tip="Your recorded voice with the instrumental, in one file", menu="sing")
        self.new_take_action = host.add_action("Start a &New Take", self.new_take,
                                               tip="Forget what was sung so far (singing from the very start does too)",
                                               menu="sing")
        self.view.mic_button.toggled.connect(self.mic_action.setChecked)
        self.mic_action.toggled.connect(lambda on: self.view.mic_button.setChecked(on))
        self.menu = menu

    def _set_visible(self, on: bool) -> None:
        self.host.settings.q.setValue("sing/visible", bool(on))
        self.view.setVisible(on and self.singalong.song is not None)

    def _fill_devices(self) -> None:
        path = os.environ.get("SOUNDNET_MIC_FILE")
        if path:
            self.view.show_devices([], file_name=Path(path).name)
        else:
            self.view.show_devices(input_devices(), saved=self.host.settings.q.value("sing/device", ""))

    def make_source(self) -> InputSource:
        """The input the singer is heard from: ``$SOUNDNET_MIC_FILE`` (a file, looped) or the chosen device."""
        path = os.environ.get("SOUNDNET_MIC_FILE")
        if path:
            return FileInput(path, loop=True)
        return MicInput(self.view.device_box.currentData())

    # -- song, lyrics, guide -------------------------------------------------------------------

    def set_song(self, song: Song) -> None:
        cache = self.host.cache
        self.singalong.cache_root = cache.root if cache is not None else None
        self.singalong.open_song(song, read_lyrics=False)
        self.view.setVisible(self.show_action.isChecked())
        self.view.lyrics_view.tap_index = None
        if song.ultrastar is not None:  # an UltraStar song's syllables are its lyrics: nothing to read
            self.lyrics_reader.forget()
            self.set_lyrics(self.singalong.lyrics)
            self.view.lyrics_view.set_duet(*singer_lyrics(song))  # a duet: a row per singer
        else:
            self.view.lyrics_view.set_lyrics(None)
            self.host.events.lyricsChanged.emit(None)  # until the reader delivers (set_lyrics emits them)
            chosen = self.host.playback.prefs.get(song_id(song)).get("lyrics_file")  # picked with Load Lyrics…
            self.lyrics_reader.read_song(song.path, self.singalong.lyrics_dir, Path(chosen) if chosen else None)
        self.view.lane.set_guide(self.singalong.guide)
        self.host.events.guideChanged.emit(self.singalong.guide)
        self.view.score_label.setText("")

    def set_lyrics(self, lyrics: Lyrics | None, message: str = "") -> None:
        self.singalong.set_lyrics(lyrics)
        self.view.lyrics_view.set_lyrics(lyrics, message)
        self.host.events.lyricsChanged.emit(lyrics)

    def _model_ready(self, version: str) -> None:
        if self.singalong.set_model_version(version):
            self.view.lane.set_guide(self.singalong.guide)
            self.host.events.guideChanged.emit(self.singalong.guide)

    def _chunk_ready(self, job_id: int, start: int, end: int) -> None:
        self.singalong.chunk_separated(start, end, self.host.song)

    # -- loading and syncing lyrics ---------------------------------------------------------------

    def load_lyrics_dialog(self) -> None:
        song = self.singalong.song
        folder = str(song.path.parent) if song else self.host.settings.last_folder
        path = self.host.dialogs.open_lyrics(self.host, folder)
        if path:
            self.load_lyrics(path)

    def load_lyrics(self, path: str | Path) -> None:
        """Read a lyrics file the user picked (in the background); the song remembers it."""
        self.lyrics_reader.read_file(path)

    def _lyrics_read(self, lyrics: Lyrics | None, error: str, source: Path | None, picked: bool) -> None:
        song = self.singalong.song
        if error:
            if picked:  # the song keeps the lyrics it had
                self.host.show_banner(error, "error")
            else:
                self.set_lyrics(None, error)
                self.host.show_banner(f"The lyrics could not be read. {error}", "warning")
            return
        self.set_lyrics(lyrics)
        if lyrics is not None and lyrics.warnings:
            self.host.show_banner(" ".join(lyrics.warnings), "warning")
        if picked and song is not None and source is not None:  # opened again, the song gets these lyrics
            self.host.playback.prefs.put(song_id(song), lyrics_file=str(source.resolve()))

    def start_tap_sync(self, text: str | None = None) -> bool:
        """Tap mode: the lines of ``text`` (default: the lyrics shown, or ask) get a tap each."""
        sa = self.singalong
        if sa.song is None:
            return False
        if text is None or isinstance(text, bool):  # from the menu: the action's "checked"
            if sa.lyrics is not None and sa.lyrics.lines:
                text = "\n".join(sa.lyrics.texts)
            else:
                text = self.host.dialogs.paste_lyrics(self.host)
                if text is None:
                    return False
        if not sa.start_tap_sync(text):
            return False
        self.lyrics_reader.forget()  # lyrics still being read would replace the lines being tapped
        self.view.lyrics_view.set_lyrics(sa.lyrics)
        self.view.lyrics_view.tap_index = 0
        self.tap_action.setEnabled(True)
        self.host.show_status("Play the song and press T at the start of each line", 8000)
        return True

    def tap(self) -> None:
        sa = self.singalong
        if sa.taps is None or sa.lyrics is None:
            return
        # What the singer hears now (the sound card's clock), not what the mixer has rendered.
        done = sa.tap(max(0, self.host.playback.position - self.host.output_delay_frames) / SAMPLE_RATE)
        self.view.lyrics_view.tap_index = sa.tap_index
        self.view.lyrics_view.update()
        if done:
            self.finish_tap_sync()

    def finish_tap_sync(self, overwrite: bool | None = None) -> Path | None:
        """Snap the taps to the separated vocal's onsets and write the ``.lrc``; returns its path.

        ``overwrite=None`` asks before replacing a file; ``False`` never replaces one.
        """
        self.tap_action.setEnabled(False)
        self.view.lyrics_view.tap_index = None
        lyrics = self.singalong.finish_tap_sync()
        if lyrics is None:
            return None
        self.view.lyrics_view.set_lyrics(lyrics)
        try:
            path = self.singalong.save_lyrics(overwrite=bool(overwrite))
        except LyricsExistError as e:
            if overwrite is None and self.host.dialogs.resolve_conflict(self.view, [e.path]) == "overwrite":
                path = self.singalong.save_lyrics(overwrite=True)
            else:
                self.host.show_status("The synced lyrics were not saved", 6000)
                return None
        except LyricsError as e:
            self.host.show_banner(str(e), "error")
            return None
        self.host.show_status(f"Saved the synced lyrics to {path}", 8000)
        return path

    # -- the microphone and the takes ---------------------------------------------------------------

    def set_mic(self, on: bool) -> None:
        if not on:
            self.singalong.stop_mic()
            return
        source = self.make_source()
        if not source.available:
            self.host.show_banner(source.reason, "warning")
            self.mic_action.setChecked(False)

    @property
    def mic_on(self) -> bool:
        return self.mic_action.isChecked()

    def new_take(self) -> None:
        """Start over: forget the stretches sung so far and their score (a running session goes on)."""
        self.singalong.new_take()
        self.view.score_label.setText("")

    def calibrate(self) -> None:
        path = os.environ.get("SOUNDNET_MIC_FILE")
        device = self.view.device_box.currentData()

        def run(progress, cancel):
            play_record = file_play_record(FileInput(path).audio) if path else None
            return calibrate_latency(play_record, input_device=device)

        task = TaskThread(run)
        task.succeeded.connect(lambda s: setattr(self, "latency_s", s))
        task.failed.connect(lambda e: self.host.show_banner(
            f"Could not measure the latency. {latency_problem(e)}", "warning"))
        self.host.start_task(task)

    def save_take_dialog(self) -> None:
        sa = self.singalong
        if sa.last_take is None and sa.mic is None:
            self.host.show_banner("Sing something first: turn the microphone on and play the song.", "info")
            return
        folder = self.host.settings.export_folder
        name = f"{safe_filename(sa.song.title)} - my take.wav" if sa.song else "my take.wav"  # "AC/DC": no subfolder
        path = self.host.dialogs.save_audio(self.host, "Save My Take", Path(folder) / name)
        if path:
            self.save_take(path)

    def save_take(self, path: str | Path) -> TaskThread | None:
        """Export every stretch of the take in the background; returns the task (``None`` if nothing was recorded).

        Stretches sung at another key or tempo than the most recent one are left out (they would
        not fit the instrumental rendered at it), and the message says so.
        """
        take = self.singalong.take_to_save()
        if take is None:
            return None
        params = self.host.playback.params

        def run(progress, cancel):
            # At the key and tempo it was sung at (rendered offline, full quality, in this thread).
            return take.write(path, params.vocal_level, params.instrumental_level, mute=params.mute)

        def saved(p) -> None:
            text = f"Saved your take to {Path(p).name}."
            left_out = take.left_out
            if left_out:
                text += (f" {left_out} earlier part{'s' if left_out > 1 else ''} sung at another key or tempo "
                         f"{'were' if left_out > 1 else 'was'} left out: the take is at key {take.key:+d}, "
                         f"{round(take.tempo * 100)} % tempo.")
            self.host.show_banner(text, "info" if not left_out else "warning")

        task = TaskThread(run)
        task.succeeded.connect(saved)
        task.failed.connect(lambda e: self.host.show_banner(f"Could not save the take. {error_message(e)}", "error"))
        self.host.start_task(task)
        return task

    # -- every frame ------------------------------------------------------------------------------------

    def tick(self) -> None:
        if self.host.song is None or not self.view.isVisible():
            return
        playback, sa, view = self.host.playback, self.singalong, self.view
        position = playback.position
        t = max(0, position - self.host.output_delay_frames) / SAMPLE_RATE
        if not sa.follow(playback.playing, self.mic_on, position, playback.key, playback.tempo):
            self.host.show_banner(sa.mic_problem, "warning")
            self.mic_action.setChecked(False)
        view.lyrics_view.set_time(t)
        view.lane.key_shift = playback.key  # the guide's notes where the singer hears them
        view.lane.set_time(t, sa.mic.sung() if sa.mic is not None else None)
        score = sa.score_now()
        if score is not self._shown_score:  # a new score object every SCORE_EVERY_S while singing
            self._shown_score = score
            self.host.events.scoreChanged.emit(score)
        if score is not None:
            i = sa.lyrics.line_at(t) if sa.lyrics is not None else -1
            line = score.lines[i] if 0 <= i < len(score.lines) else None
            text = f"Score {score.percent} %"
            if line is not None:
                text += f" · this line {round(line * 100)} %"
            if sa.game_score is not None:  # the same take by the UltraStar games' rules
                text += f" · UltraStar {sa.game_score.total:,}"
            view.show_score(text)
        elif sa.score is None:  # a new take (or song): no score yet
            view.show_score("")

    def shutdown(self) -> None:
        self.monitor.enabled = False
        self.singalong.shutdown()
