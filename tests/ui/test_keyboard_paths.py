"""#18 item 10: the shortcuts list, menu mnemonics, the Sync Lyrics dialog by keyboard, focus rings, Tab order."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit
from test_keyboard import focus_window
from uihelpers import wait_separated

from soundnet_app.ui import theme
from soundnet_app.ui.dialogs import Dialogs
from soundnet_app.ui.panels.export import ExportPanel


@pytest.fixture(autouse=True)
def _themed(themed):
    """Every test here sees the app's theme (sizes and colours as the user sees them)."""


def test_the_shortcuts_list_names_every_key_and_fits_a_small_screen(window, dialogs):
    window.shortcuts_action.trigger()
    text = dialogs.last_text
    document = QTextDocument()
    document.setHtml(text)
    document.setTextWidth(900)
    assert document.size().height() <= 420, document.size()  # with its buttons, on a 540-px-high screen too
    pairs = re.findall(r"<b>(.*?)</b></td><td[^>]*>(.*?)</td>", text)
    listed = {what: keys for keys, what in pairs}
    for what in ("Key Up", "Key Down", "Faster", "Slower", "Reset Key and Tempo", "Show Lyrics and Pitch",
                 "Sing with the Microphone", "Tap Line Start", "Settings", "Play / Pause"):
        assert what in listed, what
    assert listed["Settings"].strip() and listed["Tap Line Start"] == "T" and listed["Faster"] == "Ctrl+Up"
    assert listed["Export Stems"] == "Ctrl+E"  # File › Export › Stems, named after its submenu
    assert all(keys.strip() and keys.strip() != "or" for keys in listed.values())


def _mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def test_no_menu_uses_a_mnemonic_twice(window):
    bar = window.menuBar()
    menus = [a.menu() for a in bar.actions() if a.menu() is not None]
    letters = [_mnemonic(a.text()) for a in bar.actions()]
    assert len(letters) == len(set(letters)), letters
    for menu in menus:  # submenus too (File › Export)
        menus.extend(a.menu() for a in menu.actions() if a.menu() is not None and a.menu() not in menus)
        letters = [_mnemonic(a.text()) for a in menu.actions() if not a.isSeparator() and _mnemonic(a.text())]
        assert len(letters) == len(set(letters)), (menu.title(), sorted(letters))


def test_the_sync_lyrics_dialog_works_from_the_keyboard(qtbot, window):
    seen: dict = {}

    def type_into_the_dialog():
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isActiveWindow():  # shown and active, as a user would meet it
            QTimer.singleShot(20, type_into_the_dialog)
            return
        seen["title"], seen["width"] = dialog.windowTitle(), dialog.width()
        seen["prompt"] = " ".join(label.text() for label in dialog.findChildren(QLabel))
        edit = dialog.findChild(QPlainTextEdit)
        seen["focused"] = QApplication.focusWidget() is edit
        QTest.keyClicks(edit, "first line")
        QTest.keyClick(edit, Qt.Key.Key_Return)
        QTest.keyClicks(edit, "second line")
        QTest.keyClick(edit, Qt.Key.Key_Tab)  # moves on: no tab in the lyrics
        seen["left_the_box"] = QApplication.focusWidget() is not edit
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        if dialog.isVisible():  # the keys did not submit it: close it so the test ends (and fails)
            seen["still_open"] = True
            dialog.reject()

    QTimer.singleShot(0, type_into_the_dialog)
    text = Dialogs().paste_lyrics(window)
    assert text == "first line\nsecond line" and "still_open" not in seen, (text, seen)
    assert seen["focused"] and seen["left_the_box"]
    assert seen["title"] == "Sync Lyrics by Tapping" and seen["width"] >= 400
    assert "one line per line" not in seen["prompt"] and "T" in seen["prompt"]


def test_export_stems_shows_a_focus_ring(qtbot, window, song_file):
    window.open_path(song_file)
    wait_separated(qtbot, window)
    button = window.panel(ExportPanel).button
    focus_window(qtbot, window)

    def ring_pixels() -> int:
        image = button.grab().toImage()
        rgb = np.array([[QColor(image.pixel(x, y)).getRgb()[:3] for x in range(0, image.width(), 2)]
                        for y in (1, 2, image.height() // 2)])
        focus = QColor(theme.FOCUS)
        return int((np.abs(rgb - [focus.red(), focus.green(), focus.blue()]).sum(axis=2) < 60).sum())

    assert ring_pixels() == 0
    window.header.open_button.setFocus()
    QTest.keyClick(window.header.open_button, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is button, timeout=2000)
    assert ring_pixels() > 10


def test_tab_follows_the_order_on_screen(qtbot, window, song_file):
    window.open_path(song_file)
    wait_separated(qtbot, window)
    window.transport.vocal_slider.setValue(30)
    focus_window(qtbot, window)
    window.header.open_button.setFocus()
    chain = [window.header.open_button]
    for _ in range(40):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is chain[0]:
            break
        chain.append(QApplication.focusWidget())
    boxes = [QRect(w.mapTo(window, w.rect().topLeft()), w.size()) for w in chain]
    assert len(chain) >= 12  # header, sing row, key/tempo, transport
    for (a, ra), (b, rb) in zip(zip(chain, boxes), zip(chain[1:], boxes[1:])):
        same_row = ra.top() < rb.center().y() < ra.bottom() or rb.top() < ra.center().y() < rb.bottom()
        assert (same_row and rb.left() > ra.left()) or rb.top() >= ra.center().y(), \
            f"{a.accessibleName() or a.objectName()} -> {b.accessibleName() or b.objectName()}"
