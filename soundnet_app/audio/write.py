"""Write audio files atomically, streaming, in any format of the table in
:mod:`soundnet_app.audio.formats`.

Failures surface as :class:`~soundnet_app.audio.errors.AudioWriteError` (a full disk
says so in words), never as raw library exceptions; the target is then left as it was.
"""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from soundnet_app.audio.errors import AudioWriteError, describe
from soundnet_app.audio.formats import OUTPUT_FORMATS, SAMPLE_RATE, format_for_suffix
from soundnet_app.fileio import PartialFile, PathLike, remove_stale_partials

_WRITE_FRAMES = 65536  # write_audio's block: bounded temporaries for the clip/convert
# Anything the libraries throw at us; wrapped into AudioWriteError.
_LIB_ERRORS = (sf.SoundFileError, OSError, RuntimeError, ValueError, EOFError)
_SFC_RF64_AUTO_DOWNGRADE = 0x1210


class AudioWriter:
    """Stream ``(n, channels)`` float blocks into an audio file, atomically.

    Data goes to a hidden temp file next to ``path`` (``.<name>.partial-<pid>-<hex><suffix>``,
    see :class:`~soundnet_app.fileio.PartialFile`), which replaces ``path`` only on
    :meth:`close` / a clean ``with`` exit. On an exception, :meth:`abort`, or garbage
    collection before close, the temp file is deleted and ``path`` is left as it was. Temp
    files that a killed process left in the folder are removed when a writer opens there
    (:func:`~soundnet_app.fileio.remove_stale_partials`). :meth:`finish` then :meth:`close`
    lets a caller finish several files before it publishes any of them, so that they appear
    together. WAV is written as RF64 that libsndfile downgrades to a plain WAV
    (WAVE_FORMAT_EXTENSIBLE) on close when it stays under 4 GiB, so a song of more than
    6 h 46 min is not clamped.

    ``format`` is a key of :data:`~soundnet_app.audio.formats.OUTPUT_FORMATS`, inferred from
    the suffix when None; ``subtype`` is one of that format's ``subtypes`` (default: the
    first). ``bitrate_kbps`` (formats that take one: MP3, 32-320) asks for a constant
    bitrate instead of VBR. A format whose encoder takes only some sample rates (Opus) is
    resampled to the nearest one. Integer and lossy outputs are clipped to [-1, 1]; FLOAT
    WAV keeps values as they are.
    """

    def __init__(self, path: PathLike, format: str | None = None, subtype: str | None = None,
                 sample_rate: int = SAMPLE_RATE, channels: int = 2, bitrate_kbps: int | None = None) -> None:
        self.path = Path(path)
        self._file: sf.SoundFile | None = None
        self._partial: PartialFile | None = None
        fmt = (format or format_for_suffix(self.path.suffix) or "").lower()
        spec = OUTPUT_FORMATS.get(fmt)
        if spec is None:
            what = f"format {format!r}" if format else f"file type {self.path.suffix or '(no suffix)'!r}"
            raise AudioWriteError(self.path, f"cannot write {what}; use one of {', '.join(OUTPUT_FORMATS)}")
        sub = (subtype or spec.subtypes[0]).upper()
        if sub not in spec.subtypes:
            raise AudioWriteError(self.path, f"{fmt} cannot be written as {sub}; use one of {', '.join(spec.subtypes)}")
        settings = dict(spec.encoder)
        if bitrate_kbps is not None:
            if spec.bitrate_range is None:
                raise AudioWriteError(self.path, f"{fmt} takes no bitrate (asked for {bitrate_kbps} kbps)")
            lo, hi = spec.bitrate_range
            if not lo <= bitrate_kbps <= hi:
                raise AudioWriteError(self.path, f"a bitrate of {bitrate_kbps} kbps is out of range for {fmt}, "
                                      f"{lo} to {hi}")
            # libsndfile maps the level 0..1 onto the encoder's top..bottom bitrate (LAME: 320..32 kbps).
            settings = {"bitrate_mode": "CONSTANT", "compression_level": (hi - bitrate_kbps) / (hi - lo)}
        self.channels = channels
        self._clip = sub != "FLOAT"
        rate = spec.write_rate(sample_rate)
        self._resampler = None
        if rate != sample_rate:
            self._resampler = soxr.ResampleStream(sample_rate, rate, channels, dtype="float32", quality="HQ")
        if self.path.is_dir():
            raise AudioWriteError(self.path, "is a folder")
        if not self.path.parent.is_dir():
            raise AudioWriteError(self.path, f"folder {self.path.parent} does not exist")
        remove_stale_partials(self.path.parent)
        self._finished = False
        try:
            self._partial = PartialFile(self.path, self.path.suffix)
            tmp = self._partial.path
            if spec.sf_format == "WAV":
                self._file = sf.SoundFile(tmp, "w", rate, channels, sub, format="RF64")
                # A plain WAV unless the data passes 4 GiB.
                sf._snd.sf_command(self._file._file, _SFC_RF64_AUTO_DOWNGRADE, sf._ffi.NULL, 1)
            else:
                self._file = sf.SoundFile(tmp, "w", rate, channels, sub, format=spec.sf_format, **settings)
        except _LIB_ERRORS as e:
            self._remove_tmp()
            raise AudioWriteError(self.path, _write_reason(e, None)) from e  # a full disk: not "System error"

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, block: np.ndarray) -> None:
        """Append ``(n, channels)`` float samples (``(n,)`` is accepted for mono)."""
        if self._file is None:
            raise AudioWriteError(self.path, "writer is already closed")
        a = np.asarray(block, dtype=np.float32)
        if a.ndim == 1 and self.channels == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != self.channels:
            raise ValueError(f"expected audio of shape (n, {self.channels}), got {a.shape}")
        if not np.isfinite(a).all():
            self.abort()
            raise AudioWriteError(self.path, "audio contains NaN or infinite samples")
        self._encode(a)

    def _encode(self, a: np.ndarray, last: bool = False) -> None:
        """Resample (if the encoder needs it), clip and write ``(n, channels)`` float32."""
        try:
            if self._resampler is not None:
                a = self._resampler.resample_chunk(a, last=last)
            if self._clip:
                a = np.clip(a, -1.0, 1.0)
            self._file.write(a)
        except _LIB_ERRORS as e:
            reason = _write_reason(e, self._file)
            self.abort()
            raise AudioWriteError(self.path, reason) from e

    def finish(self) -> None:
        """Complete the temp file and flush it to disk, without publishing it yet."""
        if self._file is None:
            if not self._finished:
                raise AudioWriteError(self.path, "writer is already closed")
            return
        if self._resampler is not None:  # what the resampler still holds
            self._encode(np.zeros((0, self.channels), np.float32), last=True)
        f = self._file
        try:
            f.close()
            self._partial.sync()  # on disk before the rename makes it visible
        except _LIB_ERRORS as e:
            reason = _write_reason(e, None)
            self._file = None
            self._remove_tmp()
            raise AudioWriteError(self.path, reason) from e
        self._file, self._finished = None, True

    def close(self) -> None:
        """Finish the file (if :meth:`finish` was not called) and move it into place.
        Calling it again does nothing."""
        if self._file is None and not self._finished:
            return
        self.finish()
        self._finished = False
        try:
            self._partial.publish()
        except OSError as e:
            self._remove_tmp()
            raise AudioWriteError(self.path, describe(e)) from e

    def abort(self) -> None:
        """Drop everything written so far; ``path`` is left untouched."""
        f, self._file = self._file, None
        self._finished = False
        if f is not None:
            try:
                f.close()
            except _LIB_ERRORS:
                pass  # the data is being thrown away anyway
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        partial = getattr(self, "_partial", None)
        if partial is not None:
            partial.discard()

    def __del__(self) -> None:
        if getattr(self, "_file", None) is not None or getattr(self, "_finished", False):
            try:
                self.abort()
            except Exception:
                pass


