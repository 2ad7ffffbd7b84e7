"""Render the window with a separated demo song to a PNG (offscreen).

    python -m soundnet_app.devtools.screenshot [OUT.png] [SONG] [--minimum]

``--minimum``: the window at its minimum size (``resources/screenshot-minimum-size.png``).

Without SONG, the demo song is generated (:mod:`soundnet_app.devtools.synth`). The picture shows
the window as it looks with a sound card, so the "no sound device" notice
of a headless machine is left out.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import soundfile as sf
from PySide6.QtWidgets import QApplication

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.simulate import drop_files, wait_until
from soundnet_app.devtools.synth import synthetic_blocks
from soundnet_app.paths import APP_NAME
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.panels.keytempo import KeyTempoPanel
from soundnet_app.ui.settings import AppSettings
from soundnet_app.ui.theme import app_icon


def render_screenshot(
    out: str | Path, song: str | Path | None = None, seconds: float = 200.0,
    size: tuple[int, int] | None = (1280, 800),
) -> Path:
    """Save the window (``size``; ``None``: its minimum size, with the song shown) as a PNG at ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    app = QApplication.instance() or QApplication([])
    app.setApplicationName(APP_NAME)
    app.setWindowIcon(app_icon())
    apply_theme(app)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="soundnet-shot-") as tmp:
        if song is None:
            song = Path(tmp) / "midnight_drive.wav"
            with sf.SoundFile(song, "w", SAMPLE_RATE, 2, "PCM_16") as f:
                f.title = "Midnight Drive"
                f.artist = "The Synthetics"
                for block in synthetic_blocks(seconds, seed=7):
                    f.write(block)
        window = MainWindow(settings=AppSettings(Path(tmp) / "settings.ini"), cache=None, audio=False)
        window.resize(*(size or (1100, 720)))
        window.show()
        try:
            wait_until(lambda: window.separation.model_state != "loading", 300)
            drop_files(window, [song])
            wait_until(lambda: window.song is not None and window.separation.job is not None and not window.separation.job.active, 300)
            # Show it as it looks with a sound card, mid-song, with a little guide vocal.
            window.banner.hide()
            window.output.available = True
            window.refresh_controls()
            window.transport.vocal_slider.setValue(25)
            window.panel(KeyTempoPanel).set_shift(2, 0.9)  # two semitones up, a little slower
            wait_until(lambda: window.playback.song_key is not None, 60)
            window.transport.seek_seconds(min(71.5, 0.4 * window.song.duration_s))
            window.statusBar().clearMessage()
            if size is None:
                wait_until(lambda: False, 0.1)
                window.resize(window.minimumSize())
            wait_until(lambda: False, 0.3)
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
        finally:
            window.output.available = False
            window.shutdown()
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--minimum"]
    minimum = "--minimum" in sys.argv[1:]
    print(render_screenshot(args[0] if args else "resources/screenshot.png", args[1] if len(args) > 1 else None,
                            seconds=60.0 if minimum else 200.0, size=None if minimum else (1280, 800)))
