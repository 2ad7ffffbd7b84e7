"""The player's state, Qt-free: song, transport, mode, solo/mute, levels, key, tempo.

:class:`Playback` is the only owner of that state: the window and every
panel ask it, never the :class:`~soundnet_app.engine.mixer.PlaybackMixer`
below it (which renders the sound on the audio thread). It remembers per
song, in a :class:`SongPrefs` file, the key shift, the tempo, the
vocal/instrumental levels and where it was paused, so a song opened again
plays the way and from where it was left; a new song starts at
:attr:`Playback.new_song_levels`, not at the previous song's levels.
"""

from __future__ import annotations

import atexit
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from soundnet_app.engine.keyfind import Key
from soundnet_app.engine.keytempo import (
    NEUTRAL,
    TEMPO_STEP,
    clamp_key,
    clamp_tempo,
    is_neutral,
)
from soundnet_app.engine.mix import KARAOKE
from soundnet_app.engine.mixer import MixParams, PlaybackMixer
from soundnet_app.fileio import atomic_write
from soundnet_app.jsonfile import read_json_file

if TYPE_CHECKING:
    from soundnet_app.engine.song import Song

MAX_SONGS = 2000  # remembered songs; the least recently used are forgotten
RESTART_NEAR_END_S = 10.0  # a song left this close to its end (or its last tenth) starts over next time


def song_id(song: Song) -> str:
    """Key of a song's preferences: its content hash (like the stem cache), else its path."""
    if song.content_hash:
        return song.content_hash
    return "path:" + str(song.path.resolve())


