"""Helpers shared by the engine tests."""

from __future__ import annotations


def settle(mixer) -> None:
    """Render past any gain ramp of a :class:`PlaybackMixer` (a seek takes two: fade out, jump, fade in)."""
    mixer.render(3 * mixer.ramp_frames)
