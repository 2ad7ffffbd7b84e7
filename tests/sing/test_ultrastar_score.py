"""Scoring by the UltraStar rules: hand-made f0 for the rules, a file-fed singer for the whole chain."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.audio.write import write_audio
from soundnet_app.sing.mic import FileInput, SingingSession
from soundnet_app.sing.pitch import midi_to_hz
from soundnet_app.sing.ultrastar import parse_ultrastar
from soundnet_app.sing.ultrastar_notes import guide_from_notes
from soundnet_app.sing.ultrastar_score import beat_hit, score_ultrastar
from tests.sing.voice import sung_notes

HOP = 0.01
# 120 BPM in the file: a beat is 0.125 s. Two lines, a golden note, a freestyle note (never scored).
SONG = """#TITLE:Score me
#BPM:120
#GAP:500
: 0 4 -3 La
: 4 4 0 la
* 8 6 4 laa
- 16
: 18 4 7 la
: 22 4 5 la
F 26 4 0 ~
: 30 6 2 la
E
"""


def exact_f0(song, shift: float = 0.0, n_hops: int = 600) -> np.ndarray:
    f0 = guide_from_notes(song, n_hops, HOP)
    return np.where(f0 > 0, f0 * 2 ** (shift / 12), 0.0)


def test_the_rules_points_golden_double_and_line_bonus():
    song = parse_ultrastar(SONG)
    perfect = score_ultrastar(song, exact_f0(song))
    assert perfect.total == 10_000 and perfect.line_bonus == pytest.approx(1000)
    # value: normal 4+4+4+4+6 = 22 beats, golden 6 beats x 2 = 12 -> 34; 9000 for the notes
    assert perfect.golden == pytest.approx(9000 * 12 / 34) and perfect.notes == pytest.approx(9000 * 22 / 34)
    assert score_ultrastar(song, exact_f0(song), line_bonus=False).total == 10_000
    assert score_ultrastar(song, exact_f0(song, 12)).total == 10_000  # an octave up: any octave counts
    assert score_ultrastar(song, exact_f0(song, 0.9)).total == 10_000  # within a semitone
    assert score_ultrastar(song, exact_f0(song, 2)).total == 0  # a whole tone off
    assert score_ultrastar(song, np.zeros(600)).total == 0
    # Only the golden note sung: its points, and a line bonus share only for its line's perfection.
    f0 = exact_f0(song)
    golden = np.zeros_like(f0)
    a, b = round(song.beat_s(8) / HOP), round(song.beat_s(14) / HOP)
    golden[a:b] = f0[a:b]
    s = score_ultrastar(song, golden)
    assert s.notes == 0 and s.golden == pytest.approx(9000 * 12 / 34)
    line_max = 9000 * 20 / 34
    assert s.lines[0] == pytest.approx(s.golden / (line_max - 2), rel=1e-6) and s.lines[1] == 0
    assert s.total == int(round(s.golden) // 10 * 10 + round(s.line_bonus) // 10 * 10)


def test_beat_hit_folds_octaves_and_rap_takes_any_voice():
    assert beat_hit(72.4, 60, ":") and beat_hit(61.4, 60, ":") and not beat_hit(62.0, 60, ":")
    assert beat_hit(50.0, 60, "R") and not beat_hit(float("nan"), 60, "R")
    assert beat_hit(59.0, 60, "*") and not beat_hit(57.6, 60, "*")


def _sing(tmp_path, song, shift: float) -> np.ndarray:
    """A file-fed singer: vibrato voice on the song's notes (shifted), heard through a singing session."""
    melody = [(song.beat_s(n.start) + 0.02, song.beat_s(n.end) - 0.02, n.midi + shift)
              for n in song.notes() if n.kind != "F"]
    audio, _ = sung_notes(melody, 6.0, seed=3)
    path = tmp_path / f"singer{shift}.wav"
    write_audio(path, np.stack([audio, audio], axis=1))
    guide = guide_from_notes(song, 600, HOP)
    session = SingingSession(FileInput(path, speed=0), guide)
    assert session.start()
    assert session.source.finished.wait(30) and session.wait_idle(30)
    session.stop()
    return np.nan_to_num(session.scorer.sung, nan=0.0)


def test_a_singer_who_sings_the_notes_scores_over_9000_and_a_whole_tone_off_under_2000(tmp_path):
    song = parse_ultrastar(SONG)
    good = score_ultrastar(song, _sing(tmp_path, song, 0))
    assert good.total >= 9000, good
    off = score_ultrastar(song, _sing(tmp_path, song, 2))
    assert off.total < 2000, off
    assert midi_to_hz(60) == pytest.approx(261.63, abs=0.01)


def test_the_command_line_scores_a_take_file(tmp_path, capsys):
    import json

    from soundnet_app.sing.ultrastar_take import main

    song_path = tmp_path / "song.txt"
    song_path.write_text(SONG)
    song = parse_ultrastar(SONG)
    melody = [(song.beat_s(n.start) + 0.02, song.beat_s(n.end) - 0.02, n.midi) for n in song.notes() if n.kind != "F"]
    audio, _ = sung_notes(melody, 6.0, seed=8)
    take = tmp_path / "take.wav"
    write_audio(take, np.stack([audio, audio], axis=1))
    assert main([str(song_path), str(take)]) == 0
    [score] = json.loads(capsys.readouterr().out)
    assert score["total"] >= 9000 and score["beats"] == 28
    assert main([str(song_path), str(tmp_path / "missing.wav")]) == 1
    assert "missing.wav" in capsys.readouterr().err
