"""``soundnet [PATH]``: start the SoundNet Karaoke window.

    soundnet                 # empty window: drop a song on it
    soundnet song.mp3        # open a song at once
    soundnet --no-audio ...  # never open a sound device

Environment: ``SOUNDNET_SETTINGS`` (an INI file instead of the user's
settings), ``SOUNDNET_CACHE_DIR``, ``SOUNDNET_MODEL``, ``SOUNDNET_NO_AUDIO``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from PySide6.QtWidgets import QApplication

from soundnet_app.paths import APP_AUTHOR, APP_NAME
from soundnet_app.separation.cache import StemCache
from soundnet_app.ui import theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.settings import AppSettings
from soundnet_app.ui.theme import app_icon

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="soundnet", description="SoundNet Karaoke: turn a song into a karaoke track.")
    p.add_argument("path", nargs="?", help="a song to open")
    p.add_argument("--model", default=None, metavar="PATH", help="a .keras separation model (default: the bundled one)")
    p.add_argument("--settings", default=None, metavar="INI", help="keep settings in this INI file")
    p.add_argument("--no-audio", action="store_true", help="do not open a sound device")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the stem cache")
    p.add_argument("-v", "--verbose", action="store_true", help="log to the terminal")
    # Qt's own options (-style, -platform...) are left for QApplication.
    args, _ = p.parse_known_args(argv)
    return args


def apply_theme(app: QApplication) -> None:
    """Fusion style, the dark palette and the style sheet."""
    app.setStyle("Fusion")
    app.setPalette(theme.palette())
    app.setStyleSheet(theme.STYLE_SHEET)


def create_app(argv: list[str] | None = None) -> tuple[QApplication, MainWindow, argparse.Namespace]:
    """Build (or reuse) the QApplication and a shown main window: ``(app, window, args)``."""
    argv = list(sys.argv if argv is None else [sys.argv[0], *argv])
    args = parse_args(argv[1:])
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("soundnet")

    app.setWindowIcon(app_icon())
    apply_theme(app)
    window = MainWindow(
        settings=AppSettings(args.settings),
        cache=None if args.no_cache else StemCache(),
        audio=not args.no_audio,
        model_path=args.model,  # for this run only; its stems are cached under its own version
    )
    window.show()
    if window.playback.prefs.problem:  # a damaged songs.json: set aside, the app starts with defaults
        window.show_banner(window.playback.prefs.problem, "warning")
    if args.path:
        window.open_path(args.path)
    return app, window, args


def main(argv: list[str] | None = None) -> int:
    """The ``soundnet`` console script."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C in the terminal quits
    app, window, _ = create_app(argv)
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
