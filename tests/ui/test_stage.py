"""The stage view: readable, wrapped, nothing clipped or overlapping (checked from the rendered image),
and following the window's song through the real window offscreen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from uihelpers import write_song

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.stage_frames import check, layout_problems, make_stage, render
from soundnet_app.ui.lyrics_painter import STAGE_SHARE
from soundnet_app.ui.panels.keytempo import KeyTempoPanel
from soundnet_app.ui.panels.queue import QueuePanel
from soundnet_app.ui.panels.sing import SingPanel

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_stage_lines_lie_inside_the_window_and_never_overlap(qapp, size):
    result = check(*size)
    assert result["problems"] == []
    assert result["rects"] >= 3  # the interlude's message and its best-score lines


def test_the_current_line_is_large_enough_for_the_room(qapp):
    stage = make_stage(1920, 1080)
    render(stage, 0.5)
    lyrics_rows = [r for name, r in stage.drawn if name == "lyrics"]
    assert max(r.height() for r in lyrics_rows) >= STAGE_SHARE * 1080  # 8 % of the height: ~86 px at 1080p


def test_the_layout_check_sees_ink_outside_the_rectangles(qapp):
    stage = make_stage(1280, 720)
    image = render(stage, 0.5)
    stage.drawn = [(name, r) for name, r in stage.drawn if name != "singer"]  # forget where the singer went
    assert any("ink outside" in p for p in layout_problems(stage, image))


@pytest.mark.slow
def test_stage_layout_at_scale_factor_2():
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "soundnet_app.devtools.stage_frames", "--check", "--size", "1920x1080"],
                         capture_output=True, text=True, env=env, timeout=300, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["device_pixel_ratio"] == 2.0 and result["problems"] == []


def test_f11_shows_the_stage_following_the_song(qtbot, window, tmp_path):
    song = write_song(tmp_path / "Stage Song.wav", 12.0)
    song.with_suffix(".lrc").write_text("[00:01.00]First line here\n[00:06.00]Second line here\n")
    panel = window.panel(QueuePanel)
    panel.add([song], singer="Anna")
    qtbot.waitUntil(lambda: window.song is not None, timeout=30000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10000)
    QTest.keyClick(window, Qt.Key.Key_F11)
    stage = panel.stage
    qtbot.waitUntil(stage.isVisible, timeout=10000)
    assert panel.actions["stage"].isChecked()
    assert (stage.singer, stage.title) == ("Anna", "Stage Song")
    qtbot.waitUntil(lambda: stage.lyrics is not None, timeout=10000)
    window.transport.seek_seconds(6.5)  # the stage follows the player's position
    qtbot.waitUntil(lambda: stage.frame.current == 1, timeout=10000)
    assert window.playback.position >= 6 * SAMPLE_RATE
    # The pitch lane under the lyrics (View › Pitch Lane on Stage): the sing panel's guide, at the player's key.
    panel.actions["lane"].trigger()
    assert stage.lane.isVisible() and window.settings.q.value("stage/pitch_lane") in (True, "true")
    assert stage.lane.guide is not None and stage.lane.guide is window.panel(SingPanel).singalong.guide
    window.panel(KeyTempoPanel).step_key(2)
    qtbot.waitUntil(lambda: stage.lane.key_shift == 2, timeout=10000)
    QTest.keyClick(stage, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not stage.isVisible(), timeout=10000)
    assert not panel.actions["stage"].isChecked()
