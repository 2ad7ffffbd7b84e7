"""``soundnet-video``: karaoke videos from the command line (the real model separates)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from soundnet_app.audio.write import write_audio
from soundnet_app.ui import video_cli
from tests.sing.test_ultrastar_export import MELODY, SECONDS, chord_backing
from tests.sing.voice import sung_notes


@pytest.mark.slow
def test_video_command_at_a_tempo_with_failures_reported(qapp, tmp_path, model_path, capsys):
    voice, _ = sung_notes(MELODY, SECONDS, seed=4)
    song = tmp_path / "Tune.wav"
    write_audio(song, np.stack([voice, voice], axis=1) + np.stack([chord_backing(SECONDS)] * 2, axis=1))
    song.with_suffix(".lrc").write_text("[00:01.00]one two three four\n[00:04.60]five six seven\n")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"no picture")
    out = tmp_path / "out"
    base = [str(song), "-o", str(out), "--model", str(model_path), "--tempo", "1.25"]
    assert video_cli.main(base) == 0
    video = out / "Tune (125 %).mp4"
    with av.open(str(video)) as container:
        audio = container.streams.audio[0]
        assert container.streams.video[0].width == 1280
        assert float(audio.duration * audio.time_base) == pytest.approx(SECONDS / 1.25, abs=0.06)
    assert video_cli.main(base) == 1 and "--overwrite" in capsys.readouterr().err
    assert video_cli.main(base + ["--overwrite", "--background", str(bad)]) == 1
    assert "bad.jpg could not be read" in capsys.readouterr().err
    assert video.exists()  # the earlier video stays
    assert video_cli.main([str(tmp_path / "missing.wav"), "-o", str(out)]) == 1
    assert "missing.wav" in capsys.readouterr().err


def test_video_of_an_ultrastar_folder_needs_no_model(qapp, tmp_path, capsys):
    """The folder brings its stems (nothing separated) and its syllables (the lyrics); a broken one is explained."""
    from tests.ui.test_ultrastar_window import NOTES, SECONDS, TXT

    folder = tmp_path / "Tester - Window Song"
    folder.mkdir()
    (folder / "song.txt").write_text(TXT)
    voice, _ = sung_notes(NOTES, SECONDS, seed=1)
    stereo = np.stack([voice, voice], axis=1)
    for name in ("song.wav", "vocals.wav"):
        write_audio(folder / name, stereo)
    write_audio(folder / "instrumental.wav", 0 * stereo)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "song.txt").write_text("#TITLE:x\n#BPM:0\n: 0 1 0 a\n")
    out = tmp_path / "out"
    rc = video_cli.main([str(folder), str(broken), "-o", str(out), "--model", str(tmp_path / "no-model.keras"),
                         "--size", "720p", "--key", "-1"])
    err = capsys.readouterr().err
    assert rc == 1 and "broken" in err and "BPM" in err and "1 of 2 song(s) failed" in err
    with av.open(str(out / "Tester - Window Song (key -1).mp4")) as container:
        audio = container.streams.audio[0]
        assert float(audio.duration * audio.time_base) == pytest.approx(SECONDS, abs=0.06)
