"""The chunked separator with the bundled model: sums, chunk seams, offsets, cancellation, memory."""

import threading
import tracemalloc

import numpy as np
import pytest

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.synth import synthetic_song


def collect(chunks):
    chunks = list(chunks)
    for before, after in zip(chunks, chunks[1:]):
        assert after.start == before.end, "chunks must be consecutive"
    return chunks


def test_stems_add_up_to_the_mixture(separator):
    song = synthetic_song(25.0, seed=1)
    vocals, instrumental = separator.separate(song)
    assert vocals.shape == instrumental.shape == song.shape
    assert np.abs(vocals + instrumental - song).max() < 1e-4


def test_separates_the_synthetic_voice_at_least_somewhat(separator):
    """The vocal stem must carry real energy, and less than the whole mixture."""
    song = synthetic_song(12.0, seed=2)
    vocals, _ = separator.separate(song)
    ratio = np.sqrt(np.mean(vocals**2) / np.mean(song**2))
    assert 0.01 < ratio < 0.99


def test_long_input_is_covered_in_order(separator):
    song = synthetic_song(50.0, seed=3)
    chunks = collect(separator.separate_array(song))
    assert len(chunks) >= 3
    assert chunks[0].start == 0 and chunks[-1].end == len(song)
    for c in chunks:
        np.testing.assert_allclose(c.vocals + c.instrumental, song[c.start : c.end], atol=1e-4)


def test_the_first_chunk_is_short_so_that_playback_starts_sooner(separator):
    """The first chunk is ~6 s of work (not ~18 s); the rest keep their full length and overlap."""
    song = synthetic_song(50.0, seed=3)
    chunks = collect(separator.separate_array(song))
    assert separator.first_chunk_samples < separator.chunk_samples / 2
    assert chunks[0].end == separator.first_chunk_samples - separator.overlap >= SAMPLE_RATE
    assert chunks[1].end - chunks[1].start == separator.chunk_samples - separator.overlap


def test_no_seam_at_chunk_boundaries(separator):
    """Cross-fading keeps each boundary as smooth as the signal around it."""
    song = synthetic_song(30.0, seed=4)
    chunks = collect(separator.separate_array(song))
    vocals = np.concatenate([c.vocals for c in chunks])
    jumps = np.abs(np.diff(vocals, axis=0)).max(axis=1)
    typical = np.percentile(jumps, 99.9)
    for c in chunks[1:]:
        around = jumps[c.start - 3 : c.start + 3]
        assert around.max() <= typical * 1.5


def test_result_does_not_depend_on_input_block_size(separator):
    song = synthetic_song(24.0, seed=5)
    reference = np.concatenate([c.vocals for c in separator.separate_array(song)])
    for block in (1000, 65536, len(song)):
        blocks = (song[i : i + block] for i in range(0, len(song), block))
        vocals = np.concatenate([c.vocals for c in separator.separate_blocks(blocks)])
        np.testing.assert_allclose(vocals, reference, atol=1e-5)


@pytest.fixture(scope="module")
def scratch_separator(scratch_model_path):
    from soundnet_app.separation.separator import Separator

    return Separator(scratch_model_path)


def _offset_error(separator, song: np.ndarray) -> float:
    """Relative RMS difference of the vocals when separation starts mid-song vs from the start."""
    start = 12 * SAMPLE_RATE + 123
    chunks = collect(separator.separate_array(song, start=start))
    assert chunks[0].start == start and chunks[-1].end == len(song)
    full = np.concatenate([c.vocals for c in separator.separate_array(song)])
    offset = np.concatenate([c.vocals for c in chunks])
    # Away from the new first chunk's edge, both runs see the same audio.
    middle = slice(3 * SAMPLE_RATE, 6 * SAMPLE_RATE)
    err = np.sqrt(np.mean((offset[middle] - full[start:][middle]) ** 2))
    return float(err / (np.sqrt(np.mean(full[start:][middle] ** 2)) + 1e-4))


def test_start_offset(scratch_separator):
    # The synthetic song's tones sit on the edge of what Spleeter calls a voice,
    # so its estimate flips with the STFT frame phase: the chunking logic is
    # checked with the from-scratch model here, and on real music below.
    assert _offset_error(scratch_separator, synthetic_song(30.0, seed=6)) < 0.2


@pytest.mark.data
def test_start_offset_on_real_music(separator, musdb_root):
    from soundnet_app.training import data

    path = data.list_stem_tracks(musdb_root, "train", "valid")[0]
    song = data.read_stems(path, ("mixture",))["mixture"]
    assert _offset_error(separator, np.tile(song, (5, 1))[: 30 * SAMPLE_RATE]) < 0.2


def test_cancel_stops_between_chunks(separator):
    song = synthetic_song(60.0, seed=7)
    cancel = threading.Event()
    seen = []
    for chunk in separator.separate_array(song, cancel=cancel):
        seen.append(chunk)
        cancel.set()
    assert len(seen) == 1


@pytest.mark.parametrize("seconds", [0.0, 1 / SAMPLE_RATE, 0.01, 0.5, 3.0])
def test_short_inputs(separator, seconds):
    song = synthetic_song(seconds, seed=8)
    vocals, instrumental = separator.separate(song)
    assert vocals.shape == song.shape
    assert np.isfinite(vocals).all()
    assert np.abs(vocals + instrumental - song).max() < 1e-4 if len(song) else True


def test_channel_swap_averaging_is_symmetric(model_path):
    from soundnet_app.separation.separator import Separator

    tta = Separator(model_path, swap_channels=True)
    song = synthetic_song(8.0, seed=9)
    vocals, _ = tta.separate(song)
    vocals_swapped, _ = tta.separate(song[:, ::-1].copy())
    np.testing.assert_allclose(vocals_swapped[:, ::-1], vocals, atol=1e-4)


@pytest.mark.slow
def test_memory_does_not_grow_with_song_length(separator):
    """Python-side peak allocations for a 4-minute stream stay those of a 1-minute one."""

    def peak_for(seconds):
        blocks = (synthetic_song(10.0, seed=10, offset_s=o) for o in np.arange(0, seconds, 10.0))
        tracemalloc.start()
        for _ in separator.separate_blocks(blocks):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    short, long = peak_for(60), peak_for(240)
    assert long < short * 1.3


def test_version_changes_with_the_model_and_the_settings(model_path, tmp_path):
    """The stem cache keys on model_version: a new model or setting must not serve stale stems."""
    import shutil

    from soundnet_app.separation.separator import Separator

    base = Separator(model_path)
    assert Separator(model_path).model_version == base.model_version
    own_power = base.settings.mask_power
    assert Separator(model_path, mask_power=own_power).model_version == base.model_version
    assert Separator(model_path, mask_power=own_power + 0.5).model_version != base.model_version
    other = tmp_path / "other.keras"
    shutil.copy(model_path, other)
    with open(other, "ab") as f:
        f.write(b"\0")  # a different file (zip readers ignore trailing bytes)
    assert Separator(other).model_version != base.model_version


@pytest.mark.slow
def test_a_held_note_does_not_change_stem_at_chunk_seams(separator):
    """The frames near a chunk's edge see less music than its centre: they must not decide the seam."""
    from soundnet_app.devtools.seams import seam_energy_ratios

    ratios = seam_energy_ratios(separator)
    assert len(ratios) >= 2
    assert all(0.75 < r < 1.33 for r in ratios), ratios
