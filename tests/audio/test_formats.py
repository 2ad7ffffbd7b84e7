"""The one table of output formats: consistent, and every entry written, read back and offered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiohelpers import assert_tones, tones

from soundnet_app import cli
from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.formats import (
    OUTPUT_FORMATS,
    SAMPLE_RATE,
    SUPPORTED_INPUT_SUFFIXES,
    WAV_DEPTHS,
    WAV_SUBTYPES,
    format_for_suffix,
    output_format,
)
from soundnet_app.audio.probe import probe
from soundnet_app.audio.write import AudioWriter, write_audio
from soundnet_app.devtools.synth import write_synthetic_song
from soundnet_app.engine.export import export_stems


def test_wav_subtypes_constant():
    assert WAV_SUBTYPES == ("PCM_16", "PCM_24", "FLOAT") and tuple(WAV_DEPTHS) == WAV_SUBTYPES
    assert tuple(OUTPUT_FORMATS) == ("wav", "flac", "ogg", "mp3", "opus")


@pytest.mark.parametrize("name", list(OUTPUT_FORMATS))
def test_table_entry_is_consistent(name):
    spec = OUTPUT_FORMATS[name]
    assert spec.name == name and spec.label
    assert spec.extension == spec.suffixes[0] and all(s.startswith(".") and s == s.lower() for s in spec.suffixes)
    assert set(spec.suffixes) <= SUPPORTED_INPUT_SUFFIXES  # what the app writes, it reads
    assert all(format_for_suffix(s.upper()) == name for s in spec.suffixes)
    assert spec.sf_format in sf.available_formats()
    assert set(spec.subtypes) <= set(sf.available_subtypes(spec.sf_format))
    assert set(spec.depths) <= set(spec.subtypes)
    assert spec.takes_bitrate == (spec.bitrate_range is not None)
    if spec.bitrates:
        lo, hi = spec.bitrate_range
        assert spec.default_bitrate is None and spec.vbr_label
        assert all(lo <= kbps <= hi for kbps in spec.bitrates[1:])
    assert output_format(name.upper()) is spec and output_format("." + name) is spec


def test_unknown_formats_are_refused():
    assert format_for_suffix(".aiff") is None and format_for_suffix("") is None
    with pytest.raises(ValueError, match="Unsupported format 'aiff'"):
        output_format(".aiff")


@pytest.mark.parametrize("name", list(OUTPUT_FORMATS))
def test_every_format_is_written_and_read_back(tmp_path, name):
    spec = OUTPUT_FORMATS[name]
    x = tones(1.5, SAMPLE_RATE)
    path = tmp_path / f"out{spec.extension}"
    write_audio(path, x)  # the format from the suffix
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    info = probe(path)
    assert info.format == name and info.source_rate == spec.write_rate(SAMPLE_RATE)
    audio, _ = read_audio(path)
    if spec.lossless:
        np.testing.assert_allclose(audio, x, atol=1 / 32768)
    else:
        assert_tones(audio, 1.5, tol_s=0.01)


def test_opus_is_resampled_to_a_rate_its_encoder_takes(tmp_path):
    spec = OUTPUT_FORMATS["opus"]
    assert spec.write_rate(SAMPLE_RATE) == 48000 and spec.write_rate(16000) == 16000
    assert spec.write_rate(96000) == 48000 and OUTPUT_FORMATS["wav"].write_rate(22050) == 22050
    x = tones(2.0, SAMPLE_RATE)
    with AudioWriter(tmp_path / "take.opus") as w:  # block by block, the resampler flushed on close
        for i in range(0, len(x), 10000):
            w.write(x[i:i + 10000])
    info = sf.info(tmp_path / "take.opus")
    assert (info.format, info.subtype, info.samplerate) == ("OGG", "OPUS", 48000)
    audio, _ = read_audio(tmp_path / "take.opus")
    assert abs(len(audio) - len(x)) < 0.01 * SAMPLE_RATE  # the same length at 44.1 kHz
    assert_tones(audio, 2.0, tol_s=0.01)


def test_the_cli_offers_every_format():
    for name, spec in OUTPUT_FORMATS.items():
        args = cli.parse_args(["song.mp3", "--format", name])
        assert args.format == name
        plan = cli.plan_outputs([Path(args.inputs[0])], Path("out"), args.format)
        assert plan[0]["vocals"].name == f"vocals{spec.extension}"


def test_the_cli_writes_opus(tmp_path, model_path):
    song = write_synthetic_song(tmp_path / "song.wav", 4.0, seed=3)
    assert cli.main([str(song), "-o", str(tmp_path / "out"), "--model", str(model_path),
                     "--format", "opus", "--quiet"]) == 0
    folder = tmp_path / "out" / "song"
    assert sorted(p.name for p in folder.iterdir()) == ["instrumental.opus", "vocals.opus"]
    for stem in ("vocals", "instrumental"):
        audio, info = read_audio(folder / f"{stem}.opus")
        assert info.format == "opus" and abs(len(audio) - 4 * SAMPLE_RATE) < 0.01 * SAMPLE_RATE


def test_export_stems_writes_opus_without_depth_or_bitrate(tmp_path):
    x = tones(1.0, SAMPLE_RATE)
    paths = export_stems(tmp_path, "song", x, x, format="opus", subtype="PCM_24", bitrate_kbps=192)
    assert sorted(p.name for p in paths.values()) == [f"song - {s}.opus" for s in ("instrumental", "karaoke", "vocals")]
    for path in paths.values():
        assert probe(path).format == "opus"
