"""Reading a song's lyrics off the UI thread, for the sing panel.

A crafted ``.lrc`` or a tag of many megabytes must not freeze the window: the
file (or the tags) is read and parsed in a :class:`~soundnet_app.ui.threads.TaskThread`,
and only the answer to the latest request is delivered (a newer song, Load
Lyrics… or tap-to-sync makes an older answer stale).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from soundnet_app.sing.lyrics import Lyrics, LyricsError
from soundnet_app.sing.lyrics_files import find_lyrics, read_lrc
from soundnet_app.ui.panels.host import PanelHost
from soundnet_app.ui.threads import TaskThread

# (lyrics or None, why they could not be read or "", the file they came from when it was picked
# with Load Lyrics… (now or before) or None, whether the user picked it just now)
Delivery = Callable[[Lyrics | None, str, Path | None, bool], None]


class LyricsReader:
    """Reads lyrics in the background and hands the latest request's answer to ``deliver`` (UI thread)."""

    def __init__(self, host: PanelHost, deliver: Delivery):
        self.host = host
        self.deliver = deliver
        self._request = 0
        self.pending = False  # a read is under way

    def forget(self) -> None:
        """Drop what is being read: the lyrics were set another way."""
        self._request += 1
        self.pending = False

    def read_song(self, song_path: Path, lyrics_dir: str | Path | None, chosen: Path | None = None) -> None:
        """The song's lyrics: ``chosen`` (a file picked before with Load Lyrics…) when it is still
        there, else :func:`~soundnet_app.sing.lyrics_files.find_lyrics`."""
        def read(progress, cancel):
            if chosen is not None and chosen.is_file():
                return read_lrc(chosen), chosen
            return find_lyrics(song_path, lyrics_dir), None
        self._start(read, picked=False)

    def read_file(self, path: str | Path) -> None:
        """A file the user picked (Load Lyrics…)."""
        path = Path(path)
        self._start(lambda progress, cancel: (read_lrc(path), path), picked=True)

    def _start(self, read, picked: bool) -> None:
        self.forget()
        request = self._request
        self.pending = True
        task = TaskThread(read)
        task.succeeded.connect(lambda found: self._done(request, found[0], "", found[1], picked))
        task.failed.connect(lambda e: self._done(request, None, str(e) if isinstance(e, LyricsError) else
                                                 f"The lyrics could not be read: {e}", None, picked))
        self.host.start_task(task)

    def _done(self, request: int, lyrics: Lyrics | None, error: str, source: Path | None, picked: bool) -> None:
        if request != self._request:
            return  # a newer request (another song, the user's own lyrics) wins
        self.pending = False
        self.deliver(lyrics, error, source, picked)
