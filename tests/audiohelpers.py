"""Shared by the audio tests: test tones, their checks, and files encoded with FFmpeg."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from soundnet_app.audio.formats import SAMPLE_RATE

LEFT_HZ, RIGHT_HZ = 440.0, 660.0


def tones(seconds: float, rate: int, freqs=(LEFT_HZ, RIGHT_HZ), amp: float = 0.4) -> np.ndarray:
    """``(n, len(freqs))`` float32: one sine per channel."""
    t = np.arange(int(round(seconds * rate))) / rate
    return np.stack([amp * np.sin(2 * np.pi * f * t) for f in freqs], axis=1).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Frequency of the strongest spectral peak, refined by parabolic interpolation."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-12)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / len(x)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def encode_av(path: Path, audio: np.ndarray, rate: int, codec: str, container: str,
              tags: dict | None = None, video: bool = False) -> Path:
    """Encode ``(n, channels)`` float audio with PyAV (for formats libsndfile cannot write)."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[audio.shape[1]]
    with av.open(str(path), "w", format=container) as out:
        out.metadata.update(tags or {})
        stream = out.add_stream(codec, rate=rate, layout=layout)
        stream.bit_rate = 128000
        if video:
            vstream = out.add_stream("mpeg4", rate=10)
            vstream.width = vstream.height = 32
            vstream.pix_fmt = "yuv420p"
        for i in range(0, len(audio), 1024):  # PyAV re-frames to the codec's frame size
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[i : i + 1024].T), format="fltp",
                                               layout=layout)
            frame.rate, frame.pts = rate, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if video:
            for k in range(int(len(audio) / rate * 10)):
                vframe = av.VideoFrame(32, 32, "yuv420p")
                vframe.pts = k
                out.mux(vstream.encode(vframe))
            out.mux(vstream.encode(None))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_tones(audio: np.ndarray, seconds: float, tol_s: float = 0.1) -> None:
    """Stereo float32 at 44.1 kHz, right length, 440 Hz left / 660 Hz right at the right level."""
    assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[1] == 2
    assert audio.flags.c_contiguous
    assert abs(len(audio) - seconds * SAMPLE_RATE) <= tol_s * SAMPLE_RATE
    mid = audio[len(audio) // 4 : 3 * len(audio) // 4]
    assert peak_hz(mid[:, 0]) == pytest.approx(LEFT_HZ, abs=2)
    assert peak_hz(mid[:, 1]) == pytest.approx(RIGHT_HZ, abs=2)
    for ch in range(2):
        assert rms(mid[:, ch]) == pytest.approx(0.4 / np.sqrt(2), rel=0.15)
