"""Exporting a song as an UltraStar folder: a sung melody with known notes over chords comes back on its pitches."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.write import write_audio
from soundnet_app.engine.export import ExportCancelled, ExportConflict
from soundnet_app.sing.lyrics import Line, Lyrics, Word
from soundnet_app.sing.pitch import HOP_S, track_pitch
from soundnet_app.sing.ultrastar_export import export_ultrastar
from soundnet_app.sing.ultrastar_files import load_ultrastar, read_ultrastar
from soundnet_app.sing.ultrastar_notes import song_lyrics
from tests.sing.voice import SR, sung_notes

# (start s, end s, MIDI): a tune with leaps, repeated notes (onsets) and an octave jump, at 100 BPM.
MELODY = [(1.0, 1.55, 62), (1.6, 2.15, 62), (2.2, 2.75, 66), (2.8, 3.9, 69), (4.6, 5.15, 71),
          (5.2, 5.75, 69), (5.8, 6.9, 57), (7.6, 8.7, 74)]
SECONDS = 9.5


def chord_backing(seconds: float) -> np.ndarray:
    """Sustained D major / G major chords (sawtooth-ish), under and around the melody's notes."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    out = np.zeros(n)
    for a, b, chord in ((0.0, 4.5, (50, 54, 57)), (4.5, seconds, (43, 47, 50))):
        m = (t >= a) & (t < b)
        for midi in chord:
            f = 440 * 2 ** ((midi - 69) / 12)
            out[m] += sum(np.sin(2 * np.pi * f * h * t[m]) / h for h in range(1, 5)) * 0.05
    return out.astype(np.float32)


@pytest.fixture
def melody_song(tmp_path):
    voice, _ = sung_notes(MELODY, SECONDS, seed=11)
    vocals = np.stack([voice, voice], axis=1)
    backing = chord_backing(SECONDS)
    instrumental = np.stack([backing, backing], axis=1)
    original = tmp_path / "melody.wav"
    write_audio(original, vocals + instrumental)
    lyrics = Lyrics([Line(1.0, "one two three four", (Word(1.0, "one"), Word(1.6, "two"), Word(2.2, "three"),
                                                       Word(2.8, "four"))),
                     Line(4.6, "five six sev-en", ()), Line(7.6, "eight", (Word(7.6, "eight"),))])
    return original, vocals, instrumental, lyrics


def test_exported_notes_land_on_the_melody_and_round_trip(tmp_path, melody_song):
    original, vocals, instrumental, lyrics = melody_song
    f0 = track_pitch(vocals, SR)
    seen = []
    paths, written = export_ultrastar(tmp_path / "out", original, vocals, instrumental, f0, HOP_S, lyrics,
                                      title="Melody", artist="Synth", tempo=100.0, progress=seen.append)
    assert paths["txt"].parent.name == "Synth - Melody" and seen[-1] == 1.0
    assert {p.name for p in paths["txt"].parent.iterdir()} == {
        "Synth - Melody.txt", "Synth - Melody.wav", "Synth - Melody [VOC].ogg", "Synth - Melody [INSTR].ogg"}
    assert paths["audio"].read_bytes() == original.read_bytes()
    song = read_ultrastar(paths["txt"])
    assert song.warnings == [] and song.bpm == 200.0 and song.notes() == written.notes()
    assert song.tags["VERSION"] == "1.1.0" and song.tags["VOCALS"] == "Synth - Melody [VOC].ogg"
    # Every known note is covered by exported notes of its pitch (octave kept) over most of its length.
    for start, end, midi in MELODY:
        beats = [b for n in song.notes() for b in range(n.start, n.end)
                 if n.midi == midi and start <= song.beat_s(b + 0.5) <= end]
        covered = len(beats) * song.beat_length_s
        assert covered >= 0.7 * (end - start), (start, midi, [(n.start, n.pitch) for n in song.notes()])
    assert all(any(abs(n.midi - m) == 0 for _, _, m in MELODY) for n in song.notes())
    # Syllables: word times put each word on its note; the untimed line is spread over its notes.
    got = song_lyrics(song)
    assert got.texts[0] == "one two three four" and got.texts[2] == "eight"
    assert [round(w.start, 1) for w in got.lines[0].words] == [1.0, 1.6, 2.2, 2.8]
    assert got.texts[1] == "five six sev-en"
    # The folder opens as a song again: its own stems, no separation.
    opened = load_ultrastar(paths["txt"].parent)
    assert opened.coverage.complete and opened.n_frames == vocals.shape[0]
    back, _ = read_audio(paths["vocals"])
    assert np.corrcoef(back[:, 0], vocals[: back.shape[0], 0])[0, 1] > 0.99


