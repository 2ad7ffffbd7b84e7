"""The pitch guide: f0 and voicing of the separated voice, and of the singer.

No Qt here. The tracker is Praat's autocorrelation method through
``praat-parselmouth``. Measured on a 2-core CPU before choosing (a minute of
synthetic sung notes, 16 kHz): Praat 0.06-0.1 s per minute of audio with a
0.3-cent median error; librosa's pYIN 7.6 s per minute (warm) with 3 cents.
Both are fine for a guide; only Praat is fast enough to follow the
separator chunk by chunk and the microphone live.

Everything runs at :data:`PITCH_RATE` on a fixed grid: frame ``k`` is centred
at ``k * hop_s`` seconds. ``f0`` is in Hz, ``0`` where unvoiced.

* :func:`track_pitch` -- one buffer -> ``(frames,)`` f0;
* :class:`PitchGuide` -- a whole song's f0, filled as separated chunks
  arrive (:meth:`PitchGuide.analyse`), quantised to :class:`Note` for
  display, saved next to the stem cache entry (:func:`guide_path`, same key);
* :class:`GuideBuilder` -- a thread that runs :meth:`PitchGuide.analyse` off
  the UI thread;
* :class:`LivePitch` -- a streaming tracker for the microphone.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundnet_app.fileio import atomic_path
from soundnet_app.system import lower_thread_priority

log = logging.getLogger(__name__)

PITCH_RATE = 16000
HOP_S = 0.01
F0_MIN = 70.0  # a low bass voice
F0_MAX = 1100.0  # a soprano's top with headroom
SILENCE_DB = -45.0  # frames quieter than this (dBFS RMS) are unvoiced: separation residue
_CONTEXT_S = 0.06  # analysis margin around a chunk: Praat's window is 3 periods of F0_MIN (43 ms)


def hz_to_midi(f0: np.ndarray | float) -> np.ndarray:
    """MIDI note numbers (A4 = 69); ``nan`` where ``f0 <= 0``."""
    f = np.asarray(f0, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(f > 0, 69.0 + 12.0 * np.log2(np.where(f > 0, f, 1.0) / 440.0), np.nan)


def midi_to_hz(midi: np.ndarray | float) -> np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=np.float64) - 69.0) / 12.0)


def _mono16k(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sample_rate != PITCH_RATE:
        import soxr

        x = soxr.resample(x, sample_rate, PITCH_RATE, quality="MQ")
    return np.ascontiguousarray(x, dtype=np.float64)


def _praat_f0(x16: np.ndarray, hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``(times, f0)`` from Praat on a 16 kHz mono buffer (times relative to its start)."""
    import parselmouth

    if x16.size < int(3 / F0_MIN * PITCH_RATE) + 2:
        return np.zeros(0), np.zeros(0)
    sound = parselmouth.Sound(x16, sampling_frequency=PITCH_RATE)
    # silence_threshold is relative to the buffer's peak, which differs per chunk:
    # keep it low and gate quiet frames on an absolute level instead (_gate).
    pitch = sound.to_pitch_ac(time_step=hop_s, pitch_floor=F0_MIN, pitch_ceiling=F0_MAX,
                              silence_threshold=0.01, voicing_threshold=0.45)
    return np.asarray(pitch.xs()), np.asarray(pitch.selected_array["frequency"])


def _gate(x16: np.ndarray, times: np.ndarray, f0: np.ndarray, hop_s: float) -> np.ndarray:
    """Unvoice frames whose RMS (over one hop around ``times``) is under :data:`SILENCE_DB`."""
    half = int(hop_s * PITCH_RATE)
    centres = np.clip((times * PITCH_RATE).astype(int), 0, max(0, x16.size - 1))
    csum = np.concatenate([[0.0], np.cumsum(x16 * x16)])
    lo = np.clip(centres - half, 0, x16.size)
    hi = np.clip(centres + half, 0, x16.size)
    rms = np.sqrt((csum[hi] - csum[lo]) / np.maximum(hi - lo, 1))
    return np.where(rms >= 10 ** (SILENCE_DB / 20), f0, 0.0)


