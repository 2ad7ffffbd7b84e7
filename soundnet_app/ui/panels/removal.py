"""Vocal removal strength: Playback › Vocal Removal (gentle ↔ strongest), over the soft-mask exponent.

A change is stored in the settings, the worker reloads the separator with the
new exponent (:mod:`~soundnet_app.separation.removal`), and the open song is
opened again: its stems for that strength come from the stem cache (which keys
on the exponent) or are separated anew.
"""

from __future__ import annotations

from PySide6.QtGui import QActionGroup

from soundnet_app.separation.removal import REMOVAL_STEPS
from soundnet_app.ui.panels.host import Panel, PanelHost


class RemovalPanel(Panel):
    """The Vocal Removal choices (radio actions in the Playback menu)."""

    def __init__(self, host: PanelHost):
        super().__init__(host)
        self.group = QActionGroup(self)
        self.actions = {}
        host.add_separator("playback")
        current = host.settings.removal_step
        for name, label, _factor in REMOVAL_STEPS:
            action = host.add_action(f"Vocal Removal: {label}", lambda on, n=name: on and self.set_step(n),
                                     tip="How much of the voice is removed: stronger removes more of it, "
                                         "with more artefacts in the instrumental", checkable=True, menu="playback")
            action.setChecked(name == current)
            self.group.addAction(action)
            self.actions[name] = action

    def set_step(self, name: str) -> None:
        """Separate with removal strength ``name`` from now on (the open song is separated again)."""
        host = self.host
        if host.settings.removal_step == name:
            return
        host.settings.removal_step = name
        self.actions[name].setChecked(True)
        host.set_model(host.separation.model_path)  # reloads with the new exponent; reopens the song
        host.show_status(f"Vocal removal: {name}", 4000)
