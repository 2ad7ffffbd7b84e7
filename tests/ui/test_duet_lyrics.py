"""#17: an UltraStar duet opened in the app shows two lyric rows on the desk, singer 1 above singer 2."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from soundnet_app.audio.write import write_audio
from soundnet_app.ui.panels.sing import SingPanel

SR = 44100
# 120 BPM: a beat is 0.125 s. Singer 1 sings "Red rose" then "Blue sky", singer 2 "Green leaf" then "Gold sun",
# overlapping in time (merged, the lines would interleave in one row).
DUET = """#TITLE:Two Voices
#ARTIST:Tester
#AUDIO:song.wav
#VOCALS:vocals.wav
#INSTRUMENTAL:instrumental.wav
#BPM:120
#GAP:0
P1
: 0 8 0 Red
: 8 8 2  rose
- 20
: 24 8 4 Blue
: 32 8 5  sky
P2
: 4 8 7 Green
: 12 8 9  leaf
- 24
: 28 8 7 Gold
: 36 8 5  sun
E
"""


@pytest.fixture
def duet_file(tmp_path):
    folder = tmp_path / "Tester - Two Voices"
    folder.mkdir()
    (folder / "song.txt").write_text(DUET)
    t = np.arange(int(6.0 * SR)) / SR
    tone = (0.1 * np.sin(2 * np.pi * 220.0 * t)).astype(np.float32)
    for name in ("song.wav", "vocals.wav", "instrumental.wav"):
        write_audio(folder / name, np.stack([tone, tone], axis=1))
    return folder / "song.txt"


def shown_lines(view) -> list[str]:
    """The current line of each row the view shows (singer 1's, then singer 2's)."""
    rows = (view.lyrics, view.second)
    return [rows[k].lines[f.current].text.strip() if f.current >= 0 else "" for k, f in enumerate(view.frames)]


def test_a_duet_shows_each_singers_line_in_its_own_row(qtbot, window, duet_file):
    window.open_path(duet_file)
    qtbot.waitUntil(lambda: window.song is not None, timeout=20000)
    panel = window.panel(SingPanel)
    if not panel.show_action.isChecked():
        panel.show_action.trigger()
    view = panel.view.lyrics_view
    qtbot.waitUntil(view.isVisible, timeout=5000)
    assert view.second is not None  # two singers apart, not the merged lines
    for seconds, expected in ((1.3, ["Red rose", "Green leaf"]), (3.6, ["Blue sky", "Gold sun"])):
        window.transport.seek_seconds(seconds)
        qtbot.waitUntil(lambda expected=expected: shown_lines(view) == expected, timeout=10000)
        view.drawn_by_singer = []
        view.repaint()
        first, second = view.drawn_by_singer
        assert first and second, (first, second)  # each singer's half has rows of text
        assert all(QRectF(view.rect()).contains(r) for r in first + second), (first, second)  # inside the view
        assert max(r.bottom() for r in first) <= min(r.top() for r in second)  # singer 1 above, no overlap
        assert not any(a.intersects(b) for a in first for b in second)
    # Lyrics loaded over it (a single singer's) give one row again.
    view.set_lyrics(view.lyrics)
    view.repaint()
    assert view.second is None and view.drawn_by_singer == []
