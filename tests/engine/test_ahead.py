"""Which queued song is separated ahead, and the batch's progress (no Qt, real files)."""

from __future__ import annotations

from test_queue import write_song

from soundnet_app.engine.ahead import AHEAD_SONGS, AheadPlan, BatchProgress
from soundnet_app.engine.queue import SongQueue


def test_ahead_takes_the_next_songs_in_order_and_batch_takes_all(tmp_path):
    songs = [write_song(tmp_path / f"{n}.wav") for n in "abcde"]
    q = SongQueue()
    q.add(songs)
    q.advance()  # a on stage
    plan = AheadPlan()
    assert plan.next_entry(q).path.name == "b.wav"
    plan.done.add(q.entries[1].id)
    songs[2].unlink()  # c vanished: skipped, marked
    assert plan.next_entry(q).path.name == "d.wav" and q.entries[2].missing
    plan.failed.add(q.entries[3].id)
    assert AHEAD_SONGS == 2 and plan.next_entry(q) is None  # only the next two playable songs ahead
    plan.batch = True
    assert plan.next_entry(q).path.name == "a.wav"  # the whole queue, the song on stage too
    plan.done.add(q.entries[0].id)
    assert plan.next_entry(q).path.name == "e.wav"
    assert plan.batch_counts(q) == (3, 4)


def test_batch_progress_and_eta():
    progress = BatchProgress(now=100.0)
    assert progress.eta_s(0.0, now=110.0) == -1.0
    f = progress.fraction(1, 4, 0.5)
    assert f == 0.375
    assert abs(progress.eta_s(f, now=130.0) - 50.0) < 1e-9
    assert progress.fraction(0, 0) == 1.0
