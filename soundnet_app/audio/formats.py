"""The app's audio conventions: the sample rate everything runs at."""

from __future__ import annotations

SAMPLE_RATE = 44100  # every array in the app is (samples, 2) float32 at this rate
