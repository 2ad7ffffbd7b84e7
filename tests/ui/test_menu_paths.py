"""Where the menus put things (#16, #17): File › Export › Stems / UltraStar Song / Karaoke Video; View › Stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from soundnet_app.ui.panels.export import ExportPanel
from soundnet_app.ui.panels.ultrastar import UltraStarPanel

ROOT = Path(__file__).resolve().parents[2]


def menu_named(parent, title: str):
    """The (sub)menu of ``parent`` (the menu bar or a menu) titled ``title`` (without its mnemonic)."""
    for action in parent.actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    raise AssertionError(f"no menu {title!r} in {[a.text() for a in parent.actions()]}")


def test_the_exports_are_in_a_file_export_submenu_with_their_shortcut(qtbot, window):
    file_menu = menu_named(window.menuBar(), "File")
    export_menu = menu_named(file_menu, "Export")
    export, ultrastar = window.panel(ExportPanel), window.panel(UltraStarPanel)
    assert export_menu.actions() == [export.action, ultrastar.ultrastar_action, ultrastar.video_action]
    assert [a.text().replace("&", "") for a in export_menu.actions()] == [
        "Stems…", "UltraStar Song…", "Karaoke Video…"]
    # Not in File itself any more, and the submenu sits above Settings.
    file_actions = file_menu.actions()
    assert export.action not in file_actions and ultrastar.video_action not in file_actions
    assert file_actions.index(export_menu.menuAction()) < file_actions.index(window.settings_action)
    assert export.action.shortcut() == QKeySequence("Ctrl+E")
    assert export.action in window.actions()  # its shortcut works with the menus closed (or hidden)


def test_the_view_menu_holds_the_stage_and_f11_opens_it(qtbot, window):
    from soundnet_app.ui.panels.queue import QueuePanel

    panel = window.panel(QueuePanel)
    view = menu_named(window.menuBar(), "View")
    entries = [a.text().replace("&", "") for a in view.actions()]
    assert entries == ["Stage View", "Stage Screen", "Pitch Lane on Stage"], entries
    assert panel.actions["stage"].shortcut() == QKeySequence("F11")
    queue = menu_named(window.menuBar(), "Queue")
    assert not any("Stage" in a.text() for a in queue.actions())  # moved, not copied
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10000)
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(panel.stage.isVisible, timeout=10000)
    assert panel.actions["stage"].isChecked()
    QTest.keyClick(panel.stage, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not panel.stage.isVisible(), timeout=10000)


# Two named screens (the offscreen platform's config), in a process of its own: the stage screen chosen by
# keyboard in the real Settings dialog is where Stage View opens, and View › Stage Screen shows the same choice.
TWO_SCREENS_SCRIPT = r"""
import json, sys
from pathlib import Path
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from soundnet_app.ui.dialogs import Dialogs, SettingsDialog
from soundnet_app.ui.main_window import MainWindow
from soundnet_app.ui.panels.queue import QueuePanel
from soundnet_app.ui.settings import AppSettings

app = QApplication([])
settings = AppSettings(Path(sys.argv[1]))
window = MainWindow(settings=settings, dialogs=Dialogs(), cache=None, warm_up=False, audio=False)
window.resize(900, 600)
window.show()
seen = {}

def choose_in_settings():
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, SettingsDialog) or not dialog.isActiveWindow():
        QTimer.singleShot(20, choose_in_settings)
        return
    seen["choices"] = [dialog.stage_combo.itemText(i) for i in range(dialog.stage_combo.count())]
    QTest.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # S&tage screen
    seen["focused"] = QApplication.focusWidget() is dialog.stage_combo
    QTest.keyClick(dialog.stage_combo, Qt.Key.Key_Down)  # "Desk": not the one Automatic would take
    QTest.keyClick(dialog.stage_combo, Qt.Key.Key_Return)
    if dialog.isVisible():
        dialog.accept()
        seen["enter_did_not_accept"] = True

QTimer.singleShot(0, choose_in_settings)
window.settings_action.trigger()
panel = window.panel(QueuePanel)
panel.screen_menu.aboutToShow.emit()
checked = [a.text() for a in panel.screen_menu.actions() if a.isChecked()]
panel.actions["stage"].trigger()
for _ in range(200):
    app.processEvents()
    if panel.stage.isVisible():
        break
seen.update(saved=settings.stage_screen, stage_screen=panel.stage.screen().name(),
            stage_x=panel.stage.geometry().x(), menu_checked=checked)
window.shutdown()
print(json.dumps(seen))
"""


@pytest.mark.slow
def test_settings_chooses_the_stage_screen_that_f11_opens_on(tmp_path):
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"screens": [
        {"name": "Desk", "x": 0, "y": 0, "width": 1280, "height": 800},
        {"name": "TV", "x": 1280, "y": 0, "width": 1920, "height": 1080}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", TWO_SCREENS_SCRIPT, str(tmp_path / "settings.ini")],
                         capture_output=True, text=True, env=env, timeout=300, check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["choices"] == ["Automatic (a second screen when there is one)", "Desk (1280×800)",
                               "TV (1920×1080)"], seen
    assert seen["focused"] and "enter_did_not_accept" not in seen, seen
    assert seen["saved"] == "Desk" and seen["menu_checked"] == ["Desk (1280×800)"], seen
    assert seen["stage_screen"] == "Desk" and seen["stage_x"] == 0, seen  # Automatic would take the TV
