"""The sing-along session without Qt: tap-to-sync, the takes, the guide, on a real Song and a file-fed microphone."""

from __future__ import annotations

import numpy as np
import pytest
from singhelpers import DeadInput, until
from voice import SR, tone_vocal

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.write import write_audio
from soundnet_app.engine.song import Song
from soundnet_app.separation.cache import cache_key
from soundnet_app.sing.guide import guide_path
from soundnet_app.sing.lyrics import LyricsError, LyricsExistError
from soundnet_app.sing.lyrics_files import read_lrc
from soundnet_app.sing.mic import FileInput
from soundnet_app.sing.session import SingAlong


def make_song(path, seconds: float = 8.0, separated: bool = True, content_hash: str = "") -> Song:
    """A song whose voice sings phrases from 0 s and 4 s, a note every 0.5 s (written to ``path`` too)."""
    voice = tone_vocal([p + 0.5 * k for p in (0.0, 4.0) for k in range(6) if p + 0.5 * k < seconds], seconds)
    vocals = np.stack([voice, voice], axis=1)
    instrumental = np.zeros_like(vocals)
    write_audio(path, vocals)
    song = Song(path, vocals, content_hash=content_hash)
    if separated:
        song.set_stems(vocals.copy(), instrumental)
    return song


@pytest.fixture
def singalongs():
    """Make sessions (shut down after the test: they own a guide-builder thread)."""
    made: list[SingAlong] = []

    def make(*args, **kwargs) -> SingAlong:
        made.append(SingAlong(*args, **kwargs))
        return made[-1]

    yield make
    for sa in made:
        sa.shutdown()


@pytest.fixture
def singer(tmp_path):
    """A file-fed microphone: one second of noise, delivered as fast as it is read."""
    path = tmp_path / "singer.wav"
    noise = 0.1 * np.random.default_rng(7).standard_normal(SR).astype(np.float32)
    write_audio(path, np.stack([noise, noise], axis=1))
    sources: list[FileInput] = []

    def make_source() -> FileInput:
        sources.append(FileInput(path, speed=0))
        return sources[-1]

    make_source.sources = sources
    return make_source


def sing_through(sa: SingAlong) -> None:
    """Wait until the running microphone session has heard and processed the whole file."""
    assert sa.mic is not None
    assert sa.mic.source.finished.wait(20)
    assert sa.mic.wait_idle()


def test_tap_to_sync_writes_an_lrc_snapped_to_the_vocal_and_refuses_to_overwrite(tmp_path, singalongs):
    song = make_song(tmp_path / "song.wav")
    sa = singalongs(DeadInput, lyrics_dir=tmp_path / "appdata")
    assert sa.open_song(song) is None and sa.lyrics is None
    assert not sa.start_tap_sync("")
    assert sa.start_tap_sync("one\ntwo\nthree") and sa.tap_index == 0
    assert not sa.lyrics.synced and sa.lyrics.texts == ["one", "two", "three"]
    assert not sa.tap(0.2) and not sa.tap(4.25)
    assert sa.tap(6.1)  # the last line: done
    lyrics = sa.finish_tap_sync()
    assert sa.tap_index is None and sa.lyrics is lyrics and lyrics.synced
    lrc = sa.save_lyrics()
    assert lrc == song.path.with_suffix(".lrc")
    written = read_lrc(lrc)
    starts = [ln.start for ln in written.lines]
    assert written.texts == ["one", "two", "three"]
    assert abs(starts[1] - 4.0) <= 0.05 and abs(starts[2] - 6.0) <= 0.05  # snapped to the phrase and note starts
    assert [b for b, _ in sa.line_bounds()] == pytest.approx([ln.start for ln in lyrics.lines])
    # Another sync never replaces the file without being told to.
    before = lrc.read_bytes()
    assert sa.start_tap_sync("other") and sa.tap(1.0) and sa.finish_tap_sync() is not None
    with pytest.raises(LyricsExistError) as exc:
        sa.save_lyrics()
    assert exc.value.path == lrc and lrc.read_bytes() == before
    assert sa.save_lyrics(overwrite=True) == lrc and read_lrc(lrc).texts == ["other"]
    assert sa.open_song(song) is None and sa.lyrics.texts == ["other"]  # found beside the song next time
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_tap_to_sync_keeps_the_taps_before_separation_and_stops_early(tmp_path, singalongs):
    song = make_song(tmp_path / "song.wav", separated=False)
    sa = singalongs(DeadInput, lyrics_dir=tmp_path / "appdata")
    sa.open_song(song)
    assert sa.finish_tap_sync() is None  # not in tap mode: nothing happens
    assert sa.start_tap_sync("a\nb\nc")
    assert not sa.tap(0.7) and not sa.tap(4.3)
    lyrics = sa.finish_tap_sync()  # finished early: the tapped lines only, at the taps (no vocal to snap to)
    assert lyrics.texts == ["a", "b"] and [ln.start for ln in lyrics.lines] == pytest.approx([0.7, 4.3])
    assert not sa.tap(5.0)  # tap mode is over


