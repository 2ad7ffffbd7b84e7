"""``soundnet-separate SONG --ultrastar OUTDIR``: the real model separates, the melody becomes notes."""

from __future__ import annotations

import numpy as np
import pytest

from soundnet_app import cli
from soundnet_app.audio.write import write_audio
from soundnet_app.sing.ultrastar_files import read_ultrastar
from soundnet_app.sing.ultrastar_notes import song_lyrics
from tests.sing.test_ultrastar_export import MELODY, SECONDS, chord_backing
from tests.sing.voice import sung_notes


@pytest.mark.slow
def test_cli_writes_an_ultrastar_folder_whose_notes_follow_the_melody(tmp_path, model_path, capsys):
    voice, _ = sung_notes(MELODY, SECONDS, seed=2)
    mix = np.stack([voice, voice], axis=1) + np.stack([chord_backing(SECONDS)] * 2, axis=1)
    song = tmp_path / "Tune.wav"
    write_audio(song, mix)
    song.with_suffix(".lrc").write_text("[00:01.00]one two three four\n[00:04.60]five six seven\n[00:07.60]eight\n")
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"ID3 not really")
    out = tmp_path / "karaoke"
    args = [str(song), str(bad), "--ultrastar", str(out), "--bpm", "100", "--model", str(model_path), "--quiet"]
    assert cli.main(args) == 1  # the broken file fails, the good one is written
    err = capsys.readouterr().err
    assert "broken.mp3" in err and "1 of 2 file(s) failed" in err
    folder = out / "Tune"
    assert sorted(p.name for p in folder.iterdir()) == ["Tune [INSTR].ogg", "Tune [VOC].ogg", "Tune.txt", "Tune.wav"]
    us = read_ultrastar(folder / "Tune.txt")
    assert us.bpm == 200.0 and us.warnings == []
    assert song_lyrics(us).texts == ["one two three four", "five six seven", "eight"]
    hits = 0
    for start, end, midi in MELODY:
        beats = [b for n in us.notes() for b in range(n.start, n.end)
                 if n.midi == midi and start <= us.beat_s(b + 0.5) <= end]
        hits += len(beats) * us.beat_length_s >= 0.6 * (end - start)
    assert hits >= len(MELODY) - 1, [(n.start, n.midi) for n in us.notes()]
    assert cli.main(args[:1] + args[2:]) == 1  # exists: not replaced without --overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert cli.main(args[:1] + args[2:] + ["--overwrite"]) == 0
