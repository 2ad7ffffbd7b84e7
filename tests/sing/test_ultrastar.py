"""The UltraStar reader and writer, and the notes <-> lyrics/guide conversions (no Qt)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from soundnet_app.sing.lyrics import Line, Lyrics, Word
from soundnet_app.sing.pitch import hz_to_midi
from soundnet_app.sing.ultrastar import UltraStarError, format_ultrastar, parse_ultrastar
from soundnet_app.sing.ultrastar_files import decode_txt, read_ultrastar
from soundnet_app.sing.ultrastar_notes import (
    add_syllables,
    build_song,
    estimate_bpm,
    grid_bpm,
    guide_from_notes,
    notes_from_guide,
    song_lyrics,
)

SONG = """#TITLE:Hello Song
#ARTIST:The Testers
#MP3:hello.mp3
#BPM:300,5
#GAP:1000
#COVER:cover.jpg
#MYTAG:kept
: 0 4 0 Hel
: 4 4 2 lo 
* 10 4 4 world
- 16
: 20 4 5 Two
R 24 2 5  words~
F 27 2 5 ~
E
this is after the end and ignored
"""


def test_reads_tags_notes_lines_and_timing_with_a_decimal_comma():
    song = parse_ultrastar(SONG)
    assert song.bpm == 300.5 and song.gap_s == 1.0
    assert song.tags["MYTAG"] == "kept" and song.audio_name == "hello.mp3"
    assert [len(line) for line in song.tracks[0]] == [3, 3]
    first = song.tracks[0][0][0]
    assert (first.kind, first.start, first.length, first.pitch, first.text, first.midi) == (":", 0, 4, 0, "Hel", 60)
    assert [n.kind for n in song.notes()] == [":", ":", "*", ":", "R", "F"]
    # time = GAP + beat * 60 / (BPM * 4)
    assert song.beat_s(10) == pytest.approx(1.0 + 10 * 60 / (300.5 * 4))
    assert song.warnings == []


def test_lyrics_come_from_the_syllables_with_word_times():
    song = parse_ultrastar(SONG)
    lyrics = song_lyrics(song)
    assert lyrics.synced and lyrics.texts == ["Hello world", "Two words"]
    assert [w.text for w in lyrics.lines[0].words] == ["Hello", "world"]
    assert lyrics.lines[0].words[1].start == pytest.approx(song.beat_s(10))
    assert lyrics.lines[1].start == pytest.approx(song.beat_s(20))


def test_guide_from_notes_holds_the_normal_and_golden_pitches_only():
    song = parse_ultrastar(SONG)
    f0 = guide_from_notes(song, 300, 0.01)
    midi = hz_to_midi(f0)
    assert midi[round(song.beat_s(1) / 0.01)] == pytest.approx(60)
    assert midi[round(song.beat_s(11) / 0.01)] == pytest.approx(64)
    assert f0[round(song.beat_s(25) / 0.01)] == 0  # rap: no pitch to follow
    assert f0[round(song.beat_s(8.5) / 0.01)] == 0  # a rest


def test_encodings_line_ends_bom_and_cp1252():
    text = SONG.replace("Hel", "Hél").replace("\n", "\r\n")
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("cp1252"),
                 text.encode("utf-16")):
        song = parse_ultrastar(decode_txt(data))
        assert song_lyrics(song).texts[0] == "Héllo world"
        assert song.tracks[0][0][1].text == "lo "  # the \r is not part of the syllable


def test_relative_mode_counts_beats_from_each_line_break():
    text = "#TITLE:R\n#BPM:100\n#RELATIVE:YES\n: 0 2 0 a\n: 2 2 0 b\n- 4 6\n: 0 2 3 c\n- 4 4\n: 1 2 5 d\nE\n"
    song = parse_ultrastar(text)
    assert [n.start for n in song.notes()] == [0, 2, 6, 11]
    assert [len(ln) for ln in song.tracks[0]] == [2, 1, 1]


def test_duets_have_two_tracks_and_both_sing_in_the_lyrics():
    text = ("#TITLE:D\n#BPM:200\nP1\n: 0 4 0 One\n- 6\n: 10 4 0 three\nP2\n: 5 4 7 two\n- 12\n: 20 4 7 four\nE\n")
    song = parse_ultrastar(text)
    assert song.duet and len(song.tracks) == 2
    lyrics = song_lyrics(song)
    assert lyrics.texts == ["One", "two", "three", "four"] and lyrics.tags["singers"] == "1212"
    assert song_lyrics(song, 1).texts == ["two", "four"]
    again = parse_ultrastar(format_ultrastar(song))
    assert [[n.start for n in t[0]] for t in again.tracks] == [[0], [5]]


def test_writer_round_trips_and_keeps_unknown_tags():
    song = parse_ultrastar(SONG)
    text = format_ultrastar(song)
    assert text.startswith("#VERSION:1.1.0\n") and "#AUDIO:hello.mp3\n" in text and "#MP3:hello.mp3\n" in text
    assert "#BPM:300.5\n" in text and "#MYTAG:kept\n" in text and text.endswith("E\n")
    again = parse_ultrastar(text)
    assert again.notes() == song.notes() and again.bpm == song.bpm and again.gap_s == song.gap_s
    assert again.tags["MYTAG"] == "kept" and again.tags["COVER"] == "cover.jpg"


def test_out_of_order_and_overlapping_notes_are_fixed_and_reported():
    text = "#TITLE:X\n#BPM:100\n: 8 2 0 c\n: 0 6 0 a\n: 4 2 0 b\n: 8 1 0 d\nE\n"
    song = parse_ultrastar(text)
    starts = [(n.start, n.end) for n in song.notes()]
    assert starts == sorted(starts) and all(a[1] <= b[0] for a, b in itertools.pairwise(starts))
    assert any("out of order" in w for w in song.warnings) and any("overlapping" in w for w in song.warnings)


def test_read_ultrastar_names_the_file_in_its_errors(tmp_path):
    path = tmp_path / "bad song.txt"
    path.write_text("#TITLE:x\n#BPM:0\n: 0 1 0 a\n")
    with pytest.raises(UltraStarError, match="bad song.txt.*BPM"):
        read_ultrastar(path)


# ---------------------------------------------------------------- the app -> notes


def test_notes_from_guide_quantise_to_the_beat_grid_keeping_the_octave():
    hop = 0.01
    f0 = np.zeros(400, np.float32)
    f0[50:150] = 220.0  # A3: pitch -3
    f0[150:250] = 440.0 * 2 ** (3 / 12) * 1.01  # C5, a bit sharp: pitch 12
    notes = notes_from_guide(f0, hop, bpm=150.0, gap_s=0.5)  # a beat = 0.1 s
    assert [(n.start, n.length, n.pitch) for n in notes] == [(0, 10, -3), (10, 10, 12)]


def test_syllables_from_word_times_split_notes_and_hold_with_tildes():
    song = build_song(np.zeros(1, np.float32), 0.01, None, 150.0)
    song.gap_s, song.bpm = 0.0, 150.0  # a beat = 0.1 s
    notes = notes_from_guide(np.r_[np.full(100, 261.63), np.zeros(50), np.full(50, 293.66)].astype(np.float32),
                             0.01, 150.0, 0.0)
    lyrics = Lyrics([Line(0.0, "la di", (Word(0.0, "la"), Word(0.5, "di"))), Line(1.5, "da", (Word(1.5, "da"),))])
    lines = add_syllables(song, notes, lyrics)
    assert [[(n.start, n.text) for n in ln] for ln in lines] == [[(0, "la"), (5, " di")], [(15, "da")]]
    unsynced = add_syllables(song, notes, None)
    assert all(n.text == "~" for ln in unsynced for n in ln)
    words_only = add_syllables(song, notes, Lyrics([Line(0.0, "one two three"), Line(1.4, "four")]))
    assert [[n.text for n in ln] for ln in words_only] == [["one two three"], ["four"]]


def test_grid_bpm_and_bpm_estimate():
    assert grid_bpm(120.0) == 240.0 and grid_bpm(200.0) == 200.0
    sr = 8000
    x = np.zeros(sr * 20, np.float32)
    for k in range(int(20 * 100 / 60)):  # clicks at 100 BPM
        a = int(k * 0.6 * sr)
        x[a:a + 200] = np.hanning(200) * 0.8
    assert estimate_bpm(x, sr) == pytest.approx(100.0, rel=0.03)
    assert estimate_bpm(np.zeros(sr * 10, np.float32), sr) == 120.0