def write_audio(path: PathLike, audio: np.ndarray, format: str | None = None, subtype: str | None = None,
                sample_rate: int = SAMPLE_RATE) -> None:
    """Write ``(n, channels)`` float audio (``(n,)`` for mono) atomically; see :class:`AudioWriter`."""
    a = np.asarray(audio)
    channels = 1 if a.ndim == 1 else a.shape[1]
    with AudioWriter(path, format, subtype, sample_rate, channels) as w:
        for i in range(0, len(a), _WRITE_FRAMES):
            w.write(a[i:i + _WRITE_FRAMES])


def _write_reason(e: BaseException, f: sf.SoundFile | None) -> str:
    """Why a write failed, in words: libsndfile only says "System error" for a full disk."""
    err = getattr(e, "errno", None)
    if isinstance(e, sf.LibsndfileError):
        if f is not None and not f.closed:
            detail = sf._ffi.string(sf._snd.sf_strerror(f._file)).decode("utf-8", "replace")
            if ":" in detail:  # "System error : No space left on device."
                return describe(RuntimeError(detail.split(":", 1)[1]))
        err = sf._ffi.errno
    if err == errno.ENOSPC:
        return "no space left on the disk"
    if err == errno.EDQUOT:
        return "disk quota exceeded"
    if err == errno.EFBIG:
        return "file too large for this file system"
    return describe(e)
