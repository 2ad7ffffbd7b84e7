"""export_stems: readable files, the karaoke mix, never a silent overwrite, atomic, progress."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundnet_app.audio.decode import read_audio
from soundnet_app.engine.export import (
    ExportCancelled,
    ExportConflict,
    export_stems,
    render_stems,
    safe_filename,
    shifted_name,
    shifted_paths,
    write_shifted,
)


@pytest.fixture
def stems():
    rng = np.random.default_rng(0)
    n = 44100 * 2
    t = np.arange(n) / 44100
    vocals = np.stack([np.sin(2 * np.pi * 330 * t)] * 2, 1).astype(np.float32) * 0.3
    inst = (rng.standard_normal((n, 2)) * 0.1).astype(np.float32)
    return vocals, inst


def test_wav_export_contents(tmp_path, stems):
    vocals, inst = stems
    progress = []
    paths = export_stems(tmp_path, "My Song", vocals, inst, format="wav", vocal_level=0.3,
                         progress=progress.append, block_frames=10000)
    assert set(paths) == {"vocals", "instrumental", "karaoke"}
    assert paths["karaoke"].name == "My Song - karaoke.wav"
    tol = 2 / 32768  # 16-bit PCM
    for name, expected in (("vocals", vocals), ("instrumental", inst), ("karaoke", inst + 0.3 * vocals)):
        data, rate = sf.read(paths[name], dtype="float32")
        assert rate == 44100 and data.shape == vocals.shape
        np.testing.assert_allclose(data, expected, atol=tol)
    assert progress[0] == 0.0 and progress[-1] == 1.0 and progress == sorted(progress)
    assert len(progress) > 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.parametrize("fmt", ["flac", "ogg", "mp3"])
def test_other_formats_are_readable(tmp_path, stems, fmt):
    vocals, inst = stems
    paths = export_stems(tmp_path, "song", vocals, inst, format=fmt, stems=("karaoke",))
    audio, info = read_audio(paths["karaoke"])
    assert info.format == fmt
    assert abs(audio.shape[0] - vocals.shape[0]) < 44100 * 0.1  # codecs may pad a little


def test_never_overwrites_silently(tmp_path, stems):
    vocals, inst = stems
    first = export_stems(tmp_path, "song", vocals, inst)
    before = first["vocals"].read_bytes()
    second = export_stems(tmp_path, "song", vocals * 0.5, inst)  # default: pick free names
    assert second["vocals"].name == "song - vocals (2).wav"
    assert first["vocals"].read_bytes() == before
    with pytest.raises(ExportConflict) as err:
        export_stems(tmp_path, "song", vocals, inst, on_conflict="error")
    assert first["vocals"] in err.value.paths
    third = export_stems(tmp_path, "song", vocals * 0.25, inst, on_conflict="overwrite")
    assert third == first and first["vocals"].read_bytes() != before


def test_cancel_leaves_nothing(tmp_path, stems):
    vocals, inst = stems
    cancel = threading.Event()

    def progress(f):
        if f > 0.5:
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_stems(tmp_path, "song", vocals, inst, progress=progress, cancel=cancel, block_frames=8000)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(tmp_path, stems):
    vocals, inst = stems
    with pytest.raises(ValueError):
        export_stems(tmp_path, "song", vocals, inst, format="aiff")
    with pytest.raises(ValueError):
        export_stems(tmp_path, "song", vocals, inst, stems=("drums",))


def test_safe_filename():
    assert safe_filename('AC/DC: "Back"?') == "AC DC Back"
    assert safe_filename("...") == "song"


def test_settled_paths_are_written_as_given(tmp_path, stems):
    vocals, inst = stems
    first = export_stems(tmp_path, "song", vocals, inst, stems=("vocals", "karaoke"))
    before = first["karaoke"].read_bytes()
    target = {"vocals": tmp_path / "sub" / "v.wav", "karaoke": first["karaoke"]}  # the caller agreed to replace
    paths = export_stems(tmp_path, "ignored", vocals, inst * 0.5, stems=("vocals", "karaoke"), paths=target)
    assert paths == target and (tmp_path / "sub" / "v.wav").exists()
    assert first["karaoke"].read_bytes() != before
    assert not (tmp_path / "song - vocals (2).wav").exists()
    with pytest.raises(ValueError):
        export_stems(tmp_path, "song", vocals, inst, paths={"vocals": tmp_path / "v.wav"})


def test_loud_karaoke_mix_is_clipped_in_the_file(tmp_path):
    loud = np.full((4000, 2), 0.8, dtype=np.float32)
    paths = export_stems(tmp_path, "loud", loud, loud, vocal_level=1.0, stems=("karaoke",))
    data, _ = sf.read(paths["karaoke"], dtype="float32")
    assert data.max() <= 1.0 and data.min() > 0.99


@pytest.mark.parametrize("subtype, sf_subtype, atol", [("PCM_24", "PCM_24", 1.0 / 2**23), ("FLOAT", "FLOAT", 0.0)])
def test_24_bit_and_float_wav(tmp_path, stems, subtype, sf_subtype, atol):
    vocals, instrumental = stems
    paths = export_stems(tmp_path, "song", vocals, instrumental, format="wav", subtype=subtype, stems=("vocals",))
    info = sf.info(paths["vocals"])
    assert info.subtype == sf_subtype
    data, _ = sf.read(paths["vocals"], dtype="float32")
    np.testing.assert_allclose(data, vocals, atol=atol, rtol=0)


def test_mp3_bitrate(tmp_path, stems):
    vocals, instrumental = stems
    sizes = {}
    for kbps in (128, 320):
        paths = export_stems(tmp_path / str(kbps), "song", vocals, instrumental, format="mp3", bitrate_kbps=kbps,
                             stems=("vocals",))
        seconds = vocals.shape[0] / 44100
        sizes[kbps] = paths["vocals"].stat().st_size * 8 / seconds / 1000
    assert abs(sizes[128] - 128) < 8 and abs(sizes[320] - 320) < 12


def test_shifted_names_and_paths():
    assert shifted_name("Song", 0, 1.0) == "Song"
    assert shifted_name("Song", 2, 0.8) == "Song (key +2 · 80 %)"
    assert shifted_name("Song", -1, 1.0) == "Song (key -1)" and shifted_name("Song", 0, 1.25) == "Song (125 %)"
    outputs = {"vocals": Path("out/vocals.flac"), "instrumental": Path("out/instrumental.flac")}
    assert shifted_paths(outputs, 0, 1.0) == {}
    assert shifted_paths(outputs, 2, 0.8) == {"vocals (key +2 · 80 %)": Path("out/vocals (key +2 · 80 %).flac"),
                                              "instrumental (key +2 · 80 %)":
                                                  Path("out/instrumental (key +2 · 80 %).flac")}


def test_render_stems_at_a_shift_and_neutral(stems):
    vocals, inst = stems
    same = render_stems(vocals, None, inst)
    assert same[0] is vocals and same[1] is None and same[2] is inst  # neutral: nothing is rendered
    slow_v, slow_i = render_stems(vocals, inst, key=2, tempo=0.8)
    assert slow_v.shape == slow_i.shape == (round(vocals.shape[0] / 0.8), 2) and slow_v.dtype == np.float32


def test_export_at_a_key_and_tempo_renders_first(tmp_path, stems):
    vocals, inst = stems
    paths = export_stems(tmp_path, shifted_name("song", 2, 0.8), vocals, inst, key=2, tempo=0.8, vocal_level=0.5,
                         mute=True)
    assert paths["karaoke"].name == "song (key +2 · 80 %) - karaoke.wav"
    karaoke, _ = read_audio(paths["karaoke"])
    instrumental, _ = read_audio(paths["instrumental"])
    assert karaoke.shape[0] == round(vocals.shape[0] / 0.8)
    np.testing.assert_allclose(karaoke, instrumental, atol=2 / 32768)  # muted: the instrumental alone


def test_write_shifted_puts_shifted_copies_beside_the_stems(tmp_path, stems):
    vocals, inst = stems
    outputs = {"vocals": tmp_path / "vocals.flac", "instrumental": tmp_path / "instrumental.flac"}
    sf.write(outputs["vocals"], vocals, 44100)
    sf.write(outputs["instrumental"], inst, 44100)
    assert write_shifted(outputs, 0, 1.0, "flac") == {}
    written = write_shifted(outputs, -3, 1.0, "flac")
    assert [p.name for p in written.values()] == ["vocals (key -3).flac", "instrumental (key -3).flac"]
    for p in written.values():
        assert sf.info(p).frames == vocals.shape[0] and sf.info(p).format == "FLAC"
