"""The karaoke queue without Qt: real files in a temporary folder, the real JSON file."""

from __future__ import annotations

import json

import numpy as np
import soundfile as sf

from soundnet_app.engine.queue import SongQueue
from soundnet_app.jsonfile import MAX_JSON_DEPTH


def write_song(path, seconds: float = 0.2):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros((int(44100 * seconds), 2), np.float32), 44100)
    return path


def test_add_songs_and_a_folder_with_singers(tmp_path):
    a = write_song(tmp_path / "a.wav")
    write_song(tmp_path / "folder" / "c.wav")
    write_song(tmp_path / "folder" / "b.flac")
    (tmp_path / "folder" / "notes.txt").write_text("not audio")
    q = SongQueue()
    q.add([a], singer="  An\x00na \n ")
    q.add([tmp_path / "folder"], singer="Ben")
    assert [e.path.name for e in q.entries] == ["a.wav", "b.flac", "c.wav"]
    assert [e.singer for e in q.entries] == ["Anna", "Ben", "Ben"]
    assert q.entries[0].label() == "Anna — a"


def test_move_remove_play_next_keep_the_song_on_stage(tmp_path):
    songs = [write_song(tmp_path / f"{n}.wav") for n in "abcde"]
    q = SongQueue()
    q.add(songs)
    assert q.advance().path.name == "a.wav"
    q.advance()  # b on stage
    assert q.current_entry.path.name == "b.wav"
    q.play_next(4)  # e right after b
    assert [e.path.stem for e in q.upcoming()] == ["e", "c", "d"]
    q.move(0, 4)  # a (already sung) to the end: b is still on stage
    assert q.current_entry.path.name == "b.wav"
    assert [e.path.stem for e in q.entries] == ["b", "e", "c", "d", "a"]
    q.remove(q.current)  # the song on stage removed: the next is still e
    assert q.peek_next().path.name == "e.wav"
    assert q.advance().path.name == "e.wav"


def test_a_vanished_file_is_marked_and_skipped(tmp_path):
    a, b, c = (write_song(tmp_path / f"{n}.wav") for n in "abc")
    q = SongQueue()
    q.add([a, b, c])
    q.advance()
    b.unlink()
    assert q.peek_next().path == c
    assert q.advance().path == c
    assert q.entries[1].missing
    assert q.advance() is None  # the end of the night
    assert q.peek_next() is None
    d = write_song(tmp_path / "d.wav")
    q.add([d])  # one more song after the end: it is next, not on stage unplayed
    assert q.current_entry.path == c and q.peek_next().path == d


def test_queue_survives_a_restart(tmp_path):
    songs = [write_song(tmp_path / f"{n}.wav") for n in "ab"]
    file = tmp_path / "data" / "queue.json"
    q = SongQueue(file)
    q.add(songs[:1], singer="Anna")
    q.add(songs[1:], singer="Ben")
    q.advance()
    again, message = SongQueue.load(file)
    assert message == ""
    assert [(e.path, e.singer) for e in again.entries] == [(songs[0], "Anna"), (songs[1], "Ben")]
    assert again.current == 0 and again.night == q.night


def test_damaged_queue_file_gives_empty_queue_message_and_is_kept(tmp_path):
    file = tmp_path / "queue.json"
    for content in ("{not json", "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5),
                    json.dumps({"songs": [{"path": 3}]}), json.dumps([1, 2])):
        file.write_text(content)
        q, message = SongQueue.load(file)
        assert len(q) == 0 and q.current == -1
        assert "The song queue (queue.json) was damaged" in message and "empty queue" in message
        kept = sorted(tmp_path.glob("queue.json.damaged-*"))
        assert len(kept) == 1 and kept[0].read_text() == content and f"kept as {kept[0].name}" in message
        assert not file.exists()  # moved aside: the next change writes a good one
        q.add([write_song(tmp_path / "a.wav")])
        assert len(SongQueue.load(file)[0]) == 1
        kept[0].unlink()


def test_missing_file_is_a_quiet_empty_queue(tmp_path):
    q, message = SongQueue.load(tmp_path / "none.json")
    assert len(q) == 0 and message == ""
    assert not (tmp_path / "none.json").exists()


def test_reorder_by_ids_keeps_the_song_on_stage(tmp_path):
    songs = [write_song(tmp_path / f"{n}.wav") for n in "abc"]
    q = SongQueue()
    q.add(songs)
    q.advance()
    ids = [e.id for e in q.entries]
    q.reorder([ids[2], ids[1], ids[0]])
    assert [e.path.stem for e in q.entries] == ["c", "b", "a"] and q.current_entry.path.stem == "a"
    q.reorder([ids[0]])  # not a permutation: ignored
    assert len(q) == 3


def test_interlude_counts_down_and_pauses(tmp_path):
    from soundnet_app.engine.queue import Interlude, QueueEntry

    interlude = Interlude(QueueEntry(tmp_path / "Song.wav", "Anna"), 10, now=0.0)
    assert interlude.text(3.2) == "Next: Anna — Song in 7 s"
    assert interlude.toggle_pause(4.0) is True
    assert interlude.remaining(100.0) == 6.0 and not interlude.finished(100.0)
    assert interlude.text(100.0).endswith("(paused)")
    interlude.toggle_pause(100.0)
    assert not interlude.finished(105.0) and interlude.finished(106.0)
