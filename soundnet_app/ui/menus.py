"""The main window's own actions (with their shortcuts), its menus, Open Recent and the shortcuts list.

Every action is added to the window itself, so its shortcut works with the
menu bar hidden too. :func:`build_actions` sets them as attributes of the
window (``window.play_action``...). Panels add theirs through the window's
``add_action(..., menu=...)``: into File before Settings, at the end of
Playback, into a menu of their own placed before Help, or into a submenu
(``add_menu(name, title, parent="file")``: File › Export).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from soundnet_app.ui.recent import recent_labels

if TYPE_CHECKING:
    from soundnet_app.ui.settings import AppSettings

def build_actions(w) -> None:
    """Create the window's own actions: ``w.open_action``, ``w.cancel_action``... (the transport makes its own)."""
    K = QKeySequence.StandardKey
    a = w.add_action
    w.open_action = a("&Open…", w.open_dialog, K.Open, "Open a song")
    w.quit_action = a("&Quit", w.close, K.Quit, "Quit SoundNet Karaoke")
    w.cancel_action = a("&Cancel Separation", w.cancel_task, Qt.Key.Key_Escape, "Stop separating this song")
    # Ctrl+, where the platform has no settings key (most Linux desktops).
    w.settings_action = a("&Settings…", w.show_settings, K.Preferences if QKeySequence.keyBindings(K.Preferences)
                          else "Ctrl+,", "Separation model and stem cache")
    w.shortcuts_action = a("&Keyboard Shortcuts", w.show_shortcuts, K.HelpContents, "List the keyboard shortcuts")
    w.about_action = a("&About SoundNet Karaoke", w.show_about, tip="About this app")


def _fill(menu: QMenu, actions) -> None:
    for action in actions:
        menu.addSeparator() if action is None else menu.addAction(action)


def build_menus(w, bar: QMenuBar) -> dict[str, tuple[QMenu, QAction | None]]:
    """File (with Open Recent), Playback and Help: ``{name: (menu, where panels insert theirs)}``."""
    file_menu = bar.addMenu("&File")
    file_menu.addAction(w.open_action)
    w.recent_menu = file_menu.addMenu("Open &Recent")
    w.recent_menu.setToolTipsVisible(True)
    w.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(w.recent_menu, w.settings, w.open_path))
    fill_recent_menu(w.recent_menu, w.settings, w.open_path)
    file_menu.addSeparator()
    file_anchor = file_menu.addSeparator()  # panels' file actions (Export...) go above this line
    _fill(file_menu, (w.settings_action, None, w.quit_action))
    play_menu = bar.addMenu("&Playback")
    _fill(play_menu, (*w.transport.menu_actions, None, w.cancel_action))
    help_menu = bar.addMenu("&Help")
    _fill(help_menu, (w.shortcuts_action, w.about_action))
    return {"file": (file_menu, file_anchor), "playback": (play_menu, None), "help": (help_menu, None)}


def add_menu(w, known: dict, name: str, title: str, parent: str | None = None) -> QMenu:
    """A panel's menu ``name``: before Help, or a submenu of menu ``parent`` (where its panels' actions go).

    Asking again for a name already made gives that menu back, so several panels can share a submenu
    (File › Export).
    """
    if name in known:
        return known[name][0]
    menu = QMenu(title, w)
    if parent is None:
        w.menuBar().insertMenu(known["help"][0].menuAction(), menu)  # Help stays last
    else:
        target, anchor = known[parent]
        target.insertMenu(anchor, menu) if anchor is not None else target.addMenu(menu)
    known[name] = (menu, None)
    return menu


def fill_recent_menu(menu: QMenu, settings: AppSettings, open_path) -> None:
    """Open Recent: numbered entries, told apart by their folders where names repeat."""
    menu.clear()
    recent = settings.recent_files
    for i, (path, label) in enumerate(zip(recent, recent_labels(recent)), 1):
        action = menu.addAction(f"&{i % 10}  {label}" if i <= 10 else label)
        action.setToolTip(path)
        action.setStatusTip(path)
        action.triggered.connect(lambda checked=False, p=path: open_path(p))
    if recent:
        menu.addSeparator()
        menu.addAction("Clear Menu", settings.clear_recent)
    else:
        menu.addAction("No recent songs").setEnabled(False)


SKIPPED_IN_LIST = ("quit", "keyboard shortcuts")  # obvious, or the list itself


def _menu_rows(menu: QMenu, prefix: str, rows: list) -> None:
    """The shortcut rows of ``menu`` and its submenus (a submenu's entries named after it: "Export Stems")."""
    for action in menu.actions():
        text = action.text().replace("&", "").rstrip("…")
        if action.menu() is not None:
            _menu_rows(action.menu(), f"{prefix}{text} ", rows)
            continue
        keys = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
                           if not s.isEmpty())
        if keys and text.lower() not in SKIPPED_IN_LIST:
            rows.append((keys, prefix + text))


def shortcut_rows(bar: QMenuBar) -> list[tuple[str, str]]:
    """``(keys, what they do)`` of every menu action with a shortcut, in menu order, for the shortcuts list."""
    rows: list[tuple[str, str]] = []
    for menu_action in bar.actions():
        if menu_action.menu() is not None:
            _menu_rows(menu_action.menu(), "", rows)
    rows.append(("Tab / Shift+Tab", ("Move between the buttons and sliders; Enter presses a button, "
                                     "↑ / ↓ move a slider (the keys above work whatever is focused)")))
    return rows
