"""Training data from ../shared/data (skipped where it is absent)."""

import numpy as np
import pytest

from soundnet_app import data
from soundnet_app.transforms import MODEL_BINS

pytestmark = pytest.mark.data


def test_validation_split_is_the_standard_14(musdb_root):
    valid = data.list_stem_tracks(musdb_root, "train", "valid")
    train = data.list_stem_tracks(musdb_root, "train", "train")
    assert sorted(data.stem_track_name(p) for p in valid) == sorted(data.VALIDATION_TRACKS)
    assert not {p.name for p in valid} & {p.name for p in train}
    assert len(train) >= 80


def test_stems_decode_and_add_up_to_the_mixture(musdb_root):
    path = data.list_stem_tracks(musdb_root, "train", "valid")[0]
    stems = data.read_stems(path, ("mixture", "drums", "bass", "other", "vocals"))
    shapes = {a.shape for a in stems.values()}
    assert len(shapes) == 1 and shapes.pop()[1] == 2
    total = stems["drums"] + stems["bass"] + stems["other"] + stems["vocals"]
    residual = np.sum((stems["mixture"] - total) ** 2) / np.sum(stems["mixture"] ** 2)
    assert residual < 0.1  # the README measures 20-35 dB SNR (one track 7 dB)


def test_remix_batches(musdb_root):
    bank = data.spectrogram_bank(data.list_stem_tracks(musdb_root, "train", "train")[:3])
    assert bank[0].shape[0] == 4 and bank[0].shape[2:] == (MODEL_BINS, 2)
    dataset = data.RemixDataset(bank, data.RemixConfig(frames=64), seed=0)
    x, y = dataset.batch(4)
    assert x.shape == (4, 64, MODEL_BINS, 2) and y.shape == (4, 64, MODEL_BINS, 4)
    # |vocals + accompaniment| <= |vocals| + |accompaniment| (triangle inequality).
    assert (x <= y[..., :2] + y[..., 2:] + 1e-3).all()
    x2, _ = dataset.batch(4)
    assert not np.allclose(x, x2), "every batch is a new random remix"
