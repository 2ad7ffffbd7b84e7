"""The U-Net of a ``.keras`` file as an OpenVINO graph, built without Keras or TensorFlow.

A ``.keras`` file is a zip of ``config.json`` (the functional graph: layers and
how they connect) and ``model.weights.h5`` (each layer's variables, stored
under ``layers/<snake_case class name>[_<n>]`` in the order of the config's
layers). This module reads both (no code from the file is run, like Keras'
safe mode) and builds the same network from OpenVINO operations, so the app
and ``soundnet-separate`` separate without importing TensorFlow (about 0.5 s
to import instead of several seconds, 180 MB installed instead of 1.3 GB).

Only the layer types that :func:`~soundnet_app.separation.model.build_unet`
uses are known; any other makes :func:`build_openvino_model` raise
:class:`UnsupportedModelError` (the caller can fall back to TensorFlow).

Shapes: the graph maps ``(batch, frames, MODEL_BINS, 2)`` float32 magnitudes
(channels last, as Keras) to ``(batch, frames, MODEL_BINS, 4)``; ``batch`` and
``frames`` are dynamic (``frames`` a multiple of 64). Inside, it runs
channels-first (OpenVINO's layout for convolutions).
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from soundnet_app.separation.keras_file import check_model_archive

_SUPPORTED = {
    "InputLayer", "Conv2D", "Conv2DTranspose", "BatchNormalization", "LeakyReLU", "ReLU",
    "Dropout", "Concatenate", "LogMagnitudeNormalization", "ApplyMask",
}


class UnsupportedModelError(ValueError):
    """The ``.keras`` file holds a layer or option this builder does not translate."""


def _snake(name: str) -> str:
    """Keras' ``to_snake_case``: the weights group name of a layer class."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def read_keras_file(path: str | Path) -> tuple[list[dict], dict[str, list[np.ndarray]], str]:
    """``(layers of config.json, {layer name: [variables as float32]}, output layer name)``."""
    import h5py

    check_model_archive(path)
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights_bytes = archive.read("model.weights.h5")
        layers = config["config"]["layers"]
        outputs = config["config"]["output_layers"]  # [name, 0, 0], or a list of those
    except (zipfile.BadZipFile, KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{Path(path).name} is damaged or not a model ({type(err).__name__}: {err})") from err
    if config.get("class_name") != "Functional":
        raise UnsupportedModelError(f"not a functional model: {config.get('class_name')}")
    if outputs and isinstance(outputs[0], list):
        if len(outputs) != 1:
            raise UnsupportedModelError("the model must have one output")
        outputs = outputs[0]
    counts: dict[str, int] = {}
    variables: dict[str, list[np.ndarray]] = {}
    with h5py.File(io.BytesIO(weights_bytes), "r") as weights:
        for layer in layers:
            snake = _snake(layer["class_name"])
            n = counts.get(snake, 0)
            counts[snake] = n + 1
            group = weights.get(f"layers/{snake if n == 0 else f'{snake}_{n}'}/vars")
            if group is None:
                variables[layer["name"]] = []
                continue
            variables[layer["name"]] = [np.asarray(group[str(i)][()], dtype=np.float32) for i in range(len(group))]
    return layers, variables, outputs[0]


def _inputs_of(layer: dict) -> list[str]:
    """Names of the layers feeding ``layer`` (its first call), in argument order."""
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return []
    names: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            names.append(value["config"]["keras_history"][0])
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(nodes[0]["args"])
    return names


def import_openvino():
    """``import openvino``, without its model converter (``openvino.tools.ovc``).

    Importing the converter sends a usage event to Intel over the network
    (``openvino_telemetry``, in a child process that can hold up the exit) and
    creates ``~/intel``; the app never phones home and converts nothing, so
    ``openvino``'s optional import of it is made to fail (it catches that).
    Importing it explicitly afterwards still works.
    """
    if "openvino" not in sys.modules:
        sys.modules["openvino.tools.ovc"] = None  # type: ignore[assignment]  # "not importable"
        try:
            import openvino
        finally:
            if sys.modules.get("openvino.tools.ovc", 0) is None:
                del sys.modules["openvino.tools.ovc"]
    import openvino

    return openvino


def build_openvino_model(path: str | Path):
    """An ``openvino.Model`` computing the network of the ``.keras`` file at ``path``.

    Raises:
        UnsupportedModelError: a layer type or option that is not translated.
    """
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(read_keras_file, path)  # inflating the weights releases the GIL: overlaps the import
        ov = import_openvino()
        import openvino.opset13 as op

        layers, variables, output_name = reading.result()
    nodes: dict[str, object] = {}
    parameter = None
    for layer in layers:
        kind, cfg, name = layer["class_name"], layer["config"], layer["name"]
        if kind not in _SUPPORTED:
            raise UnsupportedModelError(f"layer type {kind} ({name}) is not supported by the OpenVINO runtime")
        args = [nodes[n] for n in _inputs_of(layer)]
        weights = variables[name]
        if kind == "InputLayer":
            shape = cfg["batch_shape"]
            if len(shape) != 4 or shape[1] is not None:
                raise UnsupportedModelError(f"unexpected input shape {shape}")
            parameter = op.parameter([-1, -1, shape[2], shape[3]], np.float32, name=name)
            nodes[name] = op.transpose(parameter, op.constant(np.array([0, 3, 1, 2], np.int64)))  # to NCHW
        elif kind == "Conv2D":
            nodes[name] = _conv(op, args[0], cfg, weights)
        elif kind == "Conv2DTranspose":
            nodes[name] = _conv_transpose(op, args[0], cfg, weights)
        elif kind == "BatchNormalization":
            if cfg["axis"] not in (-1, 3) or not (cfg["center"] and cfg["scale"]):
                raise UnsupportedModelError(f"batch norm options of {name}")
            gamma, beta, mean, variance = weights
            nodes[name] = op.batch_norm_inference(args[0], gamma, beta, mean, variance, cfg["epsilon"])
        elif kind == "LeakyReLU":
            slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
            nodes[name] = op.prelu(args[0], op.constant(np.array([slope], np.float32)))
        elif kind == "ReLU":
            if cfg.get("max_value") is not None or cfg.get("negative_slope", 0.0) or cfg.get("threshold", 0.0):
                raise UnsupportedModelError(f"ReLU options of {name}")
            nodes[name] = op.relu(args[0])
        elif kind == "Dropout":
            nodes[name] = args[0]  # inference: the identity
        elif kind == "Concatenate":
            if cfg["axis"] not in (-1, 3):
                raise UnsupportedModelError(f"concatenation axis of {name}")
            nodes[name] = op.concat(args, axis=1)
        elif kind == "LogMagnitudeNormalization":
            mean, scale = (w.reshape(1, 1, 1, -1) for w in weights)  # (bins, 1) -> per bin, NCHW
            logmag = op.log(op.add(args[0], op.constant(np.float32(cfg["eps"]))))
            nodes[name] = op.multiply(op.subtract(logmag, op.constant(mean)), op.constant(scale))
        elif kind == "ApplyMask":
            masks, magnitude = args
            nodes[name] = op.multiply(masks, op.concat([magnitude, magnitude], axis=1))
    if parameter is None:
        raise UnsupportedModelError("the model has no input")
    result = op.transpose(nodes[output_name], op.constant(np.array([0, 2, 3, 1], np.int64)))  # back to NHWC
    return ov.Model([result], [parameter], "soundnet_unet")


def _same_pads(kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's "same" padding (the extra pixel at the end) for a size divisible by ``stride``."""
    total = max(dilation * (kernel - 1) + 1 - stride, 0)
    return total // 2, total - total // 2


def _pads(cfg: dict) -> tuple[list[int], list[int]]:
    if cfg["padding"] != "same" or cfg.get("data_format", "channels_last") != "channels_last":
        raise UnsupportedModelError(f"padding/data format of {cfg['name']}")
    pairs = [_same_pads(k, s, d) for k, s, d in zip(cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"])]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _activation(op, node, cfg: dict):
    activation = cfg.get("activation", "linear")
    if activation == "linear":
        return node
    if activation == "sigmoid":
        return op.sigmoid(node)
    if activation == "relu":
        return op.relu(node)
    raise UnsupportedModelError(f"activation {activation} of {cfg['name']}")


def _conv(op, x, cfg: dict, weights: list[np.ndarray]):
    if cfg.get("groups", 1) != 1:
        raise UnsupportedModelError(f"grouped convolution {cfg['name']}")
    kernel = weights[0].transpose(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
    begin, end = _pads(cfg)
    y = op.convolution(x, op.constant(np.ascontiguousarray(kernel)), cfg["strides"], begin, end, cfg["dilation_rate"])
    if cfg.get("use_bias", True):
        y = op.add(y, op.constant(weights[1].reshape(1, -1, 1, 1)))
    return _activation(op, y, cfg)


def _conv_transpose(op, x, cfg: dict, weights: list[np.ndarray]):
    if cfg.get("output_padding") is not None or list(cfg["dilation_rate"]) != [1, 1]:
        raise UnsupportedModelError(f"options of {cfg['name']}")
    kernel = weights[0].transpose(3, 2, 0, 1)  # (kh, kw, out, in) -> (in, out, kh, kw)
    begin, end = _pads(cfg)
    y = op.convolution_backprop_data(
        x, op.constant(np.ascontiguousarray(kernel)), cfg["strides"], pads_begin=begin, pads_end=end,
        dilations=[1, 1],
    )
    if cfg.get("use_bias", True):
        y = op.add(y, op.constant(weights[1].reshape(1, -1, 1, 1)))
    return _activation(op, y, cfg)
