"""The dark theme: colours, a Fusion palette and one style sheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPalette

from soundnet_app.paths import resources_dir

WINDOW = "#15161c"
PANEL = "#1d1f27"
PLOT_BACKGROUND = "#101116"
BORDER = "#2c2f3a"
GRID = "#2a2d38"
TEXT = "#e8e9ef"
TEXT_DIM = "#9a9db0"
ACCENT = "#8b7cff"
ACCENT_DARK = "#5f51d6"
PLAYHEAD = "#f4f4f8"
MIXTURE = "#9fb0cc"
VOCALS = "#ff6b9a"
INSTRUMENTAL = "#35d0ba"
SEPARATED_SHADE = "#1f8b7cff"  # ARGB: accent at low alpha
PENDING_SHADE = "#55ffb347"
WARNING = "#ffb347"
FOCUS = "#ffe27a"  # keyboard focus: visible against the accent and the panels
ERROR = "#ff6b6b"


def palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL,
        QPalette.ColorRole.AlternateBase: WINDOW,
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_DIM,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#5d6070"))
    return p


STYLE_SHEET = f"""
QWidget {{ font-size: 10pt; }}
QMainWindow, QDialog {{ background: {WINDOW}; }}
QToolTip {{ color: {TEXT}; background: {PANEL}; border: 1px solid {BORDER}; padding: 4px; }}
QMenuBar {{ background: {WINDOW}; color: {TEXT}; }}
QMenuBar::item:selected {{ background: {PANEL}; }}
QMenu {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; }}
QMenu::item:selected {{ background: {ACCENT_DARK}; }}
QMenu::item:disabled {{ color: #5d6070; }}
QFrame#card {{ background: {PANEL}; border: 1px solid {BORDER}; border-radius: 10px; }}
QLabel#songTitle {{ font-size: 15pt; font-weight: 600; color: {TEXT}; }}
QLabel#songSubtitle {{ color: {TEXT_DIM}; }}
QLabel#time {{ font-family: "DejaVu Sans Mono", monospace; font-size: 13pt; color: {TEXT}; }}
QLabel#dim {{ color: {TEXT_DIM}; }}
QLabel#caption {{ color: {TEXT_DIM}; font-size: 9pt; }}
QLabel#dropTitle {{ font-size: 18pt; font-weight: 600; color: {TEXT}; }}
QLabel#dropHint {{ color: {TEXT_DIM}; font-size: 11pt; }}
QPushButton, QToolButton {{
    color: {TEXT}; background: #262935; border: 1px solid {BORDER};
    border-radius: 8px; padding: 4px 14px;
}}
QPushButton:hover, QToolButton:hover {{ background: #2f3342; border-color: #3b3f4f; }}
QPushButton:pressed, QToolButton:pressed {{ background: #22242f; }}
QPushButton:checked, QToolButton:checked {{ background: {ACCENT_DARK}; border-color: {ACCENT}; }}
QPushButton:disabled, QToolButton:disabled {{ color: #5d6070; background: #1c1e26; border-color: #24262f; }}
QPushButton#primary {{ background: {ACCENT_DARK}; border-color: {ACCENT}; font-weight: 600; }}
QPushButton#primary:hover {{ background: {ACCENT}; }}
QPushButton#primary:disabled {{ color: #6d7080; background: #1c1e26; border-color: #24262f; }}
QPushButton#play {{
    background: {ACCENT_DARK}; border: 1px solid {ACCENT}; border-radius: 24px;
    min-width: 48px; max-width: 48px; min-height: 48px; max-height: 48px; padding: 0;
    font-size: 16pt;
}}
QPushButton#play:hover {{ background: {ACCENT}; }}
QPushButton#play:disabled {{ background: #262935; border-color: {BORDER}; }}
QPushButton#abSwitch {{ min-width: 128px; font-weight: 600; }}
QPushButton#abSwitch:checked {{ background: #1c6b61; border-color: {INSTRUMENTAL}; }}
QPushButton#link {{ border: none; background: transparent; color: {ACCENT}; padding: 2px 6px; }}
QSlider::groove:horizontal {{ height: 6px; background: #2a2d38; border-radius: 3px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 3px; }}
QSlider::handle:horizontal {{
    background: {TEXT}; width: 14px; height: 14px; margin: -5px 0; border-radius: 7px;
}}
QSlider::sub-page:horizontal:disabled {{ background: #3a3d4a; }}
QSlider::handle:horizontal:disabled {{ background: #5d6070; }}
QSlider#vocalSlider::sub-page:horizontal {{ background: {VOCALS}; }}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QLineEdit:focus {{ border: 1px solid {FOCUS}; }}
QPushButton#play:focus, QPushButton#primary:focus {{ border: 2px solid {FOCUS}; }}
QSlider:focus {{ background: #2a2d3c; border-radius: 6px; }}
QSlider::handle:horizontal:focus {{ background: {FOCUS}; border: 2px solid {ACCENT}; }}
QSlider#instrumentalSlider::sub-page:horizontal {{ background: {INSTRUMENTAL}; }}
QProgressBar {{
    background: #22242e; border: 1px solid {BORDER}; border-radius: 5px;
    max-height: 10px; text-align: center; color: transparent;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QFrame#banner {{ border-radius: 8px; padding: 2px; }}
QFrame#banner[kind="error"] {{ background: #3a1f26; border: 1px solid {ERROR}; }}
QFrame#banner[kind="warning"] {{ background: #3a3020; border: 1px solid {WARNING}; }}
QFrame#banner[kind="info"] {{ background: #232a3d; border: 1px solid {ACCENT}; }}
QFrame#banner QLabel {{ color: {TEXT}; }}
QComboBox, QLineEdit {{
    color: {TEXT}; background: #22242e; border: 1px solid {BORDER}; border-radius: 6px; padding: 4px 8px;
}}
QComboBox QAbstractItemView {{ background: {PANEL}; color: {TEXT}; selection-background-color: {ACCENT_DARK}; }}
QStatusBar {{ color: {TEXT_DIM}; padding-left: 10px; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ padding-right: 10px; }}
QCheckBox {{ color: {TEXT}; }}
"""


def app_icon() -> QIcon:
    """The app's icon (SVG and PNG sizes from the resources folder)."""
    icon = QIcon()
    for name in ("soundnet.svg", "soundnet.png"):
        path = resources_dir() / name
        if path.exists():
            icon.addFile(str(path))
    return icon
