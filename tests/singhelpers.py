"""Helpers shared by the sing-along tests: waiting for the session's threads, and a microphone that never starts."""

from __future__ import annotations

import time

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.sing.mic import InputSource


def until(condition, timeout: float = 60.0) -> None:
    """Wait for ``condition()`` to hold (the guide builder's and the microphone's threads are at work),
    failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class DeadInput(InputSource):
    """A microphone that never starts (the machine has none)."""

    sample_rate = SAMPLE_RATE
    available = False
    reason = "No microphone here."

    def start(self, callback) -> bool:
        return False

    def stop(self) -> None:
        pass
