"""soundnet-separate --key/--tempo: shifted stems beside the plain ones (real model, real files)."""

import pytest
import soundfile as sf

from soundnet_app import cli
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.synth import write_synthetic_song


def test_key_and_tempo_write_shifted_stems(tmp_path, model_path, capsys):
    song = write_synthetic_song(tmp_path / "song.wav", 4.0, seed=5)
    out = tmp_path / "out"
    args = [str(song), "-o", str(out), "--model", str(model_path), "--key", "2", "--tempo", "0.8"]
    assert cli.main(args) == 0
    folder = out / "song"
    assert sf.info(folder / "vocals.wav").frames == 4 * SAMPLE_RATE
    for stem in ("vocals", "instrumental"):
        frames = sf.info(folder / f"{stem} (key +2 · 80 %).wav").frames
        assert frames == pytest.approx(4 * SAMPLE_RATE / 0.8, rel=0.01)
    # A second run must not replace the shifted files either.
    (folder / "vocals.wav").unlink()
    (folder / "instrumental.wav").unlink()
    assert cli.main(args) == 1
    assert "vocals (key +2 · 80 %).wav" in capsys.readouterr().err


def test_out_of_range_shift_is_a_usage_error(tmp_path, capsys):
    for bad in (["--key", "9"], ["--tempo", "3"], ["--tempo", "fast"]):
        with pytest.raises(SystemExit) as exc:
            cli.main([str(tmp_path / "x.wav"), *bad])
        assert exc.value.code == 2
