"""Where the menus put things (#16, #17): File › Export › Stems / UltraStar Song / Karaoke Video."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from soundnet_app.ui.panels.export import ExportPanel
from soundnet_app.ui.panels.ultrastar import UltraStarPanel


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