def test_export_without_lyrics_sings_placeholders_and_estimates_the_tempo(tmp_path, melody_song):
    original, vocals, instrumental, _ = melody_song
    paths, song = export_ultrastar(tmp_path, original, vocals, instrumental, track_pitch(vocals, SR), HOP_S, None,
                                   title="No words")
    assert all(n.text == "~" for n in song.notes()) and 160 <= song.bpm <= 360
    # One note per sung note (the repeated D4 stays two: a new onset), each on its pitch, in time.
    assert [n.midi for n in song.notes()] == [m for _, _, m in MELODY]
    assert all(abs(song.beat_s(n.start) - a) <= song.beat_length_s + 0.02 for n, (a, _, _) in zip(song.notes(), MELODY))
    assert len(song.tracks[0]) >= 2  # lines break at the rests
    assert read_ultrastar(paths["txt"]).notes() == song.notes()


def test_conflicts_cancel_and_failure_leave_nothing_behind(tmp_path, melody_song):
    original, vocals, instrumental, lyrics = melody_song
    f0 = track_pitch(vocals, SR)
    args = (tmp_path / "out", original, vocals, instrumental, f0, HOP_S, lyrics)
    with pytest.raises(ExportCancelled):
        export_ultrastar(*args, title="T", tempo=100.0, cancel=lambda: True)
    assert not (tmp_path / "out" / "T").exists()
    paths, _ = export_ultrastar(*args, title="T", tempo=100.0)
    before = {p: p.stat().st_mtime_ns for p in paths["txt"].parent.iterdir()}
    with pytest.raises(ExportConflict):
        export_ultrastar(*args, title="T", tempo=100.0)
    calls = iter(range(100))
    with pytest.raises(ExportCancelled):  # cancelled half-way through an overwrite: the old files stay
        export_ultrastar(*args, title="T", tempo=100.0, overwrite=True, cancel=lambda: next(calls) > 1)
    assert {p: p.stat().st_mtime_ns for p in paths["txt"].parent.iterdir()} == before


def test_an_independent_parser_reads_the_export(tmp_path, melody_song):
    """``ultrastarparser`` (PyPI) reads our file as version 1.1.0 with our audio, and what it writes back reads the same."""
    ultrastarparser = pytest.importorskip("ultrastarparser")
    original, vocals, instrumental, lyrics = melody_song
    paths, song = export_ultrastar(tmp_path, original, vocals, instrumental, track_pitch(vocals, SR), HOP_S, lyrics,
                                   title="Melody", artist="Synth", tempo=100.0)
    theirs = ultrastarparser.Song(str(paths["txt"]))
    assert theirs.get_version() == "1.1.0" and theirs.get_primary_audio() == paths["audio"].name
    assert theirs.get_attribute("VOCALS") == paths["vocals"].name and float(theirs.get_attribute("BPM")) == song.bpm
    body = [line for line in theirs.get_songtext() if line[:1] in (":", "*", "F", "R", "G")]
    assert [tuple(int(x) for x in line.split()[1:4]) for line in body] == [(n.start, n.length, n.pitch)
                                                                         for n in song.notes()]
    theirs.set_attribute("COMMENT", "checked")
    theirs.flush()  # their writer
    again = read_ultrastar(paths["txt"])
    assert again.notes() == song.notes() and again.tags["COMMENT"] == "checked"
