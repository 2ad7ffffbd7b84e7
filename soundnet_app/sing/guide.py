"""The pitch guide: a song's melody (f0 of its separated voice), built chunk by chunk, stored beside the stems.

No Qt here.

* :class:`PitchGuide` -- a whole song's f0, filled as separated chunks
  arrive (:meth:`PitchGuide.analyse`), quantised to
  :class:`~soundnet_app.sing.pitch.Note` for display, saved next to the stem
  cache entry (:func:`guide_path`, same key);
* :class:`GuideBuilder` -- a thread that runs :meth:`PitchGuide.analyse` off
  the UI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

import numpy as np

from soundnet_app.fileio import atomic_path
from soundnet_app.sing.pitch import (
    CONTEXT_S,
    HOP_S,
    Note,
    gate_quiet,
    notes_from_f0,
    praat_f0,
    to_grid,
    to_pitch_rate,
)
from soundnet_app.system import lower_thread_priority

log = logging.getLogger(__name__)

MAX_GUIDE_BYTES = 64 << 20  # a 10-hour song's f0 at 10 ms hops is 14 MB


class PitchGuide:
    """A song's melody: f0 on a ``hop_s`` grid, filled in as its separated vocal arrives.

    Args:
        n_frames: the song's length in samples at ``sample_rate``.

    ``f0`` is ``(n_hops,)`` float32 (Hz, 0 unvoiced); ``done`` marks the hops
    analysed so far. ``version`` grows on every change (views redraw when it
    moves). :meth:`analyse` may run on another thread than the readers: it
    writes whole slices, and readers tolerate a half-updated slice.
    """

    def __init__(self, n_frames: int, sample_rate: int = 44100, hop_s: float = HOP_S):
        self.n_frames = int(n_frames)
        self.sample_rate = int(sample_rate)
        self.hop_s = float(hop_s)
        n = int(np.ceil(self.n_frames / self.sample_rate / self.hop_s))
        self.f0 = np.zeros(n, dtype=np.float32)
        self.done = np.zeros(n, dtype=bool)
        self.version = 0
        self._notes: tuple[int, list[Note]] = (-1, [])

    @property
    def n_hops(self) -> int:
        return self.f0.size

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    @property
    def fraction(self) -> float:
        return float(self.done.mean()) if self.done.size else 1.0

    def analyse(self, vocals: np.ndarray, start: int, end: int) -> None:
        """Track the pitch of ``vocals[start:end]`` (the whole song's ``(n, channels)`` vocal array).

        A margin of context on each side keeps chunk edges seamless; only the
        hops whose centres lie in ``[start, end)`` are written.
        """
        sr = self.sample_rate
        start, end = max(0, int(start)), min(self.n_frames, int(end))
        if end <= start:
            return
        margin = int(CONTEXT_S * sr)
        a, b = max(0, start - margin), min(self.n_frames, end + margin)
        x = to_pitch_rate(vocals[a:b], sr)
        times, f0 = praat_f0(x, self.hop_s)
        h0 = int(np.ceil(start / sr / self.hop_s))
        h1 = min(self.n_hops, int(np.ceil(end / sr / self.hop_s)))
        if h1 <= h0:
            return
        values = to_grid(times + a / sr, gate_quiet(x, times, f0, self.hop_s), h0, h1 - h0, self.hop_s)
        self.f0[h0:h1] = values
        self.done[h0:h1] = True
        self.version += 1

    def notes(self) -> list[Note]:
        """The quantised melody (recomputed when ``version`` changed)."""
        version, notes = self._notes
        if version != self.version:
            notes = notes_from_f0(self.f0, self.hop_s)
            self._notes = (self.version, notes)
        return notes

    def latest_notes(self) -> list[Note]:
        """The notes as last computed (by :meth:`notes`), never recomputed here: cheap for painting."""
        return self._notes[1]

    def f0_at(self, t: float) -> float:
        k = int(round(t / self.hop_s))
        return float(self.f0[k]) if 0 <= k < self.n_hops else 0.0

    # -- storage ------------------------------------------------------------

    def save(self, path: str | Path) -> Path | None:
        """Write a complete guide atomically (``.npz``); ``None`` (logged) if the disk says no."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                np.savez(f, f0=self.f0, meta=np.array([self.n_frames, self.sample_rate, self.hop_s]))
            return path
        except OSError as e:
            log.warning("could not store the pitch guide %s: %s", path.name, e)
            return None

    @classmethod
    def load(cls, path: str | Path, n_frames: int | None = None) -> PitchGuide | None:
        """A stored guide, or ``None`` when missing, damaged (a damaged file is removed: it is
        built again) or for another length."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                if any(info.file_size > MAX_GUIDE_BYTES for info in data.zip.infolist()):
                    raise ValueError("a member inflates beyond any song's guide")
                f0, meta = data["f0"], data["meta"]
            n, rate, hop = int(meta[0]), int(meta[1]), float(meta[2])
            if not (0 < n and 0 < rate <= 1_000_000 and 1e-4 <= hop <= 1.0):
                raise ValueError(f"impossible guide header {meta!r}")
            if n_frames is not None and n != n_frames:
                return None  # another song's length: a miss, not damage
            if f0.shape != (int(np.ceil(n / rate / hop)),):
                raise ValueError("f0 does not match the guide's length")
            guide = cls(n, rate, hop)
            if not np.all(np.isfinite(f0)):
                raise ValueError("f0 holds NaN or infinite values")
        except FileNotFoundError:
            return None
        except Exception as e:  # noqa: BLE001 - EOFError, BadZipFile, ZeroDivisionError...: any damage is a miss
            log.warning("ignoring damaged pitch guide %s: %s", path.name, e)
            try:
                path.unlink()
            except OSError:
                pass
            return None
        guide.f0[:] = f0
        guide.done[:] = True
        guide.version = 1
        return guide


def guide_path(cache_root: str | Path, key: str) -> Path:
    """Where a song's guide lives: next to its stem cache entry, same key (``<key>.pitch.npz``)."""
    return Path(cache_root) / f"{key}.pitch.npz"


class GuideBuilder:
    """A background thread running :meth:`PitchGuide.analyse` for submitted ranges.

    ``submit(guide, vocals, start, end)`` queues a range; ranges of a guide
    that is no longer current (:meth:`reset`) are dropped. ``on_complete``
    (called on the builder's thread) gets each guide that became complete.
    """

    def __init__(self, on_complete=None):
        self._queue: queue.Queue = queue.Queue()
        self._current: PitchGuide | None = None
        self.on_complete = on_complete
        self.seconds = 0.0  # time spent analysing (benchmark)
        self.piece_s = 0.5  # Praat holds the GIL ~6 ms per piece: under the audio callback's budget
        self._thread = threading.Thread(target=self._run, name="pitch-guide", daemon=True)
        self._thread.start()

    def reset(self, guide: PitchGuide | None) -> None:
        self._current = guide

    def submit(self, guide: PitchGuide, vocals: np.ndarray, start: int, end: int) -> None:
        self._current = guide
        self._queue.put((guide, vocals, start, end))

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        lower_thread_priority()  # background work: the UI and the audio threads come first
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                guide, vocals, start, end = item
                if guide is not self._current or guide.complete:
                    continue
                t0 = time.perf_counter()
                try:
                    # Praat holds the GIL while it runs: short pieces with a pause between
                    # keep the UI and audio threads from waiting long for it.
                    step = int(self.piece_s * guide.sample_rate)
                    release = getattr(vocals, "release", None)  # a long song's pages back (engine.pcm)
                    for a in range(start, end, step):
                        guide.analyse(vocals, a, min(end, a + step))
                        if release is not None:
                            release(a, min(end, a + step))
                        time.sleep(0.002)
                except Exception:
                    log.exception("pitch tracking failed")
                    continue
                guide.notes()  # quantise here, not in the painter
                self.seconds += time.perf_counter() - t0
                if guide.complete and self.on_complete is not None:
                    self.on_complete(guide)
            finally:
                self._queue.task_done()

    def stop(self, timeout: float = 5.0) -> None:
        self._current = None
        self._queue.put(None)
        self._thread.join(timeout)