def _to_grid(times: np.ndarray, f0: np.ndarray, first_hop: int, n: int, hop_s: float) -> np.ndarray:
    """Resample Praat's frames (at ``times``, absolute seconds) onto hops ``first_hop ..+n``.

    Praat's frames sit half a hop off the grid: a grid point between two
    voiced frames takes their linear mix, next to one voiced frame its value.
    """
    out = np.zeros(n, dtype=np.float32)
    if times.size == 0 or n <= 0:
        return out
    grid = (first_hop + np.arange(n)) * hop_s
    j = np.searchsorted(times, grid)
    left, right = np.clip(j - 1, 0, times.size - 1), np.clip(j, 0, times.size - 1)
    fl, fr = f0[left], f0[right]
    span = times[right] - times[left]
    w = np.where(span > 0, (grid - times[left]) / np.where(span > 0, span, 1.0), 0.0)
    inside = (grid >= times[0] - hop_s) & (grid <= times[-1] + hop_s)
    both = (fl > 0) & (fr > 0)
    value = np.where(both, fl * (1 - w) + fr * w, np.maximum(fl, fr))
    out[inside] = value[inside]
    return out


def track_pitch(audio: np.ndarray, sample_rate: int = 44100, hop_s: float = HOP_S) -> np.ndarray:
    """f0 of a voice: ``(n,)`` or ``(n, channels)`` audio -> ``(ceil(duration / hop_s),)`` float32 Hz.

    Frame ``k`` is centred at ``k * hop_s``; ``0`` where unvoiced.
    """
    x = _mono16k(audio, sample_rate)
    n = int(np.ceil(x.size / PITCH_RATE / hop_s))
    out = np.zeros(n, dtype=np.float32)
    times, f0 = _praat_f0(x, hop_s)
    if times.size:
        out = _to_grid(times, _gate(x, times, f0, hop_s), 0, n, hop_s)
    return out


@dataclass(frozen=True)
class Note:
    """A quantised note: ``start``/``end`` in seconds, ``midi`` an integer note number."""

    start: float
    end: float
    midi: int


