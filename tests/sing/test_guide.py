"""The pitch guide: built chunk by chunk (in order or not, on the builder thread), stored and loaded."""

from __future__ import annotations

import numpy as np
from voice import MELODY, SR, cents_error, sung_notes

from soundnet_app.sing.guide import GuideBuilder, PitchGuide, guide_path
from soundnet_app.sing.pitch import hz_to_midi, track_pitch


def test_guide_built_chunk_by_chunk_matches_whole_song(tmp_path):
    audio, true = sung_notes(MELODY, 5.5, seed=3)
    vocals = np.stack([audio, audio], axis=1)
    guide = PitchGuide(vocals.shape[0], SR)
    whole = track_pitch(vocals, SR)
    # Chunks arrive out of order, as the separator does after a seek.
    bounds = [0, 48000, 100000, 150000, vocals.shape[0]]
    for k in (2, 0, 3, 1):
        assert not guide.complete
        guide.analyse(vocals, bounds[k], bounds[k + 1])
    assert guide.complete
    median, voicing = cents_error(guide.f0, true)
    assert median <= 25 and voicing >= 0.93
    # Chunk edges do not change the result beyond a frame or two.
    assert np.mean(np.abs(hz_to_midi(guide.f0) - hz_to_midi(whole)) < 0.1) > 0.97 or \
        np.mean((guide.f0 > 0) == (whole > 0)) > 0.97
    assert [n.midi for n in guide.notes()] == [m for _, _, m in MELODY]

    path = guide.save(guide_path(tmp_path / "cache", "abc123"))
    assert path.name == "abc123.pitch.npz"
    again = PitchGuide.load(path, vocals.shape[0])
    assert again is not None and np.array_equal(again.f0, guide.f0) and again.complete
    assert PitchGuide.load(path, vocals.shape[0] + 1) is None  # another song length
    path.write_bytes(b"garbage")
    assert PitchGuide.load(path) is None
    assert PitchGuide.load(tmp_path / "missing.npz") is None


def test_builder_thread_fills_the_guide():
    audio, _ = sung_notes(MELODY, 5.5)
    vocals = np.stack([audio, audio], axis=1)
    guide = PitchGuide(vocals.shape[0], SR)
    completed = []
    builder = GuideBuilder(on_complete=completed.append)
    try:
        for a in range(0, vocals.shape[0], SR):
            builder.submit(guide, vocals, a, a + SR)
        builder._queue.join()
    finally:
        builder.stop()
    assert guide.complete and completed == [guide]
    assert builder.seconds > 0
