import numpy as np
import pytest

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.separation import transforms


@pytest.mark.parametrize("n", [1, 100, 2047, 4096, 44100, 100_003])
def test_istft_inverts_stft(n):
    rng = np.random.default_rng(n)
    audio = rng.standard_normal((n, 2)).astype(np.float32)
    spec = transforms.stft(audio)
    assert spec.shape == (transforms.n_frames(n), transforms.N_BINS, 2)
    assert spec.dtype == np.complex64
    back = transforms.istft(spec, n)
    assert back.shape == (n, 2)
    np.testing.assert_allclose(back, audio, atol=1e-4)


def test_stft_is_linear():
    """Training remixes stems in the STFT domain; that relies on linearity."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((20_000, 2)).astype(np.float32) for _ in range(2))
    np.testing.assert_allclose(
        transforms.stft(0.5 * a + 2 * b), 0.5 * transforms.stft(a) + 2 * transforms.stft(b), atol=1e-2
    )


def test_sine_lands_in_its_bin():
    t = np.arange(44100) / SAMPLE_RATE
    freq = 1000.0
    audio = np.stack([np.sin(2 * np.pi * freq * t)] * 2, axis=1).astype(np.float32)
    peak_bin = np.abs(transforms.stft(audio))[10, :, 0].argmax()
    assert abs(peak_bin * SAMPLE_RATE / transforms.N_FFT - freq) < SAMPLE_RATE / transforms.N_FFT
