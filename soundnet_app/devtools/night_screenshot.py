"""Render the karaoke night's screenshots offscreen: the window with its queue, and the stage view.

    python -m soundnet_app.devtools.night_screenshot [resources/]

Writes ``screenshot-queue.png`` (the window: four generated songs queued with
singers, the first on stage, the next separated ahead) and
``screenshot-stage.png`` (the stage view at 1920x1080 mid-line).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from soundnet_app.devtools.simulate import wait_until
from soundnet_app.devtools.stage_frames import make_stage, render
from soundnet_app.devtools.synth import write_synthetic_song
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.panels.queue import QueuePanel
from soundnet_app.ui.settings import AppSettings
from soundnet_app.ui.theme import app_icon

SONGS = (("Anna", "Midnight Drive"), ("Ben", "Paper Boats"), ("Cleo", "Northern Lights"), ("Anna", "Slow Burn"))


def render_queue(out: Path, size: tuple[int, int] = (1280, 860)) -> Path:
    with tempfile.TemporaryDirectory(prefix="soundnet-shot-") as tmp:
        tmp = Path(tmp)
        window = MainWindow(settings=AppSettings(tmp / "settings.ini"), cache=None, audio=False)
        window.resize(*size)
        window.show()
        try:
            wait_until(lambda: window.separation.model_state != "loading", 300)
            panel = window.panel(QueuePanel)
            for k, (singer, title) in enumerate(SONGS):
                panel.add([write_synthetic_song(tmp / f"{title}.wav", 20.0, seed=40 + k)], singer=singer)
            second = panel.queue.entries[1].id
            wait_until(lambda: panel.ahead.ready is not None and panel.ahead.ready[0] == second, 300)
            wait_until(lambda: panel.ahead.entry is not None and panel.ahead.fraction > 0.3, 60)
            window.transport.seek_seconds(6.0)
            panel.view.select_row(2)
            window.banner.hide()
            window.statusBar().clearMessage()
            wait_until(lambda: False, 0.3)
            window.grab().save(str(out))
        finally:
            window.shutdown()
    return out


def render_stage(out: Path) -> Path:
    stage = make_stage(1920, 1080)
    render(stage, 5.0).save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    folder = Path((argv if argv is not None else sys.argv[1:] or ["resources"])[0])
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    app.setWindowIcon(app_icon())
    apply_theme(app)
    print(render_stage(folder / "screenshot-stage.png"))
    print(render_queue(folder / "screenshot-queue.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
