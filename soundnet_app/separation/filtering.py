"""From estimated magnitudes to complex source spectrograms.

Shapes: mixture STFT ``(frames, bins, 2)`` complex; magnitude estimates
``(frames, bins, 2)`` per source (vocals, accompaniment); results are
``(frames, bins, 2)`` complex vocal spectrograms.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-10
# The soft-mask exponent p that scored best on the validation split (models/README.md).
DEFAULT_MASK_POWER = 0.5


def ratio_mask(mixture: np.ndarray, vocals: np.ndarray, accompaniment: np.ndarray, power: float) -> np.ndarray:
    """Vocals as a soft mask ``|V|^p / (|V|^p + |A|^p)`` on the mixture, per channel."""
    v = np.power(vocals, power)
    mask = v / (v + np.power(accompaniment, power) + EPS)
    return mixture * mask


def wiener(mixture: np.ndarray, vocals: np.ndarray, accompaniment: np.ndarray, iterations: int = 1) -> np.ndarray:
    """Multichannel Wiener filter refined by expectation-maximisation.

    Each source is modelled as a local Gaussian with a power spectral density
    ``v_j(t, f)`` (the mean over channels of its estimated power) and a 2x2
    spatial covariance ``R_j(f)`` per bin. Starting from the ratio-mask
    estimates, each iteration re-estimates ``v_j`` and ``R_j`` and applies
    ``W_j = v_j R_j (sum_k v_k R_k)^-1`` to the mixture. Unlike independent
    per-channel masks, this uses the stereo image to tell the voice (mostly
    centred) from the instruments.
    """
    estimates = [ratio_mask(mixture, vocals, accompaniment, power=2.0), None]
    estimates[1] = mixture - estimates[0]
    for _ in range(iterations):
        psd, cov = [], []
        for y in estimates:
            v = np.mean(np.abs(y) ** 2, axis=-1)  # (frames, bins)
            # R(f) = sum_t y y^H / sum_t v, with a little diagonal loading.
            r = np.einsum("tfi,tfj->fij", y, np.conj(y)) / (v.sum(axis=0)[:, None, None] + EPS)
            r += 1e-6 * np.eye(2)
            psd.append(v)
            cov.append(r)
        # C(t, f) = sum_j v_j R_j: a 2x2 matrix per time-frequency point.
        cxx = sum(v[..., None, None] * r[None] for v, r in zip(psd, cov))
        inverse = _inverse_2x2(cxx + EPS * np.eye(2))
        gain = psd[0][..., None, None] * np.einsum("fij,tfjk->tfik", cov[0], inverse)
        vocals_spec = np.einsum("tfij,tfj->tfi", gain, mixture)
        estimates = [vocals_spec, mixture - vocals_spec]
    return estimates[0].astype(np.complex64)


def _inverse_2x2(m: np.ndarray) -> np.ndarray:
    """Closed-form inverse of ``(..., 2, 2)`` matrices (much faster than np.linalg.inv)."""
    a, b, c, d = m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1]
    det = a * d - b * c
    det = np.where(np.abs(det) < EPS, EPS, det)
    out = np.empty_like(m)
    out[..., 0, 0], out[..., 0, 1] = d / det, -b / det
    out[..., 1, 0], out[..., 1, 1] = -c / det, a / det
    return out
