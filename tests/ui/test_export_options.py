"""The export dialog and the export settings read the one table of output formats."""

from __future__ import annotations

from soundnet_app.audio.formats import OUTPUT_FORMATS
from soundnet_app.ui.dialogs import ExportDialog


def test_dialog_offers_every_format_with_its_own_options(qtbot, tmp_path):
    dialog = ExportDialog(None, str(tmp_path), "mp3", "Song", 0.3,
                          subtypes={"wav": "PCM_24"}, bitrates={"mp3": 256})
    qtbot.addWidget(dialog)
    combo = dialog.format_combo
    assert [combo.itemData(i) for i in range(combo.count())] == list(OUTPUT_FORMATS)
    assert [combo.itemText(i) for i in range(combo.count())] == [f.label for f in OUTPUT_FORMATS.values()]
    assert combo.currentData() == "mp3" and dialog.bitrate_combo.currentData() == 256
    for name, spec in OUTPUT_FORMATS.items():
        combo.setCurrentIndex(combo.findData(name))
        assert dialog.form.isRowVisible(dialog.depth_combo) == bool(spec.depths)
        assert dialog.form.isRowVisible(dialog.bitrate_combo) == bool(spec.bitrates)
        choice = dialog.choice()
        assert choice.format == name and choice.folder == tmp_path
        assert choice.subtype == ("PCM_24" if name == "wav" else None)
        assert choice.bitrate_kbps == (256 if name == "mp3" else None)
    combo.setCurrentIndex(combo.findData("wav"))
    assert dialog.form.labelForField(dialog.depth_combo).text() == "WAV &depth:"
    assert [dialog.depth_combo.itemText(i) for i in range(3)] == ["16-bit", "24-bit", "32-bit float"]


def test_dialog_remembers_a_choice_per_format_while_open(qtbot, tmp_path):
    dialog = ExportDialog(None, str(tmp_path), "wav", "Song", 0.0)
    qtbot.addWidget(dialog)
    assert dialog.choice().subtype == "PCM_16"  # the format's default
    dialog.depth_combo.setCurrentIndex(dialog.depth_combo.findData("FLOAT"))
    dialog.depth_combo.activated.emit(dialog.depth_combo.currentIndex())  # as a click does
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("opus"))
    assert dialog.choice().subtype is None
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("wav"))
    assert dialog.choice().subtype == "FLOAT"


def test_unknown_format_falls_back_to_the_first(qtbot, tmp_path):
    dialog = ExportDialog(None, str(tmp_path), "aiff", "Song", 0.0)
    qtbot.addWidget(dialog)
    assert dialog.choice().format == next(iter(OUTPUT_FORMATS))


def test_settings_remember_options_per_format(settings):
    assert settings.export_format == "wav"
    assert settings.export_subtypes() == {"wav": "PCM_16"} and settings.export_bitrates() == {"mp3": None}
    settings.export_format = "OPUS"
    assert settings.export_format == "opus"
    settings.remember_export_options("wav", "PCM_24", None)
    settings.remember_export_options("mp3", None, 320)
    settings.remember_export_options("opus", "PCM_24", 128)  # no depth or bitrate to remember
    assert settings.export_subtypes() == {"wav": "PCM_24"} and settings.export_bitrates() == {"mp3": 320}
    # The keys are the ones older versions wrote; unknown values fall back to the defaults.
    assert settings.q.value("export/wav_subtype") == "PCM_24" and int(settings.q.value("export/mp3_bitrate")) == 320
    settings.q.setValue("export/wav_subtype", "PCM_8")
    settings.q.setValue("export/mp3_bitrate", 100)
    settings.q.setValue("export/format", "aiff")
    assert settings.export_subtypes() == {"wav": "PCM_16"} and settings.export_bitrates() == {"mp3": None}
    assert settings.export_format == "wav"
    settings.remember_export_options("mp3", None, None)  # VBR again
    assert settings.export_bitrates() == {"mp3": None}
