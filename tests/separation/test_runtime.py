"""The runtime and precision choice: CPU detection, overrides, equal outputs, the cache key, no TensorFlow."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from soundnet_app.devtools.synth import synthetic_song
from soundnet_app.separation import catalog, runtime, transforms
from soundnet_app.separation.transforms import MODEL_BINS

# Flags lines as /proc/cpuinfo prints them (shortened): a Xeon with AMX, a Zen 4, a Zen 3, an AVX-512 Skylake.
XEON_AMX = "flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8"
ZEN4 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f avx512_bf16 avx512_vnni\n"
ZEN3 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma bmi2 sha_ni\n"
SKYLAKE = "flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512_vnni"


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch):
    monkeypatch.delenv("SOUNDNET_RUNTIME", raising=False)
    monkeypatch.delenv("SOUNDNET_PRECISION", raising=False)
    runtime.set_preferences(None, None)
    yield
    runtime.set_preferences(None, None)


@pytest.mark.parametrize("cpuinfo, native", [(XEON_AMX, True), (ZEN4, True), (ZEN3, False), (SKYLAKE, False), ("", False)])
def test_bfloat16_only_with_amx_or_avx512_bf16(cpuinfo, native):
    flags = runtime.cpu_flags(cpuinfo)
    assert runtime.cpu_has_bfloat16(flags) is native
    assert runtime.choose_precision(flags=flags) == ("bfloat16" if native else "float32")


def test_environment_beats_argument_beats_setting(monkeypatch):
    zen3 = runtime.cpu_flags(ZEN3)
    runtime.set_preferences(precision="bfloat16")
    assert runtime.choose_precision(flags=zen3) == "bfloat16"
    assert runtime.choose_precision("float32", flags=zen3) == "float32"
    monkeypatch.setenv("SOUNDNET_PRECISION", "bfloat16")
    assert runtime.choose_precision("float32", flags=zen3) == "bfloat16"
    monkeypatch.setenv("SOUNDNET_PRECISION", "auto")
    assert runtime.choose_precision(flags=runtime.cpu_flags(XEON_AMX)) == "bfloat16"
    monkeypatch.setenv("SOUNDNET_PRECISION", "half")
    with pytest.raises(ValueError, match="precision"):
        runtime.choose_precision()
    monkeypatch.setenv("SOUNDNET_RUNTIME", "TensorFlow")
    assert runtime.choose_runtime("openvino") == "tensorflow"
    monkeypatch.delenv("SOUNDNET_RUNTIME")
    assert runtime.choose_runtime() == "openvino"  # installed with the app: the default
    runtime.set_preferences(runtime="tensorflow")
    assert runtime.choose_runtime() == "tensorflow"


def _chunk_magnitude(frames: int = 448) -> np.ndarray:
    """``(1, frames, MODEL_BINS, 2)`` magnitudes of a chunk of a generated song with a voice."""
    song = synthetic_song(12.0, seed=7)
    spec = transforms.stft(song[: (frames - 1) * transforms.HOP])
    return np.abs(spec[None, :, :MODEL_BINS])


@pytest.mark.parametrize("name", ["spleeter-2stems.keras", "soundnet.keras"])
def test_openvino_matches_tensorflow_on_a_chunk(name, model_path):
    path = model_path.parent / name
    magnitude = _chunk_magnitude()
    reference = runtime.TensorFlowForward(path, "float32")(magnitude)
    ours = runtime.OpenVINOForward(path, "float32")
    assert ours.runtime == "openvino" and ours.precision == "float32"
    estimates = ours(magnitude)
    assert estimates.shape == reference.shape == (1, 448, MODEL_BINS, 4) and estimates.dtype == np.float32
    assert np.abs(estimates - reference).max() <= 1e-3 * np.abs(reference).max()
    # A shorter (last) chunk and a batch of two through the same compiled model.
    pair = np.concatenate([magnitude[:, :128], magnitude[:, :128, :, ::-1]])
    np.testing.assert_allclose(ours(pair), runtime.TensorFlowForward(path)(pair), rtol=0,
                               atol=1e-3 * np.abs(reference).max())


def test_bfloat16_is_close_to_float32_but_not_the_same(model_path):
    """Forced bfloat16 really computes in bfloat16 (emulated on TensorFlow where the CPU has none)."""
    magnitude = _chunk_magnitude(192)
    full = runtime.TensorFlowForward(model_path, "float32")(magnitude)
    forward = runtime.load_forward(model_path, precision="bfloat16")
    assert forward.precision == "bfloat16"
    half = forward(magnitude)
    assert half.dtype == np.float32
    error = np.abs(half - full).mean() / np.abs(full).mean()
    assert 1e-4 < error < 0.05


def test_the_cache_key_follows_the_precision(model_path, monkeypatch):
    float32 = catalog.model_version(model_path, precision="float32")
    assert float32 == catalog.model_version(model_path, precision="float32")
    assert catalog.model_version(model_path, precision="bfloat16") != float32
    monkeypatch.setenv("SOUNDNET_PRECISION", "bfloat16")
    assert catalog.model_version_of(model_path) == catalog.model_version(model_path, precision="bfloat16")
    monkeypatch.setenv("SOUNDNET_PRECISION", "float32")
    assert catalog.model_version_of(model_path) == float32


def test_the_separator_reports_and_keys_what_runs(model_path, monkeypatch):
    from soundnet_app.separation.separator import Separator

    monkeypatch.setenv("SOUNDNET_RUNTIME", "tensorflow")
    tf_separator = Separator(model_path, precision="float32")
    assert (tf_separator.runtime, tf_separator.precision) == ("tensorflow", "float32")
    monkeypatch.delenv("SOUNDNET_RUNTIME")
    ov_separator = Separator(model_path, precision="float32")
    assert (ov_separator.runtime, ov_separator.precision) == ("openvino", "float32")
    assert ov_separator.model_version == tf_separator.model_version == catalog.model_version(model_path,
                                                                                              precision="float32")
    song = synthetic_song(15.0, seed=8)
    ov_vocals, _ = ov_separator.separate(song)
    tf_vocals, _ = tf_separator.separate(song)
    assert np.abs(ov_vocals - tf_vocals).max() <= 1e-3 * np.abs(tf_vocals).max()


def test_separating_imports_neither_tensorflow_nor_keras_and_sends_nothing(tmp_path):
    """No TensorFlow; no OpenVINO telemetry (its converter's import sends a usage event and creates ~/intel)."""
    code = (
        "import sys, numpy as np\n"
        "from soundnet_app.separation.separator import Separator\n"
        "s = Separator()\n"
        "vocals, _ = s.separate(np.zeros((44100, 2), np.float32))\n"
        "assert s.runtime == 'openvino', s.runtime\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'openvino_telemetry') if m in sys.modules))\n"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("CI", None)  # the telemetry stays off in CI by itself
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""  # no library noise
    assert list(tmp_path.iterdir()) == []  # no ~/intel consent folder


@pytest.mark.slow
def test_the_tensorflow_runtime_prints_nothing_either(tmp_path):
    """TensorFlow's start-up lines (absl, cpu_feature_guard) and AutoGraph warnings stay off the terminal."""
    code = (
        "import numpy as np\n"
        "from soundnet_app.separation.separator import Separator\n"
        "s = Separator()\n"
        "s.separate(np.zeros((44100, 2), np.float32))\n"
        "print(s.runtime)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["SOUNDNET_RUNTIME"] = "tensorflow"
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "tensorflow"
    assert out.stderr == ""
