"""The contract between the main window and its panels: what a panel may ask of the window.

A panel (export, key/tempo, singing...) is built with a :class:`PanelHost`
and uses nothing else of the window: it never imports the main window and
never touches its private members. To add a panel, write a :class:`Panel`
subclass and add it to the window's list of panel classes; the window calls
every panel in loops (:meth:`Panel.update_controls`, :meth:`Panel.cancel`,
:meth:`Panel.shutdown`).

What the window offers:

- the engine's :class:`~soundnet_app.engine.playback.Playback` (the only
  owner of mode, solo/mute, levels, key and tempo), the current song, the
  settings, the dialog provider and the stem cache;
- actions (with shortcuts, working with the menu bar hidden) in named menus
  (:data:`MENUS`), a new named menu or submenu (File › Export), widgets in named slots (:data:`SLOTS`);
- background tasks (:meth:`PanelHost.start_task`), the message banner, the
  status bar and the progress row;
- events (:class:`HostEvents`): a song opened, a chunk separated, the
  separation finished, the model ready, the ~30 fps tick, closing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

if TYPE_CHECKING:
    from soundnet_app.engine.playback import Playback
    from soundnet_app.engine.song import Song
    from soundnet_app.separation.cache import StemCache
    from soundnet_app.ui.dialogs import Dialogs
    from soundnet_app.ui.separation import SeparationControl
    from soundnet_app.ui.settings import AppSettings
    from soundnet_app.ui.threads import TaskThread
    from soundnet_app.ui.transport import TransportControls

MENUS = ("file", "playback", "help")  # the window's own menus; panels may add theirs (add_menu)
SLOTS = ("header", "below_waveforms", "above_transport")  # where a panel's widget may go, top to bottom


class HostEvents(QObject):
    """What happens in the window that panels may follow (connect to these signals)."""

    songLoaded = Signal(object)  # the Song now open
    chunkSeparated = Signal(int, int, int)  # job id, first and end frame of the separated chunk
    separationFinished = Signal(int, float, int)  # job id, seconds, 1 when it came from the cache
    modelReady = Signal(str)  # the model's version id
    tick = Signal()  # ~30 times a second while the window is open
    songsDropped = Signal(object)  # several audio files (a list of Path) dropped or given at once: the queue takes them
    lyricsChanged = Signal(object)  # the open song's Lyrics (or None), whenever the sing panel sets them
    scoreChanged = Signal(object)  # the take's Score while it is sung (None: a new take or song)
    guideChanged = Signal(object)  # the open song's PitchGuide (filled in place as the voice is separated), or None
    closing = Signal()  # the window is shutting down (after this, no other event)


class PanelHost(Protocol):
    """What a panel may ask of the main window.

    The host is also a ``QWidget``: dialogs (``host.dialogs.*``) take it as their parent.
    """

    events: HostEvents
    playback: Playback
    settings: AppSettings
    dialogs: Dialogs
    cache: StemCache | None
    separation: SeparationControl  # the worker: separate_ahead, mask_power, model_path
    transport: TransportControls  # toggle_play() starts the sound output too

    @property
    def song(self) -> Song | None:
        """The song that is open (``None`` before the first)."""

    @property
    def separating(self) -> bool:
        """Whether the open song's separation is running."""

    @property
    def closing(self) -> bool:
        """Whether the window is shutting down (its widgets may be gone)."""

    @property
    def output_delay_frames(self) -> int:
        """How far behind the mixer's position the loudspeaker is, in frames."""

    def add_action(self, text: str, slot: Callable, shortcut=None, tip: str = "", checkable: bool = False,
                   menu: str | None = None) -> QAction:
        """An action of the window (its shortcut works with the menu bar hidden), added to ``menu`` if named."""

    def add_separator(self, menu: str) -> None:
        """A separator line in ``menu`` before this panel's next actions there."""

    def add_menu(self, name: str, title: str, parent: str | None = None) -> QMenu:
        """A new menu called ``name`` (then usable in :meth:`add_action`), placed before Help.

        With ``parent`` (a menu's name) it is a submenu there, where that menu takes panels' actions
        (``add_menu("export", "&Export", parent="file")``: File › Export). A name already made gives
        that menu back, so panels may share one.
        """

    def place(self, widget: QWidget, slot: str, stretch: int = 0) -> None:
        """Put ``widget`` in the window at ``slot`` (one of :data:`SLOTS`)."""

    def start_task(self, task: TaskThread) -> None:
        """Run a background task; the window waits for it (or cancels it) when it closes."""

    def show_banner(self, text: str, kind: str = "info", action_text: str = "",
                    action: Callable[[], object] | None = None) -> None:
        """A message above the waveforms: ``kind`` is "info", "warning" or "error"."""

    def show_status(self, text: str, timeout_ms: int = 4000) -> None:
        """A short message in the status bar."""

    def show_progress(self, text: str, fraction: float, eta: str = "", resumable: bool = False) -> None:
        """The progress row under the waveforms."""

    def hide_progress(self) -> None:
        """Hide the progress row (when no separation is showing in it)."""

    def refresh_controls(self) -> None:
        """Ask the window to recompute which controls are enabled (after a panel's state changed)."""

    def open_path(self, path: str | Path) -> TaskThread:
        """Open a song in the background (the current one plays on until it is ready)."""

    def song_opened(self, song: Song) -> None:
        """Make a song already loaded (the queue's next, separated ahead) the current one, paused."""

    def set_model(self, path: str | Path) -> None:
        """Separate with ``path`` (and the settings' removal strength) from now on; the song is reopened."""


class Panel(QObject):
    """A part of the window built on a :class:`PanelHost`; the window calls these in loops."""

    def __init__(self, host: PanelHost):
        super().__init__()
        self.host = host

    @property
    def busy(self) -> bool:
        """Whether a task of this panel runs (the window's Cancel applies to it)."""
        return False

    def cancel(self) -> bool:
        """Cancel this panel's running task; ``False`` if it has none."""
        return False

    def update_controls(self) -> None:
        """Enable or disable this panel's controls after the song or a task changed."""

    def shutdown(self) -> None:
        """The window is closing: stop threads, write what is pending."""
