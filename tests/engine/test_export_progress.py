"""#18 item 15: an export at a key/tempo moves its progress bar while it renders, not only after."""

from __future__ import annotations

import threading
import time
from itertools import pairwise

import numpy as np
import pytest

from soundnet_app.engine.export import ExportCancelled, export_stems

RATE = 44100


def stems(seconds: float = 20.0):
    rng = np.random.default_rng(0)
    vocals = (rng.standard_normal((int(seconds * RATE), 2)) * 0.1).astype(np.float32)
    return vocals, vocals[::-1].copy()


def test_the_progress_moves_during_the_key_tempo_render(tmp_path):
    vocals, instrumental = stems()
    reports: list[tuple[float, float]] = []
    start = time.monotonic()
    export_stems(tmp_path, "song", vocals, instrumental, key=2, tempo=0.9,
                 progress=lambda f: reports.append((time.monotonic(), f)))
    end = time.monotonic()
    fractions = [f for _, f in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any(0.0 < f <= 0.5 for f in fractions[:3])  # a step as each stem is rendered, before any file block
    times = [start] + [t for t, _ in reports] + [end]
    longest_wait = max(b - a for a, b in pairwise(times))
    assert longest_wait < 0.7 * (end - start)  # the bar never stands still for most of the export


def test_a_cancel_during_the_render_stops_before_any_file(tmp_path):
    vocals, instrumental = stems(5.0)
    cancel = threading.Event()

    def progress(f):
        if f > 0:
            cancel.set()  # the user presses Esc after the first stem is rendered

    with pytest.raises(ExportCancelled):
        export_stems(tmp_path, "song", vocals, instrumental, key=-1, progress=progress, cancel=cancel)
    assert not any(tmp_path.iterdir())
