"""One painter for lyrics at any size: the desk lyrics view, the stage view, karaoke video frames.

:func:`paint_lyrics` draws a :class:`~soundnet_app.sing.lyrics_frame.LyricsFrame`
into a rectangle of any ``QPaintDevice`` (a widget, or a ``QImage`` offscreen):
the current line with its wipe (the sung part in :data:`theme.VOCALS`), the
next line as a smaller preview, the line before (where the style asks for it),
the 3-2-1 countdown dots above the current line. Long lines wrap at word
boundaries onto several rows; nothing is clipped or overlaps: when the block
does not fit, the line before goes first, then the fonts shrink (down to
:data:`MIN_PX`), then the preview goes. It returns the rectangles it drew in,
so tests check the geometry.

Readability rule (:meth:`LyricsStyle.for_height`): on the stage (a TV across
the room) the current line is :data:`STAGE_SHARE` of the picture's height;
on the desk, where the view is a strip under the waveforms read from arm's
length, it is :data:`DESK_SHARE` of the strip, between :data:`DESK_MIN_PX`
and :data:`DESK_MAX_PX`. Preview and previous lines are :data:`PREVIEW_RATIO`
of the current line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from soundnet_app.sing.lyrics import Lyrics
from soundnet_app.sing.lyrics_frame import LyricsFrame
from soundnet_app.ui import theme

STAGE_SHARE = 0.08
DESK_SHARE = 0.16
DESK_MIN_PX = 14
DESK_MAX_PX = 64
PREVIEW_RATIO = 0.7
MIN_PX = 10  # fonts never shrink below this (then the preview is left out)
MAX_ROWS = 200  # of one line: more never fits any screen
_WORD = re.compile(r"[^ ]+")
CACHED_ROW_PX = 48  # Qt draws glyphs above ~64 device pixels as paths (ms per row): such rows are drawn once


@dataclass
class LyricsStyle:
    """Fonts (pixel sizes) and colours of :func:`paint_lyrics`."""

    current_px: int
    preview_px: int
    show_previous: bool = True
    family: str = ""  # "" : the application's font
    text: str = theme.TEXT  # the current line not sung yet
    sung: str = theme.VOCALS
    dim: str = theme.TEXT_DIM  # previous and preview lines, messages
    countdown: str = theme.ACCENT
    margin_px: float = 8.0  # left and right

    @classmethod
    def for_height(cls, h: float, stage: bool = False, family: str = "") -> LyricsStyle:
        """The readability rule of the module's docstring, for a rectangle ``h`` pixels high."""
        if stage:
            current = max(MIN_PX, round(STAGE_SHARE * h))
            return cls(current, max(MIN_PX, round(PREVIEW_RATIO * current)), show_previous=False, family=family,
                       margin_px=max(8.0, 0.5 * current))
        current = min(DESK_MAX_PX, max(DESK_MIN_PX, round(DESK_SHARE * h)))
        return cls(current, max(MIN_PX, round(PREVIEW_RATIO * current)), family=family)


@lru_cache(maxsize=64)
def _font(family: str, px: int, bold: bool) -> QFont:
    font = QFont(family) if family else QFont()
    font.setPixelSize(px)
    font.setBold(bold)
    return font


@lru_cache(maxsize=64)
def _metrics(family: str, px: int, bold: bool) -> QFontMetricsF:
    return QFontMetricsF(_font(family, px, bold))


