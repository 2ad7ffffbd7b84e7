"""soundnet-separate's start: the model loads while the first song decodes; only our lines reach the user."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import soundfile as sf

from soundnet_app.devtools.synth import write_synthetic_song
from soundnet_app.separation.separator import LoadingSeparator, Separator


def test_the_first_chunk_decodes_while_the_model_loads(tmp_path, model_path):
    song = write_synthetic_song(tmp_path / "song.wav", 15.0, seed=4)
    release = threading.Event()
    decoded_before_load: list[bool] = []

    def load() -> Separator:
        release.wait(60)  # the model "loads" until the first blocks are decoded
        return Separator(model_path)

    loading = LoadingSeparator(load)
    import soundnet_app.separation.separator as separator_module

    stream = separator_module.stream_audio

    def watched_stream(path):
        for block in stream(path):
            decoded_before_load.append(not loading._done.is_set())
            release.set()
            yield block

    separator_module.stream_audio = watched_stream
    try:
        chunks = list(loading.separate_file(song))
    finally:
        separator_module.stream_audio = stream
    assert decoded_before_load[0] is True
    vocals = np.concatenate([c.vocals for c in chunks])
    reference, _ = loading.result().separate(sf.read(song, dtype="float32")[0])
    np.testing.assert_allclose(vocals, reference, atol=1e-5)


def test_a_failed_load_is_raised_by_separate_file(tmp_path):
    song = write_synthetic_song(tmp_path / "song.wav", 2.0, seed=4)

    def load() -> Separator:
        raise OSError("no such model")

    with pytest.raises(OSError, match="no such model"):
        list(LoadingSeparator(load).separate_file(song))


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["openvino", "tensorflow"])
def test_the_user_sees_our_lines_only(tmp_path, model_path, runtime):
    """No AutoGraph, oneDNN, absl or OpenVINO lines, in either runtime (-v would let them through)."""
    song = write_synthetic_song(tmp_path / "song.wav", 3.0, seed=5)
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "SOUNDNET_PRECISION")}
    env["SOUNDNET_RUNTIME"] = runtime
    out = subprocess.run(
        [sys.executable, "-m", "soundnet_app.cli", str(song), "-o", str(tmp_path / "out"), "--model", str(model_path)],
        check=False, capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert out.stdout.splitlines() == [f"{song} -> {tmp_path / 'out' / 'song'}"]
