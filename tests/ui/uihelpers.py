"""Helpers shared by the UI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from soundnet_app.ui.panels.export import ExportPanel


def write_song(path: Path, seconds: float, seed: int = 0) -> Path:
    from soundnet_app.devtools.synth import write_synthetic_song

    return write_synthetic_song(path, seconds, seed=seed)


def wait_separated(qtbot, window, timeout=60000):
    """Wait until the current song is separated and the window has taken note (progress hidden)."""
    qtbot.waitUntil(lambda: window.song is not None and window.song.coverage.complete
                    and (window.separation.job is None or window.separation.job.state == "done") and window.panel(ExportPanel).task is None
                    and window.panel(ExportPanel).action.isEnabled() and not window.progress_row.isVisibleTo(window),
                    timeout=timeout)


def shown_title(window) -> str:
    """The title as the window system shows it: Qt appends the application's display name where one is set."""
    from PySide6.QtWidgets import QApplication

    title, name = window.windowTitle(), QApplication.applicationDisplayName()
    if name == "SoundNet Karaoke" and title != name:
        return f"{title} — {name}" if title else name
    return title


def assert_audio_equal(actual: np.ndarray, expected: np.ndarray, atol: float = 1e-6):
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=0)