def test_damaged_lrc_is_reported_and_the_song_has_no_lyrics(tmp_path, singalongs):
    song = make_song(tmp_path / "song.wav", seconds=2.0)
    song.path.with_suffix(".lrc").write_bytes(b"[00:1x.00]broken\n")
    sa = singalongs(DeadInput, lyrics_dir=tmp_path / "appdata")
    error = sa.open_song(song)
    assert isinstance(error, LyricsError) and "broken" in str(error)
    assert sa.lyrics is None and sa.line_bounds() == []


def test_takes_accumulate_across_sessions_and_a_new_take_clears_them(tmp_path, singalongs, singer):
    song = make_song(tmp_path / "song.wav")
    sa = singalongs(singer)
    sa.open_song(song)
    assert sa.score_now() is None  # nothing sung
    assert sa.follow(playing=False, wanted=True, position=2 * SR, key=0, tempo=1.0, now=0.0) and sa.mic is None
    assert sa.follow(True, True, 2 * SR, 0, 1.0, now=0.0)
    first = sa.mic
    sing_through(sa)
    assert sa.follow(True, True, round(2.5 * SR), 0, 1.0, now=0.5) and sa.mic is first  # in step: goes on
    assert sa.score_now() is not None
    sa.follow(False, True, round(2.5 * SR), 0, 1.0, now=0.5)  # a pause ends the session...
    assert sa.mic is None and len(sa.take_parts) == 1  # ...and its stretch is kept
    part = sa.last_take
    assert part.song_start == 2 * SR and part.voice.shape == (SR,) and (part.key, part.tempo) == (0, 1.0)
    # Play again: a second stretch; a jump ends it, and the next starts where the player is.
    sa.follow(True, True, 5 * SR, 0, 1.0, now=10.0)
    second = sa.mic
    sing_through(sa)
    sa.follow(True, True, 1 * SR, 0, 1.0, now=10.2)
    assert sa.mic is not None and sa.mic is not second and len(sa.take_parts) == 2
    assert [p.song_start for p in sa.take_parts] == [2 * SR, 5 * SR]
    sing_through(sa)
    # A new key ends it too.
    sa.follow(True, True, round(1.1 * SR), 2, 1.0, now=10.3)
    assert sa.mic.key == 2 and len(sa.take_parts) == 3 and sa.last_take.song_start == SR
    # Turning the microphone off ends it without a start.
    sing_through(sa)
    sa.follow(True, False, round(1.2 * SR), 2, 1.0, now=10.4)
    assert sa.mic is None and len(sa.take_parts) == 4 and sa.last_take.key == 2
    # "Start a new take" forgets them all, and the score.
    sa.new_take()
    assert sa.take_parts == [] and sa.last_take is None and sa.take_to_save() is None
    assert sa.score is None and sa.score_now() is None


