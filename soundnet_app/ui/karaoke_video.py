"""Karaoke videos: frames drawn offscreen with the lyrics view's painter, encoded by :mod:`soundnet_app.engine.video`.

:class:`KaraokeFrames` draws frame ``i`` into a ``QImage``: the background
(a plain colour, or a picture scaled to cover and dimmed so the words stay
readable) and the lyrics at that moment exactly as the app's lyrics views draw
them (:func:`~soundnet_app.sing.lyrics_frame.lyrics_frame_at` +
:func:`~soundnet_app.ui.lyrics_painter.paint_lyrics`: wipe, next-line preview,
countdown dots). Frames that would look the same as the last one are not
redrawn. :func:`write_karaoke_video` renders the karaoke mix at the chosen key,
tempo and guide level and writes the MP4 (atomically; nothing is left on cancel
or failure). It runs on any thread; it needs a ``QGuiApplication`` for fonts
(:func:`ensure_gui_app`, for the command line).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from soundnet_app.engine.video import FPS, SIZES, karaoke_audio, write_mp4
from soundnet_app.sing.lyrics import Lyrics
from soundnet_app.sing.lyrics_frame import lyrics_frame_at
from soundnet_app.ui.lyrics_painter import LyricsStyle, paint_lyrics

BACKGROUND = "#14141c"
PICTURE_DIM = 0.55  # black over a picture, so the lyrics stay readable on any photo


class VideoError(ValueError):
    """The video cannot be made as asked (a picture that does not load): the message is for the user."""


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or an offscreen one (the command line draws frames without a screen)."""
    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    return app


def background_image(size: tuple[int, int], colour: str = BACKGROUND, picture: str | Path | None = None) -> QImage:
    """The frame's background: ``colour``, or ``picture`` scaled to cover ``size``, centred and dimmed."""
    width, height = size
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour) if QColor(colour).isValid() else QColor(BACKGROUND))
    if picture:
        source = QImage(str(picture))
        if source.isNull():
            raise VideoError(f"The picture {Path(picture).name} could not be read; choose a PNG or JPEG image.")
        scaled = source.scaled(width, height, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                               Qt.TransformationMode.SmoothTransformation)
        p = QPainter(image)
        p.drawImage(QRectF(0, 0, width, height), scaled,
                    QRectF((scaled.width() - width) / 2, (scaled.height() - height) / 2, width, height))
        p.fillRect(image.rect(), QColor(0, 0, 0, round(255 * PICTURE_DIM)))
        p.end()
    return image


