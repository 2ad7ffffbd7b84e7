"""The sound card side: after an underflow the card reports, the stream reopens with a larger buffer."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from soundnet_app.engine.mixer import PlaybackMixer
from soundnet_app.engine.output import LATENCY_STEPS_S, AudioOutput
from soundnet_app.engine.song import Song


class RecordingCard:
    """Stands in for ``sounddevice.OutputStream`` (the test machines have no sound card): records how it was opened."""

    opened: list[RecordingCard] = []

    def __init__(self, samplerate, channels, dtype, latency, callback):
        self.latency, self.callback = latency, callback
        self.started = self.closed = False
        self.time = 0.0
        RecordingCard.opened.append(self)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def play_block(self, underflow: bool = False, frames: int = 1024) -> np.ndarray:
        """One callback as PortAudio makes it; ``underflow``: the card says the last one came too late."""
        out = np.zeros((frames, 2), dtype=np.float32)
        self.callback(out, frames, SimpleNamespace(outputBufferDacTime=0.0), SimpleNamespace(output_underflow=underflow))
        return out


def sounds(card: RecordingCard, timeout: float = 10.0) -> bool:
    """Whether the card plays the tone within ``timeout`` s (the render-ahead worker fills its ring meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if np.abs(card.play_block(frames=256)).max() > 0.1:
            return True
        time.sleep(0.005)
    return False


@pytest.fixture
def playing():
    RecordingCard.opened = []
    t = np.arange(44100 * 5) / 44100
    tone = np.stack([np.sin(2 * np.pi * 220 * t)] * 2, axis=1).astype(np.float32) * 0.3
    mixer = PlaybackMixer()
    mixer.set_song(Song("tone.wav", tone))
    output = AudioOutput(mixer, stream_factory=RecordingCard)
    assert output.start()
    mixer.play()
    yield output
    output.close()


def test_each_underflow_reopens_the_stream_one_buffer_size_larger(playing):
    output = playing
    assert [c.latency for c in RecordingCard.opened] == [LATENCY_STEPS_S[0]]
    assert sounds(RecordingCard.opened[-1])
    assert not output.maintain(), "no underflow: the stream stays as it is"
    for step, latency in enumerate(LATENCY_STEPS_S[1:], start=1):
        position = output.mixer.position
        RecordingCard.opened[-1].play_block(underflow=True)
        assert output.maintain()
        assert [c.latency for c in RecordingCard.opened] == list(LATENCY_STEPS_S[: step + 1])
        assert RecordingCard.opened[-2].closed and RecordingCard.opened[-1].started
        assert output.mixer.playing and output.mixer.position >= position
        assert sounds(RecordingCard.opened[-1]), "the new stream plays on"
    RecordingCard.opened[-1].play_block(underflow=True)
    assert not output.maintain() and len(RecordingCard.opened) == len(LATENCY_STEPS_S), "the largest buffer stays"


def test_an_underflow_before_a_stop_does_not_reopen_a_closed_stream(playing):
    output = playing
    RecordingCard.opened[-1].play_block(underflow=True)
    output.close()
    assert not output.maintain() and len(RecordingCard.opened) == 1
