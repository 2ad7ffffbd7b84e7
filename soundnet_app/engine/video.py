"""Writing an MP4 (H.264 video + AAC audio) from frames and a stereo track, through PyAV. No Qt here.

:func:`write_mp4` pulls frames from a callable (frame ``i`` shows ``i / fps``
seconds), interleaves the audio in step and writes the file atomically
(a hidden partial file, renamed into place when complete): a cancel or a
failure leaves nothing behind. :func:`karaoke_audio` is the track a karaoke
video plays: the karaoke mix at the chosen key, tempo and guide level.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.engine.export import ExportCancelled, render_stems
from soundnet_app.engine.mix import karaoke_gains, karaoke_mix
from soundnet_app.fileio import atomic_path

FPS = 25
AUDIO_KBPS = 192
AAC_FRAME = 1024  # samples per AAC frame
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def karaoke_audio(vocals: np.ndarray, instrumental: np.ndarray, *, key: int = 0, tempo: float = 1.0,
                  vocal_level: float = 0.0, instrumental_level: float = 1.0, mute: bool = False) -> np.ndarray:
    """The karaoke mix, ``(round(n / tempo), 2)`` float32 clipped to [-1, 1], of ``(n, 2)`` stems."""
    guide = vocals if karaoke_gains(vocal_level, mute=mute)[0] else None  # rendered only when heard
    instrumental, guide = render_stems(instrumental, guide, key=key, tempo=tempo)
    return np.clip(karaoke_mix(guide, instrumental, vocal_level, instrumental_level, mute=mute), -1.0, 1.0)


Picture = tuple[np.ndarray, int, int]  # (height, width, 4) uint8 BGRA, and the rows [top, bottom) that changed


def write_mp4(path: str | Path, audio: np.ndarray, frame_at: Callable[[int], Picture | None], *, fps: int = FPS,
              size: tuple[int, int] = SIZES["720p"], sample_rate: int = SAMPLE_RATE, crf: int = 23,
              preset: str = "ultrafast", progress: Callable[[float], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> Path:
    """Write ``path``: ``audio`` (``(n, 2)`` float32) and as many frames as it lasts.

    ``frame_at(i)`` returns frame ``i`` as ``(picture, top, bottom)``: ``(height, width, 4)``
    uint8 BGRA (a ``QImage``'s ``Format_RGB32`` bytes on little-endian machines) of ``size`` =
    ``(width, height)`` and the rows that differ from frame ``i - 1`` (all of them for frame 0);
    or ``None`` when it looks the same as frame ``i - 1`` (then nothing is encoded: the picture
    is held until the next one, a variable frame rate). Only the changed rows are converted
    to YUV (the lyrics move, the background stays). x264's ``ultrafast`` preset: karaoke frames
    are still pictures, small at any preset; chroma is sampled by point (4x faster, sharp text).
    Raises :class:`~soundnet_app.engine.export.ExportCancelled` when ``cancel()`` turns true,
    ``OSError``/``av.FFmpegError`` from the disk or the encoder; the target is then untouched.
    """
    path = Path(path)
    width, height = size
    n = audio.shape[0]
    n_frames = max(1, int(np.ceil(n / sample_rate * fps)))
    samples = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).T)  # planar: (2, n)
    with atomic_path(path, suffix=".mp4") as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": preset, "tune": "stillimage"}
        sound = container.add_stream("aac", rate=sample_rate)
        sound.layout = "stereo"
        sound.bit_rate = AUDIO_KBPS * 1000
        sound.options = {"aac_coder": "fast"}  # the default two-loop search costs 4x the time for no audible gain
        i420 = np.zeros((height * 3 // 2, width), dtype=np.uint8)  # the frame as YUV 4:2:0, planes one after another
        audio_encoder = _AudioEncoder(sound, samples, sample_rate)
        audio_encoder.start()
        try:
            for i in range(n_frames):
                if cancel is not None and cancel():
                    raise ExportCancelled()
                shown = frame_at(i)
                if shown is not None or i == 0:
                    _convert_rows(i420, *(shown if shown is not None else (np.zeros((height, width, 4), np.uint8),
                                                                           0, height)))
                    frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
                if shown is not None or i == 0 or i == n_frames - 1:  # a repeated picture is just held (VFR)
                    frame.pts = i
                    for packet in video.encode(frame):
                        container.mux(packet)
                audio_encoder.mux_ready(container)
                if progress is not None and i % fps == 0:
                    progress(i / n_frames)
            for packet in video.encode(None):
                container.mux(packet)
        except BaseException:
            audio_encoder.abort()
            raise
        audio_encoder.finish(container)
    if progress is not None:
        progress(1.0)
    return path


def _convert_rows(i420: np.ndarray, picture: np.ndarray, top: int, bottom: int) -> None:
    """Convert rows ``top:bottom`` of the BGRA ``picture`` into the I420 buffer ``i420`` (``(h * 3 / 2, w)``)."""
    height, width = picture.shape[:2]
    top, bottom = max(0, top - top % 2), min(height, bottom + bottom % 2)  # whole chroma rows
    if bottom <= top:
        return
    band = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture[top:bottom]), format="bgra")
    yuv = band.reformat(format="yuv420p", interpolation="POINT").to_ndarray().reshape(-1)
    rows, half = bottom - top, width // 2
    flat = i420.reshape(-1)
    flat[top * width:bottom * width] = yuv[: rows * width]
    for k in range(2):  # U, then V: (height / 2, width / 2) each
        plane = flat[height * width + k * (height // 2) * half:][: (height // 2) * half].reshape(height // 2, half)
        source = yuv[rows * width + k * (rows // 2) * half:][: (rows // 2) * half]
        plane[top // 2:bottom // 2] = source.reshape(rows // 2, half)


class _AudioEncoder(threading.Thread):
    """Encodes the whole track to AAC on its own thread (PyAV lets go of the GIL while FFmpeg encodes,
    so it runs beside the frames' drawing); the writer muxes its packets as they come."""

    def __init__(self, stream, samples: np.ndarray, sample_rate: int):
        super().__init__(name="aac-encoder", daemon=True)
        self.stream, self.samples, self.sample_rate = stream, samples, sample_rate
        self.packets: collections.deque = collections.deque()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            n = self.samples.shape[1]
            for a in range(0, n, AAC_FRAME):
                if self.stop.is_set():
                    return
                frame = av.AudioFrame.from_ndarray(self.samples[:, a:a + AAC_FRAME], format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = self.sample_rate, a
                self.packets.extend(self.stream.encode(frame))
            self.packets.extend(self.stream.encode(None))
        except BaseException as e:  # noqa: BLE001 - handed to the writer's thread, raised there
            self.error = e

    def mux_ready(self, container) -> None:
        while self.packets:
            container.mux(self.packets.popleft())

    def abort(self) -> None:
        """Stop encoding (the video failed or was cancelled)."""
        self.stop.set()
        self.join()

    def finish(self, container) -> None:
        """Wait for the whole track and mux the rest."""
        self.join()
        if self.error is not None:
            raise self.error
        self.mux_ready(container)
