"""The separation models that ship in ``models/`` and how each one is meant to be run.

Each model is a ``.keras`` file with an optional sidecar ``<name>.json``
holding its display name, a one-line description, where its weights come from
and the separation settings that scored best with it on the validation split
(for example ``{"mask_power": 2.0}``). Nothing here imports TensorFlow, so the
app can list models and compute a model's version (the stem cache's key)
before the network has loaded.

``$SOUNDNET_MODEL`` overrides the default model.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path

from soundnet_app.jsonfile import read_json_file
from soundnet_app.paths import models_dir as packaged_models_dir
from soundnet_app.separation.cache import file_hash
from soundnet_app.separation.filtering import DEFAULT_MASK_POWER
from soundnet_app.separation.runtime import choose_precision

DEFAULT_MODEL_NAME = "spleeter-2stems.keras"


def models_dir() -> Path:
    """The folder holding the bundled models and their cards."""
    return packaged_models_dir()


@dataclass(frozen=True)
class SeparationSettings:
    """Everything besides the weights that changes the separated stems.

    Attributes:
        chunk_frames: STFT frames per chunk (a multiple of 64; 768 is ~17.8 s).
        overlap_seconds: overlap of neighbouring chunks; each keeps its outer quarter
            of it out of the result and the middle half cross-fades (:func:`~.separator.seam_fade`).
        swap_channels: also separate the channel-swapped chunk and average.
        wiener_iterations: 0 for a per-channel soft mask, else EM iterations of
            the multichannel Wiener filter.
        extend_high_band: give the bins above 11 kHz the vocals' mean mask of
            5.5-11 kHz instead of leaving them all to the instrumental.
        mask_power: exponent ``p`` of the soft mask ``V^p / (V^p + A^p)``.
    """

    chunk_frames: int = 768  # 17.8 s: with 4 s of overlap, 1.17x the work of 10.4 s chunks overlapping by 1 s
    overlap_seconds: float = 4.0  # a chunk's edge frames (~2 s) hear less context and flip held notes
    swap_channels: bool = False
    wiener_iterations: int = 0
    extend_high_band: bool = False
    mask_power: float = DEFAULT_MASK_POWER

    def replace(self, **overrides) -> "SeparationSettings":
        """A copy with the non-``None`` ``overrides`` applied."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        unknown = set(overrides) - set(values)
        if unknown:
            raise TypeError(f"unknown separation settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return SeparationSettings(**values)

    def describe(self) -> str:
        return ":".join(f"{getattr(self, f.name)}" for f in fields(self))


@dataclass(frozen=True)
class ModelInfo:
    """One separation model: its file, what to call it, how to run it."""

    path: Path
    name: str
    description: str = ""
    source: str = ""
    settings: SeparationSettings = field(default_factory=SeparationSettings)
    problems: tuple[str, ...] = ()  # what of a damaged sidecar was ignored, for the user
    summary: str = ""  # for the user: what it is good at, in plain words (no scores, no files)
    credit: str = ""  # for the user: whose work it is, and its licence

    @property
    def version(self) -> str:
        """The cache key part for this model run with its own settings."""
        return model_version(self.path, self.settings)


# What a sidecar may set, and in which range (a hand-made sidecar with wiener_iterations: 1e6 hung the CLI).
SIDECAR_RANGES: dict[str, tuple[type, float, float]] = {
    "chunk_frames": (int, 64, 2048),  # a multiple of 64 too
    "overlap_seconds": (float, 0.05, 5.0),
    "swap_channels": (bool, 0, 1),
    "wiener_iterations": (int, 0, 10),
    "extend_high_band": (bool, 0, 1),
    "mask_power": (float, 0.25, 8.0),
}


def sidecar_settings(raw: object) -> tuple[SeparationSettings, list[str]]:
    """The separation settings a sidecar's ``"settings"`` asks for, each checked against
    :data:`SIDECAR_RANGES`: ``(settings, problems)``; a value out of range or of the wrong
    type is left at its default and named in ``problems``."""
    if not isinstance(raw, dict):
        return SeparationSettings(), ([] if raw is None else ["its settings are not a table"])
    values, problems = {}, []
    for name, value in raw.items():
        if name not in SIDECAR_RANGES:
            problems.append(f"unknown setting {name!r}")
            continue
        kind, lo, hi = SIDECAR_RANGES[name]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = (isinstance(value, bool) if kind is bool
              else number and float(value).is_integer() if kind is int
              else number)
        if ok and kind is not bool:
            ok = lo <= value <= hi and (name != "chunk_frames" or int(value) % 64 == 0)  # nan fails too
        if not ok:
            problems.append(f"{name} = {value!r} is not allowed ({lo} to {hi})" if kind is not bool
                            else f"{name} = {value!r} is not true or false")
            continue
        values[name] = kind(value)
    return SeparationSettings(**values), problems


def model_info(path: str | Path) -> ModelInfo:
    """Read a model's sidecar ``.json`` (defaults where there is none, or it or a value in it is damaged;
    ``problems`` then says what was ignored). The sidecar is left where it is."""
    path = Path(path)
    read = read_json_file(path.with_suffix(".json"), {}, what="the model's settings file", set_aside=False)
    meta = read.value
    settings, problems = sidecar_settings(meta.get("settings"))
    if read.message:
        problems.insert(0, read.message)
    return ModelInfo(
        path=path,
        name=str(meta.get("name", path.stem)),
        description=str(meta.get("description", "")),
        source=str(meta.get("source", "")),
        settings=settings,
        problems=tuple(problems),
        summary=str(meta.get("summary", "")),
        credit=str(meta.get("credit", "")),
    )


def available_models() -> list[ModelInfo]:
    """Every bundled model, the default first."""
    folder = models_dir()
    paths = sorted(folder.glob("*.keras")) if folder.is_dir() else []
    paths.sort(key=lambda p: p.name != DEFAULT_MODEL_NAME)
    return [model_info(p) for p in paths]


def default_model_path() -> Path:
    """``$SOUNDNET_MODEL``, else the bundled default model."""
    env = os.environ.get("SOUNDNET_MODEL")
    if env:
        return Path(env)
    preferred = models_dir() / DEFAULT_MODEL_NAME
    if preferred.is_file():
        return preferred
    models = available_models()
    return models[0].path if models else preferred


def model_version(path: str | Path, settings: SeparationSettings | None = None, precision: str | None = None) -> str:
    """A short id of the model file's content, the separation settings and the precision.

    The stem cache keys on it, so a new model or setting never serves stale
    stems, and bfloat16 stems are never served for float32 ones or back
    (``precision``: ``None`` for the one :func:`.runtime.choose_precision`
    picks; float32 adds nothing, so float32 keys stay as they were). Computing
    it reads the file but does not load the network.
    """
    if settings is None:
        settings = model_info(path).settings
    if precision is None:
        precision = choose_precision()
    text = f"{file_hash(path)}:{settings.describe()}" + ("" if precision == "float32" else f":{precision}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_versions: dict[tuple, str] = {}  # (resolved path, size, mtime_ns, mask power, precision) -> version
_versions_lock = threading.Lock()


def model_version_of(path: str | Path, mask_power: float | None = None) -> str:
    """:func:`model_version` of a model file, remembered per file state (path, size, mtime).

    ``mask_power`` overrides the model's soft-mask exponent (the vocal removal strength), as the separator's does.

    No TensorFlow: the stem cache can be looked up before the model loads.
    ``""`` when the file cannot be read.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return ""
    try:
        precision = choose_precision()
    except ValueError:  # a misspelt $SOUNDNET_PRECISION: loading the model reports it
        return ""
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, mask_power, precision)
    with _versions_lock:
        if key in _versions:
            return _versions[key]
    try:
        version = model_version(path, model_info(path).settings.replace(mask_power=mask_power), precision)
    except OSError:
        return ""
    with _versions_lock:
        _versions[key] = version
    return version
