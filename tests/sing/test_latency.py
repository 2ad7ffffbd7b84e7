"""#18 item 12: calibrating the latency fails in words a user understands, never "ValueError: …"."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.sing.take import (
    LatencyError,
    calibrate_latency,
    click_track,
    file_play_record,
    latency_problem,
    measure_latency,
)


def test_unheard_clicks_say_what_to_check():
    silence = np.zeros(click_track().size, np.float32)
    with pytest.raises(LatencyError) as info:
        measure_latency(click_track(), silence)
    assert "not heard" in str(info.value) and "Error" not in str(info.value)


def test_a_sound_card_that_fails_is_a_latency_error_for_the_user():
    def broken(clicks):
        raise OSError("PortAudio library not found")

    with pytest.raises(OSError):
        calibrate_latency(broken)  # a caller's own play_record: its errors are its own
    message = latency_problem(OSError("PortAudio library not found"))
    assert "sound card" in message and "PortAudio" not in message and "Error" not in message


def test_a_file_fed_microphone_hears_its_file_not_the_clicks():
    voice = np.random.default_rng(0).standard_normal((44100, 2)).astype(np.float32) * 0.01
    with pytest.raises(LatencyError) as info:
        calibrate_latency(file_play_record(voice))
    assert latency_problem(info.value) == str(info.value)