def test_singing_from_the_start_again_begins_a_new_take(tmp_path, singalongs, singer):
    song = make_song(tmp_path / "song.wav")
    sa = singalongs(singer)
    sa.open_song(song)
    sa.follow(True, True, 3 * SR, 0, 1.0, now=0.0)
    sing_through(sa)
    sa.follow(False, True, 3 * SR, 0, 1.0, now=0.1)
    assert len(sa.take_parts) == 1
    sa.follow(True, True, SR // 4, 0, 1.0, now=5.0)  # from the very start
    assert sa.mic is not None and sa.take_parts == []
    sing_through(sa)
    sa.follow(False, True, SR // 2, 0, 1.0, now=5.25)
    assert len(sa.take_parts) == 1 and sa.last_take.song_start == SR // 4
    # A new song starts with no take either.
    sa.open_song(make_song(tmp_path / "other.wav", seconds=2.0))
    assert sa.take_parts == [] and sa.lyrics is None


def test_the_saved_take_holds_the_stretches_of_the_latest_shift(tmp_path, singalongs, singer):
    song = make_song(tmp_path / "song.wav", seconds=6.0)
    sa = singalongs(singer)
    sa.latency_s = 0.0
    sa.open_song(song)
    sa.follow(True, True, SR, 2, 1.0, now=0.0)  # at +2: left out below
    sing_through(sa)
    sa.follow(True, True, 3 * SR, 0, 1.0, now=0.1)  # back at the original key
    sing_through(sa)
    take = sa.take_to_save()  # stops the microphone
    assert sa.mic is None and len(sa.take_parts) == 2
    assert take.left_out == 1 and [p.song_start for p in take.parts] == [3 * SR]
    assert (take.key, take.tempo) == (0, 1.0) and take.song is song
    path = take.write(tmp_path / "take.wav", vocal_level=0.0, instrumental_level=1.0)
    audio, _ = read_audio(path)
    assert audio.shape[0] == song.n_frames
    voice = np.asarray(take.parts[0].voice)
    np.testing.assert_allclose(audio[3 * SR:4 * SR, 0], voice, atol=1e-3)  # where it was sung
    assert np.abs(audio[:3 * SR]).max() < 1e-3 and np.abs(audio[4 * SR:]).max() < 1e-3  # silence around it


def test_a_microphone_that_does_not_start_says_why(tmp_path, singalongs):
    song = make_song(tmp_path / "song.wav", seconds=2.0)
    sa = singalongs(DeadInput)
    sa.open_song(song)
    assert not sa.follow(True, True, 0, 0, 1.0, now=0.0)
    assert sa.mic is None and sa.mic_problem == "No microphone here."


def test_the_guide_follows_separated_chunks_and_is_stored_with_the_stems(tmp_path, singalongs):
    song = make_song(tmp_path / "song.wav", seconds=3.0, separated=False, content_hash="abc123")
    song.vocals[:] = song.mixture  # the separator's output; its chunks are announced below
    sa = singalongs(DeadInput)
    sa.cache_root, sa.model_version = tmp_path / "cache", "v1"
    sa.open_song(song)
    assert not sa.guide.done.any()
    sa.chunk_separated(0, SR, current=make_song(tmp_path / "other.wav", seconds=1.0))  # not the player's song
    assert sa.builder.idle() and not sa.guide.done.any()
    for a in range(0, song.n_frames, SR):
        sa.chunk_separated(a, a + SR, current=song)
    stored = guide_path(tmp_path / "cache", cache_key("abc123", "v1"))
    assert sa.guide_file() == stored
    until(lambda: sa.guide.complete and stored.exists())
    assert sa.guide.notes() and sa.scorer.guide is sa.guide.f0
    # Opened again, the stored guide is used at once.
    again = singalongs(DeadInput)
    again.cache_root, again.model_version = tmp_path / "cache", "v1"
    again.open_song(song)
    assert again.guide.complete and np.array_equal(again.guide.f0, sa.guide.f0)
    assert again.guide.latest_notes() and again.scorer.guide is again.guide.f0
