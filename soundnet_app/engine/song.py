"""The loaded song: mixture, stems filled in as they are separated, waveform envelopes.

No Qt here. A :class:`Song` holds the mixture and the vocals as 16-bit PCM
(:class:`~soundnet_app.engine.pcm.Pcm16`: a 60-minute song in 1.3 GB) and the
instrumental as their difference, computed where it is read; the separation
worker writes chunks into the vocals and marks them in :class:`Coverage`, and
the audio callback reads them, so no audio travels through Qt signals.
:class:`Envelope` keeps a min/max-per-bucket waveform that the views draw.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import title_from_path
from soundnet_app.engine.pcm import Difference, Pcm16

if TYPE_CHECKING:
    from soundnet_app.audio.probe import AudioInfo

BLOCK_FRAMES = 1024  # granularity of the "separated" map (~23 ms)
_ENVELOPE_PIECE = 1 << 20  # frames read at a time for the envelopes (a float32 copy of a 16-bit song)
ENVELOPE_POINTS = 4000  # min/max buckets per waveform (about two per screen pixel)


class Coverage:
    """Which samples of a song are separated.

    Keeps merged sample intervals (for the gap search and the shading) and a
    per-block boolean map (for the audio callback: a block is ``True`` only when
    every sample in it is separated). Written by the worker thread, read by the
    UI and the audio callback: element writes to the bool map are atomic, the
    interval list is guarded by a lock that the audio callback never takes.
    """

    def __init__(self, n_frames: int, block: int = BLOCK_FRAMES):
        self.n_frames = int(n_frames)
        self.block = int(block)
        self.blocks = np.zeros(max(1, -(-self.n_frames // self.block)), dtype=bool)
        self._intervals: list[tuple[int, int]] = []
        self._lock = threading.Lock()

    def add(self, start: int, end: int) -> None:
        """Mark samples ``start .. end`` as separated."""
        start, end = max(0, int(start)), min(self.n_frames, int(end))
        if end <= start:
            return
        with self._lock:
            merged = []
            for s, e in self._intervals:
                if e < start or s > end:
                    merged.append((s, e))
                else:
                    start, end = min(s, start), max(e, end)
            merged.append((start, end))
            merged.sort()
            self._intervals = merged
        b0 = -(-start // self.block)
        b1 = self.blocks.size if end >= self.n_frames else end // self.block
        if b1 > b0:
            self.blocks[b0:b1] = True

    def fill(self) -> None:
        """Mark the whole song separated."""
        self.add(0, self.n_frames)

    def intervals(self) -> list[tuple[int, int]]:
        """Merged separated ``(start, end)`` sample intervals, sorted."""
        with self._lock:
            return list(self._intervals)

    def is_separated(self, frame: int) -> bool:
        """Whether the block holding sample ``frame`` is fully separated."""
        if not 0 <= frame < self.n_frames:
            return False
        return bool(self.blocks[frame // self.block])

    def separated_frames(self) -> int:
        with self._lock:
            return sum(e - s for s, e in self._intervals)

    @property
    def fraction(self) -> float:
        return self.separated_frames() / max(1, self.n_frames)

    @property
    def complete(self) -> bool:
        with self._lock:
            return self._intervals == [(0, self.n_frames)] or self.n_frames == 0

    def next_gap(self, frame: int = 0) -> tuple[int, int] | None:
        """The first unseparated interval at or after ``frame``; wraps to the start.

        ``None`` when everything is separated.
        """
        gaps = self.gaps()
        if not gaps:
            return None
        for s, e in gaps:
            if e > frame:
                return (max(s, frame), e)
        return gaps[0]

    def gaps(self) -> list[tuple[int, int]]:
        """Unseparated ``(start, end)`` intervals, sorted."""
        out, pos = [], 0
        for s, e in self.intervals():
            if s > pos:
                out.append((pos, s))
            pos = max(pos, e)
        if pos < self.n_frames:
            out.append((pos, self.n_frames))
        return out


class Envelope:
    """Min/max waveform envelope, ready to plot as a zig-zag line.

    ``x`` (seconds) and ``y`` hold two points per bucket (min then max), so a
    plain line through them draws a filled-looking waveform. :meth:`update`
    recomputes only the buckets a sample range touches.
    """

    def __init__(self, n_frames: int, points: int = ENVELOPE_POINTS, sample_rate: int = SAMPLE_RATE):
        self.n_frames = int(n_frames)
        self.bucket = max(1, -(-self.n_frames // points))
        self.count = max(1, -(-self.n_frames // self.bucket))
        self.x = np.repeat(np.arange(self.count) * (self.bucket / sample_rate), 2)
        self.y = np.zeros(2 * self.count, dtype=np.float32)
        self.version = 0  # bumped on every update: views redraw when it changed

    def update(self, audio: np.ndarray, start: int = 0, end: int | None = None) -> None:
        """Recompute the buckets covering ``audio[start:end]``.

        ``audio`` is the whole song, ``(n_frames, 2)`` (or ``(n_frames,)``)
        float32, or a :class:`~soundnet_app.engine.pcm.Pcm16` / ``Difference``
        (read in pieces); both channels share one envelope.
        """
        end = self.n_frames if end is None else min(int(end), self.n_frames)
        if end <= start:
            return
        piece = max(1, _ENVELOPE_PIECE // self.bucket) * self.bucket
        release = getattr(audio, "release", None)  # a long song's pages back as it goes (engine.pcm)
        for a in range(int(start) // self.bucket * self.bucket, end, piece):
            self._update(audio, a, min(end, a + piece))
            if release is not None:
                release(a, min(end, a + piece))
        self.version += 1

    def _update(self, audio, start: int, end: int) -> None:
        b0 = int(start) // self.bucket
        b1 = min(self.count, -(-end // self.bucket))
        seg = audio[b0 * self.bucket : min(self.n_frames, b1 * self.bucket)]
        full = seg.shape[0] // self.bucket
        y = self.y
        if full:
            rows = seg[: full * self.bucket].reshape(full, -1)
            np.min(rows, axis=1, out=y[2 * b0 : 2 * (b0 + full) : 2])
            np.max(rows, axis=1, out=y[2 * b0 + 1 : 2 * (b0 + full) : 2])
        if seg.shape[0] > full * self.bucket:  # a partial last bucket
            rest = seg[full * self.bucket :]
            i = b0 + full
            y[2 * i] = rest.min()
            y[2 * i + 1] = rest.max()


class Song:
    """A loaded song: the mixture plus stems that fill in as chunks are separated.

    Args:
        path: the file it came from.
        mixture: ``(n, 2)`` at 44.1 kHz: a :class:`~soundnet_app.engine.pcm.Pcm16`, or float audio
            (stored as 16-bit).
        info: the core's :class:`~soundnet_app.audio.probe.AudioInfo` (or ``None``).
        content_hash: sha256 of the file bytes (the cache key's first half); ``""`` when
            there is no cache to key.
        envelope_points: resolution of the waveform envelopes.
    """

    def __init__(
        self,
        path: str | Path,
        mixture: np.ndarray,
        info: AudioInfo | None = None,
        content_hash: str = "",
        envelope_points: int = ENVELOPE_POINTS,
    ):
        self.path = Path(path)
        self.mixture = mixture if isinstance(mixture, Pcm16) else Pcm16.from_float(mixture)
        self.info = info
        self.content_hash = content_hash
        n = self.mixture.shape[0]
        self.vocals = Pcm16.zeros(n)  # lazily committed memory: cheap even for a long song
        self.instrumental = Difference(self.mixture, self.vocals)  # mixture - vocals, never stored
        self.coverage = Coverage(n)
        self.env_mixture = Envelope(n, envelope_points)
        self.env_mixture.update(self.mixture)
        self.mixture.release()  # a long song's pages back until played or separated (file-backed only)
        self.env_vocals = Envelope(n, envelope_points)
        self.env_instrumental = Envelope(n, envelope_points)
        self.cached = False  # stems came from the cache
        self.model_version = ""  # the model version its stems were looked up under in the cache ("": none)
        self.ultrastar = None  # the UltraStar song (.txt) it was opened from: soundnet_app.sing.ultrastar_files

    @property
    def n_frames(self) -> int:
        return self.mixture.shape[0]

    @property
    def duration_s(self) -> float:
        return self.n_frames / SAMPLE_RATE

    @property
    def title(self) -> str:
        """What the window title and export names use."""
        sheet = self.ultrastar
        if sheet is not None and sheet.title:
            return f"{sheet.artist} - {sheet.title}" if sheet.artist else sheet.title
        info = self.info
        name = getattr(info, "display_name", None) if info is not None else None
        return name or title_from_path(self.path)

    def write_chunk(self, start: int, vocals: np.ndarray, instrumental: np.ndarray | None = None) -> tuple[int, int]:
        """Copy one separated chunk in, update envelopes, then mark it separated.

        ``vocals`` and ``instrumental`` are ``(m, 2)`` float32 for samples
        ``start .. start + m`` (they add up to the mixture there: the instrumental is
        kept as ``mixture - vocals``). Returns the ``(start, end)`` actually written
        (clipped to the song).
        """
        start = int(start)
        end = min(self.n_frames, start + vocals.shape[0])
        if end <= start:
            return start, start
        self.vocals[start:end] = vocals[: end - start]
        self._update_envelopes(start, end)
        self.release(start, end)
        self.coverage.add(start, end)  # last: the audio callback may now use the data
        return start, end

    def blend_chunk(self, start: int, vocals: np.ndarray, weight: np.ndarray) -> tuple[int, int]:
        """Cross-fade new vocals into stems that are already separated.

        ``vocals`` is ``(m, 2)`` float32 for samples ``start .. start + m`` and
        ``weight`` ``(m,)`` (or ``(m, 1)``) the new estimate's share, 0..1:
        ``vocals = old * (1 - weight) + new * weight``, then ``instrumental =
        mixture - vocals``. The samples stay marked separated (the audio callback
        keeps playing them): the blend is computed aside and each stem written
        with one array copy, so the window in which the callback can read a
        half-written range is as short as it gets, and what it reads there is
        close to both estimates. Returns the ``(start, end)`` written (clipped
        to the song).
        """
        start = int(start)
        end = min(self.n_frames, start + vocals.shape[0])
        if end <= start:
            return start, start
        n = end - start
        w = np.asarray(weight, dtype=np.float32).reshape(-1, 1)[:n]
        old = self.vocals[start:end]
        self.vocals[start:end] = old + w * (vocals[:n] - old)
        self._update_envelopes(start, end)
        self.release(start, end)
        return start, end

    def set_stems(self, vocals: np.ndarray | Pcm16, instrumental: np.ndarray | None = None) -> None:
        """Fill in the whole song at once (from the cache): ``(n_frames, 2)`` vocals.

        A :class:`~soundnet_app.engine.pcm.Pcm16` of that shape is taken as it is (no
        copy of a song-long array): call this before the song is given to the player.
        ``instrumental`` is not needed (it is ``mixture - vocals``).
        """
        n = self.n_frames
        if isinstance(vocals, Pcm16) and vocals.shape == (n, 2):
            self.vocals = vocals
            self.instrumental = Difference(self.mixture, vocals)
        else:
            self.vocals[:] = vocals[:n]
        self._update_envelopes(0, n)
        self.release(0, n)
        self.coverage.fill()

    def restore(self, vocals: np.ndarray | Pcm16, instrumental: np.ndarray | None,
                intervals: list[tuple[int, int]]) -> None:
        """Take stored vocals back (from the cache): ``(n_frames, 2)``, valid in ``intervals``.

        The rest of the song stays unseparated.
        """
        if list(intervals) == [(0, self.n_frames)]:
            self.set_stems(vocals)
            return
        for start, end in intervals:
            self.write_chunk(start, vocals[start:end], None)

    def release(self, start: int = 0, end: int | None = None) -> None:
        """Hand back the resident pages of samples ``start .. end`` (a long song's file-backed arrays)."""
        self.mixture.release(start, end)
        self.vocals.release(start, end)

    def _update_envelopes(self, start: int, end: int) -> None:
        self.env_vocals.update(self.vocals, start, end)
        self.env_instrumental.update(self.instrumental, start, end)
