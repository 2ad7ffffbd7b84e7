"""One song's sing-along, without Qt: its lyrics, pitch guide and score, tap-to-sync and the takes.

The sing panel shows this state and forwards the player's events to it; all
of the logic is here, so it is tested without a window. A
:class:`SingAlong` lives as long as the panel and is told about each song
(:meth:`SingAlong.open_song`):

- lyrics: found beside the song or in its tags (:mod:`soundnet_app.sing.lyrics_files`),
  or synced by tapping (:meth:`SingAlong.start_tap_sync`, :meth:`~SingAlong.tap`,
  :meth:`~SingAlong.finish_tap_sync`, then :meth:`~SingAlong.save_lyrics` writes the ``.lrc``);
- the pitch guide, built by a :class:`~soundnet_app.sing.guide.GuideBuilder`
  thread as separated chunks arrive and stored beside the stem cache entry,
  and the :class:`~soundnet_app.sing.scoring.LiveScorer` that scores against it;
- the microphone: :meth:`SingAlong.follow` keeps one
  :class:`~soundnet_app.sing.mic.SingingSession` (``mic``) running while the
  song plays and the singer wants it; a pause, a jump or a new key or tempo
  ends it and the next starts in step. Each ended session that recorded
  something adds a :class:`~soundnet_app.sing.take.TakePart` to ``take_parts``:
  "my take" is all of them (:meth:`SingAlong.take_to_save`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.song import Song
from soundnet_app.separation.cache import cache_key
from soundnet_app.sing.guide import GuideBuilder, PitchGuide, guide_path
from soundnet_app.sing.lyrics import Line, Lyrics, LyricsError, parse_lrc
from soundnet_app.sing.lyrics_files import find_lyrics, write_lrc
from soundnet_app.sing.mic import InputSource, SingingSession
from soundnet_app.sing.monitor import VoiceMonitor
from soundnet_app.sing.scoring import LiveScorer, Score
from soundnet_app.sing.take import TakePart, export_takes
from soundnet_app.sing.tapsync import sync_lines, vocal_onsets
from soundnet_app.sing.ultrastar_notes import build_song, estimate_bpm, guide_from_notes, song_lyrics
from soundnet_app.sing.ultrastar_score import UltraStarScore, score_ultrastar

START_OVER_S = 0.5  # a session that starts this close to the song's start begins a new take
DRIFT_S = 0.5  # a session whose song clock is this far from the player's: a jump, it ends
SCORE_EVERY_S = 0.25  # how often the shown score is recomputed while singing


@dataclass(frozen=True)
class TakeToSave:
    """What "Save My Take" writes: the stretches sung at the latest key and tempo, with their song.

    ``left_out`` counts the earlier stretches sung at another key or tempo
    (they would not fit the instrumental rendered at this one).
    """

    song: Song
    parts: list[TakePart]
    left_out: int
    latency_s: float

    @property
    def key(self) -> int:
        return self.parts[-1].key

    @property
    def tempo(self) -> float:
        return self.parts[-1].tempo

    def write(self, path: str | Path, vocal_level: float = 0.0, instrumental_level: float = 1.0, *,
              mute: bool = False) -> Path:
        """Mix and write the take (slow: rendered at its key and tempo, full quality; run it in a task)."""
        return export_takes(path, self.song.instrumental, self.parts, self.latency_s, vocals=self.song.vocals,
                            vocal_level=vocal_level, instrumental_level=instrumental_level, mute=mute)


class SingAlong:
    """The singing state of the open song (see the module's docstring).

    Args:
        make_source: the input the singer is heard from, made anew for each
            microphone session (a sound card's, or a file's in tests).
        monitor: the hear-myself monitor every session feeds, or ``None``.
        lyrics_dir: the app's lyrics folder (``None``: the default one).
    """

    def __init__(self, make_source: Callable[[], InputSource], monitor: VoiceMonitor | None = None,
                 lyrics_dir: str | Path | None = None):
        self.make_source = make_source
        self.monitor = monitor
        self.lyrics_dir = lyrics_dir
        self.song: Song | None = None
        self.lyrics: Lyrics | None = None
        self.guide: PitchGuide | None = None
        self.scorer: LiveScorer | None = None
        self.score: Score | None = None  # the last score computed (score_now), None after a new take
        self.game_score: UltraStarScore | None = None  # the same take by the UltraStar rules (score_now)
        self._score_at = 0.0
        self.latency_s = 0.0  # the measured round trip, taken off each recording
        self.cache_root: Path | None = None  # where guides are stored (the stem cache's folder)
        self.model_version = ""  # the separation model's: part of the guide's cache key
        self.taps: list[float] | None = None  # tap-to-sync: the line starts tapped so far
        self.mic: SingingSession | None = None
        self.mic_problem = ""  # why the microphone did not start, when it did not
        # Every stretch of the current take (one per microphone session, oldest first).
        self.take_parts: list[TakePart] = []
        self._mic_start_frame = 0
        self._mic_clock = 0.0
        self.builder = GuideBuilder(on_complete=self._guide_complete)
        self._sheet: tuple[int, object] = (-1, None)  # (guide version, UltraStar notes scored against)

    # -- song, lyrics, guide ------------------------------------------------------

    def open_song(self, song: Song, read_lyrics: bool = True) -> LyricsError | None:
        """Start over with ``song``: its lyrics and stored guide, no taps, no take.

        Returns why the lyrics could not be read (the song then has none), else ``None``.
        ``read_lyrics=False``: none yet (the caller reads them off its thread and calls :meth:`set_lyrics`).
        """
        self.stop_mic()
        self.song = song
        self.taps = None
        self.take_parts = []
        self.score = None
        error = None
        sheet = song.ultrastar  # an UltraStar song: its syllables are the lyrics, its notes the guide
        try:
            if sheet is not None:
                self.set_lyrics(song_lyrics(sheet))
            else:
                self.set_lyrics(find_lyrics(song.path, self.lyrics_dir) if read_lyrics else None)
        except LyricsError as e:
            self.set_lyrics(None)
            error = e
        self.guide = PitchGuide(song.n_frames, SAMPLE_RATE)
        self._sheet = (-1, sheet)
        if sheet is not None:
            self.guide.f0[:] = guide_from_notes(sheet, self.guide.n_hops, self.guide.hop_s)
            self.guide.done[:] = True  # complete: nothing is tracked over it
            self.guide.version = 1
            self.guide.notes()
        self.scorer = LiveScorer(self.guide.f0, self.guide.hop_s, self.line_bounds())
        if sheet is not None:
            self.builder.reset(self.guide)
        elif not self._load_stored_guide():
            self.builder.reset(self.guide)
            # Stems from the cache send no chunks: track what is already separated now (a damaged
            # or missing guide is built again).
            for start, end in song.coverage.intervals():
                self.builder.submit(self.guide, song.vocals, start, end)
        return error

    def _load_stored_guide(self) -> bool:
        """Use the song's stored guide, if there is a sound one; ``True`` when it was loaded."""
        stored = self.guide_file()
        loaded = PitchGuide.load(stored, self.song.n_frames) if stored is not None else None
        if loaded is None:
            return False
        loaded.notes()
        self.guide = loaded
        self.scorer.guide = loaded.f0
        self.builder.reset(loaded)
        return True

    def set_model_version(self, version: str) -> bool:
        """The separation model is ready; ``True`` when that made the song's stored guide loadable
        (the view should show the new :attr:`guide`)."""
        self.model_version = version
        if self.song is None or self.guide is None or self.guide.complete:
            return False
        return self._load_stored_guide()

    def set_lyrics(self, lyrics: Lyrics | None) -> None:
        self.lyrics = lyrics
        if self.scorer is not None:
            self.scorer.lines = self.line_bounds()

    def line_bounds(self) -> list[tuple[float, float]]:
        """``(start_s, end_s)`` per synced line (per-line scores); empty without synced lyrics."""
        lyr = self.lyrics
        if lyr is None or not lyr.synced:
            return []
        return [(ln.start, lyr.line_end(i)) for i, ln in enumerate(lyr.lines)]

    def guide_file(self) -> Path | None:
        """Where the song's guide is stored: beside its stem cache entry, same key (``None``: no cache)."""
        song = self.song
        version = (song.model_version or self.model_version) if song is not None else ""
        if self.cache_root is None or song is None or not song.content_hash or not version:
            return None
        return guide_path(self.cache_root, cache_key(song.content_hash, version))

    def chunk_separated(self, start: int, end: int, current: Song | None) -> None:
        """Frames ``start:end`` of the vocal are separated: track their pitch (``current``: the player's song)."""
        song, guide = self.song, self.guide
        if song is None or guide is None or song is not current or guide.complete:
            return
        self.builder.submit(guide, song.vocals, start, end)

    def _guide_complete(self, guide: PitchGuide) -> None:  # the builder's thread
        path = self.guide_file()
        if path is not None and guide is self.guide:
            guide.save(path)

    # -- tap-to-sync --------------------------------------------------------------

    def start_tap_sync(self, text: str) -> bool:
        """Tap mode for the lines of ``text`` (LRC stamps, if any, are dropped); ``False`` if there are none."""
        if self.song is None:
            return False
        lines = parse_lrc(text).texts if text else []
        if not lines:
            return False
        self.set_lyrics(Lyrics([Line(float("nan"), t) for t in lines], False))
        self.taps = []
        return True

    @property
    def tap_index(self) -> int | None:
        """The line waiting for its tap (``None``: not in tap mode)."""
        return None if self.taps is None else len(self.taps)

    def tap(self, position_s: float) -> bool:
        """The next line starts at ``position_s`` (song seconds); ``True`` once every line has its tap."""
        if self.taps is None or self.lyrics is None:
            return False
        self.taps.append(position_s)
        return len(self.taps) >= len(self.lyrics.lines)

    def finish_tap_sync(self) -> Lyrics | None:
        """Leave tap mode: the tapped lines, synced (snapped to the vocal's onsets once it is all separated).

        ``None`` (lyrics unchanged) when nothing was tapped.
        """
        taps, self.taps = self.taps or [], None
        song = self.song
        if not taps or song is None:
            return None
        onsets = vocal_onsets(song.vocals, SAMPLE_RATE) if song.coverage.complete else None
        lyrics = sync_lines(self.lyrics.texts[: len(taps)], taps, onsets)
        self.set_lyrics(lyrics)
        return lyrics

    def save_lyrics(self, overwrite: bool = False) -> Path:
        """Write the (synced) lyrics as the song's ``.lrc``; returns its path.

        Raises :class:`~soundnet_app.sing.lyrics.LyricsExistError` for an existing
        file without ``overwrite``, :class:`~soundnet_app.sing.lyrics.LyricsError` when it cannot be written.
        """
        return write_lrc(self.lyrics, self.song.path, overwrite=overwrite, lyrics_dir=self.lyrics_dir)

    # -- the microphone and the takes -----------------------------------------------

    def follow(self, playing: bool, wanted: bool, position: int, key: int, tempo: float,
               now: float | None = None) -> bool:
        """Keep the microphone session in step with the player; call it every frame.

        Args:
            playing: whether the song plays.
            wanted: whether the singer turned the microphone on.
            position: the player's position, in song frames.
            key, tempo: the player's shift.
            now: ``time.perf_counter()`` (tests may pass their own clock).

        A session ends on a pause, a jump (its song clock, which moves ``tempo``
        song seconds per second, is over :data:`DRIFT_S` off the player's) or a
        new shift, and a new one starts while the song plays. Returns ``False``
        when one should have started and the microphone did not (:attr:`mic_problem` says why).
        """
        mic = self.mic
        if mic is not None:
            clock = time.perf_counter() if now is None else now
            expected = mic.song_start_s + mic.tempo * (clock - self._mic_clock)
            if (not playing or not wanted or (mic.key, mic.tempo) != (key, tempo)
                    or abs(expected - position / SAMPLE_RATE) > DRIFT_S):
                self.stop_mic()
        if self.mic is None and wanted and playing:
            return self.start_mic(position, key, tempo, now)
        return True

    def start_mic(self, position: int, key: int, tempo: float, now: float | None = None) -> bool:
        """Start a microphone session at song frame ``position``; ``False`` if the input did not start."""
        source = self.make_source()
        if self.take_parts and position < START_OVER_S * SAMPLE_RATE:
            self.new_take()  # singing from the very start again: a new take, not a patch of the old one
        mic = SingingSession(source, None, position / SAMPLE_RATE, self.latency_s, scorer=self.scorer,
                             key=key, tempo=tempo, monitor=self.monitor)
        if not mic.start():
            self.mic_problem = getattr(source, "reason", "") or "The microphone did not start."
            return False
        self.mic, self.mic_problem = mic, ""
        self._mic_start_frame = position
        self._mic_clock = time.perf_counter() if now is None else now  # after start(): opening a device takes time
        return True

    def stop_mic(self) -> None:
        """End the microphone session; what it recorded becomes the take's latest stretch."""
        mic, self.mic = self.mic, None
        if mic is not None:
            mic.stop()
            rec = mic.recording()
            if rec.size:
                self.take_parts.append(TakePart(rec, self._mic_start_frame, mic.source.sample_rate,
                                                mic.key, mic.tempo))

    @property
    def last_take(self) -> TakePart | None:
        """The most recent stretch, or ``None``."""
        return self.take_parts[-1] if self.take_parts else None

    def new_take(self) -> None:
        """Start over: forget the stretches sung so far and their score (singing goes on in a new session)."""
        if self.mic is not None:
            self.mic.stop()
            self.mic = None  # the next follow() starts a fresh one in step
        self.take_parts = []
        if self.scorer is not None:
            self.scorer.reset()
        self.score = None

    def take_to_save(self) -> TakeToSave | None:
        """Stop the microphone and gather the take to write; ``None`` if nothing was sung."""
        if self.mic is not None:
            self.stop_mic()
        song = self.song
        if not self.take_parts or song is None:
            return None
        last = self.take_parts[-1]
        parts = [p for p in self.take_parts if (p.key, p.tempo) == (last.key, last.tempo)]
        return TakeToSave(song, parts, len(self.take_parts) - len(parts), self.latency_s)

    def score_now(self, now: float | None = None) -> Score | None:
        """The take's score, recomputed at most every :data:`SCORE_EVERY_S` (a few ms of NumPy on the song's grid).

        ``None`` when nothing is being or was sung.
        """
        if self.scorer is None or (self.mic is None and not self.take_parts):
            return None
        now = time.perf_counter() if now is None else now
        if self.score is None or now - self._score_at >= SCORE_EVERY_S:
            self.score, self._score_at = self.scorer.score(), now
            self.game_score = self.ultrastar_score()  # a few ms of NumPy too
        return self.score

    def ultrastar_sheet(self):
        """The notes the game rules score against: the song's UltraStar file, else notes made from the
        complete guide (:func:`~soundnet_app.sing.ultrastar_notes.build_song`, made once per guide); ``None``
        while the guide is being built."""
        song, guide = self.song, self.guide
        version, sheet = self._sheet
        if song is None or guide is None or (song.ultrastar is None and not guide.complete):
            return None
        if song.ultrastar is None and version != guide.version:
            sheet = build_song(guide.f0, guide.hop_s, self.lyrics, estimate_bpm(song.mixture, SAMPLE_RATE))
            self._sheet = (guide.version, sheet)
        return sheet

    def ultrastar_score(self) -> UltraStarScore | None:
        """The take scored by the UltraStar rules (:mod:`~soundnet_app.sing.ultrastar_score`); ``None``
        when nothing was sung or there are no notes yet."""
        sheet = self.ultrastar_sheet()
        if sheet is None or self.scorer is None or (self.mic is None and not self.take_parts):
            return None
        return score_ultrastar(sheet, self.scorer.sung, self.scorer.hop_s)

    def shutdown(self) -> None:
        """Stop the microphone and the guide builder (the app is closing)."""
        self.stop_mic()
        self.builder.stop(timeout=2.0)
