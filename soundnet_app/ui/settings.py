"""What the app remembers between runs, over :class:`QSettings`.

Window geometry, the last folders, the export options, the levels, the
separation model and the recent files. Tests (and ``$SOUNDNET_SETTINGS``) point it at an INI file so
nothing touches the user's real settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from soundnet_app.audio.formats import OUTPUT_FORMATS
from soundnet_app.paths import APP_AUTHOR, APP_NAME
from soundnet_app.separation.catalog import default_model_path
from soundnet_app.separation.removal import STANDARD, valid_step

MAX_RECENT = 10


def _as_float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class AppSettings:
    """Typed access to the app's settings.

    Args:
        path: an INI file to use instead of the platform's settings store
            (default: ``$SOUNDNET_SETTINGS`` if set).
        qsettings: an existing :class:`QSettings` (wins over ``path``).
    """

    def __init__(self, path: str | Path | None = None, qsettings: QSettings | None = None):
        if qsettings is None:
            path = path or os.environ.get("SOUNDNET_SETTINGS")
            if path:
                qsettings = QSettings(str(path), QSettings.Format.IniFormat)
            else:
                qsettings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_AUTHOR, APP_NAME)
        self.q = qsettings

    # -- window --------------------------------------------------------------

    @property
    def geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.q.setValue("window/geometry", value)

    # -- folders and formats -------------------------------------------------

    @property
    def last_folder(self) -> str:
        folder = str(self.q.value("files/last_folder", "") or "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    @last_folder.setter
    def last_folder(self, value: str | Path) -> None:
        self.q.setValue("files/last_folder", str(value))

    @property
    def export_folder(self) -> str:
        folder = str(self.q.value("export/folder", "") or "")
        return folder if folder and Path(folder).is_dir() else self.last_folder

    @export_folder.setter
    def export_folder(self, value: str | Path) -> None:
        self.q.setValue("export/folder", str(value))

    @property
    def export_format(self) -> str:
        fmt = str(self.q.value("export/format", "wav") or "wav").lower()
        return fmt if fmt in OUTPUT_FORMATS else "wav"

    @export_format.setter
    def export_format(self, value: str) -> None:
        self.q.setValue("export/format", str(value).lower())

    # The bit depth and bitrate last chosen, per format that offers a choice (the keys are
    # "export/wav_subtype" and "export/mp3_bitrate" for WAV and MP3).

    def export_subtypes(self) -> dict[str, str]:
        """``{format: subtype}``: the bit depth last chosen, for each format that offers depths."""
        out = {}
        for name, spec in OUTPUT_FORMATS.items():
            if spec.depths:
                default = spec.subtypes[0]
                value = str(self.q.value(f"export/{name}_subtype", default) or default).upper()
                out[name] = value if value in spec.depths else default
        return out

    def export_bitrates(self) -> dict[str, int | None]:
        """``{format: kbps}``: the constant bitrate last chosen (``None``: VBR), for each format that offers them."""
        out = {}
        for name, spec in OUTPUT_FORMATS.items():
            if spec.bitrates:
                try:
                    value = int(self.q.value(f"export/{name}_bitrate", 0) or 0)
                except (TypeError, ValueError):
                    value = None
                out[name] = value if value in spec.bitrates else spec.default_bitrate
        return out

    def remember_export_options(self, format: str, subtype: str | None, bitrate_kbps: int | None) -> None:
        """Store what an export used, for the options its format offers."""
        spec = OUTPUT_FORMATS[format]
        if subtype and spec.depths:
            self.q.setValue(f"export/{spec.name}_subtype", str(subtype).upper())
        if spec.bitrates:
            self.q.setValue(f"export/{spec.name}_bitrate", int(bitrate_kbps or 0))

    # -- model ---------------------------------------------------------------

    @property
    def model_path(self) -> Path:
        """The chosen separation model; the default model when none (or a missing file) is stored."""
        value = str(self.q.value("model/path", "") or "")
        return Path(value) if value and Path(value).is_file() else default_model_path()

    @model_path.setter
    def model_path(self, value: str | Path) -> None:
        self.q.setValue("model/path", str(value))

    @property
    def stage_screen(self) -> str:
        """The screen the stage view opens on, by name ("": automatic, a second screen when there is one)."""
        return str(self.q.value("stage/screen", "") or "")

    @stage_screen.setter
    def stage_screen(self, name: str) -> None:
        self.q.setValue("stage/screen", str(name or ""))

    @property
    def removal_step(self) -> str:
        """The vocal removal strength (:mod:`~soundnet_app.separation.removal`); "standard" when unset or unknown."""
        return valid_step(self.q.value("separation/removal", STANDARD))

    @removal_step.setter
    def removal_step(self, value: str) -> None:
        self.q.setValue("separation/removal", valid_step(value))

    @property
    def runtime(self) -> str:
        """What runs the network: ``auto``, ``openvino`` or ``tensorflow`` (``$SOUNDNET_RUNTIME`` overrides)."""
        return str(self.q.value("model/runtime", "auto") or "auto")

    @property
    def precision(self) -> str:
        """``auto`` (bfloat16 where the CPU has it), ``float32`` or ``bfloat16`` (``$SOUNDNET_PRECISION`` overrides)."""
        return str(self.q.value("model/precision", "auto") or "auto")

    # -- levels --------------------------------------------------------------

    def _level(self, key: str, default: float) -> float:
        """A 0..1 mix level stored under ``key`` (clamped: the file may be hand-edited)."""
        return min(1.0, max(0.0, _as_float(self.q.value(key, default), default)))

    @property
    def vocal_level(self) -> float:
        return self._level("mix/vocal_level", 0.0)

    @vocal_level.setter
    def vocal_level(self, value: float) -> None:
        self.q.setValue("mix/vocal_level", float(value))

    @property
    def instrumental_level(self) -> float:
        return self._level("mix/instrumental_level", 1.0)

    @instrumental_level.setter
    def instrumental_level(self, value: float) -> None:
        self.q.setValue("mix/instrumental_level", float(value))

    # -- recent files --------------------------------------------------------

    @property
    def recent_files(self) -> list[str]:
        value = self.q.value("files/recent", [])
        if isinstance(value, str):  # INI files return a one-item list as a string
            value = [value] if value else []
        return [str(v) for v in (value or [])][:MAX_RECENT]

    def add_recent(self, path: str | Path) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files if p != path]
        self.q.setValue("files/recent", files[:MAX_RECENT])
        return files[:MAX_RECENT]

    def remove_recent(self, path: str | Path) -> None:
        path = str(path)
        self.q.setValue("files/recent", [p for p in self.recent_files if p != path])

    def clear_recent(self) -> None:
        self.q.setValue("files/recent", [])

    def sync(self) -> None:
        self.q.sync()
