"""Dialogs, behind one injectable object.

:class:`MainWindow` asks every question through a :class:`Dialogs`
instance; tests pass their own object with the same methods (no modal
dialog ever blocks a test).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.audio.formats import OUTPUT_FORMATS, SUPPORTED_INPUT_SUFFIXES
from soundnet_app.separation.catalog import available_models, model_info
from soundnet_app.ui.paste_lyrics import PasteLyricsDialog
from soundnet_app.ui.ultrastar_dialog import UltraStarChoice, UltraStarDialog
from soundnet_app.ui.video_dialog import VideoChoice, VideoDialog


@dataclass
class ExportChoice:
    folder: Path
    format: str
    subtype: str | None = None  # bit depth, a key of the format's ``depths`` (WAV)
    bitrate_kbps: int | None = None  # constant bitrate, one of the format's ``bitrates`` (MP3); None: VBR


def audio_file_filter() -> str:
    patterns = " ".join(f"*{s}" for s in sorted(SUPPORTED_INPUT_SUFFIXES))
    return f"Songs ({patterns} *.txt);;Audio files ({patterns});;UltraStar songs (*.txt);;All files (*)"


def output_file_filter() -> str:
    """``"WAV (lossless) (*.wav);;FLAC ... (*.flac);;..."``: every format of the table, for a save dialog."""
    return ";;".join(f"{spec.label} (*{spec.extension})" for spec in OUTPUT_FORMATS.values())


class ExportDialog(QDialog):
    """Pick the folder and the format for an export, and the format's bit depth or bitrate
    where it offers one (``subtypes`` / ``bitrates``: the last choice per format)."""

    def __init__(self, parent: QWidget | None, folder: str, format: str, song: str, vocal_level: float,
                 subtypes: Mapping[str, str] | None = None, bitrates: Mapping[str, int | None] | None = None):
        super().__init__(parent)
        self._subtypes = dict(subtypes or {})
        self._bitrates = dict(bitrates or {})
        self.setWindowTitle("Export Stems")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Writes <b>vocals</b>, <b>instrumental</b> and <b>karaoke</b> files for “{song}”.<br>"
            f"The karaoke file is the instrumental with the guide vocal at {round(vocal_level * 100)} %."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setToolTip("The folder the stem files go to")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose the folder")
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        form.addRow("Folder:", row)
        self.format_combo = QComboBox()
        self.format_combo.setToolTip("The audio format of the stem files")
        for name, spec in OUTPUT_FORMATS.items():
            self.format_combo.addItem(spec.label, name)
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(format)))
        form.addRow("&Format:", self.format_combo)
        # One depth row and one bitrate row, filled with the chosen format's options.
        self.depth_combo = QComboBox()
        form.addRow("&depth:", self.depth_combo)
        self.bitrate_combo = QComboBox()
        form.addRow("&bitrate:", self.bitrate_combo)
        self.form = form
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.depth_combo.activated.connect(self._option_chosen)
        self.bitrate_combo.activated.connect(self._option_chosen)
        self._format_changed()
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _format_changed(self) -> None:
        spec = OUTPUT_FORMATS[self.format_combo.currentData()]
        name = spec.name.upper()
        self.depth_combo.clear()
        for key, label in spec.depths.items():
            self.depth_combo.addItem(label, key)
        self.depth_combo.setCurrentIndex(max(0, self.depth_combo.findData(self._subtypes.get(spec.name))))
        self.depth_combo.setToolTip(f"Bits per sample of the {name} files"
                                    + (" (32-bit float keeps levels above full scale)" if "FLOAT" in spec.depths else ""))
        self.form.labelForField(self.depth_combo).setText(f"{name} &depth:")
        self.form.setRowVisible(self.depth_combo, bool(spec.depths))
        self.bitrate_combo.clear()
        for kbps in spec.bitrates:
            self.bitrate_combo.addItem(spec.vbr_label if kbps is None else f"{kbps} kbps", kbps)
        self.bitrate_combo.setCurrentIndex(max(0, self.bitrate_combo.findData(self._bitrates.get(spec.name))))
        self.bitrate_combo.setToolTip(f"{name} bitrate: variable (smaller) or a constant rate")
        self.form.labelForField(self.bitrate_combo).setText(f"{name} &bitrate:")
        self.form.setRowVisible(self.bitrate_combo, bool(spec.bitrates))

    def _option_chosen(self) -> None:
        """Remember the depth / bitrate per format while the dialog is open."""
        spec = OUTPUT_FORMATS[self.format_combo.currentData()]
        if spec.depths:
            self._subtypes[spec.name] = self.depth_combo.currentData()
        if spec.bitrates:
            self._bitrates[spec.name] = self.bitrate_combo.currentData()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to Folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def choice(self) -> ExportChoice:
        spec = OUTPUT_FORMATS[self.format_combo.currentData()]
        return ExportChoice(Path(self.folder_edit.text()).expanduser(), spec.name,
                            self.depth_combo.currentData() if spec.depths else None,
                            self.bitrate_combo.currentData() if spec.bitrates else None)


def format_bytes(n: int) -> str:
    """``"0 bytes"``, ``"12.3 MB"``, ``"1.5 GB"``."""
    if n < 1000:
        return f"{n} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        n /= 1000
        if n < 1000 or unit == "TB":
            return f"{n:.1f} {unit}"
    return f"{n:.1f} TB"


def screen_choices() -> list[tuple[str, str]]:
    """``(name, label)`` of the stage screens to choose from: automatic (``""``), then each screen."""
    return [("", "Automatic (a second screen when there is one)")] + [  # an unnamed screen cannot be chosen
        (s.name(), f"{s.name()} ({s.geometry().width()}×{s.geometry().height()})") for s in QGuiApplication.screens()
        if s.name()]


class SettingsDialog(QDialog):
    """The separation model, the separated songs kept (the stem cache, a button forgets them), the stage screen.

    Args:
        model_path: the model in use (listed even if it is not a bundled one).
        cache: the app's :class:`~soundnet_app.separation.cache.StemCache` or ``None``.
    """

    def __init__(self, parent: QWidget | None, model_path: Path, cache=None, app_settings=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(460)
        self.cache = cache
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.model_combo = QComboBox()
        self.model_combo.setToolTip("How the voice is taken out of the music; a change separates the song again")
        models = available_models()
        if not any(m.path.resolve() == Path(model_path).resolve() for m in models) and Path(model_path).is_file():
            models.append(model_info(model_path))
        for m in models:
            self.model_combo.addItem(m.name, str(m.path))
            self.model_combo.setItemData(self.model_combo.count() - 1, m.summary or m.name,
                                         Qt.ItemDataRole.ToolTipRole)
        for i in range(self.model_combo.count()):
            if Path(self.model_combo.itemData(i)).resolve() == Path(model_path).resolve():
                self.model_combo.setCurrentIndex(i)
        form.addRow("Voice &separation:", self.model_combo)
        self.model_description = QLabel()
        self.model_description.setWordWrap(True)
        self.model_description.setObjectName("dim")
        form.addRow("", self.model_description)
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self._model_changed()
        row = QHBoxLayout()
        self.cache_label = QLabel()
        self.clear_button = QPushButton("&Forget Them")
        self.clear_button.setToolTip("Free the disk space; songs are separated again when you next open them")
        self.clear_button.clicked.connect(self.clear_cache)
        row.addWidget(self.cache_label, 1)
        row.addWidget(self.clear_button)
        form.addRow("Separated songs kept:", row)
        self.app_settings = app_settings
        self.stage_combo = QComboBox()  # the screen the stage view (View › Stage View, F11) opens on
        self.stage_combo.setToolTip("Where View › Stage View (F11) shows the lyrics for the room")
        for name, label in screen_choices():
            self.stage_combo.addItem(label, name)
        chosen = self.stage_combo.findData(app_settings.stage_screen if app_settings is not None else "")
        self.stage_combo.setCurrentIndex(max(0, chosen))
        self.stage_combo.setEnabled(app_settings is not None)
        form.addRow("S&tage screen:", self.stage_combo)
        self.accepted.connect(self._save_stage_screen)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.update_cache_size()

    def _model_changed(self) -> None:
        path = self.model_combo.currentData()
        if path:
            info = model_info(path)
            self.model_description.setText(" ".join(t for t in (info.summary, info.credit) if t))

    def update_cache_size(self) -> None:
        cache = self.cache
        if cache is None or not cache.enabled:
            self.cache_label.setText("none (keeping them is off)")
            self.clear_button.setEnabled(False)
            return
        size = cache.size_bytes()
        count = cache.song_count()  # stems and pitch guides
        self.cache_label.setText(f"{format_bytes(size)} in {count} song{'s' if count != 1 else ''}")
        self.cache_label.setToolTip("Kept so that they open at once next time")
        self.clear_button.setEnabled(count > 0)

    def clear_cache(self) -> None:
        """Ask first: the stems took minutes to separate."""
        if self.cache is None:
            return
        answer = QMessageBox.question(
            self, "Forget the Separated Songs",
            f"Delete the separated voices and melodies kept, {self.cache_label.text()}?\n\n"
            "Songs are separated again when they are opened.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.cache.clear()
        self.update_cache_size()

    def _save_stage_screen(self) -> None:
        if self.app_settings is not None:
            self.app_settings.stage_screen = self.stage_combo.currentData() or ""

    def chosen_model(self) -> Path:
        return Path(self.model_combo.currentData())


class Dialogs:
    """The real dialogs. Replace with an object with the same methods in tests."""

    def open_file(self, parent: QWidget, folder: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open a Song", folder, audio_file_filter())
        return path or None

    def open_songs(self, parent: QWidget, folder: str) -> list[str]:
        """Several songs at once (Add to Queue…), in the order the dialog gives them; ``[]``: cancelled."""
        paths, _ = QFileDialog.getOpenFileNames(parent, "Add Songs to the Queue", folder, audio_file_filter())
        return list(paths)

    def open_lyrics(self, parent: QWidget, folder: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Load Lyrics", folder, "Lyrics (*.lrc *.txt);;All files (*)")
        return path or None

    def paste_lyrics(self, parent: QWidget) -> str | None:
        """Plain lyrics typed or pasted by the user, a sung line per line (``None``: cancelled)."""
        dialog = PasteLyricsDialog(parent)
        return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def save_audio(self, parent: QWidget, title: str, suggested: Path) -> str | None:
        """Where to write an audio file, in any format of the table (the suffix chooses it)."""
        path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), output_file_filter())
        return path or None

    def export_options(self, parent: QWidget, folder: str, format: str, song: str, vocal_level: float,
                       subtypes: Mapping[str, str] | None = None,
                       bitrates: Mapping[str, int | None] | None = None) -> ExportChoice | None:
        dialog = ExportDialog(parent, folder, format, song, vocal_level, subtypes, bitrates)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ultrastar_options(self, parent: QWidget, folder: str, own_bpm: float | None = None) -> UltraStarChoice | None:
        """The folder and the BPM (typed, or ``None``: estimate / the song's own) of an UltraStar export."""
        dialog = UltraStarDialog(parent, folder, own_bpm)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def video_options(self, parent: QWidget, suggested: Path) -> VideoChoice | None:
        dialog = VideoDialog(parent, suggested)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def settings(self, parent: QWidget, model_path: Path, cache, app_settings=None) -> Path | None:
        """Show the settings; the chosen model's path, or ``None`` if cancelled (the cache may be cleared either way).

        With ``app_settings`` (the window's :class:`~soundnet_app.ui.settings.AppSettings`), OK also saves the
        stage screen chosen there.
        """
        dialog = SettingsDialog(parent, model_path, cache, app_settings)
        return dialog.chosen_model() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def resolve_conflict(self, parent: QWidget, paths: list[Path]) -> str | None:
        """``"overwrite"``, ``"rename"`` or ``None`` (cancel) for files that exist."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Files Already Exist")
        box.setText("Some of the stem files already exist.")
        box.setInformativeText("\n".join(p.name for p in paths))
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is replace:
            return "overwrite"
        if clicked is keep:
            return "rename"
        return None

    def information(self, parent: QWidget, title: str, text: str) -> None:
        """A rich-text message (About, keyboard shortcuts)."""
        box = QMessageBox(parent)
        box.setWindowTitle(title)
        box.setText(text)
        box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
        box.exec()

