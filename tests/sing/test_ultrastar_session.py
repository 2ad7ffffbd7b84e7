"""An UltraStar song opened from its folder: its stems skip separation, its syllables are the lyrics,
its notes the guide, and a file-fed singer is scored by the game's rules too."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app.audio.write import write_audio
from soundnet_app.sing.mic import FileInput
from soundnet_app.sing.session import SingAlong
from soundnet_app.sing.ultrastar_files import load_ultrastar
from tests.sing.test_session import until
from tests.sing.voice import sung_notes

TXT = """#TITLE:Folder Song
#ARTIST:Tester
#AUDIO:Song.ogg
#VOCALS:vocals.wav
#INSTRUMENTAL:instrumental.wav
#BPM:120
#GAP:500
: 0 4 -3 Ev
: 4 4 0 ery
* 8 6 4  day
- 16
: 18 4 7 Sing
: 22 4 5  a
: 30 6 2  song
E
"""


def write_folder(folder, shift: float = 0.0):
    """The song's folder: the .txt (as a Windows editor saves it) and audio whose voice sings its notes."""
    folder.mkdir()
    (folder / "song.txt").write_bytes(TXT.replace("\n", "\r\n").encode("cp1252"))
    gap, beat = 0.5, 60 / 480
    starts = [(0, 4, 57), (4, 4, 60), (8, 6, 64), (18, 4, 67), (22, 4, 65), (30, 6, 62)]
    melody = [(gap + a * beat + 0.02, gap + (a + n) * beat - 0.02, m + shift) for a, n, m in starts]
    voice, _ = sung_notes(melody, 6.0, seed=5)
    vocals = np.stack([voice, voice], axis=1)
    backing = np.zeros_like(vocals)
    write_audio(folder / "song.ogg", vocals + backing)  # "Song.ogg" in the file: another case
    write_audio(folder / "vocals.wav", vocals)
    write_audio(folder / "instrumental.wav", backing)
    return voice


@pytest.fixture
def singalong():
    made = []

    def make(source_path):
        made.append(SingAlong(lambda: FileInput(source_path, speed=0)))
        return made[-1]

    yield make
    for sa in made:
        sa.shutdown()


def test_open_an_ultrastar_folder_and_score_a_singer_by_the_rules(tmp_path, singalong):
    voice = write_folder(tmp_path / "Tester - Folder Song")
    song = load_ultrastar(tmp_path / "Tester - Folder Song")
    assert song.path.name == "song.txt" and song.title == "Tester - Folder Song"
    assert song.coverage.complete and np.allclose(song.vocals[:, 0], voice, atol=1e-3)  # its stems: no separation
    singer = tmp_path / "singer.wav"
    write_audio(singer, np.stack([voice, voice], axis=1))
    sa = singalong(singer)
    assert sa.open_song(song) is None
    assert sa.lyrics.texts == ["Every day", "Sing a song"]
    assert sa.guide.complete and [n.midi for n in sa.guide.notes()] == [57, 60, 64, 67, 65, 62]
    assert sa.ultrastar_score() is None  # nothing sung yet
    assert sa.follow(True, True, 0, 0, 1.0, now=0.0)
    assert sa.mic.source.finished.wait(30) and sa.mic.wait_idle(30)
    sa.stop_mic()
    assert sa.ultrastar_score().total >= 9000
    assert sa.score_now().total > 0.9


def test_a_song_without_a_file_is_scored_against_notes_made_from_its_guide(tmp_path, singalong):
    voice = write_folder(tmp_path / "song")
    song = load_ultrastar(tmp_path / "song")
    song.ultrastar = None  # as if opened as plain audio: the guide is tracked from its vocal
    singer = tmp_path / "singer.wav"
    write_audio(singer, np.stack([voice, voice], axis=1))
    sa = singalong(singer)
    sa.open_song(song)
    assert sa.ultrastar_sheet() is None  # no guide yet
    sa.chunk_separated(0, song.n_frames, song)
    until(lambda: sa.guide.complete)
    assert sa.guide.complete and sa.ultrastar_sheet() is not None
    assert sa.follow(True, True, 0, 0, 1.0, now=0.0)
    assert sa.mic.source.finished.wait(30) and sa.mic.wait_idle(30)
    sa.stop_mic()
    assert sa.ultrastar_score().total >= 9000
