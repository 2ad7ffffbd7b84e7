"""Training data: MUSDB18 stems and MIR-1K voices, remixed on the fly.

Every source is stored once as its complex STFT (bins ``0..MODEL_BINS-1``).
The STFT is linear, so a remix of stems with gains and channel swaps is a
weighted sum of those spectrograms: augmentation costs no FFT per step.

Shapes: a track's stems are ``(parts + 1, frames, MODEL_BINS, 2)`` complex64:
the accompaniment parts, then the vocals last (MUSDB18 stem files give drums,
bass, other, vocals; a compact training pack, see :func:`write_pack`, gives
accompaniment, vocals). Extra vocal-free accompaniments are
``(frames, MODEL_BINS, 2)``. A batch is ``mixture |X|`` of shape
``(batch, frames, MODEL_BINS, 2)`` and target magnitudes
``(batch, frames, MODEL_BINS, 4)`` (vocals L/R, accompaniment L/R).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile as sf
import soxr

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.fileio import atomic_path
from soundnet_app.separation.transforms import MODEL_BINS, stft

log = logging.getLogger(__name__)

STEM_NAMES = ("drums", "bass", "other", "vocals")
# NI stem files: stream 0 is the mixture, then drums, bass, other, vocals.
STEM_STREAMS = {"mixture": 0, "drums": 1, "bass": 2, "other": 3, "vocals": 4}

# musdb's standard validation list (musdb.DB(subsets="train", split="valid")).
VALIDATION_TRACKS = (
    "Actions - One Minute Smile",
    "Clara Berry And Wooldog - Waltz For My Victims",
    "Johnny Lokke - Promises & Lies",
    "Patrick Talbot - A Reason To Leave",
    "Triviul - Angelsaint",
    "Alexander Ross - Goodbye Bolero",
    "Fergessen - Nos Palpitants",
    "Leaf - Summerghost",
    "Skelpolu - Human Mistakes",
    "Young Griffo - Pennies",
    "ANiMAL - Rockshow",
    "James May - On The Line",
    "Meaxic - Take A Step",
    "Traffic Experiment - Sirens",
)


PACK_STEMS = ("accompaniment", "vocals")
PACK_SUFFIX = ".ogg"


def stem_track_name(path: Path) -> str:
    """``".../Artist - Title.stem.mp4"`` (or a pack's track folder) -> ``"Artist - Title"``."""
    return path.name.removesuffix(".stem.mp4")


def list_stem_tracks(root: str | Path, subset: str = "train", split: str | None = None) -> list[Path]:
    """Stem files of a MUSDB18-style root.

    Args:
        root: folder holding ``train/`` and/or ``test/`` with ``*.stem.mp4``
            files, or with one folder per track as :func:`write_pack` makes.
        subset: ``"train"`` or ``"test"``.
        split: for the train subset, ``"train"`` (minus validation), ``"valid"``
            (the 14 validation tracks) or ``None`` (all).
    """
    folder = Path(root) / subset
    paths = sorted(folder.glob("*.stem.mp4")) or sorted(
        p for p in folder.glob("*") if (p / f"vocals{PACK_SUFFIX}").is_file()
    )
    if subset == "train" and split is not None:
        valid = set(VALIDATION_TRACKS)
        keep_valid = split == "valid"
        paths = [p for p in paths if (stem_track_name(p) in valid) == keep_valid]
    return paths


def read_stem_stream(path: str | Path, stream: int) -> np.ndarray:
    """Decode one stream of an NI stem file to ``(samples, 2)`` float32 at 44.1 kHz."""
    with av.open(str(path)) as container:
        audio_stream = container.streams.audio[stream]
        if audio_stream.rate != SAMPLE_RATE:
            raise ValueError(f"{path}: stream {stream} is {audio_stream.rate} Hz, expected {SAMPLE_RATE}")
        channels = audio_stream.channels
        blocks = [
            # Planar frames are (channels, n); packed ones (1, n * channels).
            frame.to_ndarray() if frame.format.is_planar else frame.to_ndarray().reshape(-1, channels).T
            for frame in container.decode(audio=stream)
        ]
    audio = np.concatenate(blocks, axis=1).T  # (channels, n) -> (n, channels)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    return np.ascontiguousarray(audio, dtype=np.float32)


def read_stems(path: str | Path, names: tuple[str, ...] = STEM_NAMES) -> dict[str, np.ndarray]:
    """Decode the named streams of an NI stem file, trimmed to a common length.

    For a pack's track folder, ``names`` may only ask for ``mixture``,
    ``accompaniment`` and ``vocals`` (the mixture is their sum).
    """
    path = Path(path)
    if path.is_dir():
        pack = {n: sf.read(str(path / f"{n}{PACK_SUFFIX}"), dtype="float32", always_2d=True)[0] for n in PACK_STEMS}
        n = min(a.shape[0] for a in pack.values())
        pack = {k: a[:n] for k, a in pack.items()}
        pack["mixture"] = pack["accompaniment"] + pack["vocals"]
        return {name: pack[name] for name in names}
    stems = {name: read_stem_stream(path, STEM_STREAMS[name]) for name in names}
    n = min(a.shape[0] for a in stems.values())
    return {name: a[:n] for name, a in stems.items()}


def change_speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play ``(samples, channels)`` audio ``factor`` times faster: tempo and pitch both scale.

    A factor of 1.06 raises the pitch by about one semitone and shortens the
    audio by 6 %. Done by resampling, so it costs no phase vocoder artefacts.
    """
    if factor == 1.0:
        return audio

    return soxr.resample(audio, SAMPLE_RATE * factor, SAMPLE_RATE, quality="HQ").astype(np.float32)


def track_stem_names(path: Path) -> tuple[str, ...]:
    """The stems a track is stored as: accompaniment parts first, vocals last."""
    return PACK_STEMS if Path(path).is_dir() else STEM_NAMES


def spectrogram_bank(paths: list[Path], speeds: tuple[float, ...] = (1.0,)) -> list[np.ndarray]:
    """Stem spectrograms ``(parts + 1, frames, MODEL_BINS, 2)`` for each track and speed.

    With several ``speeds`` (see :func:`change_speed`) every track appears once
    per speed, track by track; all four stems of an entry share the speed, so
    an unremixed example is still a coherent song.
    """
    bank = []
    for path in paths:
        names = track_stem_names(path)
        stems = read_stems(path, names)
        for speed in speeds:
            bank.append(
                np.stack([stft(change_speed(stems[name], speed))[:, :MODEL_BINS] for name in names])
            )
        log.info("loaded %s", stem_track_name(path))
    return bank


def mir1k_voice_bank(root: str | Path, max_clips: int | None = None, seed: int = 0) -> list[np.ndarray]:
    """MIR-1K singing voices as mono spectrograms ``(frames, MODEL_BINS, 1)``.

    The clips are 16 kHz (no energy above 8 kHz); they are resampled to
    44.1 kHz. The voice is the right channel; it is kept mono to halve the
    memory, and :class:`RemixDataset` places it in the centre of the mix.
    """
    paths = sorted(Path(root).glob("*.opus"))
    if max_clips is not None and len(paths) > max_clips:
        rng = np.random.default_rng(seed)
        paths = [paths[i] for i in sorted(rng.choice(len(paths), max_clips, replace=False))]
    bank = []
    for path in paths:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        voice = soxr.resample(audio[:, 1], rate, SAMPLE_RATE).astype(np.float32)
        # A copy, not a view: a view would keep all N_BINS of the STFT alive.
        bank.append(np.ascontiguousarray(stft(voice[:, None])[:, :MODEL_BINS]))
    return bank


def accompaniment_bank(paths: list[Path]) -> list[np.ndarray]:
    """Vocal-free accompaniment clips (any file soundfile reads, 44.1 kHz stereo) as spectrograms."""
    bank = []
    for path in paths:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        if rate != SAMPLE_RATE or audio.shape[1] != 2:
            log.warning("skipped %s: %d Hz, %d channels", path, rate, audio.shape[1])
            continue
        bank.append(np.ascontiguousarray(stft(audio)[:, :MODEL_BINS]))
    return bank


def _write_vorbis(path: Path, audio: np.ndarray, quality: float) -> None:
    """Ogg Vorbis at ``quality`` (0..1), written under a temporary name and renamed into place."""
    with atomic_path(path) as partial:
        # Vorbis clips above full scale; stems summed from MUSDB rarely reach it.
        sf.write(str(partial), np.clip(audio, -1, 1), SAMPLE_RATE, format="OGG", subtype="VORBIS",
                 compression_level=1.0 - quality)


def write_pack(paths: list[Path], out: str | Path, quality: float = 0.5) -> None:
    """Re-encode stem files as a compact training pack: ``out/<track>/{accompaniment,vocals}.ogg``.

    Ogg Vorbis at ``quality`` (0..1) is about a tenth of the PCM size, small
    enough to carry the training set to a GPU machine. The accompaniment is
    drums + bass + other; the pack's mixture is accompaniment + vocals.
    """
    for path in paths:
        stems = read_stems(path)
        folder = Path(out) / stem_track_name(path)
        folder.mkdir(parents=True, exist_ok=True)
        parts = {"accompaniment": stems["drums"] + stems["bass"] + stems["other"], "vocals": stems["vocals"]}
        for name, audio in parts.items():
            _write_vorbis(folder / f"{name}{PACK_SUFFIX}", audio, quality)


def screen_accompaniments(
    paths: list[Path], separator, out: str | Path, segment_s: float = 20.0, per_file: int = 1,
    max_vocal_db: float = -20.0, quality: float = 0.0, seed: int = 0,
) -> list[dict]:
    """Cut vocal-free clips from instrumental music, checked with a separator.

    From each file, ``per_file`` random ``segment_s`` excerpts are separated;
    an excerpt whose separated vocals carry more than ``max_vocal_db`` of the
    mixture's energy (a choir, a chant, a sung line) is dropped, the rest are
    written to ``out`` as Ogg Vorbis at ``quality``. Returns one record per
    excerpt (``file``, ``start_s``, ``vocal_db``, ``kept``).
    """
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    segment = int(segment_s * SAMPLE_RATE)
    for path in paths:
        try:
            audio, _info = read_audio(path)
        except Exception as err:  # a damaged file is skipped, not fatal
            log.warning("skipped %s: %s", path, err)
            continue
        if audio.shape[0] < segment:
            continue
        for k in range(per_file):
            start = int(rng.integers(0, audio.shape[0] - segment + 1))
            clip = audio[start : start + segment]
            vocals, _ = separator.separate(clip)
            ratio = float(np.sum(vocals.astype(np.float64) ** 2) / (np.sum(clip.astype(np.float64) ** 2) + 1e-12))
            vocal_db = 10 * np.log10(ratio + 1e-12)
            kept = vocal_db <= max_vocal_db
            records.append({"file": str(path), "start_s": start / SAMPLE_RATE, "vocal_db": vocal_db, "kept": bool(kept)})
            if kept:
                _write_vorbis(out / f"{path.parent.name}-{path.stem}-{k}{PACK_SUFFIX}", clip, quality)
    return records


@dataclass
class RemixConfig:
    """On-the-fly augmentation settings."""

    frames: int = 256
    remix_prob: float = 0.8  # each accompaniment stem comes from a random other track
    gain_range: tuple[float, float] = (0.25, 1.25)
    swap_prob: float = 0.5
    mir1k_prob: float = 0.0  # chance that the voice is a MIR-1K clip
    silence_prob: float = 0.05  # chance of an instrumental-only example
    extra_prob: float = 0.0  # chance that the accompaniment is an extra vocal-free clip


class RemixDataset:
    """Random remixes of stems across tracks, as ``(mixture |X|, target |S|)`` batches."""

    def __init__(
        self,
        tracks: list[np.ndarray],
        config: RemixConfig,
        voices: list[np.ndarray] | None = None,
        seed: int = 0,
        accompaniments: list[np.ndarray] | None = None,
    ):
        self.tracks = [t for t in tracks if t.shape[1] >= config.frames]
        if len({t.shape[0] for t in self.tracks}) > 1:
            raise ValueError("all tracks must have the same stems to be remixed")
        self.voices = [v for v in voices or [] if v.shape[0] >= config.frames]
        self.accompaniments = [a for a in accompaniments or [] if a.shape[0] >= config.frames]
        self.config = config
        self.rng = np.random.default_rng(seed)

    def _excerpt(self, spec: np.ndarray) -> np.ndarray:
        """Random ``frames``-long excerpt along the frame axis (axis -3)."""
        n = spec.shape[-3]
        start = self.rng.integers(0, n - self.config.frames + 1)
        return spec[..., start : start + self.config.frames, :, :]

    def _augment(self, spec: np.ndarray) -> np.ndarray:
        """Random gain and channel swap of one ``(frames, bins, 2)`` source."""
        gain = self.rng.uniform(*self.config.gain_range)
        if self.rng.random() < self.config.swap_prob:
            spec = spec[..., ::-1]
        return spec * np.float32(gain)

    def example(self) -> tuple[np.ndarray, np.ndarray]:
        """One remix: ``(frames, bins, 2)`` mixture magnitude, ``(frames, bins, 4)`` targets."""
        cfg, rng = self.config, self.rng
        base = self.tracks[rng.integers(len(self.tracks))]
        accompaniment = 0
        if self.accompaniments and rng.random() < cfg.extra_prob:
            extra = self.accompaniments[rng.integers(len(self.accompaniments))]
            accompaniment = self._augment(self._excerpt(extra))
        else:
            for stem in range(base.shape[0] - 1):
                track = self.tracks[rng.integers(len(self.tracks))] if rng.random() < cfg.remix_prob else base
                accompaniment = accompaniment + self._augment(self._excerpt(track[stem]))
        if rng.random() < cfg.silence_prob:
            vocals = np.zeros_like(accompaniment)
        elif self.voices and rng.random() < cfg.mir1k_prob:
            voice = self._excerpt(self.voices[rng.integers(len(self.voices))])
            vocals = self._augment(np.repeat(voice, 2, axis=-1))
        else:
            vocals = self._augment(self._excerpt(base[-1]))
        mixture = vocals + accompaniment
        target = np.concatenate([np.abs(vocals), np.abs(accompaniment)], axis=-1)
        return np.abs(mixture), target

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``(size, frames, bins, 2)`` inputs and ``(size, frames, bins, 4)`` targets."""
        pairs = [self.example() for _ in range(size)]
        return (
            np.stack([p[0] for p in pairs]).astype(np.float32),
            np.stack([p[1] for p in pairs]).astype(np.float32),
        )


def validation_batch(tracks: list[np.ndarray], frames: int) -> tuple[np.ndarray, np.ndarray]:
    """The real (unremixed) validation tracks, each cut to its first ``frames`` frames."""
    xs, ys = [], []
    for t in tracks:
        t = t[:, :frames]
        vocals, accompaniment = t[-1], t[:-1].sum(axis=0)
        xs.append(np.abs(vocals + accompaniment))
        ys.append(np.concatenate([np.abs(vocals), np.abs(accompaniment)], axis=-1))
    return np.stack(xs).astype(np.float32), np.stack(ys).astype(np.float32)
