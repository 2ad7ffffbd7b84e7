"""Scores per singer without Qt: the real JSON file."""

from __future__ import annotations

from soundnet_app.sing.scoreboard import Scoreboard


def test_best_for_song_and_of_the_night_survive_a_restart(tmp_path):
    file = tmp_path / "scores.json"
    board = Scoreboard(file)
    board.add("Anna", "song-1", "Song One", 0.72, key=2, tempo=0.9, night="n1", when=1)
    board.add("Ben", "song-1", "Song One", 0.80, key=0, tempo=1.0, night="n1", when=2)
    board.add("Anna", "song-2", "Song Two", 0.91, key=0, tempo=1.0, night="n1", when=3)
    board.add("Cleo", "song-1", "Song One", 0.99, key=0, tempo=1.0, night="n0", when=0)
    again, message = Scoreboard.load(file)
    assert message == ""
    assert [(r.singer, r.percent) for r in again.best_for_song("song-1")] == [("Cleo", 99), ("Ben", 80), ("Anna", 72)]
    # The night: one row per singer, their best; another night's scores are not in it.
    assert [(r.singer, r.percent) for r in again.best_of_night("n1")] == [("Anna", 91), ("Ben", 80)]
    assert again.best_for_song("song-1")[2].label() == "Anna — 72 % (Song One, +2, 90 %)"


def test_damaged_scores_file_gives_empty_board_message_and_is_kept(tmp_path):
    file = tmp_path / "scores.json"
    for content in ('{"scores": [{"percent": 500, "song": "x"}]}', "\x00\x01", '{"scores": 3}'):
        file.write_text(content)
        board, message = Scoreboard.load(file)
        assert board.records == [] and "The score list (scores.json) was damaged" in message
        kept = list(tmp_path.glob("scores.json.damaged-*"))
        assert len(kept) == 1 and kept[0].read_text() == content and f"kept as {kept[0].name}" in message
        assert not file.exists()
        kept[0].unlink()
