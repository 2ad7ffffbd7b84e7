"""Short-time Fourier transform of stereo audio, in NumPy.

Audio arrays are ``(samples, channels)`` float32 at :data:`SAMPLE_RATE`.
Spectrograms are ``(frames, bins, channels)`` complex64 with
``bins = N_FFT // 2 + 1``. Frames are centred: frame ``t`` covers samples
``t * HOP - N_FFT // 2 ... t * HOP + N_FFT // 2`` (the signal is reflect-padded
at both ends), so a signal of ``n`` samples has ``n // HOP + 1`` frames and
:func:`istft` inverts :func:`stft` exactly.
"""

from __future__ import annotations

import functools

import numpy as np

N_FFT = 4096
HOP = 1024
N_BINS = N_FFT // 2 + 1
# The network sees bins 0..MODEL_BINS-1 (0 - 11 kHz); vocals above get no mask.
MODEL_BINS = 1024

_WINDOW = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann


def n_frames(n_samples: int) -> int:
    """Number of STFT frames for a signal of ``n_samples``."""
    return n_samples // HOP + 1


def stft(audio: np.ndarray) -> np.ndarray:
    """``(samples, channels)`` float -> ``(frames, N_BINS, channels)`` complex64."""
    audio = np.asarray(audio, dtype=np.float32)
    n, channels = audio.shape
    pad = N_FFT // 2
    mode = "reflect" if n > pad else "constant"
    padded = np.pad(audio, ((pad, pad), (0, 0)), mode=mode)
    frames = n_frames(n)
    shape = (frames, N_FFT, channels)
    strides = (padded.strides[0] * HOP, padded.strides[0], padded.strides[1])
    windows = np.lib.stride_tricks.as_strided(padded, shape=shape, strides=strides, writeable=False)
    import scipy.fft  # pocketfft in float32, several times faster than numpy.fft; imported late to keep start-up fast

    return scipy.fft.rfft(windows * _WINDOW[None, :, None], axis=1).astype(np.complex64, copy=False)


def istft(spec: np.ndarray, n_samples: int) -> np.ndarray:
    """``(frames, N_BINS, channels)`` complex -> ``(n_samples, channels)`` float32.

    Weighted overlap-add with the squared-window normalisation.
    """
    frames, _, channels = spec.shape
    pad = N_FFT // 2
    length = (frames - 1) * HOP + N_FFT
    out = np.zeros((length, channels), dtype=np.float32)
    import scipy.fft

    segments = scipy.fft.irfft(spec, n=N_FFT, axis=1).astype(np.float32, copy=False)
    segments *= _WINDOW[None, :, None]
    # Overlap-add in N_FFT // HOP interleaved passes: frames in one pass do not
    # overlap, so each pass is a single vectorised add.
    step = N_FFT // HOP
    for phase in range(min(step, frames)):
        block = segments[phase::step].reshape(-1, channels)
        out[phase * HOP : phase * HOP + block.shape[0]] += block
    norm = _window_envelope(frames)[pad : pad + n_samples]
    return out[pad : pad + n_samples] / norm[:, None]


@functools.lru_cache(maxsize=8)
def _window_envelope(frames: int) -> np.ndarray:
    """Sum of squared windows over ``frames`` overlapping frames (the istft divisor)."""
    length = (frames - 1) * HOP + N_FFT
    envelope = np.zeros(length, dtype=np.float32)
    window_sq = _WINDOW**2
    for t in range(frames):
        envelope[t * HOP : t * HOP + N_FFT] += window_sq
    return np.maximum(envelope, 1e-8)
