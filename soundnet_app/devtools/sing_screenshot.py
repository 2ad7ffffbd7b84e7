"""Render the window singing along (lyrics, pitch lane, the singer's pitch) to a PNG, offscreen.

    python -m soundnet_app.devtools.sing_screenshot [OUT.png]

The demo song is generated (:mod:`soundnet_app.devtools.synth`) with an ``.lrc``;
the "singer" is a file-fed microphone singing the separated vocal a little
flat now and then, so the lane shows hits and misses.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtWidgets import QApplication

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.write import write_audio
from soundnet_app.devtools.simulate import FakeAudioThread, drop_files, wait_until
from soundnet_app.devtools.synth import synthetic_blocks
from soundnet_app.training.data import change_speed
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.panels.sing import SingPanel
from soundnet_app.ui.settings import AppSettings
from soundnet_app.ui.theme import app_icon


def render(out: str | Path, seconds: float = 120.0, size: tuple[int, int] = (1280, 900)) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    app = QApplication.instance() or QApplication([])
    app.setWindowIcon(app_icon())
    apply_theme(app)
    out = Path(out)
    words = ["Driving through the neon rain", "city lights are calling out my name", "hold the wheel and close my eyes",
             "midnight drive until the sunrise"]
    with tempfile.TemporaryDirectory(prefix="soundnet-shot-") as tmp:
        song = Path(tmp) / "midnight_drive.wav"
        with sf.SoundFile(song, "w", SAMPLE_RATE, 2, "PCM_16") as f:
            f.title, f.artist = "Midnight Drive", "The Synthetics"
            for block in synthetic_blocks(seconds, seed=7):
                f.write(block)
        lrc = []
        for k, t in enumerate(np.arange(0.0, seconds, 4.0)):
            text = words[k % len(words)].split()
            lrc.append(f"[{int(t // 60):02d}:{t % 60:05.2f}]" + " ".join(
                f"<{int((t + j * 0.5) // 60):02d}:{(t + j * 0.5) % 60:05.2f}>{w}" for j, w in enumerate(text)))
        song.with_suffix(".lrc").write_text("\n".join(lrc) + "\n")
        window = MainWindow(settings=AppSettings(Path(tmp) / "settings.ini"), cache=None, audio=False)
        window.resize(*size)
        window.show()
        audio = None
        try:
            wait_until(lambda: window.separation.model_state != "loading", 300)
            drop_files(window, [song])
            wait_until(lambda: window.song is not None and window.separation.job is not None and not window.separation.job.active, 300)
            wait_until(lambda: window.panel(SingPanel).singalong.guide is not None and window.panel(SingPanel).singalong.guide.complete, 60)
            start = 48.0
            singer = np.asarray(window.song.vocals[int(start * SAMPLE_RATE):int((start + 20) * SAMPLE_RATE)])
            singer = singer.copy()
            a, b = int(2.2 * SAMPLE_RATE), int(2.9 * SAMPLE_RATE)
            sharp = change_speed(singer[a:b + 5000], 1.06)  # a semitone sharp for a moment
            singer[a:a + min(b - a, sharp.shape[0])] = sharp[: b - a]
            path = Path(tmp) / "singer.wav"
            write_audio(path, singer * 3)
            os.environ["SOUNDNET_MIC_FILE"] = str(path)
            window.panel(SingPanel)._fill_devices()
            window.banner.hide()
            window.output.available = True
            window.refresh_controls()
            window.transport.vocal_slider.setValue(25)
            window.transport.seek_seconds(start)
            window.panel(SingPanel).mic_action.setChecked(True)
            audio = FakeAudioThread(window.playback.mixer)
            window.playback.play()
            audio.start()
            wait_until(lambda: window.playback.position > (start + 3.4) * SAMPLE_RATE, 30)
            window.statusBar().clearMessage()
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
        finally:
            if audio is not None:
                audio.stop_event.set()
                audio.join(2)
            os.environ.pop("SOUNDNET_MIC_FILE", None)
            window.output.available = False
            window.shutdown()
    return out


if __name__ == "__main__":
    print(render(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshot-sing.png"))
