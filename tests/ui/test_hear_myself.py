"""Hearing yourself in a real window (the sing panel): a file-fed microphone's voice in the mixer's output, on and off."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from uihelpers import wait_separated, write_song

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.write import write_audio
from soundnet_app.ui.panels.sing import SingPanel

VOICE_HZ = 1234.0  # the "singer": a steady tone, easy to find in the mix


class _Speaker(threading.Thread):
    """Calls ``mixer.fill`` every 1024 frames as a sound card's callback does, and keeps what it played."""

    def __init__(self, mixer, frames: int = 1024):
        super().__init__(daemon=True)
        self.mixer, self.frames = mixer, frames
        self.buffer = np.zeros((frames, 2), dtype=np.float32)
        self.played: list[tuple[float, np.ndarray]] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        self.mixer.start_ahead()  # as AudioOutput: the callback copies, the monitor is added there
        period = self.frames / self.mixer.sample_rate
        deadline = time.perf_counter()
        while not self.stop_event.is_set():
            self.mixer.fill(self.buffer)
            self.played.append((time.perf_counter(), self.buffer.copy()))
            deadline += period
            time.sleep(max(0.0, deadline - time.perf_counter()))
        self.mixer.stop_ahead()

    def between(self, t0: float, t1: float) -> np.ndarray:
        blocks = [b for t, b in self.played if t0 <= t <= t1]
        return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)


def voice_amplitude(audio: np.ndarray, block: int = 2048) -> float:
    """The amplitude of the VOICE_HZ sine in ``audio`` (left channel): the median over blocks of a
    windowed projection (the median: a loaded test machine may leave a few blocks of the output empty)."""
    x = audio[: audio.shape[0] // block * block, 0].astype(np.float64).reshape(-1, block)
    w = np.hanning(block)
    basis = w * np.exp(-2j * np.pi * VOICE_HZ * np.arange(block) / SAMPLE_RATE)
    return float(np.median(2 * np.abs(x @ basis) / w.sum()))


def test_hear_myself_puts_the_voice_over_the_mix_and_off_takes_it_out(make_window, qtbot, tmp_path, monkeypatch,
                                                                     settings):
    t = np.arange(8 * SAMPLE_RATE) / SAMPLE_RATE
    singer = tmp_path / "singer.wav"
    write_audio(singer, np.repeat((0.5 * np.sin(2 * np.pi * VOICE_HZ * t)).astype(np.float32)[:, None], 2, axis=1))
    monkeypatch.setenv("SOUNDNET_MIC_FILE", str(singer))
    song = write_song(tmp_path / "song.wav", 8.0)
    window = make_window()
    sing = window.panel(SingPanel)
    assert window.playback.mixer.monitor is sing.monitor and not sing.monitor.enabled  # off by default
    assert sing.view.hear_box.isEnabled() and sing.view.monitor_slider.isEnabled() and sing.view.reverb_box.isEnabled()
    # Keyboard: Space ticks the box, the arrow keys move the level.
    sing.view.hear_box.setFocus()
    qtbot.keyClick(sing.view.hear_box, Qt.Key.Key_Space)
    assert sing.view.hear_box.isChecked() and sing.monitor.enabled
    sing.view.monitor_slider.setValue(70)
    qtbot.keyClick(sing.view.monitor_slider, Qt.Key.Key_Right)
    assert sing.view.monitor_slider.value() == 75 and sing.monitor.params.level == pytest.approx(0.75)
    window.open_path(song)
    wait_separated(qtbot, window)
    window.playback.mixer.mode = "karaoke"
    sing.mic_action.setChecked(True)
    speaker = _Speaker(window.playback.mixer)
    window.playback.play()
    speaker.start()
    try:
        qtbot.waitUntil(lambda: sing.singalong.mic is not None, timeout=5000)
        qtbot.waitUntil(lambda: sing.monitor.ring.written > SAMPLE_RATE // 4, timeout=5000)  # the voice flows
        t0 = time.perf_counter()
        qtbot.wait(1500)
        t1 = time.perf_counter()
        sing.view.hear_box.setChecked(False)  # hearing off; still singing
        qtbot.wait(300)
        t2 = time.perf_counter()
        qtbot.wait(1500)
        t3 = time.perf_counter()
        assert sing.singalong.mic is not None and window.playback.playing
    finally:
        window.playback.pause()
        speaker.stop_event.set()
        speaker.join(2)
    heard, unheard = speaker.between(t0, t1), speaker.between(t2, t3)
    assert heard.shape[0] > SAMPLE_RATE and unheard.shape[0] > SAMPLE_RATE
    assert np.abs(unheard).max() > 0.05  # the karaoke mix plays in both
    on, off = voice_amplitude(heard), voice_amplitude(unheard)
    print(f"voice at {VOICE_HZ:.0f} Hz: {on:.3f} with 'Hear myself', {off:.4f} without; "
          f"monitor drops {sing.monitor.drops}, underruns {sing.monitor.underruns}")
    assert on == pytest.approx(0.5 * 0.75, rel=0.1)  # the voice, at the chosen level
    assert off < 0.01
    sing.mic_action.setChecked(False)
    # Remembered under sing/.
    sing.view.reverb_box.setChecked(True)
    assert settings.q.value("sing/monitor") in (False, "false")
    assert int(settings.q.value("sing/monitor_level")) == 75
    assert settings.q.value("sing/reverb") in (True, "true")
    again = make_window()
    assert again.panel(SingPanel).view.monitor_slider.value() == 75 and again.panel(SingPanel).view.reverb_box.isChecked()
    assert again.panel(SingPanel).monitor.params.reverb and not again.panel(SingPanel).monitor.enabled


def test_no_microphone_disables_hearing_with_a_reason(make_window, monkeypatch):
    from soundnet_app.sing.mic import input_devices

    monkeypatch.delenv("SOUNDNET_MIC_FILE", raising=False)
    if input_devices():
        pytest.skip("this machine has a microphone")
    sing = make_window().panel(SingPanel)
    for w in (sing.view.hear_box, sing.view.monitor_slider, sing.view.reverb_box):
        assert not w.isEnabled() and "No microphone" in w.toolTip()
    assert not sing.monitor.enabled and not sing.monitor.active
