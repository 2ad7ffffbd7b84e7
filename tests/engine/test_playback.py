"""Playback: solo/mute and the mode (#18 item 11), what is remembered per song (#18 item 16)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from soundnet_app.engine.mix import KARAOKE, ORIGINAL
from soundnet_app.engine.playback import Playback, SongPrefs
from soundnet_app.engine.song import Song

RATE = 44100


def make_song(path, seconds: float = 60.0) -> Song:
    n = int(seconds * RATE)
    mixture = (np.random.default_rng(0).standard_normal((n, 2)) * 0.1).astype(np.float32)
    song = Song(path, mixture)
    song.write_chunk(0, mixture * 0.5, mixture * 0.5)
    return song


@pytest.fixture
def playback(tmp_path):
    p = Playback(prefs=SongPrefs(tmp_path / "songs.json"))
    p.open(make_song(tmp_path / "a.wav"))
    return p


@pytest.mark.parametrize("toggle", ["solo", "mute"])
def test_solo_or_mute_in_the_original_come_back_to_the_original_when_turned_off(playback, toggle):
    playback.set_levels(vocal_level=0.5)
    playback.set_mode(ORIGINAL)
    setter = playback.set_solo if toggle == "solo" else playback.set_mute
    setter(True)
    assert playback.mode == KARAOKE and getattr(playback.params, toggle)  # solo and mute are karaoke things
    setter(False)
    assert playback.mode == ORIGINAL and not getattr(playback.params, toggle)


def test_switching_from_solo_to_mute_and_off_still_comes_back_to_the_original(playback):
    playback.set_levels(vocal_level=0.5)
    playback.set_mode(ORIGINAL)
    playback.set_solo(True)
    playback.set_mute(True)  # turns solo off: still karaoke, mute on
    assert playback.mode == KARAOKE and playback.params.mute and not playback.params.solo
    playback.set_mute(False)
    assert playback.mode == ORIGINAL


def test_in_karaoke_solo_off_stays_karaoke_and_a_mode_chosen_meanwhile_is_kept(playback):
    playback.set_solo(True)
    playback.set_solo(False)
    assert playback.mode == KARAOKE
    playback.set_mode(ORIGINAL)
    playback.set_solo(True)
    playback.toggle_mode()  # the user picks the original while solo is on...
    playback.toggle_mode()  # ...and karaoke again: that is their choice now
    playback.set_solo(False)
    assert playback.mode == KARAOKE


def test_a_new_song_starts_at_the_default_levels_not_the_previous_songs(playback, tmp_path):
    playback.set_levels(vocal_level=0.6, instrumental_level=0.7)
    playback.open(make_song(tmp_path / "b.wav"))
    assert (playback.params.vocal_level, playback.params.instrumental_level) == (0.0, 1.0)
    playback.set_levels(vocal_level=0.2)
    playback.open(make_song(tmp_path / "a.wav"))
    assert (playback.params.vocal_level, playback.params.instrumental_level) == (0.6, 0.7)
    playback.open(make_song(tmp_path / "b.wav"))
    assert playback.params.vocal_level == 0.2


def test_the_position_of_each_song_is_remembered_and_survives_a_restart(playback, tmp_path):
    playback.seek(30 * RATE)
    playback.open(make_song(tmp_path / "b.wav"))
    assert playback.position == 0
    playback.seek(12 * RATE)
    playback.open(make_song(tmp_path / "a.wav"))
    assert playback.position == 30 * RATE
    playback.open(make_song(tmp_path / "b.wav"))
    assert playback.position == 12 * RATE
    playback.pause()  # the app pauses before it closes: where it stopped is written
    playback.prefs.flush()
    again = Playback(prefs=SongPrefs(tmp_path / "songs.json"))
    again.open(make_song(tmp_path / "b.wav"))
    assert again.position == 12 * RATE


def test_a_song_left_near_its_end_starts_from_the_beginning(playback, tmp_path):
    playback.seek(58 * RATE)
    playback.open(make_song(tmp_path / "b.wav"))
    playback.open(make_song(tmp_path / "a.wav"))
    assert playback.position == 0


def test_a_damaged_position_is_ignored(tmp_path):
    sid = f"path:{(tmp_path / 'a.wav').resolve()}"
    (tmp_path / "songs.json").write_text(json.dumps({sid: {"position_s": "soon"}}))
    p = Playback(prefs=SongPrefs(tmp_path / "songs.json"))
    p.open(make_song(tmp_path / "a.wav"))
    assert p.position == 0


def test_new_songs_start_at_the_levels_chosen_for_them(playback, tmp_path):
    playback.new_song_levels = {"vocal_level": 0.25, "instrumental_level": 0.8}
    playback.set_levels(vocal_level=0.6)
    playback.open(make_song(tmp_path / "c.wav"))
    assert (playback.params.vocal_level, playback.params.instrumental_level) == (0.25, 0.8)
