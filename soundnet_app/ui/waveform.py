"""Waveform views (pyqtgraph): Mixture, Vocals and Instrumental, stacked.

Each view draws a :class:`~soundnet_app.engine.song.Envelope` (min/max per
bucket, computed by the worker) as one zig-zag line, a playhead, shading for
the separated part of the song and a "Separating…" marker where the worker
is. Clicking a view asks to seek there. Views redraw only when an envelope's
``version`` changed, so a refresh tick is cheap.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.engine.song import Envelope, Song
from soundnet_app.ui import theme

# pyqtgraph defaults must be set before any plot exists.
pg.setConfigOptions(antialias=False, background=theme.PLOT_BACKGROUND, foreground=theme.TEXT_DIM)


def format_time(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``)."""
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_tick(seconds: float, spacing: float) -> str:
    """``m:ss``, with as many decimals as ticks ``spacing`` seconds apart need to differ (``0:01.5``)."""
    if spacing >= 1 or spacing <= 0:
        return format_time(round(seconds))
    decimals = min(3, max(1, -math.floor(math.log10(spacing) + 1e-9)))
    whole, frac = f"{max(0.0, seconds):.{decimals}f}".split(".")
    return f"{format_time(int(whole))}.{frac}"


class TimeAxis(pg.AxisItem):
    """A bottom axis labelled in m:ss (tenths where ticks are closer than a second: short files)."""

    def tickStrings(self, values, scale, spacing):
        return [format_tick(v * scale, spacing * scale) for v in values]