def notes_from_f0(f0: np.ndarray, hop_s: float = HOP_S, min_note_s: float = 0.08,
                  max_gap_s: float = 0.03) -> list[Note]:
    """Quantise an f0 curve to notes: median-smoothed, rounded to semitones, short blips dropped.

    Runs of the same semitone separated by at most ``max_gap_s`` of
    unvoiced frames are one note; runs shorter than ``min_note_s`` go.
    """
    midi = hz_to_midi(f0)
    voiced = np.isfinite(midi)
    if not voiced.any():
        return []
    # A 5-frame median over voiced frames only: vibrato and jitter do not split notes.
    smooth = midi.copy()
    pad = np.pad(midi, 2, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(pad, 5)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            smooth[voiced] = np.nanmedian(windows[voiced], axis=1)
    q = np.where(voiced, np.round(smooth), -1).astype(int)
    notes: list[Note] = []
    max_gap = int(round(max_gap_s / hop_s))
    min_len = int(round(min_note_s / hop_s))
    i, n = 0, q.size
    while i < n:
        if q[i] < 0:
            i += 1
            continue
        j = i + 1
        last = i
        while j < n and (q[j] == q[i] or (q[j] < 0 and j - last <= max_gap)):
            if q[j] == q[i]:
                last = j
            j += 1
        if last + 1 - i >= min_len:
            notes.append(Note(i * hop_s, (last + 1) * hop_s, int(q[i])))
        i = last + 1
    return notes


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
        margin = int(_CONTEXT_S * sr)
        a, b = max(0, start - margin), min(self.n_frames, end + margin)
        x = _mono16k(vocals[a:b], sr)
        times, f0 = _praat_f0(x, self.hop_s)
        h0 = int(np.ceil(start / sr / self.hop_s))
        h1 = min(self.n_hops, int(np.ceil(end / sr / self.hop_s)))
        if h1 <= h0:
            return
        values = _to_grid(times + a / sr, _gate(x, times, f0, self.hop_s), h0, h1 - h0, self.hop_s)
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
        """A stored guide, or ``None`` when missing, damaged or for another length."""
        try:
            with np.load(path, allow_pickle=False) as data:
                f0, meta = data["f0"], data["meta"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError) as e:
            log.warning("ignoring damaged pitch guide %s: %s", path, e)
            return None
        try:
            guide = cls(int(meta[0]), int(meta[1]), float(meta[2]))
        except (IndexError, ValueError):
            return None
        if f0.shape != guide.f0.shape or (n_frames is not None and guide.n_frames != n_frames):
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
        import time

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
                    for a in range(start, end, step):
                        guide.analyse(vocals, a, min(end, a + step))
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


class LivePitch:
    """Streaming f0 of a microphone: feed blocks, read ``(times, f0)`` frames.

    Args:
        sample_rate: the input's rate.
        hop_s: frame spacing (the guide's).

    :meth:`feed` takes ``(n,)`` or ``(n, channels)`` blocks; every
    ``batch_s`` of new audio it tracks the new stretch (with
    :data:`_CONTEXT_S` of context before it). Frame times are in seconds of
    input since the first block. Bounded memory: ``history_s`` of frames are kept.
    """

    def __init__(self, sample_rate: int = 44100, hop_s: float = HOP_S, batch_s: float = 0.05,
                 history_s: float = 30.0):
        import soxr

        self.sample_rate = int(sample_rate)
        self.hop_s = hop_s
        self._resampler = soxr.ResampleStream(self.sample_rate, PITCH_RATE, 1, dtype="float32", quality="MQ") \
            if self.sample_rate != PITCH_RATE else None
        self._buf = np.zeros(0, dtype=np.float64)  # 16 kHz, from sample _buf_start
        self._buf_start = 0
        self._next_hop = 0  # first hop not yet emitted
        self._batch = int(batch_s * PITCH_RATE)
        self._keep = int(history_s / hop_s)
        self.f0 = np.zeros(0, dtype=np.float32)  # emitted frames, hop index _f0_start + i
        self._f0_start = 0
        self.lock = threading.Lock()

    @property
    def first_hop(self) -> int:
        return self._f0_start

    def feed(self, block: np.ndarray) -> int:
        """Add input; returns how many new frames were emitted."""
        x = np.asarray(block, dtype=np.float32)
        if x.ndim == 2:
            x = x.mean(axis=1)
        if self._resampler is not None:
            x = self._resampler.resample_chunk(x)
        self._buf = np.concatenate([self._buf, x.astype(np.float64)])
        end = self._buf_start + self._buf.size
        hop = int(self.hop_s * PITCH_RATE)
        margin = int(_CONTEXT_S * PITCH_RATE)
        if end - self._next_hop * hop < self._batch + margin:
            return 0
        # Frames whose centres are at least one margin before the end are final.
        last_hop = (end - margin) // hop
        a = max(self._buf_start, self._next_hop * hop - margin)
        seg = self._buf[a - self._buf_start:]
        times, f0 = _praat_f0(seg, self.hop_s)
        values = _to_grid(times + a / PITCH_RATE, _gate(seg, times, f0, self.hop_s), self._next_hop,
                          last_hop - self._next_hop, self.hop_s)
        with self.lock:
            self.f0 = np.concatenate([self.f0, values])
            if self.f0.size > self._keep:
                drop = self.f0.size - self._keep
                self.f0 = self.f0[drop:]
                self._f0_start += drop
        self._next_hop = last_hop
        keep_from = max(self._buf_start, last_hop * hop - 2 * margin)
        self._buf = self._buf[keep_from - self._buf_start:]
        self._buf_start = keep_from
        return values.size

    def frames(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times, f0)`` of the kept frames (times in seconds of input)."""
        with self.lock:
            f0 = self.f0.copy()
            start = self._f0_start
        return (start + np.arange(f0.size)) * self.hop_s, f0
