"""The public entry point: :class:`Separator` splits a song into vocals and instrumental.

A song is processed in overlapping chunks (about 18 s, overlapping by 4 s; the
first one about 6 s, so that the first separated audio comes about three times sooner).
Each chunk goes through STFT -> U-Net -> soft mask -> inverse STFT on its own,
and neighbouring chunks are cross-faded over the middle of the overlap, so
memory stays bounded for songs of any length, and each output sample comes
from a chunk in which it sits at least a second from the edge (edge frames hear
less of the song: a held note would flip stems there, see :func:`seam_fade`).
The instrumental is always ``mixture - vocals``, so the stems add up to the
mixture exactly.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from soundnet_app.audio.decode import stream_audio
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.probe import probe
from soundnet_app.separation import catalog, filtering, transforms
from soundnet_app.separation.runtime import TIME_MULTIPLE, load_forward
from soundnet_app.separation.transforms import HOP, MODEL_BINS

ProgressCallback = Callable[[float], None]
# The first chunk of a run (~5.9 s): playback and the CLI's first output wait for it alone.
FIRST_CHUNK_FRAMES = 256
# What LoadingSeparator decodes ahead while the model loads: the first chunk plus its overlap (~10 s).
CHUNK_SAMPLES_AHEAD = (FIRST_CHUNK_FRAMES - 1) * HOP + 4 * SAMPLE_RATE


def bundled_model_path() -> Path:
    """The default model (``$SOUNDNET_MODEL`` overrides it); see :mod:`.catalog`."""
    return catalog.default_model_path()


def seam_fade(overlap: int) -> np.ndarray:
    """The next chunk's weight over an ``overlap``-sample seam, ``(overlap,)`` float32 rising 0 -> 1.

    A chunk's frames near its edges see less music around them than its centre and are
    less reliable (a held note can flip between the stems there): over the first and last
    quarter of the overlap each side keeps the chunk in which those samples sit further
    from an edge, and a raised cosine over the middle half hands over between them.
    """
    edge = overlap // 4
    fade = np.zeros(overlap, dtype=np.float32)
    middle = overlap - 2 * edge
    fade[edge : edge + middle] = 0.5 - 0.5 * np.cos(np.pi * (np.arange(middle) + 0.5) / middle)
    fade[edge + middle :] = 1.0
    return fade


@dataclass
class SeparatedChunk:
    """Separated audio for samples ``start .. start + len(vocals)`` of the song.

    ``vocals`` and ``instrumental`` are ``(n, 2)`` float32 and add up to the
    mixture.
    """

    start: int
    vocals: np.ndarray
    instrumental: np.ndarray

    @property
    def end(self) -> int:
        return self.start + self.vocals.shape[0]


class Separator:
    """Separates stereo 44.1 kHz audio with the bundled (or a given) U-Net.

    Args:
        model_path: a ``.keras`` model; ``None`` for the default one.
        The other arguments override the model's tuned
        :class:`~.catalog.SeparationSettings` (its sidecar ``.json``); ``None``
        keeps the model's own value. ``runtime`` and ``precision`` choose what
        runs the network (:mod:`.runtime`; ``None``: the environment, the
        app's setting, else automatic); ``self.runtime`` / ``self.precision``
        say what runs it.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        chunk_frames: int | None = None,
        overlap_seconds: float | None = None,
        swap_channels: bool | None = None,
        wiener_iterations: int | None = None,
        extend_high_band: bool | None = None,
        mask_power: float | None = None,
        runtime: str | None = None,
        precision: str | None = None,
    ):
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        # The model's own tuned settings (its sidecar .json); arguments override them.
        self.settings = catalog.model_info(self.model_path).settings.replace(
            chunk_frames=chunk_frames,
            overlap_seconds=overlap_seconds,
            swap_channels=swap_channels,
            wiener_iterations=wiener_iterations,
            extend_high_band=extend_high_band,
            mask_power=mask_power,
        )
        settings = self.settings
        if settings.chunk_frames % TIME_MULTIPLE:
            raise ValueError(f"chunk_frames must be a multiple of {TIME_MULTIPLE}")
        self._forward = load_forward(self.model_path, runtime=runtime, precision=precision)
        self.runtime, self.precision = self._forward.runtime, self._forward.precision
        self.chunk_samples = (settings.chunk_frames - 1) * HOP
        self.overlap = int(settings.overlap_seconds * SAMPLE_RATE)
        if not 0 < self.overlap < self.chunk_samples // 2:
            raise ValueError("overlap must be shorter than half a chunk")
        # A short first chunk that still hands over a second of its own before the first seam.
        self.first_chunk_samples = min(self.chunk_samples,
                                       max((FIRST_CHUNK_FRAMES - 1) * HOP, self.overlap + SAMPLE_RATE))
        self.swap_channels = settings.swap_channels
        self.wiener_iterations = settings.wiener_iterations
        self.extend_high_band = settings.extend_high_band
        self.mask_power = settings.mask_power
        # What the stem cache keys on: the model file's content and every
        # setting that changes the stems, so a new model never serves stale stems.
        self.model_version = catalog.model_version(self.model_path, settings, self.precision)
        self._fade_in = seam_fade(self.overlap)[:, None]

    # -- one chunk ----------------------------------------------------------

    def _estimate_magnitudes(self, magnitude: np.ndarray) -> np.ndarray:
        """``(frames, MODEL_BINS, 2)`` mixture magnitude -> ``(frames, MODEL_BINS, 4)`` estimates."""
        frames = magnitude.shape[0]
        padded = -(-frames // TIME_MULTIPLE) * TIME_MULTIPLE
        batch = [np.pad(magnitude, ((0, padded - frames), (0, 0), (0, 0)))]
        if self.swap_channels:
            batch.append(batch[0][..., ::-1])
        estimates = self._forward(np.stack(batch))[:, :frames]
        if self.swap_channels:
            # Undo the swap on each source's channel pair before averaging.
            estimates[1] = estimates[1][..., [1, 0, 3, 2]]
            return estimates.mean(axis=0)
        return estimates[0]

    def separate_chunk(self, mixture: np.ndarray) -> np.ndarray:
        """Vocals ``(n, 2)`` float32 of one mixture chunk ``(n, 2)``."""
        spec = transforms.stft(mixture)
        low = spec[:, :MODEL_BINS]
        estimates = self._estimate_magnitudes(np.abs(low))
        vocals, accompaniment = estimates[..., :2], estimates[..., 2:]
        vocal_spec = np.zeros_like(spec)
        if self.wiener_iterations:
            vocal_spec[:, :MODEL_BINS] = filtering.wiener(low, vocals, accompaniment, self.wiener_iterations)
        else:
            vocal_spec[:, :MODEL_BINS] = filtering.ratio_mask(low, vocals, accompaniment, self.mask_power)
        if self.extend_high_band:
            # Above 11 kHz, the vocals take the mean mask of the top modelled octave.
            top = slice(MODEL_BINS // 2, MODEL_BINS)
            mask = np.abs(vocal_spec[:, top]).sum(axis=1) / (np.abs(low[:, top]).sum(axis=1) + 1e-10)
            vocal_spec[:, MODEL_BINS:] = spec[:, MODEL_BINS:] * mask[:, None, :]
        # Otherwise bins above MODEL_BINS stay with the instrumental.
        return transforms.istft(vocal_spec, mixture.shape[0])

    # -- whole songs --------------------------------------------------------

    def separate_blocks(
        self,
        blocks: Iterable[np.ndarray],
        start: int = 0,
        cancel: threading.Event | None = None,
    ) -> Iterator[SeparatedChunk]:
        """Separate a stream of ``(n, 2)`` blocks that begins at sample ``start``.

        Yields consecutive :class:`SeparatedChunk` in order; stops early (between
        chunks) once ``cancel`` is set. Memory holds about two chunks. The
        first chunk is :attr:`first_chunk_samples` long, the others
        :attr:`chunk_samples`; each overlaps the previous one by :attr:`overlap`.
        """
        chunk, overlap = self.first_chunk_samples, self.overlap
        pending: list[np.ndarray] = []
        pending_len = 0
        position = start  # song sample index of the first pending sample
        tail: np.ndarray | None = None  # previous chunk's vocals over the overlap

        def process(mixture: np.ndarray, last: bool) -> SeparatedChunk:
            nonlocal tail
            vocals = self.separate_chunk(mixture)
            if tail is not None:
                n = min(overlap, vocals.shape[0])
                fade = self._fade_in[:n]
                vocals[:n] = tail[:n] * (1.0 - fade) + vocals[:n] * fade
            keep = vocals.shape[0] if last else vocals.shape[0] - overlap
            tail = None if last else vocals[keep:].copy()
            out = vocals[:keep]
            return SeparatedChunk(position, out, mixture[:keep] - out)

        for block in blocks:
            pending.append(np.asarray(block, dtype=np.float32))
            pending_len += block.shape[0]
            while pending_len >= chunk + overlap:  # keep a full chunk after this one
                if cancel is not None and cancel.is_set():
                    return
                buffer = np.concatenate(pending)
                yield process(buffer[:chunk], last=False)
                buffer = buffer[chunk - overlap :]
                position += chunk - overlap
                pending, pending_len = [buffer], buffer.shape[0]
                chunk = self.chunk_samples
        if cancel is not None and cancel.is_set():
            return
        if pending_len:
            buffer = np.concatenate(pending)
            if tail is not None and pending_len <= overlap:
                # Nothing new beyond what the previous chunk already covered.
                vocals = tail[:pending_len]
                yield SeparatedChunk(position, vocals, buffer - vocals)
            else:
                # The last chunk may run up to chunk + overlap samples: one pass.
                yield process(buffer, last=True)

    def separate_array(
        self, audio: np.ndarray, start: int = 0, cancel: threading.Event | None = None
    ) -> Iterator[SeparatedChunk]:
        """Separate ``audio[start:]`` of an in-memory ``(n, 2)`` song, chunk by chunk."""
        step = self.chunk_samples
        blocks = (audio[i : i + step] for i in range(start, audio.shape[0], step))
        return self.separate_blocks(blocks, start=start, cancel=cancel)

    def separate_file(
        self,
        path: str | Path,
        cancel: threading.Event | None = None,
        progress: ProgressCallback | None = None,
        blocks: Iterable[np.ndarray] | None = None,
    ) -> Iterator[SeparatedChunk]:
        """Decode and separate a file in a stream; ``progress`` gets 0..1 per chunk.

        ``blocks``: the file's decoded ``(n, 2)`` blocks if decoding has begun already.
        """
        total = max(1, int(probe(path).duration_s * SAMPLE_RATE))
        blocks = stream_audio(path) if blocks is None else blocks
        for separated in self.separate_blocks(blocks, cancel=cancel):
            if progress is not None:
                progress(min(1.0, separated.end / total))
            yield separated

    def separate(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whole-song convenience: ``(n, 2)`` mixture -> ``(vocals, instrumental)``."""
        vocals = np.empty_like(audio, dtype=np.float32)
        for separated in self.separate_array(audio):
            vocals[separated.start : separated.end] = separated.vocals
        return vocals, np.asarray(audio, dtype=np.float32) - vocals


class LoadingSeparator:
    """A :class:`Separator` that ``load`` builds on a thread; :meth:`separate_file` decodes meanwhile.

    ``soundnet-separate`` starts with one: decoding the first chunk of the
    first song overlaps loading the model. A failure of ``load`` is raised
    by :meth:`result` (and so by :meth:`separate_file`).
    """

    def __init__(self, load: Callable[[], Separator]):
        self._done = threading.Event()
        self._separator: Separator | None = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._separator = load()
            except BaseException as err:  # handed to the caller of result()
                self._error = err
            finally:
                self._done.set()

        # Not a daemon: after a Ctrl+C during the load, the interpreter waits for it (a second or two)
        # instead of tearing down under OpenVINO's compiler (a crash at exit).
        threading.Thread(target=run, name="model-loader").start()

    def result(self) -> Separator:
        """The loaded separator (waits for it)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._separator

    def separate_file(self, path: str | Path, cancel: threading.Event | None = None,
                      progress: ProgressCallback | None = None) -> Iterator[SeparatedChunk]:
        """:meth:`Separator.separate_file`, decoding the first chunk while the model loads."""
        blocks = stream_audio(path)
        decoded: list[np.ndarray] = []
        samples = 0
        while not self._done.is_set() and samples < CHUNK_SAMPLES_AHEAD:
            block = next(blocks, None)
            if block is None:
                break
            decoded.append(block)
            samples += block.shape[0]
        separator = self.result()
        yield from separator.separate_file(path, cancel, progress, blocks=itertools.chain(decoded, blocks))
