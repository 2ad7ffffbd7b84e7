"""Sing along: the lyrics view, the pitch lane and the panel that wires them to the window.

The Qt side of :mod:`soundnet_app.sing.lyrics`, :mod:`soundnet_app.sing.pitch`,
:mod:`soundnet_app.sing.scoring`, :mod:`soundnet_app.sing.mic` and :mod:`soundnet_app.sing.take`.
Nothing heavy runs on the UI thread: the guide is tracked by a
:class:`~soundnet_app.sing.guide.GuideBuilder` thread as separated chunks arrive,
the singer by a :class:`~soundnet_app.sing.mic.SingingSession` thread; the
window's 30 fps timer only repaints.

:class:`SingPanel` adds a "Sing" menu to the window and sits under the
waveforms: lyrics, pitch lane, microphone row (device, latency, score).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.sing.lyrics import Line, Lyrics, LyricsError, LyricsExistError, parse_lrc
from soundnet_app.sing.lyrics_files import find_lyrics, read_lrc, write_lrc
from soundnet_app.sing.tapsync import sync_lines, vocal_onsets
from soundnet_app.sing.monitor import VoiceMonitor
from soundnet_app.sing.guide import GuideBuilder, PitchGuide, guide_path
from soundnet_app.sing.pitch import hz_to_midi
from soundnet_app.sing.scoring import TOLERANCE_CENTS, LiveScorer
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.ui import theme

log = logging.getLogger(__name__)

LANE_PAST_S = 2.5
LANE_FUTURE_S = 5.5
SINGER = "#ffd166"
MISS = "#7f8396"
SCORE_EVERY_S = 0.25  # how often the score label is recomputed while singing
START_OVER_S = 0.5  # a session that starts this close to the song's start begins a new take


class LyricsView(QWidget):
    """The current line (word by word where timed), the one before, and the next two."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lyrics: Lyrics | None = None
        self.time = 0.0
        self.message = "No lyrics for this song. Sing › Load Lyrics… or Sync Lyrics…"
        self.tap_index: int | None = None  # tap-to-sync: the line waiting for its tap
        self.setMinimumHeight(56)
        self._state = None

    def set_lyrics(self, lyrics: Lyrics | None, message: str = "") -> None:
        self.lyrics = lyrics
        if message:
            self.message = message
        self._state = None
        self.update()

    def set_time(self, t: float) -> None:
        self.time = t
        lyr = self.lyrics
        state = None
        if lyr is not None and lyr.synced and self.tap_index is None:
            i = lyr.line_at(t)
            state = (i, lyr.word_at(i, t))
        else:
            state = (self.tap_index, -2)
        if state != self._state:  # repaint only when something shown changes
            self._state = state
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        lyr = self.lyrics
        big, small = QFont(self.font()), QFont(self.font())
        big.setPointSizeF(self.font().pointSizeF() * 1.7)
        big.setBold(True)
        small.setPointSizeF(self.font().pointSizeF() * 1.15)
        if lyr is None or not lyr.lines:
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        if self.tap_index is not None:
            i = self.tap_index
        elif lyr.synced:
            i = lyr.line_at(self.time)
        else:
            i = -1
        rows = [(i - 1, small, theme.TEXT_DIM), (i, big, theme.TEXT), (i + 1, small, theme.TEXT_DIM),
                (i + 2, small, theme.TEXT_DIM)]
        y = 4
        heights = [0.2, 0.36, 0.22, 0.22]
        for (k, font, colour), frac in zip(rows, heights):
            rh = h * frac
            if 0 <= k < len(lyr.lines):
                line = lyr.lines[k]
                p.setFont(font)
                rect = QRectF(0, y, w, rh)
                if k == i and line.words and self.tap_index is None:
                    self._paint_words(p, rect, line, lyr.word_at(k, self.time))
                else:
                    p.setPen(QColor(theme.ACCENT if (k == i and self.tap_index is not None) else colour))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, line.text)
            y += rh

    @staticmethod
    def _paint_words(p: QPainter, rect: QRectF, line, current: int) -> None:
        fm = p.fontMetrics()
        texts = [w.text for w in line.words]
        widths = [fm.horizontalAdvance(t + " ") for t in texts]
        x = rect.center().x() - sum(widths) / 2
        for j, (t, wd) in enumerate(zip(texts, widths)):
            p.setPen(QColor(theme.VOCALS if j <= current else theme.TEXT))
            p.drawText(QRectF(x, rect.top(), wd, rect.height()), Qt.AlignmentFlag.AlignVCenter, t)
            x += wd