class WaveformView(pg.PlotWidget):
    """One labelled waveform with a playhead; click or drag on it to seek (scrub).

    Signals:
        seekRequested(float): the user clicked or dragged to this time (seconds).
    """

    seekRequested = Signal(float)

    def __init__(self, name: str, color: str, show_time_axis: bool = False, parent=None):
        axis = {"bottom": TimeAxis(orientation="bottom")} if show_time_axis else {}
        super().__init__(parent=parent, axisItems=axis)
        self.name = name
        self.color = QColor(color)
        self.duration = 0.0
        self._version = -1
        self._regions: list[QGraphicsRectItem] = []

        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.hideAxis("left")
        if not show_time_axis:
            item.hideAxis("bottom")
        else:
            item.getAxis("bottom").setPen(pg.mkPen(theme.GRID))
            item.getAxis("bottom").setTextPen(pg.mkPen(theme.TEXT_DIM))
        item.layout.setContentsMargins(0, 4, 0, 0)
        vb = item.getViewBox()
        vb.setMouseEnabled(False, False)
        vb.setDefaultPadding(0.0)
        vb.enableAutoRange(False)
        self.setYRange(-1.05, 1.05, padding=0)
        self.setXRange(0, 1, padding=0)
        self.setMinimumHeight(44 if show_time_axis else 26)  # the window's minimum height adds these up
        self.setMaximumHeight(108 if show_time_axis else 90)  # a bigger window gives the rest to the lyrics
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the window's ←/→ seek; no keys of its own
        self._dragging = False

        self.axis_line = pg.InfiniteLine(pos=0, angle=0, movable=False, pen=pg.mkPen(theme.GRID))
        self.addItem(self.axis_line)
        self.curve = pg.PlotCurveItem(pen=pg.mkPen(self.color, width=1), skipFiniteCheck=True)
        self.addItem(self.curve)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=False, pen=pg.mkPen(theme.PLAYHEAD, width=2))
        self.playhead.setZValue(20)
        self.addItem(self.playhead)
        self.marker = pg.TextItem("", color=theme.WARNING, anchor=(0, 0.5), fill=pg.mkBrush(16, 17, 22, 210))
        self.marker.setZValue(25)
        self.marker.hide()
        self.addItem(self.marker, ignoreBounds=True)

        self.label = QLabel(name, self)
        self.label.setObjectName("waveformLabel")
        self.label.setStyleSheet(
            f"QLabel#waveformLabel {{ color: {color}; background: rgba(18,18,24,170); "
            "border-radius: 4px; padding: 1px 6px; font-weight: 600; }"
        )
        self.label.move(8, 6)
        self.label.adjustSize()
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


    # -- content ---------------------------------------------------------------

    def set_duration(self, seconds: float) -> None:
        self.duration = max(seconds, 1e-3)
        self.setXRange(0, self.duration, padding=0)
        self.setYRange(-1.05, 1.05, padding=0)

    def set_envelope(self, envelope: Envelope, force: bool = False) -> bool:
        """Draw ``envelope`` if it changed since the last call; ``True`` if redrawn."""
        if envelope is None:
            self.curve.setData([], [])
            self._version = -1
            return True
        if not force and envelope.version == self._version:
            return False
        self._version = envelope.version
        self.curve.setData(envelope.x, envelope.y, skipFiniteCheck=True)
        return True

    def set_playhead(self, seconds: float) -> None:
        if abs(self.playhead.value() - seconds) > 1e-4:
            self.playhead.setValue(seconds)

    def set_regions(self, intervals_s: list[tuple[float, float]], brush: QBrush) -> None:
        """Shade these ``(start, end)`` second ranges (full height, behind the waveform)."""
        while len(self._regions) < len(intervals_s):
            rect = QGraphicsRectItem()
            rect.setPen(QPen(Qt.PenStyle.NoPen))
            rect.setZValue(-10)
            self.addItem(rect, ignoreBounds=True)
            self._regions.append(rect)
        for rect, (s, e) in zip(self._regions, intervals_s):
            rect.setBrush(brush)
            rect.setRect(QRectF(s, -1.05, max(0.0, e - s), 2.1))
            rect.show()
        for rect in self._regions[len(intervals_s):]:
            rect.hide()

    def set_marker(self, text: str, seconds: float | None) -> None:
        """Show ``text`` at ``seconds`` near the top (``None`` hides it)."""
        if seconds is None or not text:
            self.marker.hide()
            return
        self.marker.setText(text)
        self.marker.setPos(min(seconds, self.duration * 0.85), 0.5)
        self.marker.show()

    def set_note(self, text: str) -> None:
        """A word after the view's name in its label (``"Vocals · separating…"``): never over the name."""
        label = f"{self.name} · {text}" if text else self.name
        if self.label.text() != label:
            self.label.setText(label)
            self.label.adjustSize()

    def clear_song(self) -> None:
        self.set_envelope(None)
        self.set_regions([], QBrush())
        self.set_marker("", None)
        self.set_note("")
        self.set_playhead(0.0)

    # -- interaction -----------------------------------------------------------

    def time_at(self, x: float) -> float:
        """The song time (seconds) under widget x-coordinate ``x``, clamped to the song."""
        scene = self.mapToScene(int(round(x)), self.height() // 2)
        t = self.getPlotItem().getViewBox().mapSceneToView(QPointF(scene)).x()
        return min(max(0.0, t), self.duration)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration > 0:
            self._dragging = True
            self.seekRequested.emit(self.time_at(event.position().x()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._dragging and event.buttons() & Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self.time_at(event.position().x()))  # scrub
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._dragging and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = False
            event.accept()
            return
        super().mouseReleaseEvent(event)


class WaveformPanel(QWidget):
    """The three stacked views (Mixture, Vocals, Instrumental) sharing one time axis."""

    seekRequested = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mixture = WaveformView("Mixture", theme.MIXTURE)
        self.vocals = WaveformView("Vocals", theme.VOCALS)
        self.instrumental = WaveformView("Instrumental", theme.INSTRUMENTAL, show_time_axis=True)
        self.views = (self.mixture, self.vocals, self.instrumental)
        tips = (
            "The song as it is. Click anywhere to jump there.",
            "The separated vocals. Click anywhere to jump there.",
            "The separated instrumental (the karaoke track). Click anywhere to jump there.",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for view, tip in zip(self.views, tips):
            view.setToolTip(tip)
            view.seekRequested.connect(self.seekRequested)
            layout.addWidget(view, 1)
        for view in self.views[1:]:
            view.setXLink(self.mixture)
        self._song = None
        self._intervals = None
        self._pending = None
        self._done_brush = QBrush(QColor(theme.SEPARATED_SHADE))
        self._todo_brush = QBrush(QColor(theme.PENDING_SHADE), Qt.BrushStyle.BDiagPattern)

    def set_song(self, song: Song | None) -> None:
        self._song = song
        self._intervals = None
        self._pending = None
        if song is None:
            for view in self.views:
                view.clear_song()
            return
        for view in self.views:
            view.set_duration(song.duration_s)
            view.set_playhead(0.0)
        self.mixture.set_envelope(song.env_mixture, force=True)
        self.vocals.set_envelope(song.env_vocals, force=True)
        self.instrumental.set_envelope(song.env_instrumental, force=True)
        self.refresh(separating=False)

    def refresh(self, separating: bool, frontier_s: float | None = None) -> None:
        """Redraw what changed: envelopes, separated shading, the "Separating…" marker."""
        song = self._song
        if song is None:
            return
        self.mixture.set_envelope(song.env_mixture)
        self.vocals.set_envelope(song.env_vocals)
        self.instrumental.set_envelope(song.env_instrumental)
        intervals = song.coverage.intervals()
        pending = (separating, None if frontier_s is None else round(frontier_s, 1))
        if intervals == self._intervals and pending == self._pending:
            return
        self._intervals, self._pending = intervals, pending
        rate = song.n_frames / max(song.duration_s, 1e-9)
        done = [(s / rate, e / rate) for s, e in intervals]
        gaps = [(s / rate, e / rate) for s, e in song.coverage.gaps()]
        self.mixture.set_regions(done if gaps else [], self._done_brush)
        for view in (self.vocals, self.instrumental):
            view.set_regions(gaps, self._todo_brush)
        # In the label, not at the frontier: at the start of a song a marker there covered the name.
        self.vocals.set_note("separating…" if separating and frontier_s is not None else "")

    def set_playhead(self, seconds: float) -> None:
        for view in self.views:
            view.set_playhead(seconds)
