"""#18 items 12 and 15: what the window says is said as a user would say it."""

from __future__ import annotations

import numpy as np
from uihelpers import write_song

from soundnet_app.audio.write import write_audio
from soundnet_app.ui.panels.sing import SingPanel


def test_latency_calibration_that_hears_nothing_says_what_to_check(qtbot, make_window, tmp_path, monkeypatch):
    voice = tmp_path / "singer.wav"
    write_audio(voice, (np.random.default_rng(0).standard_normal((44100, 2)) * 0.01).astype(np.float32))
    monkeypatch.setenv("SOUNDNET_MIC_FILE", str(voice))  # a microphone that cannot hear the clicks
    window = make_window()
    window.open_path(write_song(tmp_path / "song.wav", 4.0))
    qtbot.waitUntil(lambda: window.song is not None, timeout=10000)
    sing = window.panel(SingPanel)
    sing.calibrate_action.trigger()
    qtbot.waitUntil(lambda: "latency" in window.banner.text(), timeout=20000)
    text = window.banner.text()
    assert "Error" not in text and "not heard" in text and "microphone" in text, text
    assert sing.latency_s == 0.0
