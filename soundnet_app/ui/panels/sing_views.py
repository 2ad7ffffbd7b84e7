"""The sing panel's widgets: the lyrics view, the pitch lane and the microphone row.

Pure widgets: they show what they are given (lyrics and a time, a guide and
the singer's pitch) and know nothing of the window or the player;
:class:`~soundnet_app.ui.panels.sing.SingPanel` wires them.
"""

from __future__ import annotations

import time

import numpy as np
from pyqtgraph import functions as fn
from PySide6.QtCore import QRectF, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.sing.guide import PitchGuide
from soundnet_app.sing.lyrics import Lyrics
from soundnet_app.sing.lyrics_frame import LyricsFrame, lyrics_frame_at
from soundnet_app.sing.pitch import hz_to_midi
from soundnet_app.sing.scoring import TOLERANCE_CENTS
from soundnet_app.ui import theme
from soundnet_app.ui.lyrics_painter import LyricsStyle, paint_lyrics

LYRICS_MIN_HEIGHT = 48  # the current line and a preview at the desk's smallest font
LYRICS_HEIGHT = 150  # what the lyrics ask for: the line before, the current one (wrapped) and the next
LANE_MAX_HEIGHT = 160
LANE_PAST_S = 2.5
LANE_FUTURE_S = 5.5
SINGER = "#ffd166"
MISS = "#7f8396"
MONITOR_TIP = ("Hear your voice over the song while you sing (use headphones: "
               "a loudspeaker feeds back into the microphone)")
NO_MIC_TIP = "No microphone was found, so there is no voice to hear."


class LyricsView(QWidget):
    """The current line (wiped word by word where timed), the next one, and the one before where there is room.

    Drawn by :func:`~soundnet_app.ui.lyrics_painter.paint_lyrics` (long lines wrap, nothing overlaps);
    :attr:`drawn` keeps the rectangles of the last paint. A duet (:meth:`set_duet`) shows two rows, as the
    karaoke video does: singer 1's lines in the upper half, singer 2's in the lower (:attr:`drawn_by_singer`).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lyrics: Lyrics | None = None
        self.time = 0.0
        self.message = "No lyrics for this song. Sing › Load Lyrics… or Sync Lyrics…"
        self.tap_index: int | None = None  # tap-to-sync: the line waiting for its tap
        self.second: Lyrics | None = None  # a duet's second singer (then :attr:`lyrics` is the first's)
        self.drawn: list[QRectF] = []
        self.drawn_by_singer: list[list[QRectF]] = []  # a duet: the rectangles of each singer's half
        self.setMinimumHeight(LYRICS_MIN_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._shown: list[LyricsFrame] | None = None

    def sizeHint(self) -> QSize:
        return QSize(400, LYRICS_HEIGHT)

    def set_lyrics(self, lyrics: Lyrics | None, message: str = "") -> None:
        self.lyrics, self.second = lyrics, None
        if message:
            self.message = message
        self._shown = None
        self.update()

    def set_duet(self, first: Lyrics | None, second: Lyrics | None) -> None:
        """A duet's two singers apart, one row each; ``second`` ``None`` (not a duet) changes nothing."""
        if second is not None and second.synced and first is not None:
            self.set_lyrics(first)
            self.second = second

    @property
    def frames(self) -> list[LyricsFrame]:
        """What each row shows now: one frame, or a duet's two (singer 1, singer 2)."""
        frame = self.frame
        if self.second is None or self.tap_index is not None:
            return [frame]
        return [frame, lyrics_frame_at(self.second, self.time)]

    @property
    def frame(self) -> LyricsFrame:
        """What the view shows now: the tapped line while syncing, else the lyrics at :attr:`time`."""
        lyr = self.lyrics
        if self.tap_index is not None and lyr is not None:
            i = self.tap_index
            return LyricsFrame(i, i - 1, i + 1 if i + 1 < len(lyr.lines) else -1, 0.0, 0)
        return lyrics_frame_at(lyr, self.time)

    def set_time(self, t: float) -> None:
        self.time = t
        frame = self.frames
        if frame != self._shown:  # repaint only when something shown changes
            self._shown = frame
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        style = LyricsStyle.for_height(self.height(), stage=False, family=self.font().family())
        if self.tap_index is not None:
            style.text = theme.ACCENT  # the line waiting for its tap
        frames, rect = self.frames, QRectF(self.rect())
        if len(frames) == 1:
            self.drawn = paint_lyrics(p, rect, self.lyrics, frames[0], style, self.message)
            self.drawn_by_singer = []
        else:  # a duet: two halves, each singer's lines with their own wipe (as ui/karaoke_video.py draws it)
            half = rect.height() / 2
            style = LyricsStyle.for_height(half, stage=False, family=self.font().family())
            areas = [QRectF(rect.left(), rect.top(), rect.width(), half),
                     QRectF(rect.left(), rect.top() + half, rect.width(), rect.height() - half)]
            self.drawn_by_singer = [paint_lyrics(p, area, lyrics, frame, style)
                                    for area, lyrics, frame in zip(areas, (self.lyrics, self.second), frames)]
            self.drawn = [r for rows in self.drawn_by_singer for r in rows]
        p.end()


