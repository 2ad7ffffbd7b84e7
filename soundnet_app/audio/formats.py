"""The app's audio conventions: the sample rate everything runs at, the files it reads,
and the one table of formats it writes.

:data:`OUTPUT_FORMATS` is read by the writer (:class:`~soundnet_app.audio.write.AudioWriter`),
the CLI's ``--format``, the export dialog, the settings, the stem export and the takes, so a
format is added here and nowhere else (the writer only needs more when libsndfile does, as
Opus's fixed sample rates show).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from soundnet_app.fileio import PathLike

SAMPLE_RATE = 44100  # every array in the app is (samples, 2) float32 at this rate

SUPPORTED_INPUT_SUFFIXES = frozenset({
    ".wav", ".flac", ".aif", ".aiff", ".aifc", ".mp3", ".ogg", ".oga", ".opus",
    ".m4a", ".aac", ".mp4", ".m4v", ".mov", ".mkv", ".mka", ".webm", ".wma",
})


@dataclass(frozen=True)
class OutputFormat:
    """One format the app writes, and everything its readers need to know about it."""

    name: str  # "wav": the CLI's --format value and the value stored in the settings
    label: str  # in the export dialog's format list
    sf_format: str  # libsndfile's major format
    subtypes: tuple[str, ...]  # libsndfile subtypes it may be written as; the first is the default
    lossless: bool
    suffixes: tuple[str, ...]  # file suffixes that mean this format; the first is the one written
    # Bit depths offered to the user (subtype -> label); empty: the default subtype, no choice.
    depths: Mapping[str, str] = field(default_factory=dict)
    # libsndfile settings of the default (variable bitrate) encoding.
    encoder: Mapping[str, object] = field(default_factory=dict)
    # Constant bitrates offered to the user in kbps, None meaning the default VBR; empty: no choice.
    bitrates: tuple[int | None, ...] = ()
    bitrate_range: tuple[int, int] | None = None  # the kbps a constant bitrate may take
    vbr_label: str = ""  # how the dialog names the default VBR encoding
    # The only rates the encoder takes (Opus); empty: any. Other rates are resampled on writing.
    sample_rates: tuple[int, ...] = ()

    @property
    def extension(self) -> str:
        """The suffix written, with its dot: ``".wav"``."""
        return self.suffixes[0]

    @property
    def takes_bitrate(self) -> bool:
        """Whether a constant bitrate can be asked for (MP3)."""
        return self.bitrate_range is not None

    @property
    def default_bitrate(self) -> int | None:
        """The bitrate used when none is asked for: ``None`` (VBR)."""
        return self.bitrates[0] if self.bitrates else None

    def write_rate(self, sample_rate: int) -> int:
        """The rate a file of ``sample_rate`` audio is encoded at (the nearest the encoder takes)."""
        if not self.sample_rates or sample_rate in self.sample_rates:
            return sample_rate
        higher = [r for r in self.sample_rates if r >= sample_rate]
        return min(higher) if higher else max(self.sample_rates)


WAV_DEPTHS = MappingProxyType({"PCM_16": "16-bit", "PCM_24": "24-bit", "FLOAT": "32-bit float"})
WAV_SUBTYPES = tuple(WAV_DEPTHS)

OUTPUT_FORMATS: Mapping[str, OutputFormat] = MappingProxyType({f.name: f for f in (
    OutputFormat("wav", "WAV (lossless)", "WAV", WAV_SUBTYPES, True, (".wav",), depths=WAV_DEPTHS),
    OutputFormat("flac", "FLAC (lossless, smaller)", "FLAC", ("PCM_16", "PCM_24"), True, (".flac",)),
    # Vorbis quality ~0.7 and LAME VBR ~V2: transparent enough for music.
    OutputFormat("ogg", "OGG Vorbis", "OGG", ("VORBIS",), False, (".ogg", ".oga"),
                 encoder=MappingProxyType({"compression_level": 0.3})),
    OutputFormat("mp3", "MP3", "MP3", ("MPEG_LAYER_III",), False, (".mp3",),
                 encoder=MappingProxyType({"bitrate_mode": "VARIABLE", "compression_level": 0.2}),
                 bitrates=(None, 128, 192, 256, 320), bitrate_range=(32, 320),
                 vbr_label="Variable (about 190 kbps)"),
    # libopus at its default (about 100 kbps VBR for stereo); it only runs at 8-48 kHz rates.
    OutputFormat("opus", "Opus", "OGG", ("OPUS",), False, (".opus",),
                 sample_rates=(8000, 12000, 16000, 24000, 48000)),
)})


def format_for_suffix(suffix: str) -> str | None:
    """The output format a file suffix (``".wav"``, any case) names, or ``None``."""
    suffix = suffix.lower()
    return next((f.name for f in OUTPUT_FORMATS.values() if suffix in f.suffixes), None)


def output_format(name: str) -> OutputFormat:
    """The table entry of ``name`` (any case, a leading dot allowed); ``ValueError`` when unknown."""
    key = name.lower().lstrip(".")
    if key not in OUTPUT_FORMATS:
        raise ValueError(f"Unsupported format {key!r}; choose one of {', '.join(OUTPUT_FORMATS)}.")
    return OUTPUT_FORMATS[key]


def is_supported_input(path: PathLike) -> bool:
    """True when the file's suffix is one we can decode (the content is not checked)."""
    return Path(path).suffix.lower() in SUPPORTED_INPUT_SUFFIXES
