"""Training data from ../shared/data (skipped where it is absent)."""

import numpy as np
import pytest

from soundnet_app.separation.transforms import MODEL_BINS
from soundnet_app.training import data

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


def test_change_speed_scales_length_and_pitch():
    from soundnet_app.audio.formats import SAMPLE_RATE

    t = np.arange(SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * 440 * t)[:, None].repeat(2, axis=1)
    faster = data.change_speed(tone, 1.06)
    assert faster.shape == (round(SAMPLE_RATE / 1.06), 2) and faster.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(faster[:, 0]))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(faster)
    assert abs(peak_hz - 440 * 1.06) < 2
    assert data.change_speed(tone, 1.0) is tone


def test_bank_has_one_entry_per_track_and_speed(musdb_root):
    paths = data.list_stem_tracks(musdb_root, "train", "train")[:2]
    bank = data.spectrogram_bank(paths, speeds=(0.9, 1.0, 1.1))
    assert len(bank) == 6
    frames = [b.shape[1] for b in bank[:3]]
    assert frames[0] > frames[1] > frames[2]  # slower audio is longer


def test_mir1k_voices_are_mono_and_mixed_in_stereo(musdb_root, mir1k_root):
    voices = data.mir1k_voice_bank(mir1k_root, max_clips=3, seed=0)
    assert len(voices) == 3
    assert all(v.shape[1:] == (MODEL_BINS, 1) and v.flags.owndata for v in voices)
    bank = data.spectrogram_bank(data.list_stem_tracks(musdb_root, "train", "train")[:2])
    config = data.RemixConfig(frames=64, mir1k_prob=1.0, silence_prob=0.0)
    x, y = data.RemixDataset(bank, config, voices, seed=0).batch(3)
    assert x.shape == (3, 64, MODEL_BINS, 2)
    # The voice sits in the centre; MIR-1K has nothing above 8 kHz (bin 743).
    np.testing.assert_allclose(y[..., 0], y[..., 1], rtol=1e-5)
    high = y[:, :, 800:, :2].sum() / y[..., :2].sum()
    assert high < 0.01


def test_pack_round_trip_remixes_like_stem_files(musdb_root, tmp_path):
    """A compact Vorbis pack (to carry to a GPU machine) reads back as accompaniment + vocals."""
    paths = data.list_stem_tracks(musdb_root, "train", "valid")[:2]
    data.write_pack(paths, tmp_path / "train")
    packed = data.list_stem_tracks(tmp_path, "train", "valid")
    assert [p.name for p in packed] == [data.stem_track_name(p) for p in paths]
    original = data.read_stems(paths[0], ("drums", "bass", "other", "vocals"))
    stems = data.read_stems(packed[0], ("mixture", "accompaniment", "vocals"))
    np.testing.assert_allclose(stems["mixture"], stems["accompaniment"] + stems["vocals"], atol=1e-6)
    reference = original["vocals"][: stems["vocals"].shape[0]]
    error = np.sum((stems["vocals"] - reference) ** 2) / np.sum(reference**2)
    assert error < 0.03  # lossy, but within -15 dB of the original stem
    bank = data.spectrogram_bank(packed)
    assert bank[0].shape[0] == 2 and bank[0].shape[2:] == (MODEL_BINS, 2)
    x, y = data.RemixDataset(bank, data.RemixConfig(frames=64), seed=0).batch(2)
    assert x.shape == (2, 64, MODEL_BINS, 2) and y.shape == (2, 64, MODEL_BINS, 4)


def test_extra_accompaniments_replace_the_accompaniment(musdb_root, tmp_path):
    import soundfile as sf

    bank = data.spectrogram_bank(data.list_stem_tracks(musdb_root, "train", "train")[:2])
    clip = tmp_path / "extra.wav"
    t = np.arange(44100 * 3) / 44100
    sf.write(clip, np.stack([np.sin(2 * np.pi * 220 * t)] * 2, axis=1).astype(np.float32) * 0.5, 44100)
    extras = data.accompaniment_bank([clip])
    config = data.RemixConfig(frames=64, extra_prob=1.0, silence_prob=0.0, gain_range=(1.0, 1.0), swap_prob=0.0)
    _, y = data.RemixDataset(bank, config, seed=0, accompaniments=extras).batch(1)
    accompaniment = y[0, ..., 2:]
    assert accompaniment[:, 20].mean() > 100 * accompaniment[:, 200].mean()  # all its energy at 220 Hz (bin 20)


@pytest.mark.slow
def test_screening_keeps_instrumentals_and_drops_sung_clips(musdb_root, separator, tmp_path):
    """The separator's vocal share tells a sung clip from an instrumental one."""
    import soundfile as sf

    path = data.list_stem_tracks(musdb_root, "train", "valid")[1]  # Actions - One Minute Smile
    stems = data.read_stems(path, ("mixture", "drums", "bass", "other"))
    sources = tmp_path / "src"
    sources.mkdir()
    sf.write(sources / "instrumental.wav", stems["drums"] + stems["bass"] + stems["other"], 44100)
    sf.write(sources / "sung.wav", stems["mixture"], 44100)
    records = data.screen_accompaniments(sorted(sources.glob("*.wav")), separator, tmp_path / "out", segment_s=5.0)
    kept = {r["file"].rsplit("/", 1)[-1]: r["kept"] for r in records}
    assert kept == {"instrumental.wav": True, "sung.wav": False}
    assert [p.name for p in (tmp_path / "out").glob("*.ogg")] == ["src-instrumental-0.ogg"]