def _polygon(xs: np.ndarray, ys: np.ndarray) -> QPolygonF:
    """A ``QPolygonF`` of the points ``(xs[i], ys[i])``, filled from NumPy without a Python loop."""
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
        self.setMinimumHeight(32)
        self.setMaximumHeight(LANE_MAX_HEIGHT)  # a bigger window gives its room to the lyrics

    def sizeHint(self) -> QSize:
        return QSize(400, 96)

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
            lo, hi = midis[int(0.02 * (len(midis) - 1))], midis[round(0.98 * (len(midis) - 1))]
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


class SingView(QWidget):
    """The panel's area under the waveforms: lyrics, pitch lane, and the microphone row
    (Sing button, device, latency, "Hear myself" with its level and "Reverb", score)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.lyrics_view = LyricsView()
        self.lane = PitchLane()
        layout.addWidget(self.lyrics_view, 3)  # the lyrics get the room first
        layout.addWidget(self.lane, 1)
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
        self.hear_box = QCheckBox("Hear myself")
        self.hear_box.setAccessibleName("Hear myself")
        self.hear_box.setToolTip(MONITOR_TIP)
        self.monitor_slider = QSlider(Qt.Orientation.Horizontal)
        self.monitor_slider.setRange(0, 100)
        self.monitor_slider.setSingleStep(5)
        self.monitor_slider.setPageStep(10)
        self.monitor_slider.setFixedWidth(72)
        self.monitor_slider.setAccessibleName("My voice level")
        self.reverb_box = QCheckBox("Reverb")
        self.reverb_box.setAccessibleName("Reverb on my voice")
        self.reverb_box.setToolTip("A little room around your voice (only what you hear; the take stays dry)")
        for w in self.monitor_controls:
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.score_label)
        layout.addLayout(row)

    @property
    def monitor_controls(self) -> tuple[QWidget, QWidget, QWidget]:
        """"Hear myself", its level and "Reverb"."""
        return self.hear_box, self.monitor_slider, self.reverb_box

    def show_monitor(self, level: int, hear: bool, reverb: bool) -> None:
        """Set the hear-myself controls (``level`` in %) without telling anyone (call before connecting them)."""
        self.hear_box.setChecked(hear)
        self.monitor_slider.setValue(level)
        self.show_monitor_level(level)
        self.reverb_box.setChecked(reverb)

    def show_monitor_level(self, level: int) -> None:
        self.monitor_slider.setToolTip(f"How loud you hear yourself: {level} %")

    def show_has_mic(self, has_mic: bool) -> None:
        """Without a microphone the hear-myself controls are off, and their tooltips say why."""
        for w in self.monitor_controls:
            w.setEnabled(has_mic)
            if not has_mic:
                w.setToolTip(NO_MIC_TIP)

    def show_latency(self, seconds: float) -> None:
        self.latency_label.setText(f"latency {seconds * 1000:.0f} ms")

    def show_devices(self, devices: list[tuple[int, str]], saved: str = "", file_name: str = "") -> None:
        """The microphones to choose from (``(index, name)``; ``saved`` chosen), or the file fed instead.

        Filled without emitting ``currentTextChanged`` (which stores the choice).
        """
        box = self.device_box
        with QSignalBlocker(box):
            box.clear()
            if file_name:
                box.addItem(f"File: {file_name}", None)
                return
            if not devices:
                box.addItem("No microphone", None)
                box.setEnabled(False)
                self.mic_button.setToolTip("No microphone was found; lyrics and the pitch guide still work.")
                return
            for index, name in devices:
                box.addItem(name, index)
                if name == saved:
                    box.setCurrentIndex(box.count() - 1)

    @property
    def has_mic(self) -> bool:
        return self.device_box.isEnabled()

    def show_score(self, text: str) -> None:
        if self.score_label.text() != text:
            self.score_label.setText(text)