class SongPrefs:
    """Per-song settings in one JSON file, ``{song id: {"key": 2, "tempo": 0.8, ...}}``.

    Written atomically, at most every :attr:`WRITE_DELAY_S` (a dragged slider
    changes a level dozens of times a second) and on :meth:`flush`, which
    also runs at exit; a missing file reads as empty, a damaged one too (never an
    error: it is set aside and :attr:`problem` says so). ``path=None`` keeps them in memory only.
    """

    WRITE_DELAY_S = 0.5

    FIELDS = ("key", "tempo", "vocal_level", "instrumental_level", "lyrics_file", "position_s")

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._data: dict[str, dict] = {}
        self.problem = ""  # a damaged file: what the user should hear (it was set aside, defaults are used)
        if self.path is not None:
            read = read_json_file(self.path, {}, what="the per-song settings")
            self._data = {k: v for k, v in read.value.items() if isinstance(v, dict)}
            self.problem = read.message
            atexit.register(self.flush)

    def get(self, sid: str) -> dict:
        """The stored values of a song (validated and clamped; only those that are stored)."""
        raw = self._data.get(sid, {})
        out: dict = {}
        try:
            if "key" in raw:
                out["key"] = clamp_key(raw["key"])
            if "tempo" in raw:
                out["tempo"] = clamp_tempo(raw["tempo"])
            for name in ("vocal_level", "instrumental_level"):
                if name in raw:
                    out[name] = min(1.0, max(0.0, float(raw[name])))
            if isinstance(raw.get("lyrics_file"), str) and raw["lyrics_file"]:
                out["lyrics_file"] = raw["lyrics_file"]  # picked with Sing › Load Lyrics…
            if "position_s" in raw:
                out["position_s"] = max(0.0, float(raw["position_s"]))
        except (TypeError, ValueError, OverflowError):  # hand-edited or damaged: ignore the song's entry
            return {}
        return out

    def put(self, sid: str, **values) -> None:
        """Store some of :attr:`FIELDS` for a song."""
        with self._lock:
            entry = dict(self._data.pop(sid, {}))  # re-inserted last: most recently used
            entry.update({k: v for k, v in values.items() if k in self.FIELDS})
            self._data[sid] = entry
            while len(self._data) > MAX_SONGS:
                self._data.pop(next(iter(self._data)))
            if self.path is not None and self._timer is None:
                self._timer = threading.Timer(self.WRITE_DELAY_S, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write pending changes now."""
        with self._lock:
            timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()
                self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(self._data))
        except OSError:
            pass  # preferences are a convenience: never fail playback over them


class Playback:
    """Song, transport, mode, solo/mute, levels, key and tempo of the player.

    Args:
        mixer: the mixer that plays (default: a new one).
        prefs: where per-song settings are remembered (default: in memory only).
    """

    def __init__(self, mixer: PlaybackMixer | None = None, prefs: SongPrefs | None = None):
        self.mixer = mixer or PlaybackMixer()
        self.prefs = prefs or SongPrefs(None)
        self.song: Song | None = None
        self.song_key: Key | None = None  # detected, of the unshifted song
        self._mode_before_toggle: str | None = None  # the mode solo/mute switched away from
        # Where a song not played before starts (``vocal_level``, ``instrumental_level``; default: MixParams's).
        self.new_song_levels: dict[str, float] = {}

    # -- song ---------------------------------------------------------------

    def open(self, song: Song | None) -> None:
        """Play ``song``, paused, at its remembered key, tempo, levels and position (a new song:
        the default levels, from its start). Where the previous song was is remembered."""
        self.remember_position()
        self.mixer.set_song(song)
        self.song = song
        self.song_key = None
        if song is None:
            return
        stored = self.prefs.get(song_id(song))
        self.mixer.set_shift(stored.get("key", 0), stored.get("tempo", 1.0))
        defaults = MixParams()._asdict() | self.new_song_levels
        self.mixer.update(**{k: stored.get(k, defaults[k]) for k in ("vocal_level", "instrumental_level")})
        position = stored.get("position_s", 0.0)
        if 0 < position < song.duration_s - min(RESTART_NEAR_END_S, 0.1 * song.duration_s):
            self.seek(round(position * self.mixer.sample_rate))

    def remember_position(self) -> None:
        """Store where the song is (on a pause, a song change, closing)."""
        if self.song is not None:
            self.prefs.put(song_id(self.song), position_s=round(self.position_s, 2))

    # -- transport ----------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.mixer.playing

    def play(self) -> None:
        self.mixer.play()

    def pause(self) -> None:
        self.mixer.pause()
        self.remember_position()

    def seek(self, frame: int) -> int:
        """Jump to sample ``frame`` (clamped to the song); returns where it lands."""
        frame = max(0, min(int(frame), self.mixer.n_frames))
        self.mixer.seek(frame)
        return frame

    @property
    def position(self) -> int:
        """The song frame of the next output sample."""
        return self.mixer.position

    @property
    def position_s(self) -> float:
        return self.mixer.position_s

    def take_ended(self) -> bool:
        """Whether the song ran out since the last call (the audio thread stopped it)."""
        if self.mixer.ended:
            self.mixer.ended = False
            return True
        return False

    # -- mode, solo, mute ---------------------------------------------------

    @property
    def params(self) -> MixParams:
        """What is heard: mode, levels, solo, mute (an immutable snapshot)."""
        return self.mixer.params

    @property
    def mode(self) -> str:
        return self.mixer.params.mode

    def set_mode(self, mode: str) -> None:
        self._mode_before_toggle = None  # the user's choice from now on
        self.mixer.mode = mode

    def toggle_mode(self) -> str:
        """Original <-> karaoke at the same position; returns the new mode."""
        self._mode_before_toggle = None
        return self.mixer.toggle_mode()

    def set_solo(self, on: bool) -> None:
        """Hear only the vocals; on, it turns mute off and picks the karaoke version (off: back
        to the original if that is where it came from)."""
        self._set_vocal_toggle("solo", "mute", on)

    def set_mute(self, on: bool) -> None:
        """Silence the guide vocal; on, it turns solo off and picks the karaoke version (off: back
        to the original if that is where it came from)."""
        self._set_vocal_toggle("mute", "solo", on)

    def _set_vocal_toggle(self, name: str, other: str, on: bool) -> None:
        changes: dict = {name: bool(on)}
        if on:
            if self.mode != KARAOKE and self._mode_before_toggle is None:
                self._mode_before_toggle = self.mode
            changes.update({other: False, "mode": KARAOKE})
        elif not getattr(self.params, other) and self._mode_before_toggle is not None:
            changes["mode"], self._mode_before_toggle = self._mode_before_toggle, None
        self.mixer.update(**changes)

    # -- levels -------------------------------------------------------------

    def set_levels(self, vocal_level: float | None = None, instrumental_level: float | None = None) -> None:
        """Change the mix levels (0..1); remembered for the song."""
        values = {k: min(1.0, max(0.0, float(v))) for k, v in
                  (("vocal_level", vocal_level), ("instrumental_level", instrumental_level)) if v is not None}
        if values:
            self.mixer.update(**values)
            if self.song is not None:
                self.prefs.put(song_id(self.song), **values)

    # -- key and tempo ------------------------------------------------------

    @property
    def key(self) -> int:
        return self.mixer.key

    @property
    def tempo(self) -> float:
        return self.mixer.tempo

    @property
    def shift_error(self) -> str:
        """Why key and tempo are unavailable (``""`` when they are)."""
        return self.mixer.shift_error

    def set_shift(self, key: int | None = None, tempo: float | None = None) -> tuple[int, float]:
        """Change key and/or tempo (clamped); remembered for the song."""
        key = self.key if key is None else key
        tempo = self.tempo if tempo is None else tempo
        applied = self.mixer.set_shift(key, tempo)
        if self.song is not None:
            self.prefs.put(song_id(self.song), key=applied[0], tempo=applied[1])
        return applied

    def step_key(self, semitones: int) -> int:
        return self.set_shift(key=self.key + semitones)[0]

    def step_tempo(self, steps: int) -> float:
        return self.set_shift(tempo=self.tempo + steps * TEMPO_STEP)[1]

    def reset_shift(self) -> None:
        self.set_shift(*NEUTRAL)

    @property
    def shifted(self) -> bool:
        return not is_neutral(self.key, self.tempo)

    def prepare_stretcher(self) -> None:
        """Build the live stretcher now (off the UI thread): the first key change then needs no wait."""
        self.mixer.prepare_stretcher()

    # -- the singer's voice -------------------------------------------------

    def set_monitor(self, monitor) -> None:
        """Add a :class:`~soundnet_app.sing.monitor.VoiceMonitor`'s output to what plays (``None``: none)."""
        self.mixer.monitor = monitor

    # -- what to show -------------------------------------------------------

    def key_text(self) -> str:
        return f"{self.key:+d}" if self.key else "0"

    def tempo_text(self) -> str:
        return f"{round(self.tempo * 100)} %"

    def song_key_text(self) -> str:
        """``"A minor"``, or ``"A minor → B minor"`` when shifted; ``""`` when not known yet."""
        if self.song_key is None:
            return ""
        if not self.key:
            return self.song_key.name
        return f"{self.song_key.name} → {self.song_key.shifted(self.key).name}"
