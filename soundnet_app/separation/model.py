"""The separation network: a 2-D U-Net on stereo STFT magnitudes.

It keeps the original SoundNet design (encoder filters 16...512 with batch
norm and leaky ReLU; a transposed-convolution decoder with concatenated skips,
ReLU and dropout 0.5 on the first decoder stages; a final mask multiplied with
the input) but works on spectrograms, as Jansson et al. (2017) and Spleeter do.

Shapes: the network maps a magnitude spectrogram ``(batch, frames, bins, 2)``
(stereo channels last) to estimated magnitudes ``(batch, frames, bins, 4)``:
channels ``0:2`` are the vocals, ``2:4`` the accompaniment. ``frames`` and
``bins`` must be multiples of :data:`TIME_MULTIPLE` / :data:`FREQ_MULTIPLE`.

The network is a pure function of its input (:func:`build_unet`); everything
about STFTs and chunking lives in :mod:`soundnet_app.separation.transforms` and
:mod:`soundnet_app.separation.separator`.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Sequence

from soundnet_app.fileio import atomic_path
from soundnet_app.separation.keras_file import check_model_archive


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its C++ start-up banner kept off the terminal.

    Those lines are printed before any logging setting applies, so stderr is
    pointed at /dev/null for the duration of the import only. That is
    process-wide, so it is done only from the main thread (the command-line
    tools); the app imports TensorFlow on a worker thread and keeps stderr.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return  # training on a GPU machine may run Keras on JAX or PyTorch instead
    if threading.current_thread() is not threading.main_thread():
        import tensorflow  # noqa: F401

        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()

import tempfile
import zipfile

import keras  # noqa: E402
import numpy as np
from keras import layers, ops  # noqa: E402

ENCODER_FILTERS: tuple[int, ...] = (16, 32, 64, 128, 256, 512)
N_SOURCES = 2  # vocals, accompaniment
N_CHANNELS = 2  # stereo
TIME_MULTIPLE = 2 ** len(ENCODER_FILTERS)
FREQ_MULTIPLE = 2 ** len(ENCODER_FILTERS)


@keras.saving.register_keras_serializable(package="soundnet")
class LogMagnitudeNormalization(layers.Layer):
    """``(log(|X| + eps) - mean[f]) * scale[f]``: a learned per-bin input scaling.

    Raw magnitudes span several orders of magnitude; the log plus a per-bin
    standardisation (initialised from training statistics, then learned, as in
    open-unmix) gives every frequency band a comparable input range.
    Input and output shape: ``(batch, frames, bins, channels)``.
    """

    def __init__(self, n_bins: int, eps: float = 1e-4, **kwargs):
        super().__init__(**kwargs)
        self.n_bins = n_bins
        self.eps = eps

    def build(self, input_shape):
        self.mean = self.add_weight(shape=(self.n_bins, 1), initializer="zeros", name="mean")
        self.scale = self.add_weight(shape=(self.n_bins, 1), initializer="ones", name="scale")

    def call(self, inputs):
        return (ops.log(inputs + self.eps) - self.mean) * self.scale

    def get_config(self):
        return {**super().get_config(), "n_bins": self.n_bins, "eps": self.eps}


@keras.saving.register_keras_serializable(package="soundnet")
class ApplyMask(layers.Layer):
    """Multiply ``(batch, frames, bins, 4)`` masks with the stereo input tiled per source."""

    def call(self, masks, magnitude):
        return masks * ops.tile(magnitude, (1, 1, 1, N_SOURCES))


# The layout of Deezer's Spleeter 2-stems networks (see :mod:`.spleeter_port`):
# one U-Net per source on raw magnitudes, skips and bottleneck taken from the
# convolutions before batch norm, and a dilated 4x4 mask head.
SPLEETER_OPTIONS = dict(
    input_norm=False, skip_before_norm=True, net_per_source=True, bn_epsilon=1e-3
)


def build_unet(
    n_bins: int = 1024,
    n_frames: int | None = None,
    filters: Sequence[int] = ENCODER_FILTERS,
    dropout: float = 0.5,
    kernel_size: int = 5,
    input_norm: bool = True,
    skip_before_norm: bool = False,
    net_per_source: bool = False,
    bn_epsilon: float = 1e-3,
) -> keras.Model:
    """Build the U-Net.

    Args:
        n_bins: frequency bins fed to the network (a multiple of 64).
        n_frames: fixed number of STFT frames, or ``None`` for any multiple of 64.
        filters: encoder widths; the decoder mirrors them.
        dropout: dropout rate on the first three decoder stages.
        kernel_size: square convolution kernel size.
        input_norm: feed ``log|X|`` scaled per bin (True) or raw magnitudes.
        skip_before_norm: skips (and the bottleneck) carry each encoder
            convolution's output before batch norm, as Spleeter does, instead
            of the activated output.
        net_per_source: one U-Net per source, each ending in a one-channel
            decoder stage and a 4x4 dilated convolution giving a stereo mask
            (Spleeter), instead of one U-Net with a 3x3 four-mask head.
        bn_epsilon: batch-norm epsilon.

    Returns:
        A Keras model ``(batch, frames, n_bins, 2) -> (batch, frames, n_bins, 4)``:
        masked magnitudes, vocals in channels 0:2, accompaniment in 2:4.
    """
    if n_bins % FREQ_MULTIPLE:
        raise ValueError(f"n_bins must be a multiple of {FREQ_MULTIPLE}, got {n_bins}")
    magnitude = keras.Input(shape=(n_frames, n_bins, N_CHANNELS), name="magnitude")
    x = LogMagnitudeNormalization(n_bins, name="input_norm")(magnitude) if input_norm else magnitude
    options = dict(
        filters=filters, dropout=dropout, kernel_size=kernel_size,
        skip_before_norm=skip_before_norm, bn_epsilon=bn_epsilon,
    )
    if net_per_source:
        # Both nets in one graph: a single call runs them together.
        masks = layers.Concatenate(name="masks")([
            _unet_masks(x, N_CHANNELS, prefix=f"{source}_", spleeter_head=True, **options)
            for source in SOURCE_NAMES
        ])
    else:
        masks = _unet_masks(x, N_SOURCES * N_CHANNELS, prefix="", spleeter_head=False, **options)
    estimates = ApplyMask(name="apply_mask")(masks, magnitude)
    return keras.Model(magnitude, estimates, name="soundnet_unet")


SOURCE_NAMES = ("vocals", "accompaniment")


def _unet_masks(
    x, n_masks: int, prefix: str, filters: Sequence[int], dropout: float, kernel_size: int,
    skip_before_norm: bool, bn_epsilon: float, spleeter_head: bool,
):
    """Encoder-decoder from the network input to ``n_masks`` sigmoid masks."""
    skips = []
    for i, width in enumerate(filters):
        conv = layers.Conv2D(width, kernel_size, strides=2, padding="same", name=f"{prefix}enc{i}_conv")(x)
        if skip_before_norm and i == len(filters) - 1:
            x = conv  # the bottleneck is the last convolution itself
            break
        x = layers.BatchNormalization(epsilon=bn_epsilon, name=f"{prefix}enc{i}_bn")(conv)
        x = layers.LeakyReLU(0.2, name=f"{prefix}enc{i}_act")(x)
        skips.append(conv if skip_before_norm else x)
    if skip_before_norm:
        skips.append(x)

    # Decoder: upsample, then concatenate the encoder output of the same size.
    last_width = 1 if spleeter_head else filters[0]
    decoder_widths = list(filters[-2::-1]) + [last_width]
    for i, width in enumerate(decoder_widths):
        x = layers.Conv2DTranspose(width, kernel_size, strides=2, padding="same", name=f"{prefix}dec{i}_deconv")(x)
        x = layers.ReLU(name=f"{prefix}dec{i}_act")(x)
        x = layers.BatchNormalization(epsilon=bn_epsilon, name=f"{prefix}dec{i}_bn")(x)
        if i < 3 and dropout > 0:
            x = layers.Dropout(dropout, name=f"{prefix}dec{i}_dropout")(x)
        if i < len(decoder_widths) - 1:
            skip = skips[-(i + 2)]
            pair = [skip, x] if spleeter_head else [x, skip]
            x = layers.Concatenate(name=f"{prefix}dec{i}_skip")(pair)
    if spleeter_head:
        return layers.Conv2D(
            n_masks, 4, dilation_rate=2, padding="same", activation="sigmoid", name=f"{prefix}mask"
        )(x)
    return layers.Conv2D(n_masks, 3, padding="same", activation="sigmoid", name=f"{prefix}mask")(x)


def init_input_normalization(model: keras.Model, magnitudes: np.ndarray) -> None:
    """Set the input scaling from sample magnitudes ``(..., bins, channels)``."""
    layer = model.get_layer("input_norm")
    logmag = np.log(magnitudes.reshape(-1, magnitudes.shape[-2], magnitudes.shape[-1]) + layer.eps)
    mean = logmag.mean(axis=(0, 2))
    std = logmag.std(axis=(0, 2)) + 1e-3
    layer.set_weights([mean[:, None].astype("float32"), (1.0 / std)[:, None].astype("float32")])


def load_model(path: str | Path) -> keras.Model:
    """Load a ``.keras`` model in safe mode: no code stored in the file is run, nor an archive
    unpacked that inflates beyond any model (:func:`check_model_archive`)."""
    check_model_archive(path)
    return keras.saving.load_model(str(path), compile=False, safe_mode=True)


def with_dtype_policy(model: keras.Model, policy: str) -> keras.Model:
    """A copy of ``model`` whose layers compute in ``policy`` (e.g. ``"mixed_bfloat16"``), same weights.

    The saved layers name their own (float32) policy, so setting the global
    policy before loading would not change them: each layer is rebuilt from its
    config with the new policy. Variables stay float32.
    """

    def clone(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": policy})

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def save_compact(model: keras.Model, path: str | Path) -> None:
    """Save ``model`` as a ``.keras`` file with float16 weights, compressed.

    Half the size of a plain save. Loading needs nothing special: Keras casts
    the stored float16 values into the model's float32 variables (a relative
    error around 1e-3 on the separated magnitudes). Written atomically.
    """
    import h5py

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.keras"
        model.save(plain)
        weights32, weights16 = Path(tmp) / "w32.h5", Path(tmp) / "model.weights.h5"
        with zipfile.ZipFile(plain) as zin:
            weights32.write_bytes(zin.read("model.weights.h5"))
            others = {name: zin.read(name) for name in zin.namelist() if name != "model.weights.h5"}
        with h5py.File(weights32, "r") as src, h5py.File(weights16, "w") as dst:
            _copy_h5_as_float16(src, dst)
        with atomic_path(path) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in others.items():
                zout.writestr(name, data)
            zout.write(weights16, "model.weights.h5")


def _copy_h5_as_float16(src, dst) -> None:
    """Recursively copy an HDF5 group, storing float32 datasets as float16."""
    import h5py

    for key, value in src.attrs.items():
        dst.attrs[key] = value
    for name, item in src.items():
        if isinstance(item, h5py.Group):
            _copy_h5_as_float16(item, dst.create_group(name))
        else:
            data = item[()]
            if isinstance(data, np.ndarray) and data.dtype == np.float32:
                data = data.astype(np.float16)
            dst.create_dataset(name, data=data)
            for key, value in item.attrs.items():
                dst[name].attrs[key] = value
