"""The main window's actions (with their shortcuts), its menus, Open Recent and the shortcuts list.

Every action is added to the window itself, so its shortcut works with the
menu bar hidden too. :func:`build_actions` sets them as attributes of the
window (``window.play_action``...), which wires their slots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from soundnet_app.ui.recent import recent_labels
from soundnet_app.ui.widgets import shortcut_text

if TYPE_CHECKING:
    from soundnet_app.ui.main_window import MainWindow

SEEK_STEP_S = 5.0


def build_actions(w: MainWindow) -> None:
    """Create the window's actions: ``w.open_action``, ``w.play_action``... (see the Playback menu)."""
    K = QKeySequence.StandardKey
    a = w._action
    w.open_action = a("&Open…", w.open_dialog, K.Open, "Open a song")
    w.export_action = a("&Export Stems…", w.export_dialog, "Ctrl+E", "Write vocals, instrumental and karaoke files")
    w.quit_action = a("&Quit", w.close, K.Quit, "Quit SoundNet Karaoke")
    w.play_action = a("&Play / Pause", w.toggle_play, Qt.Key.Key_Space, "Play or pause")
    w.ab_action = a("Original / &Karaoke", w.toggle_ab, Qt.Key.Key_A,
                    "Switch between the original song and the karaoke version")
    w.solo_action = a("&Solo Vocals", w.set_solo, Qt.Key.Key_S, "Hear only the vocals", checkable=True)
    w.mute_action = a("&Mute Vocals", w.set_mute, Qt.Key.Key_M, "Silence the guide vocal", checkable=True)
    w.back_action = a("&Back 5 s", lambda: w.seek_relative(-SEEK_STEP_S), Qt.Key.Key_Left, "Jump back five seconds")
    w.forward_action = a("&Forward 5 s", lambda: w.seek_relative(SEEK_STEP_S), Qt.Key.Key_Right,
                         "Jump forward five seconds")
    w.start_action = a("Go to &Start", lambda: w.seek_seconds(0.0), Qt.Key.Key_Home, "Jump to the beginning")
    w.cancel_action = a("&Cancel Separation", w.cancel_separation, Qt.Key.Key_Escape, "Stop separating this song")
    w.guide_up_action = a("Guide Vocal &Louder", lambda: w._step_level(w.vocal_slider, 1), Qt.Key.Key_Up,
                          "Raise the guide vocal by 10 %")
    w.guide_down_action = a("Guide Vocal &Softer", lambda: w._step_level(w.vocal_slider, -1), Qt.Key.Key_Down,
                            "Lower the guide vocal by 10 %")
    w.inst_up_action = a("&Instrumental Louder", lambda: w._step_level(w.inst_slider, 1), "Shift+Up",
                         "Raise the instrumental by 10 %")
    w.inst_down_action = a("I&nstrumental Softer", lambda: w._step_level(w.inst_slider, -1), "Shift+Down",
                           "Lower the instrumental by 10 %")
    w.settings_action = a("&Settings…", w.show_settings, K.Preferences, "Separation model and stem cache")
    w.shortcuts_action = a("&Keyboard Shortcuts", w.show_shortcuts, K.HelpContents, "List the keyboard shortcuts")
    w.about_action = a("&About SoundNet Karaoke", w.show_about, tip="About this app")


def build_menus(w: MainWindow) -> None:
    """File (with Open Recent), Playback and Help; others (Sing) insert theirs before Help."""
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(w.open_action)
    w.recent_menu = file_menu.addMenu("Open &Recent")
    w.recent_menu.setToolTipsVisible(True)
    w.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(w))
    fill_recent_menu(w)
    for action in (None, w.export_action, None, w.settings_action, None, w.quit_action):
        file_menu.addSeparator() if action is None else file_menu.addAction(action)
    play_menu = bar.addMenu("&Playback")
    for action in (w.play_action, w.ab_action, None, w.solo_action, w.mute_action, None,
                   w.guide_up_action, w.guide_down_action, w.inst_up_action, w.inst_down_action,
                   None, w.back_action, w.forward_action, w.start_action, None, w.cancel_action):
        play_menu.addSeparator() if action is None else play_menu.addAction(action)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(w.shortcuts_action)
    help_menu.addAction(w.about_action)


def fill_recent_menu(w: MainWindow) -> None:
    """Open Recent: numbered entries, told apart by their folders where names repeat."""
    menu = w.recent_menu
    menu.clear()
    recent = w.settings.recent_files
    for i, (path, label) in enumerate(zip(recent, recent_labels(recent)), 1):
        action = menu.addAction(f"&{i % 10}  {label}" if i <= 10 else label)
        action.setToolTip(path)
        action.setStatusTip(path)
        action.triggered.connect(lambda checked=False, p=path: w.open_path(p))
    if recent:
        menu.addSeparator()
        menu.addAction("Clear Menu", w.settings.clear_recent)
    else:
        menu.addAction("No recent songs").setEnabled(False)


def shortcut_rows(w: MainWindow) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for the Keyboard Shortcuts dialog."""
    actions = (w.open_action, w.export_action, w.play_action, w.ab_action, w.solo_action, w.mute_action,
               w.guide_up_action, w.guide_down_action, w.inst_up_action, w.inst_down_action, w.back_action,
               w.forward_action, w.start_action, w.cancel_action, w.settings_action)
    rows = [(shortcut_text(a), a.text().replace("&", "").rstrip("…")) for a in actions]
    rows.append(("Tab / Shift+Tab", "Move between the buttons and sliders; Space or Enter presses a button, "
                                    "arrows move a slider"))
    return rows