class KaraokeFrames:
    """Frame ``i`` (``i / fps`` seconds of video, ``tempo`` times that of the song) as BGRA bytes.

    Args:
        lyrics: synced lyrics (``None`` or unsynced: ``message`` is shown instead).
        size: ``(width, height)`` in pixels.
        second: a duet's second singer: their lyrics in the lower half, the first singer's in the upper.
    """

    def __init__(self, lyrics: Lyrics | None, size: tuple[int, int] = SIZES["720p"], *, tempo: float = 1.0,
                 fps: int = FPS, background: QImage | None = None, message: str = "", second: Lyrics | None = None):
        self.lyrics = lyrics if lyrics is not None and lyrics.synced else None
        self.second = second if second is not None and second.synced else None
        self.size = size
        self.tempo = tempo
        self.fps = fps
        self.message = message
        width, height = size
        self.background = background if background is not None else background_image(size)
        self.image = QImage(width, height, QImage.Format.Format_RGB32)
        self.style = LyricsStyle.for_height(height, stage=True)
        margin = 0.06 * height
        self.rect = QRectF(margin, margin, width - 2 * margin, height - 2 * margin)
        if self.second is not None:
            self.rects = [QRectF(margin, margin, width - 2 * margin, height / 2 - 1.5 * margin),
                          QRectF(margin, height / 2 + 0.5 * margin, width - 2 * margin, height / 2 - 1.5 * margin)]
        else:
            self.rects = [self.rect]
        self._shown: tuple | None = None
        self._rects: list[QRect] = []  # where the last frame drew (its text rows and dots)
        self.drawn = 0  # frames actually painted (the rest repeated the last one)

    def song_time(self, i: int) -> float:
        return i / self.fps * self.tempo

    def frame_at(self, i: int) -> tuple[np.ndarray, int, int] | None:
        """Frame ``i`` as ``(picture, top, bottom)``: ``(height, width, 4)`` uint8 BGRA (a view of the frame
        buffer, valid until the next call) and the rows that changed since the frame asked for before;
        ``None`` when it looks the same as that one."""
        singers = [self.lyrics, self.second] if self.second is not None else [self.lyrics]
        frames = [lyrics_frame_at(lyrics, self.song_time(i)) for lyrics in singers]
        # The wipe moves in whole pixels: a frame whose wipe moved less than one looks the same.
        look = tuple((f.current, f.previous, f.next, f.countdown, round(f.wipe * self.size[0])) for f in frames)
        if look == self._shown:
            return None
        p = QPainter(self.image)
        if self._shown is None:
            p.drawImage(0, 0, self.background)
        else:  # only where the last frame drew: the rest is background already
            for r in self._rects:
                p.drawImage(r, self.background, r)
        rects = [r.toAlignedRect() for k, (lyrics, frame, area) in enumerate(zip(singers, frames, self.rects))
                 for r in paint_lyrics(p, area, lyrics, frame, self.style, "" if k else self.message)]
        p.end()
        changed = rects + self._rects
        top, bottom = (min(r.top() for r in changed), max(r.bottom() + 1 for r in changed)) if changed else (0, 0)
        if self._shown is None:
            top, bottom = 0, self.size[1]
        self._shown, self._rects = look, [r.adjusted(-2, -2, 2, 2) for r in rects]  # antialiasing spills a little
        self.drawn += 1
        return self.picture(), max(0, top - 2), min(self.size[1], bottom + 2)

    def picture(self) -> np.ndarray:
        """The frame drawn last, ``(height, width, 4)`` uint8 BGRA (a view of the frame buffer)."""
        width, height = self.size
        data = np.frombuffer(self.image.constBits(), dtype=np.uint8)
        return data.reshape(height, self.image.bytesPerLine())[:, : width * 4].reshape(height, width, 4)


def write_karaoke_video(path: str | Path, vocals: np.ndarray, instrumental: np.ndarray, lyrics: Lyrics | None, *,
                        key: int = 0, tempo: float = 1.0, vocal_level: float = 0.0, instrumental_level: float = 1.0,
                        mute: bool = False, size: tuple[int, int] = SIZES["720p"], colour: str = BACKGROUND,
                        picture: str | Path | None = None, title: str = "", fps: int = FPS,
                        second: Lyrics | None = None, progress: Callable[[float], None] | None = None,
                        cancel: Callable[[], bool] | None = None) -> Path:
    """Write a karaoke MP4 of the ``(n, 2)`` stems (see the module's docstring); returns ``path``.

    ``second``: a duet's second singer (two rows of lyrics). ``progress`` gets 0..1 (rendering the
    audio at a key or tempo is the first 10 %). Raises
    :class:`VideoError` for a picture that does not load,
    :class:`~soundnet_app.engine.export.ExportCancelled` on cancel.
    """
    frames = KaraokeFrames(lyrics, size, tempo=tempo, fps=fps, background=background_image(size, colour, picture),
                           message=f"♪ {title} ♪" if title else "♪", second=second)
    report = progress or (lambda fraction: None)
    audio = karaoke_audio(vocals, instrumental, key=key, tempo=tempo, vocal_level=vocal_level,
                          instrumental_level=instrumental_level, mute=mute)
    report(0.1)
    return write_mp4(path, audio, frames.frame_at, fps=fps, size=size, progress=lambda f: report(0.1 + 0.9 * f),
                     cancel=cancel)

