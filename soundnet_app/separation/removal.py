"""How strongly the voice is removed: named steps over the soft-mask exponent. No Qt, no TensorFlow.

The separator's soft mask is ``|V|^p / (|V|^p + |A|^p)``; a larger ``p``
gives each time-frequency bin more wholly to the louder source, so more of the
voice leaves the instrumental, at the cost of more "musical noise" in it
(what UVR's users know as its aggression setting). The steps scale the model's
own tuned exponent, so "standard" is exactly the model's tuned value (and its
stem cache entries); the measured effect of each step on the validation split
is in the README ("Karaoke night").
"""

from __future__ import annotations

from pathlib import Path

from soundnet_app.separation.catalog import model_info

STANDARD = "standard"
# (name, label, factor on the model's tuned exponent)
REMOVAL_STEPS: tuple[tuple[str, str, float], ...] = (
    ("gentle", "Gentle", 0.5),
    (STANDARD, "Standard (the model's tuned value)", 1.0),
    ("strong", "Strong", 1.5),
    ("strongest", "Strongest", 2.0),
)
STEP_NAMES = tuple(name for name, _label, _factor in REMOVAL_STEPS)


def valid_step(name: object) -> str:
    """``name`` if it is a step, else :data:`STANDARD` (a hand-edited setting never breaks separation)."""
    return name if isinstance(name, str) and name in STEP_NAMES else STANDARD


def mask_power_for(step: str, model_path: str | Path) -> float | None:
    """The exponent that ``step`` means for this model; ``None`` for standard (the model's own value)."""
    step = valid_step(step)
    if step == STANDARD:
        return None
    factor = next(f for name, _label, f in REMOVAL_STEPS if name == step)
    return model_info(model_path).settings.mask_power * factor
