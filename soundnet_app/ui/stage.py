"""The stage view: the lyrics large, for a TV or a second screen that the room reads from three metres.

:class:`StageWindow` is a frameless top-level window, full screen on the
screen chosen in Settings or View › Stage Screen (``stage/screen``), else on a second screen when
there is one. It paints, top to bottom: a header with the singer and the song
(left) and the live score (right); the lyrics with
:func:`~soundnet_app.ui.lyrics_painter.paint_lyrics` (current line with its
wipe, the next line as a preview, the 3-2-1 countdown before a line after a
long break); between songs, the interlude ("Next: Anna — Song in 7 s") and
the best scores.

Readability rule: the current line is 8 % of the screen's height
(:data:`~soundnet_app.ui.lyrics_painter.STAGE_SHARE`: 86 px on a 1080p TV, about
as tall as a 5 cm letter on a 55" screen, which is read from 3 m), the header
4 %; long lines wrap, and nothing is clipped or overlaps
(:attr:`StageWindow.drawn` holds the rectangles of the last paint, for tests).
The desk window stays the control surface; here Esc or F11 closes the stage.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QPainter
from PySide6.QtWidgets import QWidget

from soundnet_app.engine.queue import QueueEntry
from soundnet_app.engine.song import Song
from soundnet_app.sing.lyrics import Lyrics
from soundnet_app.sing.lyrics_frame import LyricsFrame, lyrics_frame_at
from soundnet_app.ui import theme
from soundnet_app.ui.lyrics_painter import LyricsStyle, paint_lyrics
from soundnet_app.ui.panels.sing_views import PitchLane

HEADER_SHARE = 0.04  # the singer and song line, of the height
MARGIN_SHARE = 0.03  # around everything, of the height
BEST_SHARE = 0.035  # the best-scores lines at the interlude
LANE_SHARE = 0.18  # the pitch lane (when shown), of the height


def pick_screen(wanted: str = ""):
    """The screen named ``wanted``; else the second screen when there are several; else the primary one."""
    screens = QGuiApplication.screens()
    for screen in screens:
        if wanted and screen.name() == wanted:
            return screen
    primary = QGuiApplication.primaryScreen()
    others = [s for s in screens if s is not primary]
    return others[0] if others else primary


class StageWindow(QWidget):
    """The full-screen lyrics window (see the module's docstring)."""

    closed = Signal()

    def __init__(self):
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("SoundNet Karaoke — Stage")
        self.setAccessibleName("Stage view")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lyrics: Lyrics | None = None
        self.frame = LyricsFrame(-1, -1, -1, 0.0, 0)
        self.t = 0.0
        self.singer = ""
        self.title = ""
        self.score_text = ""
        self.interlude = ""  # "Next: …" between songs ("" while a song is on)
        self.best: list[str] = []
        self.drawn: list[tuple[str, QRectF]] = []  # what the last paint drew where (tests)
        self._style_for: tuple[int, LyricsStyle] | None = None
        self.lane = PitchLane(self)  # the guide's notes under the lyrics (optional: set_lane_visible)
        self.lane.setAccessibleName("Pitch lane")
        self.lane.hide()

    # -- what to show ---------------------------------------------------------------------------

    def set_entry(self, entry: QueueEntry | None) -> None:
        self.singer = entry.singer if entry is not None else ""
        self.title = entry.title if entry is not None else self.title
        self.update()

    def set_song(self, song: Song, entry: QueueEntry | None) -> None:
        self.title = song.title
        self.singer = entry.singer if entry is not None else ""
        self.interlude, self.best, self.score_text = "", [], ""
        self.update()

    def set_lyrics(self, lyrics: Lyrics | None) -> None:
        self.lyrics = lyrics
        self.frame = lyrics_frame_at(lyrics, self.t)
        self.update()

    def set_time(self, t: float) -> None:
        """The song's time (the player's, so key, tempo, seeking and A/B are followed); repaints on change."""
        self.t = t
        if self.lane.isVisibleTo(self):
            self.lane.set_time(t)
        frame = lyrics_frame_at(self.lyrics, t)
        if frame != self.frame:
            self.frame = frame
            self.update()

    def set_lane_visible(self, on: bool) -> None:
        self.lane.setVisible(on)
        self._place_lane()
        self.update()

    def set_guide(self, guide) -> None:
        self.lane.set_guide(guide)

    def set_key(self, semitones: int) -> None:
        """The player's key shift: the guide's notes where the singer hears them."""
        self.lane.key_shift = semitones

    def _lane_rect(self, rect: QRectF) -> QRectF:
        h = rect.height()
        margin = round(MARGIN_SHARE * h)
        lane_h = round(LANE_SHARE * h)
        return QRectF(rect.left() + margin, rect.bottom() + 1 - margin - lane_h, rect.width() - 2 * margin, lane_h)

    def _place_lane(self) -> None:
        self.lane.setGeometry(self._lane_rect(QRectF(self.rect())).toRect())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_lane()

    def set_score(self, score) -> None:
        text = f"{score.percent} %" if score is not None else ""
        if text != self.score_text:
            self.score_text = text
            self.update()

    def show_interlude(self, text: str, best: list[str]) -> None:
        if (text, best) != (self.interlude, self.best):
            self.interlude, self.best = text, list(best)
            self.update()

    def show_on_screen(self, wanted: str = "") -> None:
        screen = pick_screen(str(wanted or ""))
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    # -- painting --------------------------------------------------------------------------------

    def _style(self, h: int) -> LyricsStyle:
        if self._style_for is None or self._style_for[0] != h:
            self._style_for = (h, LyricsStyle.for_height(h, stage=True))
        return self._style_for[1]

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            self.paint(p, QRectF(self.rect()))
        finally:
            p.end()

    def paint(self, p: QPainter, rect: QRectF) -> None:
        """Everything, into ``rect`` (also used to render frames offscreen)."""
        p.fillRect(rect, QColor(theme.PLOT_BACKGROUND))
        h = rect.height()
        margin = round(MARGIN_SHARE * h)
        inner = rect.adjusted(margin, margin, -margin, -margin)
        drawn: list[tuple[str, QRectF]] = []
        header_px = max(12, round(HEADER_SHARE * h))
        font = QFont(p.font())
        font.setPixelSize(header_px)
        p.setFont(font)
        metrics = QFontMetricsF(font)
        row = metrics.height()
        header = QRectF(inner.left(), inner.top(), inner.width(), row)
        score_w = metrics.horizontalAdvance(self.score_text) if self.score_text else 0.0
        if self.score_text:
            score_rect = QRectF(header.right() - score_w, header.top(), score_w, row)
            p.setPen(QColor(theme.ACCENT))
            p.drawText(score_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.score_text)
            drawn.append(("score", score_rect))
        who = " — ".join(x for x in (self.singer, self.title) if x)
        if who:
            room = header.width() - score_w - (header_px if score_w else 0)
            text = metrics.elidedText(who, Qt.TextElideMode.ElideRight, room)
            who_rect = QRectF(header.left(), header.top(), min(room, metrics.horizontalAdvance(text)), row)
            p.setPen(QColor(theme.TEXT_DIM))
            p.drawText(who_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            drawn.append(("singer", who_rect))
        bottom = inner.bottom()
        if self.lane.isVisibleTo(self):  # the lane (a child widget, drawn by Qt) takes the bottom of the screen
            lane = QRectF(self.lane.geometry())
            drawn.append(("lane", lane))
            bottom = lane.top() - margin
        body = QRectF(inner.left(), header.bottom() + margin, inner.width(), bottom - header.bottom() - margin)
        style = self._style(round(h))
        if self.interlude:
            best_px = max(12, round(BEST_SHARE * h))
            best_h = len(self.best) * best_px * 1.4
            message_rect = QRectF(body.left(), body.top(), body.width(), body.height() - best_h)
            rects = paint_lyrics(p, message_rect, None, self.frame, style, self.interlude)
            drawn += [("interlude", r) for r in rects]
            font.setPixelSize(best_px)
            p.setFont(font)
            bm = QFontMetricsF(font)
            top = message_rect.bottom()
            for line in self.best:
                text = bm.elidedText(line, Qt.TextElideMode.ElideRight, body.width())
                w = bm.horizontalAdvance(text)
                r = QRectF(body.center().x() - w / 2, top, w, bm.height())
                p.setPen(QColor(theme.ACCENT if line.endswith(":") else theme.TEXT))  # headings in the accent
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
                drawn.append(("best", r))
                top += best_px * 1.4
        else:
            message = "" if self.lyrics is not None else "No lyrics for this song"
            rects = paint_lyrics(p, body, self.lyrics, self.frame, style, message if self.title else "")
            drawn += [("lyrics", r) for r in rects]
        self.drawn = drawn

    # -- the desk stays in control ------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        self.closed.emit()
