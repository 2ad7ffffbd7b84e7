"""Training losses on the U-Net's magnitude estimates.

Shapes: ``y_pred`` is the network output ``(batch, frames, bins, 4)`` (vocals
L/R, accompaniment L/R). ``y_true`` holds the true magnitudes in the same
four channels, followed, for the losses that need it
(:data:`NEEDS_MIXTURE`), by the mixture magnitude ``|X|`` in channels 4:6.
"""

from __future__ import annotations

from soundnet_app.separation.filtering import DEFAULT_MASK_POWER
from soundnet_app.separation.model import (
    keras,  # TensorFlow imported quietly, as everywhere
)

ops = keras.ops

# Frames in about one second (hop 1024 at 44.1 kHz): museval scores 1 s windows.
SECOND_FRAMES = 43
_EPS = 1e-6


# Registered, so a checkpoint compiled with them loads in safe mode on resume.
@keras.saving.register_keras_serializable(package="soundnet")
def separated_mae(y_true, y_pred, power: float = DEFAULT_MASK_POWER):
    """MAE of what the separator outputs, not of the raw estimates.

    The separator turns the two estimates into the soft mask
    ``V^p / (V^p + A^p)`` on the mixture and gives the rest to the
    accompaniment; this loss scores exactly those two magnitudes.
    """
    vocals, accompaniment = y_pred[..., 0:2], y_pred[..., 2:4]
    mixture = y_true[..., 4:6]
    v = ops.power(vocals + _EPS, power)
    mask = v / (v + ops.power(accompaniment + _EPS, power))
    vocals_out = mask * mixture
    error = ops.abs(vocals_out - y_true[..., 0:2]) + ops.abs(mixture - vocals_out - y_true[..., 2:4])
    return ops.mean(error) / 2


@keras.saving.register_keras_serializable(package="soundnet")
def loudness_balanced_mae(y_true, y_pred):
    """MAE with each second of audio weighted by 1 / its mixture loudness.

    Plain MAE on magnitudes is dominated by the loudest passages, while SDR
    is scored per one-second window, so quiet passages count as much as loud
    ones. The weight is the inverse of the mixture's mean magnitude over the
    surrounding second, floored at a tenth of the example's mean.
    """
    mixture = y_true[..., 4:6]
    per_frame = ops.mean(mixture, axis=(2, 3))[..., None]  # (batch, frames, 1)
    local = ops.average_pool(per_frame, SECOND_FRAMES, strides=1, padding="same")
    floor = 0.1 * ops.mean(per_frame, axis=1, keepdims=True)
    weight = 1.0 / (ops.maximum(local, floor) + _EPS)  # (batch, frames, 1)
    error = ops.mean(ops.abs(y_pred - y_true[..., 0:4]), axis=(2, 3))[..., None]
    return ops.mean(error * weight)


LOSSES = {"mae": "mae", "separated-mae": separated_mae, "balanced-mae": loudness_balanced_mae}
NEEDS_MIXTURE = {"separated-mae", "balanced-mae"}
