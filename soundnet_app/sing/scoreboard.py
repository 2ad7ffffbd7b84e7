"""Scores per singer: every sung take's score with its singer, song, key, tempo and night. No Qt.

A :class:`Scoreboard` keeps :class:`ScoreRecord` rows in one JSON file in the
app's data folder (written whole and atomically after each new score), and
answers the two lists a karaoke night shows: the best scores for a song
(:meth:`Scoreboard.best_for_song`) and the best of the night
(:meth:`Scoreboard.best_of_night`, the queue's ``night`` id). A damaged file
gives an empty board and a message, the file moved aside (``scores.json.damaged-<time>``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from soundnet_app.engine.keytempo import clamp_key, clamp_tempo
from soundnet_app.engine.queue import clean_singer
from soundnet_app.fileio import atomic_write
from soundnet_app.jsonfile import read_json_file, set_aside_damaged

MAX_RECORDS = 5000  # the oldest are dropped beyond this
_WHAT, _INSTEAD = "the score list", "starting with no scores"  # for the message about a damaged file
MIN_SUNG_FRAMES = 100  # a take of less than ~1 s of the guide's singing is not a score (10 ms frames)


@dataclass(frozen=True)
class ScoreRecord:
    """One take: ``percent`` 0..100; ``song`` identifies the song (content hash or path); ``title`` is shown."""

    singer: str
    song: str
    title: str
    percent: int
    key: int
    tempo: float
    night: str
    when: float

    def label(self) -> str:
        """"Anna — 87 % (Song, +2, 90 %)"; key and tempo only when changed."""
        extras = [self.title]
        if self.key:
            extras.append(f"{self.key:+d}")
        if abs(self.tempo - 1.0) > 1e-6:
            extras.append(f"{round(self.tempo * 100)} %")
        return f"{self.singer or 'Someone'} — {self.percent} % ({', '.join(extras)})"


def _record(item: dict) -> ScoreRecord:
    """A stored row, checked and clamped (raises ``ValueError``/``TypeError``/``KeyError`` if it is not one)."""
    percent = int(item["percent"])
    if not 0 <= percent <= 100:
        raise ValueError("percent out of range")
    return ScoreRecord(singer=clean_singer(item.get("singer", "")), song=str(item["song"])[:200],
                       title=str(item.get("title", ""))[:200], percent=percent,
                       key=clamp_key(item.get("key", 0)), tempo=clamp_tempo(item.get("tempo", 1.0)),
                       night=str(item.get("night", ""))[:40], when=float(item.get("when", 0.0)))


class Scoreboard:
    """All stored scores. ``path=None`` keeps them in memory only."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.records: list[ScoreRecord] = []

    @classmethod
    def load(cls, path: str | Path) -> tuple[Scoreboard, str]:
        """The board in ``path`` and a message (``""`` unless the file was damaged: then it is moved aside)."""
        board = cls(path)
        read = read_json_file(board.path, None, what=_WHAT, instead=_INSTEAD)
        data = read.value
        if data is None:
            return board, read.message
        try:
            rows = data["scores"]
            if not isinstance(rows, list):
                raise TypeError
            board.records = [_record(item) for item in rows[-MAX_RECORDS:]]
        except (KeyError, TypeError, ValueError, OverflowError):
            read = set_aside_damaged(board.path, None, "it does not hold scores", what=_WHAT, instead=_INSTEAD)
            return cls(path), read.message
        return board, ""

    def add(self, singer: str, song: str, title: str, total: float, key: int, tempo: float,
            night: str, when: float | None = None) -> ScoreRecord:
        """Store a take's score (``total`` 0..1) and write the file."""
        record = ScoreRecord(clean_singer(singer), song, title, round(min(1.0, max(0.0, total)) * 100),
                             clamp_key(key), clamp_tempo(tempo), night, time.time() if when is None else when)
        self.records.append(record)
        del self.records[:-MAX_RECORDS]
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                data = {"version": 1, "scores": [asdict(r) for r in self.records]}
                atomic_write(self.path, json.dumps(data, indent=1, ensure_ascii=False))
            except OSError:
                pass  # kept in memory; the next score tries to write again
        return record

    @staticmethod
    def _best(records: list[ScoreRecord], limit: int) -> list[ScoreRecord]:
        # Highest first; on a tie, who sang it first.
        return sorted(records, key=lambda r: (-r.percent, r.when))[:limit]

    def best_for_song(self, song: str, limit: int = 5) -> list[ScoreRecord]:
        return self._best([r for r in self.records if r.song == song], limit)

    def best_of_night(self, night: str, limit: int = 5) -> list[ScoreRecord]:
        """The night's best takes, one per singer (their best)."""
        best: dict[str, ScoreRecord] = {}
        for r in self._best([r for r in self.records if r.night == night], len(self.records)):
            best.setdefault(r.singer.casefold(), r)
        return self._best(list(best.values()), limit)
