"""The window's panels, each built on the :mod:`~soundnet_app.ui.panels.host` contract.

To add a panel: write a :class:`~soundnet_app.ui.panels.host.Panel` subclass in a
module of its own here and add the class to :data:`PANELS` (the window builds them
in this order: their widgets and menu entries appear in it).
"""

from soundnet_app.ui.panels.export import ExportPanel
from soundnet_app.ui.panels.keytempo import KeyTempoPanel
from soundnet_app.ui.panels.queue import QueuePanel
from soundnet_app.ui.panels.removal import RemovalPanel
from soundnet_app.ui.panels.sing import SingPanel
from soundnet_app.ui.panels.ultrastar import UltraStarPanel

PANELS = (ExportPanel, KeyTempoPanel, SingPanel, UltraStarPanel, QueuePanel, RemovalPanel)
