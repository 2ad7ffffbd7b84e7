"""Which library runs the network's forward pass, and in which precision: the one place that decides.

Runtimes:

``openvino`` (the default where the ``openvino`` package is installed)
    the ``.keras`` file's network rebuilt as an OpenVINO graph
    (:mod:`.openvino_net`); the process never imports TensorFlow or Keras.
``tensorflow``
    the model loaded by Keras on TensorFlow (training and export use it too).

Precisions: ``float32`` everywhere; ``bfloat16`` where the CPU computes it
natively (AMX or AVX512-BF16, nothing else), about 1.8x faster there; ``auto``
picks between the two from the CPU's flags.

Order of the choice: ``$SOUNDNET_RUNTIME`` / ``$SOUNDNET_PRECISION``, then an
explicit argument, then the app's setting (:func:`set_preferences`), then
``auto``. Everything that changes the stems is in the stem cache's key
(:func:`~soundnet_app.separation.catalog.model_version`): the precision is;
the runtime is not (float32 outputs of the two runtimes agree within 1e-6
relative, ``tests/separation/test_runtime.py``).

A forward pass maps ``(batch, frames, MODEL_BINS, 2)`` float32 magnitudes to
``(batch, frames, MODEL_BINS, 4)`` float32 estimates (``frames`` a multiple of
:data:`TIME_MULTIPLE`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

from soundnet_app.paths import model_cache_dir
from soundnet_app.separation.openvino_cache import cached_openvino_model
from soundnet_app.separation.openvino_net import UnsupportedModelError, import_openvino

log = logging.getLogger(__name__)

RUNTIMES = ("openvino", "tensorflow")
PRECISIONS = ("float32", "bfloat16")
# Frames per call must be a multiple of this: 2 ** the U-Net's depth (model.TIME_MULTIPLE, without importing it).
TIME_MULTIPLE = 64
# CPU flags (Linux /proc/cpuinfo names) of native bfloat16 arithmetic.
BFLOAT16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})

_preferences: dict[str, str | None] = {"runtime": None, "precision": None}


class ForwardPass(Protocol):
    """A loaded network: ``(batch, frames, bins, 2) -> (batch, frames, bins, 4)`` float32."""

    runtime: str
    precision: str

    def __call__(self, magnitude: np.ndarray) -> np.ndarray: ...


def set_preferences(runtime: str | None = None, precision: str | None = None) -> None:
    """The app's settings (``None`` or ``"auto"``: decide automatically); the environment still overrides."""
    _preferences["runtime"] = runtime
    _preferences["precision"] = precision


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The CPU's feature flags, from ``/proc/cpuinfo`` (or the text given); empty where unreadable."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                cpuinfo = f.read()
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def cpu_has_bfloat16(flags: Iterable[str] | None = None) -> bool:
    """True if the CPU computes bfloat16 natively: AMX (``amx_bf16``) or AVX512-BF16."""
    return bool(BFLOAT16_FLAGS & frozenset(cpu_flags() if flags is None else flags))


def _pick(name: str, env: str, requested: str | None, choices: tuple[str, ...]) -> str:
    for value in (os.environ.get(env), requested, _preferences[name]):
        if value and value.strip().lower() != "auto":
            value = value.strip().lower()
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)} or auto, not {value!r}")
            return value
    return "auto"


def choose_precision(requested: str | None = None, flags: Iterable[str] | None = None) -> str:
    """``float32`` or ``bfloat16``: ``$SOUNDNET_PRECISION``, ``requested``, the setting, else by the CPU."""
    precision = _pick("precision", "SOUNDNET_PRECISION", requested, PRECISIONS)
    if precision == "auto":
        return "bfloat16" if cpu_has_bfloat16(flags) else "float32"
    return precision


def choose_runtime(requested: str | None = None) -> str:
    """``openvino`` or ``tensorflow``: ``$SOUNDNET_RUNTIME``, ``requested``, the setting, else
    OpenVINO where it is installed."""
    runtime = _pick("runtime", "SOUNDNET_RUNTIME", requested, RUNTIMES)
    if runtime == "auto":
        return "openvino" if importlib.util.find_spec("openvino") is not None else "tensorflow"
    if importlib.util.find_spec(runtime) is None:  # the bundle leaves TensorFlow out
        raise ValueError(f"the {runtime} runtime is not installed here")
    return runtime


def load_forward(model_path: str | Path, runtime: str | None = None, precision: str | None = None) -> ForwardPass:
    """Load the network of a ``.keras`` file for the chosen runtime and precision.

    OpenVINO computes bfloat16 only on CPUs that have it; a bfloat16 forced
    elsewhere (to check its quality) runs on TensorFlow, which emulates it.
    A model with a layer the OpenVINO graph builder does not know runs on
    TensorFlow too.
    """
    runtime, precision = choose_runtime(runtime), choose_precision(precision)
    if runtime == "openvino":
        try:
            forward = OpenVINOForward(model_path, precision)
        except UnsupportedModelError as err:
            log.info("running %s on TensorFlow: %s", model_path, err)
        else:
            if forward.precision == precision:
                return forward
            log.info("OpenVINO has no %s on this CPU; TensorFlow emulates it", precision)
    return TensorFlowForward(model_path, precision)


class OpenVINOForward:
    """The network compiled by OpenVINO for the CPU (dynamic batch and frames)."""

    runtime = "openvino"

    def __init__(self, model_path: str | Path, precision: str = "float32"):
        core = import_openvino().Core()
        hint = "bf16" if precision == "bfloat16" else "f32"
        self._compiled = core.compile_model(
            cached_openvino_model(core, model_path, model_cache_dir()), "CPU",
            {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"},
        )
        # What the plugin does (it keeps f32 where the CPU has no bfloat16).
        actual = str(self._compiled.get_property("INFERENCE_PRECISION_HINT")).lower()
        self.precision = "bfloat16" if "bf16" in actual else "float32"
        self._request = self._compiled.create_infer_request()

    def __call__(self, magnitude: np.ndarray) -> np.ndarray:
        result = self._request.infer([np.ascontiguousarray(magnitude, dtype=np.float32)])
        return np.array(result[0], dtype=np.float32)  # a copy: the request reuses its output buffer


class TensorFlowForward:
    """The Keras model on TensorFlow, in one graph call (bfloat16: Keras' ``mixed_bfloat16`` policy)."""

    runtime = "tensorflow"

    def __init__(self, model_path: str | Path, precision: str = "float32"):
        # model.py first: it imports TensorFlow with its start-up lines kept off the terminal.
        from soundnet_app.separation.model import load_model, with_dtype_policy  # isort: skip
        import tensorflow as tf

        model = load_model(model_path)
        if precision == "bfloat16":
            model = with_dtype_policy(model, "mixed_bfloat16")
        self.precision = precision

        # autograph=False: nothing to convert in a plain model call, and no AutoGraph warnings.
        @tf.function(reduce_retracing=True, autograph=False)
        def infer(magnitude):
            return tf.cast(model(magnitude, training=False), tf.float32)

        self._infer = infer

    def __call__(self, magnitude: np.ndarray) -> np.ndarray:
        return self._infer(np.asarray(magnitude, dtype=np.float32)).numpy()