def _polygon(xs: np.ndarray, ys: np.ndarray):
    """A ``QPolygonF`` of the points ``(xs[i], ys[i])``, filled from NumPy without a Python loop."""
    from pyqtgraph import functions as fn

    poly = fn.create_qpolygonf(xs.size)
    xy = fn.ndarray_from_qpolygonf(poly)
    xy[:, 0], xy[:, 1] = xs, ys
    return poly


class PitchLane(QWidget):
    """A scrolling note lane: the guide's notes, the playhead, and the singer's pitch as dots.

    The singer's pitch is drawn in the octave nearest the guide (the score is
    octave-tolerant too): green-ish on the note, grey off it.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.guide: PitchGuide | None = None
        self.time = 0.0
        self.key_shift = 0  # semitones, when the player transposes
        self.singer: tuple[np.ndarray, np.ndarray] | None = None
        self._range = (55, 79)
        self._range_version = -1
        self._range_at = 0.0  # when the range was last fitted (a growing guide: at most 1/s)
        self.setMinimumHeight(48)

    def set_guide(self, guide: PitchGuide | None) -> None:
        self.guide = guide
        self._range_version = -1
        self.update()

    def set_time(self, t: float, singer: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.time = t
        self.singer = singer
        self.update()

    def _note_range(self, notes) -> tuple[int, int]:
        guide = self.guide
        now = time.perf_counter()
        if (guide is not None and guide.version != self._range_version and notes
                and (self._range_version < 0 or now - self._range_at >= 1.0 or guide.complete)):
            # Every piece of a guide being built bumps its version: refit the lane at most once a
            # second (NumPy on the UI thread waits for the GIL each time it lets go of it).
            midis = sorted(n.midi for n in notes)
            lo, hi = midis[int(0.02 * (len(midis) - 1))], midis[int(round(0.98 * (len(midis) - 1)))]
            mid = (lo + hi) / 2
            half = max(7, min(14, (hi - lo) / 2 + 2))
            self._range = (int(mid - half), int(mid + half))
            self._range_version = guide.version
            self._range_at = now
        return self._range[0] + self.key_shift, self._range[1] + self.key_shift

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), QColor(theme.PLOT_BACKGROUND))
        guide = self.guide
        notes = guide.latest_notes() if guide is not None else []
        lo, hi = self._note_range(notes)
        span = LANE_PAST_S + LANE_FUTURE_S
        t0 = self.time - LANE_PAST_S

        def x_of(t):
            return (t - t0) / span * w

        def y_of(m):
            return h - 6 - (m - lo) / max(1, hi - lo) * (h - 12)

        p.setPen(QPen(QColor(theme.GRID), 1))
        for m in range(int(lo), int(hi) + 1):
            if m % 12 == 0:  # a C: a faint line per octave
                p.drawLine(0, round(y_of(m)), w, round(y_of(m)))
        row_h = max(3.0, (h - 12) / max(1, hi - lo) * 0.8)
        p.setPen(Qt.PenStyle.NoPen)
        colour = QColor(theme.ACCENT)
        for n in notes:
            if n.end < t0 or n.start > t0 + span:
                continue
            m = n.midi + self.key_shift
            p.setBrush(colour if n.start > self.time or n.end < self.time else QColor(theme.VOCALS))
            p.drawRoundedRect(QRectF(x_of(n.start), y_of(m) - row_h / 2, max(2.0, x_of(n.end) - x_of(n.start)),
                                     row_h), 3, 3)
        if guide is None:
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The pitch guide appears as the voice is separated")
        elif not guide.done.any():
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Tracking the melody…")
        # The singer.
        if self.singer is not None:
            times, f0 = self.singer
            keep = (times >= t0) & (times <= self.time) & (f0 > 0)
            if keep.any():
                ts, midi = times[keep], hz_to_midi(f0[keep])
                ref = np.full(ts.size, (lo + hi) / 2)
                if guide is not None:
                    k = np.rint(ts / guide.hop_s).astype(np.int64)
                    inside = (k >= 0) & (k < guide.n_hops)
                    g = np.where(inside, guide.f0[np.clip(k, 0, guide.n_hops - 1)], 0.0) if guide.n_hops \
                        else np.zeros(ts.size)
                    gm = hz_to_midi(g) + self.key_shift
                    ref = np.where(np.isfinite(gm), gm, ref)
                    # Fold into the octave nearest the guide.
                    midi = midi + 12 * np.round((ref - midi) / 12)
                    hit = np.abs(midi - ref) * 100 <= TOLERANCE_CENTS
                else:
                    hit = np.zeros(ts.size, bool)
                # One round 5-px point per frame, drawn per colour in one call (no Python loop per dot).
                xs, ys = x_of(ts), y_of(midi)
                for on, colour in ((False, MISS), (True, SINGER)):
                    pick = hit == on
                    if pick.any():
                        pen = QPen(QColor(colour), 5)
                        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                        p.setPen(pen)
                        p.drawPoints(_polygon(xs[pick], ys[pick]))
        # The playhead.
        p.setPen(QPen(QColor(theme.PLAYHEAD), 1.5))
        x = round(x_of(self.time))
        p.drawLine(x, 0, x, h)


class SingPanel(QWidget):
    """Lyrics, pitch lane and the microphone row; owns the guide builder and the singing session.

    Args:
        window: the :class:`~.main_window.MainWindow` (its mixer, worker, cache,
            settings, dialogs, timer and signals are used; it calls :meth:`shutdown`).
    """

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.lyrics: Lyrics | None = None
        self.guide: PitchGuide | None = None
        self.scorer: LiveScorer | None = None
        self._score = None  # the last score shown, and when it was computed
        self._score_at = 0.0
        self.session = None
        # Every stretch of the current take (a TakePart per session, oldest first): a pause, a jump or
        # a new shift ends a session, and "my take" is all of them, each where it was sung.
        self.take_parts: list = []
        self.model_version = ""
        self._taps: list[float] | None = None
        self._song = None
        self.builder = GuideBuilder(on_complete=self._guide_complete)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.lyrics_view = LyricsView()
        self.lane = PitchLane()
        layout.addWidget(self.lyrics_view)
        layout.addWidget(self.lane)
        row = QHBoxLayout()
        self.mic_button = QPushButton("Sing")
        self.mic_button.setCheckable(True)
        self.mic_button.setToolTip("Sing along: your pitch on the lane, a score, and a recording (Ctrl+M)")
        self.device_box = QComboBox()
        self.device_box.setToolTip("The microphone")
        self.latency_label = QLabel("")
        self.latency_label.setObjectName("dim")
        self.score_label = QLabel("")
        self.score_label.setObjectName("songSubtitle")
        row.addWidget(self.mic_button)
        row.addWidget(self.device_box)
        row.addWidget(self.latency_label)
        self._build_monitor(row)
        row.addStretch(1)
        row.addWidget(self.score_label)
        layout.addLayout(row)

        self._build_actions()
        self._fill_devices()
        self._apply_monitor()
        self._show_latency()
        window.songLoaded.connect(self.set_song)
        window.worker.chunkReady.connect(self._chunk_ready)
        window.worker.modelReady.connect(self._model_ready)
        window.timer.timeout.connect(self.tick)
        self.setVisible(False)  # shown with a song (the window's minimum height counts it only then)

    # -- settings (stored beside the window's, under "sing/") -----------------

    def settings_bool(self, key: str, default: bool) -> bool:
        value = self.window.settings.q.value(key, default)
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1")

    @property
    def latency_s(self) -> float:
        try:
            return min(1.0, max(0.0, float(self.window.settings.q.value("sing/latency_s", 0.0))))
        except (TypeError, ValueError):
            return 0.0

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        self.window.settings.q.setValue("sing/latency_s", float(value))
        self._show_latency()

    def _show_latency(self) -> None:
        self.latency_label.setText(f"latency {self.latency_s * 1000:.0f} ms")

    # -- hearing yourself ---------------------------------------------------------

    MONITOR_TIP = ("Hear your voice over the song while you sing (use headphones: "
                   "a loudspeaker feeds back into the microphone)")

    def _build_monitor(self, row: QHBoxLayout) -> None:
        """The "Hear myself" checkbox, its level slider and "Reverb"; the monitor the mixer adds in."""
        q = self.window.settings.q
        try:
            level = min(100, max(0, int(q.value("sing/monitor_level", 80))))
        except (TypeError, ValueError):
            level = 80
        self.monitor = VoiceMonitor(SAMPLE_RATE)
        self.monitor.set_params(level=level / 100, reverb=self.settings_bool("sing/reverb", False))
        self.window.mixer.monitor = self.monitor
        self.hear_box = QCheckBox("Hear myself")
        self.hear_box.setAccessibleName("Hear myself")
        self.hear_box.setToolTip(self.MONITOR_TIP)
        self.hear_box.setChecked(self.settings_bool("sing/monitor", False))
        self.monitor_slider = QSlider(Qt.Orientation.Horizontal)
        self.monitor_slider.setRange(0, 100)
        self.monitor_slider.setSingleStep(5)
        self.monitor_slider.setPageStep(10)
        self.monitor_slider.setValue(level)
        self.monitor_slider.setFixedWidth(72)
        self.monitor_slider.setAccessibleName("My voice level")
        self.monitor_slider.setToolTip(f"How loud you hear yourself: {level} %")
        self.reverb_box = QCheckBox("Reverb")
        self.reverb_box.setAccessibleName("Reverb on my voice")
        self.reverb_box.setToolTip("A little room around your voice (only what you hear; the take stays dry)")
        self.reverb_box.setChecked(self.monitor.params.reverb)
        self.hear_box.toggled.connect(self._hear_toggled)
        self.monitor_slider.valueChanged.connect(self._monitor_level_changed)
        self.reverb_box.toggled.connect(self._reverb_toggled)
        for w in (self.hear_box, self.monitor_slider, self.reverb_box):
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            row.addWidget(w)

    def _hear_toggled(self, on: bool) -> None:
        self.window.settings.q.setValue("sing/monitor", bool(on))
        self._apply_monitor()

    def _monitor_level_changed(self, value: int) -> None:
        self.window.settings.q.setValue("sing/monitor_level", int(value))
        self.monitor.set_params(level=value / 100)
        self.monitor_slider.setToolTip(f"How loud you hear yourself: {value} %")

    def _reverb_toggled(self, on: bool) -> None:
        self.window.settings.q.setValue("sing/reverb", bool(on))
        self.monitor.set_params(reverb=on)

    def _apply_monitor(self) -> None:
        """Monitor on when asked for and a microphone exists; the controls say why not otherwise."""
        has_mic = self.device_box.isEnabled()
        self.monitor.enabled = has_mic and self.hear_box.isChecked()
        for w in (self.hear_box, self.monitor_slider, self.reverb_box):
            w.setEnabled(has_mic)
            if not has_mic:
                w.setToolTip("No microphone was found, so there is no voice to hear.")

    # -- actions and menu -------------------------------------------------------

    def _build_actions(self) -> None:
        w = self.window
        self.show_action = w._action("Show &Lyrics and Pitch", self._set_visible, "Ctrl+L",
                                     "Show or hide the lyrics and the pitch lane", checkable=True)
        self.show_action.setChecked(self.settings_bool("sing/visible", True))
        self.load_action = w._action("&Load Lyrics…", self.load_lyrics_dialog, tip="Open an .lrc or text file")
        self.sync_action = w._action("&Sync Lyrics by Tapping…", self.start_tap_sync,
                                     tip="Tap a key at the start of each line while the song plays")
        self.tap_action = w._action("&Tap Line Start", self.tap, Qt.Key.Key_T, "Mark the start of the next line")
        self.tap_action.setEnabled(False)
        self.mic_action = w._action("Sing with the &Microphone", self.set_mic, "Ctrl+M",
                                    "Your pitch on the lane, a score and a recording", checkable=True)
        self.calibrate_action = w._action("&Calibrate Latency", self.calibrate,
                                          tip="Play clicks and record them to measure the round trip")
        self.take_action = w._action("Save My &Take…", self.save_take_dialog,
                                     tip="Your recorded voice with the instrumental, in one file")
        self.new_take_action = w._action("Start a &New Take", self.new_take,
                                         tip="Forget what was sung so far (singing from the very start does too)")
        self.mic_button.toggled.connect(self.mic_action.setChecked)
        self.mic_action.toggled.connect(lambda on: self.mic_button.setChecked(on))
        menu = w.menuBar().addMenu("&Sing")
        for a in (self.show_action, None, self.load_action, self.sync_action, self.tap_action, None,
                  self.mic_action, self.calibrate_action, self.take_action, self.new_take_action):
            menu.addSeparator() if a is None else menu.addAction(a)
        help_action = next((a for a in w.menuBar().actions() if a.text().replace("&", "") == "Help"), None)
        if help_action is not None:  # keep Help last
            w.menuBar().insertMenu(help_action, menu)
        self.menu = menu

    def _set_visible(self, on: bool) -> None:
        self.window.settings.q.setValue("sing/visible", bool(on))
        self.setVisible(on and self._song is not None)

    def _fill_devices(self) -> None:
        from soundnet_app.sing.mic import input_devices

        self.device_box.clear()
        if os.environ.get("SOUNDNET_MIC_FILE"):
            self.device_box.addItem(f"File: {Path(os.environ['SOUNDNET_MIC_FILE']).name}", None)
            return
        devices = input_devices()
        if not devices:
            self.device_box.addItem("No microphone", None)
            self.device_box.setEnabled(False)
            self.mic_button.setToolTip("No microphone was found; lyrics and the pitch guide still work.")
            return
        saved = self.window.settings.q.value("sing/device", "")
        for index, name in devices:
            self.device_box.addItem(name, index)
            if name == saved:
                self.device_box.setCurrentIndex(self.device_box.count() - 1)
        self.device_box.currentTextChanged.connect(lambda name: self.window.settings.q.setValue("sing/device", name))

    def make_source(self):
        """The input the singer is heard from: ``$SOUNDNET_MIC_FILE`` (a file, looped) or the chosen device."""
        from soundnet_app.sing.mic import FileInput, MicInput

        path = os.environ.get("SOUNDNET_MIC_FILE")
        if path:
            return FileInput(path, loop=True)
        return MicInput(self.device_box.currentData())

    # -- song, lyrics, guide ----------------------------------------------------------

    def set_song(self, song) -> None:
        self.stop_session()
        self._song = song
        self.setVisible(self.show_action.isChecked())
        self._taps = None
        self.lyrics_view.tap_index = None
        self.take_parts = []
        try:
            lyrics = find_lyrics(song.path)
            self.set_lyrics(lyrics)
        except LyricsError as e:
            self.set_lyrics(None, str(e))
            self.window.banner.show_message(f"The lyrics could not be read. {e}", "warning")
        self.guide = PitchGuide(song.n_frames, SAMPLE_RATE)
        self.scorer = LiveScorer(self.guide.f0, self.guide.hop_s, self._line_bounds())
        stored = self._guide_file()
        loaded = PitchGuide.load(stored, song.n_frames) if stored is not None else None
        if loaded is not None:
            loaded.notes()
            self.guide = loaded
            self.scorer.guide = loaded.f0
        self.builder.reset(self.guide)
        self.lane.set_guide(self.guide)
        self.score_label.setText("")

    def set_lyrics(self, lyrics: Lyrics | None, message: str = "") -> None:
        self.lyrics = lyrics
        self.lyrics_view.set_lyrics(lyrics, message)
        if self.scorer is not None:
            self.scorer.lines = self._line_bounds()

    def _line_bounds(self) -> list[tuple[float, float]]:
        lyr = self.lyrics
        if lyr is None or not lyr.synced:
            return []
        return [(ln.start, lyr.line_end(i)) for i, ln in enumerate(lyr.lines)]

    def _model_ready(self, version: str) -> None:
        self.model_version = version

    def _guide_file(self) -> Path | None:
        cache, song = self.window.cache, self._song
        if cache is None or song is None or not song.content_hash or not self.model_version:
            return None
        from soundnet_app.separation.cache import cache_key

        return guide_path(cache.root, cache_key(song.content_hash, self.model_version))

    def _chunk_ready(self, job_id: int, start: int, end: int) -> None:
        song, guide = self._song, self.guide
        if song is None or guide is None or song is not self.window.song or guide.complete:
            return
        self.builder.submit(guide, song.vocals, start, end)

    def _guide_complete(self, guide: PitchGuide) -> None:  # the builder's thread
        path = self._guide_file()
        if path is not None and guide is self.guide:
            guide.save(path)

    # -- loading and syncing lyrics ----------------------------------------------------

    def load_lyrics_dialog(self) -> None:
        folder = str(self._song.path.parent) if self._song else self.window.settings.last_folder
        path, _ = QFileDialog.getOpenFileName(self, "Load Lyrics", folder, "Lyrics (*.lrc *.txt);;All files (*)")
        if path:
            self.load_lyrics(path)

    def load_lyrics(self, path: str | Path) -> bool:
        try:
            lyrics = read_lrc(path)
        except LyricsError as e:
            self.window.banner.show_message(str(e), "error")
            return False
        self.set_lyrics(lyrics)
        if lyrics.warnings:
            self.window.banner.show_message(" ".join(lyrics.warnings), "warning")
        return True

    def start_tap_sync(self, text: str | None = None) -> bool:
        """Tap mode: the lines of ``text`` (default: the unsynced lyrics, or ask) get a tap each."""
        if self._song is None:
            return False
        if text is None or isinstance(text, bool):
            if self.lyrics is not None and self.lyrics.lines:
                text = "\n".join(self.lyrics.texts)
            else:
                text, ok = QInputDialog.getMultiLineText(self, "Sync Lyrics", "Paste the lyrics, one line per line:")
                if not ok:
                    return False
        lines = parse_lrc(text).texts if text else []
        if not lines:
            return False
        self.set_lyrics(Lyrics([Line(float("nan"), t) for t in lines], False))
        self._taps = []
        self.lyrics_view.tap_index = 0
        self.tap_action.setEnabled(True)
        self.window.statusBar().showMessage(
            "Play the song and press T at the start of each line", 8000)
        return True

    def tap(self) -> None:
        if self._taps is None or self.lyrics is None:
            return
        self._taps.append(self.window.mixer.position / SAMPLE_RATE)
        self.lyrics_view.tap_index = len(self._taps)
        self.lyrics_view.update()
        if len(self._taps) >= len(self.lyrics.lines):
            self.finish_tap_sync()

    def finish_tap_sync(self, overwrite: bool | None = None):
        """Snap the taps to the separated vocal's onsets and write the ``.lrc``; returns its path."""
        taps, self._taps = self._taps or [], None
        self.tap_action.setEnabled(False)
        self.lyrics_view.tap_index = None
        song = self._song
        if not taps or song is None:
            return None
        onsets = None
        if song.coverage.complete:
            onsets = vocal_onsets(song.vocals, SAMPLE_RATE)
        lyrics = sync_lines(self.lyrics.texts[: len(taps)], taps, onsets)
        self.set_lyrics(lyrics)
        try:
            path = write_lrc(lyrics, song.path, overwrite=bool(overwrite))
        except LyricsExistError as e:
            if overwrite is None and self.window.dialogs.resolve_conflict(self.window, [e.path]) == "overwrite":
                path = write_lrc(lyrics, song.path, overwrite=True)
            else:
                self.window.statusBar().showMessage("The synced lyrics were not saved", 6000)
                return None
        except LyricsError as e:
            self.window.banner.show_message(str(e), "error")
            return None
        self.window.statusBar().showMessage(f"Saved the synced lyrics to {path}", 8000)
        return path

    # -- the microphone --------------------------------------------------------------------

    def set_mic(self, on: bool) -> None:
        if not on:
            self.stop_session()
            return
        source = self.make_source()
        if not source.available:
            self.window.banner.show_message(source.reason, "warning")
            self.mic_action.setChecked(False)

    @property
    def mic_on(self) -> bool:
        return self.mic_action.isChecked()

    @property
    def last_take(self):
        """The most recent stretch (a :class:`~soundnet_app.sing.take.TakePart`), or ``None``."""
        return self.take_parts[-1] if self.take_parts else None

    def new_take(self) -> None:
        """Start over: forget the stretches sung so far and their score (a running session goes on)."""
        if self.session is not None:
            self.session.stop()
            self.session = None  # the next tick starts a fresh one in step
        self.take_parts = []
        if self.scorer is not None:
            self.scorer.reset()
        self._score = None
        self.score_label.setText("")

    def _start_session(self) -> None:
        from soundnet_app.sing.mic import SingingSession

        source = self.make_source()
        mixer = self.window.mixer
        if self.take_parts and mixer.position < START_OVER_S * SAMPLE_RATE:
            self.new_take()  # singing from the very start again: a new take, not a patch of the old one
        session = SingingSession(source, None, mixer.position / SAMPLE_RATE, self.latency_s, scorer=self.scorer,
                                 key=mixer.key, tempo=mixer.tempo, monitor=self.monitor)
        if not session.start():
            self.window.banner.show_message(getattr(source, "reason", "") or "The microphone did not start.",
                                            "warning")
            self.mic_action.setChecked(False)
            return
        self.session = session
        self._session_start_frame = self.window.mixer.position
        self._session_clock = time.perf_counter()

    def stop_session(self) -> None:
        from soundnet_app.sing.take import TakePart

        session, self.session = self.session, None
        if session is not None:
            session.stop()
            rec = session.recording()
            if rec.size:
                self.take_parts.append(TakePart(rec, self._session_start_frame, session.source.sample_rate,
                                                session.key, session.tempo))

    def calibrate(self) -> None:
        from soundnet_app.sing.take import calibrate_latency
        from soundnet_app.ui.worker import TaskThread, error_message

        task = TaskThread(lambda progress, cancel: calibrate_latency())
        task.succeeded.connect(lambda s: setattr(self, "latency_s", s))
        task.failed.connect(lambda e: self.window.banner.show_message(
            f"Could not measure the latency. {error_message(e)}", "warning"))
        self.window._start_task(task)

    def save_take_dialog(self) -> None:
        if self.last_take is None and self.session is None:
            self.window.banner.show_message("Sing something first: turn the microphone on and play the song.", "info")
            return
        folder = self.window.settings.export_folder
        name = f"{self._song.title} - my take.wav" if self._song else "my take.wav"
        path, _ = QFileDialog.getSaveFileName(self, "Save My Take", str(Path(folder) / name),
                                              "WAV (*.wav);;FLAC (*.flac);;MP3 (*.mp3)")
        if path:
            self.save_take(path)

    def save_take(self, path: str | Path):
        """Export every stretch of the take in the background; returns the task (``None`` if nothing was recorded).

        Stretches sung at another key or tempo than the most recent one are left out (they would
        not fit the instrumental rendered at it), and the message says so.
        """
        from soundnet_app.sing.take import export_takes
        from soundnet_app.ui.worker import TaskThread, error_message

        if self.session is not None:
            self.stop_session()
        song = self._song
        if not self.take_parts or song is None:
            return None
        shift = (self.take_parts[-1].key, self.take_parts[-1].tempo)
        parts = [p for p in self.take_parts if (p.key, p.tempo) == shift]
        left_out = len(self.take_parts) - len(parts)
        params = self.window.mixer.params
        latency = self.latency_s

        def run(progress, cancel):
            # At the key and tempo it was sung at (rendered offline, full quality, in this thread).
            return export_takes(path, song.instrumental, parts, latency, vocals=song.vocals,
                                vocal_level=0.0 if params.mute else params.vocal_level,
                                instrumental_level=params.instrumental_level)

        def saved(p) -> None:
            text = f"Saved your take to {Path(p).name}."
            if left_out:
                key, tempo = shift
                text += (f" {left_out} earlier part{'s' if left_out > 1 else ''} sung at another key or tempo "
                         f"{'were' if left_out > 1 else 'was'} left out: the take is at key {key:+d}, "
                         f"{round(tempo * 100)} % tempo.")
            self.window.banner.show_message(text, "info" if not left_out else "warning")

        task = TaskThread(run)
        task.succeeded.connect(saved)
        task.failed.connect(lambda e: self.window.banner.show_message(f"Could not save the take. {error_message(e)}",
                                                                      "error"))
        self.window._start_task(task)
        return task

    # -- every frame -------------------------------------------------------------------------

    def tick(self) -> None:
        song = self.window.song
        if song is None or not self.isVisible():
            return
        mixer = self.window.mixer
        frame = max(0, mixer.position - self.window.output.output_delay_frames)
        t = frame / SAMPLE_RATE
        # A singing session runs while the song plays; a pause, a jump or a new key or tempo
        # ends it (the next starts in step). The song moves ``tempo`` seconds per second.
        session = self.session
        if session is not None:
            expected = session.song_start_s + session.tempo * (time.perf_counter() - self._session_clock)
            if (not mixer.playing or not self.mic_on or (session.key, session.tempo) != mixer.shift
                    or abs(expected - mixer.position / SAMPLE_RATE) > 0.5):
                self.stop_session()
        if self.session is None and self.mic_on and mixer.playing:
            self._start_session()
        self.lyrics_view.set_time(t)
        self.lane.key_shift = mixer.key  # the guide's notes where the singer hears them
        singer = self.session.sung() if self.session is not None else None
        self.lane.set_time(t, singer)
        if self.scorer is not None and (self.session is not None or self.take_parts):
            # Scoring the whole song's grid takes a few ms of NumPy: four times a second is enough.
            now = time.perf_counter()
            if self._score is None or now - self._score_at >= SCORE_EVERY_S:
                self._score, self._score_at = self.scorer.score(), now
            score = self._score
            i = self.lyrics.line_at(t) if self.lyrics is not None else -1
            line = score.lines[i] if 0 <= i < len(score.lines) else None
            text = f"Score {score.percent} %"
            if line is not None:
                text += f" · this line {round(line * 100)} %"
            if self.score_label.text() != text:
                self.score_label.setText(text)

    def shutdown(self) -> None:
        self.monitor.enabled = False
        self.stop_session()
        self.builder.stop(timeout=2.0)
