"""Broken UltraStar files, as found in the wild or made by hand: each gives a clear message, never a crash or a hang."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.audio.errors import AudioError
from soundnet_app.audio.write import write_audio
from soundnet_app.engine.loading import error_message
from soundnet_app.sing.ultrastar import MAX_TXT_BYTES, UltraStarError
from soundnet_app.sing.ultrastar_files import load_ultrastar, read_ultrastar

HEAD = "#TITLE:Broken\n#ARTIST:Tester\n#AUDIO:song.wav\n#BPM:200\n#GAP:500\n"
NOTES = ": 0 4 0 la\n: 4 4 2 la\n- 10\n: 12 4 4 la\nE\n"
RNG = np.random.default_rng(17)

# name -> (file bytes, "error" if it cannot be a song, else the words one of the warnings must contain)
CASES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "error"),
    "whitespace only": (b" \n\r\n\t\n", "error"),
    "binary junk with NULs": (RNG.integers(0, 256, 5000, dtype=np.uint8).tobytes(), "error"),
    "binary junk without NULs": (RNG.integers(1, 256, 5000, dtype=np.uint8).tobytes(), "error"),
    "control characters": (bytes(range(1, 32)) * 100, "error"),
    "truncated in the header": (b"#TITLE:Broken\n#ART", "error"),
    "truncated after the header": (HEAD.encode(), "error"),
    "truncated mid-note": ((HEAD + ": 0 4 0 la\n: 4 4").encode(), "unreadable"),
    "truncated mid-number": ((HEAD + ": 0 4 0 la\n: 4 4 2").encode(), ""),
    "BPM 0": (HEAD.replace("#BPM:200", "#BPM:0").encode() + NOTES.encode(), "error"),
    "BPM negative": (HEAD.replace("#BPM:200", "#BPM:-120").encode() + NOTES.encode(), "error"),
    "BPM text": (HEAD.replace("#BPM:200", "#BPM:fast").encode() + NOTES.encode(), "error"),
    "BPM nan": (HEAD.replace("#BPM:200", "#BPM:nan").encode() + NOTES.encode(), "error"),
    "BPM inf": (HEAD.replace("#BPM:200", "#BPM:inf").encode() + NOTES.encode(), "error"),
    "BPM huge": (HEAD.replace("#BPM:200", "#BPM:1e300").encode() + NOTES.encode(), "error"),
    "BPM 50000": (HEAD.replace("#BPM:200", "#BPM:50000").encode() + NOTES.encode(), "error"),
    "BPM missing": (HEAD.replace("#BPM:200\n", "").encode() + NOTES.encode(), "error"),
    "BPM empty": (HEAD.replace("#BPM:200", "#BPM:").encode() + NOTES.encode(), "error"),
    "GAP text": (HEAD.replace("#GAP:500", "#GAP:soon").encode() + NOTES.encode(), "error"),
    "GAP huge": (HEAD.replace("#GAP:500", "#GAP:1e15").encode() + NOTES.encode(), "error"),
    "notes out of order": ((HEAD + ": 12 4 4 c\n: 0 4 0 a\n: 4 4 2 b\nE\n").encode(), "out of order"),
    "lines out of order": ((HEAD + ": 12 4 4 c\n- 16\n: 0 4 0 a\nE\n").encode(), "out of order"),
    "overlapping notes": ((HEAD + ": 0 8 0 a\n: 4 4 2 b\nE\n").encode(), "overlapping"),
    "notes on the same beat": ((HEAD + ": 0 4 0 a\n: 0 4 2 b\n: 8 2 0 c\nE\n").encode(), "overlapping"),
    "pitch +10000": ((HEAD + ": 0 4 10000 a\n" + NOTES).encode(), "impossible"),
    "pitch -10000": ((HEAD + ": 0 4 -10000 a\n" + NOTES).encode(), "impossible"),
    "only impossible pitches": ((HEAD + ": 0 4 10000 a\n: 4 4 -10000 b\nE\n").encode(), "error"),
    "length 0": ((HEAD + ": 0 0 0 a\n" + NOTES).encode(), "impossible"),
    "length negative": ((HEAD + ": 0 -4 0 a\n" + NOTES).encode(), "unreadable"),
    "start beat far away": ((HEAD + NOTES.replace("E\n", "") + ": 999999999999 4 0 a\n").encode(), "impossible"),
    "start beat far before": ((HEAD + ": -999999999999 4 0 a\n" + NOTES).encode(), "impossible"),
    "a note hours long": ((HEAD + ": 0 99999999 0 a\n" + NOTES).encode(), "impossible"),
    "numbers that are words": ((HEAD + ": a b c la\n" + NOTES).encode(), "unreadable"),
    "too few fields": ((HEAD + ": 0 4\n" + NOTES).encode(), "unreadable"),
    "unknown note kind": ((HEAD + "X 0 4 0 a\n" + NOTES).encode(), "unreadable"),
    "line break without a beat": ((HEAD + ": 0 4 0 a\n-\n: 8 4 0 b\nE\n").encode(), "line break"),
    "line break with a word": ((HEAD + ": 0 4 0 a\n- soon\n: 8 4 0 b\nE\n").encode(), "line break"),
    "only line breaks": ((HEAD + "- 4\n- 8\nE\n").encode(), "error"),
    "header line without a colon": (("#TITLE\n" + HEAD + NOTES).encode(), "header"),
    "unknown singer P3": ((HEAD + "P1\n: 0 4 0 a\nP3\n: 8 4 0 b\nE\n").encode(), "singer"),
    "second singer only": ((HEAD + "P2\n: 0 4 0 a\nE\n").encode(), ""),
    "claims UTF-16 but is not": (b"\xff\xfe#\x00T\x00\x00\xd8", "error"),
    "UTF-16 without notes": ("\ufeff#TITLE:x\n#BPM:100\n".encode("utf-16-le"), "error"),
    "no tags at all": (NOTES.encode(), "error"),
    "an LRC file": (b"[00:01.00]Hello\n[00:02.00]World\n", "error"),
    "a tag after the notes": ((HEAD + NOTES.replace("E\n", "") + "#BPM:300\n: 20 2 0 x\nE\n").encode(), "unreadable"),
    "no E at the end": ((HEAD + NOTES.replace("E\n", "")).encode(), ""),
    "junk after E": ((HEAD + NOTES).encode() + RNG.integers(1, 256, 3000, dtype=np.uint8).tobytes(), ""),
    "relative mode with a broken break": ((HEAD + "#RELATIVE:YES\n: 0 4 0 a\n- x y\n: 0 4 0 b\nE\n").encode(),
                                          "line break"),
    "mixed line ends": ((HEAD + NOTES).replace("\n", "\r").encode(), ""),
    "an overlong line": ((HEAD + ": 0 4 0 " + "a" * 20_000 + "\n" + NOTES).encode(), "overlong"),
    "a 50 MB line": ((HEAD + ": 0 4 0 ").encode() + b"a" * (50 << 20) + NOTES.encode(), "error"),
}


def _check_message(message: str) -> None:
    assert message and "\n" not in message and len(message) < 400
    assert "Traceback" not in message and "Error:" not in message


@pytest.mark.parametrize("name", list(CASES))
def test_broken_file_gives_a_clear_message(tmp_path, name):
    data, expected = CASES[name]
    path = tmp_path / "song.txt"
    path.write_bytes(data)
    if expected == "error":
        with pytest.raises(UltraStarError) as info:
            read_ultrastar(path)
        _check_message(str(info.value))
        assert "song.txt" in str(info.value)
    else:
        song = read_ultrastar(path)
        assert song.notes()
        for warning in song.warnings:
            _check_message(warning)
        if expected:
            assert any(expected in w for w in song.warnings), song.warnings
    assert path.read_bytes() == data  # never modified


def test_there_are_over_forty_broken_files():
    assert len(CASES) + len(MEDIA_CASES) >= 40 and MAX_TXT_BYTES < 50 << 20


MEDIA_CASES = {
    "#AUDIO outside the folder": ("../song.wav", "outside the song's folder"),
    "#AUDIO an absolute path elsewhere": ("{outside}", "outside the song's folder"),
    "#AUDIO missing": ("gone.mp3", "not in the song's folder"),
    "#AUDIO empty": ("", "names no audio file"),
    "#AUDIO the song file itself": ("song.txt", ""),
}


@pytest.mark.parametrize("name", list(MEDIA_CASES))
def test_broken_audio_references_give_a_clear_message(tmp_path, name):
    audio_name, expected = MEDIA_CASES[name]
    folder = tmp_path / "Artist - Song"
    folder.mkdir()
    outside = tmp_path / "song.wav"
    write_audio(outside, np.zeros((4410, 2), np.float32))
    audio_name = audio_name.format(outside=outside)
    path = folder / "song.txt"
    path.write_text(HEAD.replace("song.wav", audio_name) + NOTES)
    with pytest.raises((UltraStarError, AudioError)) as info:
        load_ultrastar(path)
    message = error_message(info.value) if isinstance(info.value, AudioError) else str(info.value)
    _check_message(message)
    assert expected in message


def test_stems_outside_the_folder_are_ignored_with_a_warning(tmp_path):
    folder = tmp_path / "song"
    folder.mkdir()
    write_audio(folder / "song.wav", np.zeros((4410, 2), np.float32))
    (folder / "song.txt").write_text(HEAD + "#VOCALS:../v.wav\n#INSTRUMENTAL:i.wav\n" + NOTES)
    song = load_ultrastar(folder)
    assert song.ultrastar is not None and any("outside" in w for w in song.ultrastar.warnings)
    assert not song.coverage.complete  # it will be separated


def test_four_megabytes_of_notes_at_the_highest_bpm_read_and_score_in_bounded_time(tmp_path):
    """The largest file accepted, every note as long and as fine-grained as allowed: no hang, no memory blow-up."""
    from soundnet_app.sing.ultrastar_notes import guide_from_notes, song_lyrics
    from soundnet_app.sing.ultrastar_score import score_ultrastar

    body = "\n".join(f": {k * 1000} 1000 {k % 12} la" for k in range(300_000))
    path = tmp_path / "huge.txt"
    path.write_text(("#TITLE:x\n#BPM:2000\n" + body)[: MAX_TXT_BYTES - 10])
    song = read_ultrastar(path)
    assert any("impossible" in w for w in song.warnings)  # the notes past an hour
    assert song_lyrics(song) is not None
    guide = guide_from_notes(song, 360_000, 0.01)
    assert score_ultrastar(song, guide).total > 9000
