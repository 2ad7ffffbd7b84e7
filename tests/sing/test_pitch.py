"""Pitch tracking: synthetic sung notes, a MUSDB18 vocal."""

from __future__ import annotations

import numpy as np
import pytest
from voice import MELODY, SR, cents_error, sung_notes

from soundnet_app.sing.pitch import notes_from_f0, track_pitch


def test_synthetic_sung_notes():
    audio, true = sung_notes(MELODY, 5.5)
    f0 = track_pitch(np.stack([audio, audio], axis=1), SR)
    median, voicing = cents_error(f0, true)
    print(f"synthetic: median error {median:.2f} cents, voicing accuracy {voicing:.3f}")
    assert median <= 25
    assert voicing >= 0.93
    notes = notes_from_f0(f0)
    assert [n.midi for n in notes] == [m for _, _, m in MELODY]
    for note, (start, end, _) in zip(notes, MELODY):
        assert abs(note.start - start) < 0.06 and abs(note.end - end) < 0.06


@pytest.mark.slow
@pytest.mark.data
def test_musdb_validation_vocal_stem(musdb_root):
    """Praat on a real vocal stem against pYIN (an independent tracker) as the reference."""
    librosa = pytest.importorskip("librosa", reason="librosa (the pYIN reference) is not installed")
    from soundnet_app.training.data import list_stem_tracks, read_stems

    tracks = list_stem_tracks(musdb_root, "train", "valid")
    if not tracks:
        pytest.skip(f"no MUSDB18 validation tracks under {musdb_root}")
    path = tracks[0]
    vocals = read_stems(path, ("vocals",))["vocals"]
    # The 20 s with the most vocal energy.
    win = 20 * SR
    energy = np.convolve((vocals ** 2).mean(axis=1)[::441], np.ones(win // 441), "valid")
    start = int(np.argmax(energy)) * 441
    excerpt = vocals[start:start + win]
    est = track_pitch(excerpt, SR)
    import soxr

    x16 = soxr.resample(excerpt.mean(axis=1), SR, 16000)
    ref, voiced, _ = librosa.pyin(x16, fmin=70, fmax=1100, sr=16000, frame_length=1024, hop_length=160,
                                  center=True)
    ref = np.where(voiced & np.isfinite(ref), ref, 0.0)
    median, voicing = cents_error(est, ref)
    print(f"{path.name}: median error {median:.2f} cents on voiced frames, voicing accuracy {voicing:.3f}")
    assert median <= 25
    # The two trackers disagree on breathy and distorted frames (measured 0.68 on
    # "ANiMAL - Rockshow"; calling every frame voiced scores 0.58 there).
    assert voicing >= 0.65