@lru_cache(maxsize=1024)
def _wrap(text: str, family: str, px: int, bold: bool, width: float,
          max_rows: int = MAX_ROWS) -> tuple[tuple[int, int, float], ...]:
    """Rows ``(first char, end char, width in px)`` of ``text`` wrapped at spaces into ``width``;
    a word wider than a row is broken between characters. At most ``max_rows`` rows: text that
    could never show is not measured (a crafted megabyte-long line costs what a screenful does)."""
    fm = _metrics(family, px, bold)
    rows: list[tuple[int, int, float]] = []
    # No row holds more characters than this (a generous bound from the narrowest glyph).
    most = int(width / max(0.5, 0.25 * fm.averageCharWidth())) + 2

    def fitting(a: int, b: int) -> int:
        """The largest ``k`` (at least 1) with ``text[a:a + k]`` at most ``width`` wide, ``k <= b - a``."""
        lo, hi = 1, min(b - a, most)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fm.horizontalAdvance(text[a:a + mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        return lo

    start = end = -1
    for word in _WORD.finditer(text):
        if len(rows) >= max_rows:
            return tuple(rows)
        a, b = word.span()
        if start >= 0 and b - start <= most and fm.horizontalAdvance(text[start:b]) <= width:
            end = b
            continue
        if start >= 0:
            rows.append((start, end, fm.horizontalAdvance(text[start:end])))
        start, end = a, b
        while (end - start > most or fm.horizontalAdvance(text[start:end]) > width) and end - start > 1:
            if len(rows) >= max_rows:  # one word too wide: broken between characters
                return tuple(rows)
            cut = start + fitting(start, end)
            rows.append((start, cut, fm.horizontalAdvance(text[start:cut])))
            start = cut
    if start >= 0 and len(rows) < max_rows:
        rows.append((start, end, fm.horizontalAdvance(text[start:end])))
    return tuple(rows)


@lru_cache(maxsize=24)
def _row_image(text: str, family: str, px: int, bold: bool, colour: str, dpr: float) -> QImage:
    """A row of big text drawn once into a transparent image (at the device's pixel ratio)."""
    fm = _metrics(family, px, bold)
    w, h = fm.horizontalAdvance(text) + 2, fm.height() + 1
    image = QImage(max(1, round(w * dpr)), max(1, round(h * dpr)), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    q = QPainter(image)
    q.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    q.setFont(_font(family, px, bold))
    q.setPen(QColor(colour))
    q.drawText(QPointF(1, fm.ascent()), text)
    q.end()
    return image


def _text(p: QPainter, x: float, baseline: float, text: str, block: _Block, colour: str) -> None:
    if block.px * p.device().devicePixelRatioF() < CACHED_ROW_PX:
        p.setPen(QColor(colour))
        p.drawText(QPointF(x, baseline), text)
    else:
        fm = _metrics(block.family, block.px, block.bold)
        image = _row_image(text, block.family, block.px, block.bold, colour, p.device().devicePixelRatioF())
        p.drawImage(QPointF(x - 1, baseline - fm.ascent()), image)


def _row_height(px: int, bold: bool, family: str) -> float:
    return _metrics(family, px, bold).height() + 1.0


@dataclass
class _Block:
    text: str
    px: int
    bold: bool
    colour: str
    wipe: float = -1.0  # < 0: not the current line
    rows: tuple[tuple[int, int, float], ...] = ()
    family: str = ""

    def row_height(self) -> float:
        return _row_height(self.px, self.bold, self.family)

    def height(self) -> float:
        return len(self.rows) * self.row_height()


def _next_sung(lyrics: Lyrics, i: int) -> int:
    for k in range(i + 1, len(lyrics.lines)):
        if lyrics.lines[k].text.strip():
            return k
    return -1


def _blocks(lyrics: Lyrics, frame: LyricsFrame, style: LyricsStyle) -> tuple[list[_Block], int]:
    """The blocks top to bottom and the index of the current one (-1: none)."""
    main, preview = frame.current, frame.next
    if main < 0 and frame.next >= 0:  # before the first line: it is shown coming, not sung yet
        main, preview = frame.next, _next_sung(lyrics, frame.next)
    blocks, current = [], -1
    if style.show_previous and frame.previous >= 0:
        blocks.append(_Block(lyrics.lines[frame.previous].text, style.preview_px, False, style.dim, family=style.family))
    if main >= 0:
        current = len(blocks)
        blocks.append(_Block(lyrics.lines[main].text, style.current_px, True, style.text,
                             frame.wipe if frame.current >= 0 else 0.0, family=style.family))
    if preview >= 0:
        blocks.append(_Block(lyrics.lines[preview].text, style.preview_px, False, style.dim, family=style.family))
    return blocks, current


def _dots_room(px: float) -> float:
    """The gap between blocks: room for the countdown dots (0.3 of the font) and air around them."""
    return 0.5 * px


def _fit(blocks: list[_Block], current: int, style: LyricsStyle, rect: QRectF,
         countdown: bool) -> tuple[list[_Block], int, float, float]:
    """Wrap the blocks into ``rect``, leaving out the line before, then shrinking, then the preview.

    Returns the blocks kept, the index of the current one, the gap between blocks and the total height."""
    width = max(1.0, rect.width() - 2 * style.margin_px)

    def laid_out(bs: list[_Block], scale: float, cur_first: bool) -> tuple[list[_Block], float, float]:
        out = []
        for b in bs:
            px = max(MIN_PX, round(b.px * scale))
            rows_fit = int(rect.height() // _row_height(px, b.bold, style.family)) + 1
            out.append(_Block(b.text, px, b.bold, b.colour, b.wipe,
                              _wrap(b.text, style.family, px, b.bold, width, rows_fit), style.family))
        gap = max(4.0, _dots_room(style.current_px * scale))
        lead = gap if countdown and cur_first else 0.0  # the countdown dots above a current line on top
        return out, lead + sum(b.height() for b in out) + gap * (len(out) - 1), gap

    candidates = [(blocks, current)]
    if current > 0:  # the line before is the first to go
        candidates.append((blocks[current:], 0))
    for bs, cur in candidates:
        out, total, gap = laid_out(bs, 1.0, cur == 0)
        if total <= rect.height():
            return out, cur, gap, total
    bs, cur = candidates[-1]
    scale = 1.0
    smallest = min(b.px for b in bs)
    while scale * smallest > MIN_PX:
        scale *= 0.9
        out, total, gap = laid_out(bs, scale, cur == 0)
        if total <= rect.height():
            return out, cur, gap, total
    if cur >= 0:
        bs = bs[cur:cur + 1]  # the preview goes: only the current line, as much as fits
        cur = 0
    out, total, gap = laid_out(bs, scale, True)
    return out, cur, gap, total


def _draw_rows(p: QPainter, rect: QRectF, block: _Block, top: float, family: str, sung: str,
               drawn: list[QRectF]) -> float:
    font, fm = _font(family, block.px, block.bold), _metrics(family, block.px, block.bold)
    p.setFont(font)
    rh = block.row_height()
    sung_chars = block.wipe * len(block.text)
    for a, b, w in block.rows:
        if top + rh > rect.bottom() + 0.5 or w > rect.width():
            break  # never draw outside the rectangle
        x = rect.left() + (rect.width() - w) / 2
        baseline = top + (rh - fm.height()) / 2 + fm.ascent()
        row = block.text[a:b]
        if block.wipe < 0 or sung_chars <= a:
            _text(p, x, baseline, row, block, block.colour)
        elif sung_chars >= b:
            _text(p, x, baseline, row, block, sung)
        else:
            whole = int(sung_chars)
            cut = x + fm.horizontalAdvance(block.text[a:whole])
            if whole < b:
                cut += (sung_chars - whole) * fm.horizontalAdvance(block.text[whole])
            p.save()
            p.setClipRect(QRectF(cut, top, x + w + 2 - cut, rh))
            _text(p, x, baseline, row, block, block.colour)
            p.setClipRect(QRectF(x - 1, top, cut - x + 1, rh))
            _text(p, x, baseline, row, block, sung)
            p.restore()
        drawn.append(QRectF(x, top, w, rh))
        top += rh
    return top


def _draw_message(p: QPainter, rect: QRectF, text: str, style: LyricsStyle, drawn: list[QRectF],
                  lines: list[str] | None = None, from_top: bool = False) -> list[QRectF]:
    """``text`` (or each of ``lines``) wrapped in the preview font, centred (or from the top).

    Lines are wrapped only while there is room for them (plain lyrics may be thousands of lines)."""
    width = max(1.0, rect.width() - 2 * style.margin_px)
    colour = style.dim if lines is None else style.text
    rows_left = max(1, int(rect.height() // _row_height(style.preview_px, False, style.family)))
    blocks = []
    for t in lines if lines is not None else [text]:
        if rows_left <= 0:
            break
        block = _Block(t, style.preview_px, False, colour, family=style.family)
        block.rows = _wrap(t, style.family, block.px, False, width, rows_left)
        rows_left -= len(block.rows)
        blocks.append(block)
    total = sum(b.height() for b in blocks)
    top = rect.top() if from_top or total > rect.height() else rect.top() + (rect.height() - total) / 2
    for b in blocks:
        top = _draw_rows(p, rect, b, top, style.family, style.sung, drawn)
    return drawn


def _draw_countdown(p: QPainter, rect: QRectF, count: int, bottom: float, px: int, colour: str,
                    drawn: list[QRectF]) -> None:
    d = max(3.0, 0.3 * px)
    top = bottom - d - 0.1 * px
    if top < rect.top():
        return
    span = count * d + (count - 1) * d
    x = rect.left() + (rect.width() - span) / 2
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    for k in range(count):
        p.drawEllipse(QRectF(x + 2 * d * k, top, d, d))
    p.restore()
    drawn.append(QRectF(x, top, span, d))


def paint_lyrics(p: QPainter, rect: QRectF, lyrics: Lyrics | None, frame: LyricsFrame, style: LyricsStyle,
                 message: str = "") -> list[QRectF]:
    """Draw ``frame`` of ``lyrics`` into ``rect`` (see the module's docstring); returns the rectangles
    drawn in (a rectangle per row of text, and one for the countdown dots), all inside ``rect``.

    No lyrics: ``message`` centred. Unsynced lyrics: their lines, plainly, from the top (unless the
    frame names a current line: tap-to-sync shows the line waiting for its tap).
    The painter's state (font, pen, clip) is left as it was.
    """
    drawn: list[QRectF] = []
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    try:
        if lyrics is None or not lyrics.lines:
            return _draw_message(p, rect, message, style, drawn) if message else drawn
        if not lyrics.synced and frame.current < 0:
            return _draw_message(p, rect, "", style, drawn, lines=[ln.text for ln in lyrics.lines], from_top=True)
        blocks, current = _blocks(lyrics, frame, style)
        if not blocks:
            return drawn
        blocks, current, gap, total = _fit(blocks, current, style, rect, frame.countdown > 0)
        top = rect.top() + max(0.0, (rect.height() - total) / 2)
        if frame.countdown > 0 and current == 0:
            top += gap
        for k, b in enumerate(blocks):
            if k == current and frame.countdown > 0:
                _draw_countdown(p, rect, frame.countdown, top, b.px, style.countdown, drawn)
            top = _draw_rows(p, rect, b, top, style.family, style.sung, drawn) + gap
        return drawn
    finally:
        p.restore()
