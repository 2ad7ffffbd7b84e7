"""The window's header: the app icon, the song's title and details, and the header buttons."""

from __future__ import annotations

from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from soundnet_app.engine.song import Song
from soundnet_app.ui.waveform import format_time
from soundnet_app.ui.widgets import make_button


def song_details(song: Song) -> str:
    """``"3:12  ·  MP3  ·  44.1 kHz  ·  stereo  ·  song.mp3"``."""
    info = song.info
    parts = [format_time(song.duration_s)]
    if info is not None:
        parts.append(str(getattr(info, "format", "")).upper())
        rate, channels = getattr(info, "source_rate", 0), getattr(info, "source_channels", 0)
        if rate:
            parts.append(f"{rate / 1000:g} kHz")
        if channels:
            parts.append({1: "mono", 2: "stereo"}.get(channels, f"{channels} channels"))
    parts.append(song.path.name)
    return "  ·  ".join(p for p in parts if p)


NO_SONG = "No song loaded"
NO_SONG_HINT = "Drop a song on the window, or open one with Ctrl+O"


class SongHeader(QWidget):
    """``[icon] Title / details ... [Open…] [panel buttons]``; panels add buttons with :meth:`add_button`."""

    def __init__(self, icon: QIcon, open_action: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        art = QLabel()
        art.setPixmap(icon.pixmap(40, 40))
        row.addWidget(art)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title_label = QLabel(NO_SONG)
        self.title_label.setObjectName("songTitle")
        self.subtitle_label = QLabel(NO_SONG_HINT)
        self.subtitle_label.setObjectName("songSubtitle")
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)
        row.addLayout(titles, 1)
        self.open_button = make_button("Open…", open_action, accessible="Open a song")
        self.open_button.clicked.connect(open_action.trigger)
        row.addWidget(self.open_button)
        self.row = row

    def add_button(self, widget: QWidget) -> None:
        self.row.addWidget(widget)

    def show_opening(self, name: str) -> None:
        """While the first song opens: its name, not "No song loaded"."""
        self.title_label.setText(f"Opening {name}…")
        self.subtitle_label.setText("")

    def show_empty(self) -> None:
        self.title_label.setText(NO_SONG)
        self.subtitle_label.setText(NO_SONG_HINT)
        self.subtitle_label.setToolTip("")

    def set_song(self, song: Song) -> None:
        self.title_label.setText(song.title)
        self.subtitle_label.setText(song_details(song))
        self.subtitle_label.setToolTip(str(song.path))
