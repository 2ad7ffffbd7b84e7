"""The karaoke mix, written once: which stem plays at what gain. No Qt.

The karaoke version is ``instrumental_level * instrumental + vocal_level * vocals``
(the "guide vocal" the user dialled in); ``mute`` silences the vocals whatever
the guide level, ``solo`` plays the vocals alone at full level. The player
(:class:`~soundnet_app.engine.mixer.MixParams`), the stem export
(:mod:`~soundnet_app.engine.export`) and the singer's take
(:mod:`~soundnet_app.sing.take`) all mix through here.
"""

from __future__ import annotations

import numpy as np

ORIGINAL = "original"
KARAOKE = "karaoke"
MODES = (ORIGINAL, KARAOKE)


def karaoke_gains(vocal_level: float, instrumental_level: float = 1.0, *, solo: bool = False,
                  mute: bool = False) -> tuple[float, float]:
    """``(vocals, instrumental)`` gains of the karaoke version."""
    if solo:
        return (1.0, 0.0)
    return (0.0 if mute else float(vocal_level), float(instrumental_level))


def mix_gains(mode: str, vocal_level: float, instrumental_level: float = 1.0, *, solo: bool = False,
              mute: bool = False) -> tuple[float, float, float]:
    """``(mixture, vocals, instrumental)`` gains for what the user asked to hear (the original: the mixture)."""
    if mode != KARAOKE:
        return (1.0, 0.0, 0.0)
    vocals, instrumental = karaoke_gains(vocal_level, instrumental_level, solo=solo, mute=mute)
    return (0.0, vocals, instrumental)


def karaoke_mix(vocals: np.ndarray | None, instrumental: np.ndarray, vocal_level: float,
                instrumental_level: float = 1.0, out: np.ndarray | None = None, *, mute: bool = False) -> np.ndarray:
    """``instrumental_level * instrumental + vocal_level * vocals`` (no vocals when ``mute``).

    ``vocals`` and ``instrumental`` are ``(n, channels)`` (usually ``(n, 2)``);
    ``vocals`` may be ``None`` when there is no guide vocal (the level is then
    ignored). The result is ``(n, channels)`` float32, written into ``out`` if
    given. Not clipped.
    """
    vocal_gain, instrumental_gain = karaoke_gains(vocal_level, instrumental_level, mute=mute)
    out = np.multiply(instrumental, np.float32(instrumental_gain), out=out, dtype=np.float32)
    if vocal_gain and vocals is not None:
        out += np.float32(vocal_gain) * vocals
    return out
