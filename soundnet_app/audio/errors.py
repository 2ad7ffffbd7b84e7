"""The errors of the audio room: one type for reading, one for writing, each naming the file.

Decoding and writing turn whatever the libraries throw (libsndfile, FFmpeg, the OS)
into these, with :func:`describe` as the one short line about the cause.
"""

from __future__ import annotations

import re
from pathlib import Path

import av
import soundfile as sf

from soundnet_app.fileio import PathLike

# Damaged files also make the bindings trip over half-filled objects (PyAV leaves a WAV with
# 0 bits per sample without a codec context: AttributeError). Probing and decoding turn any of
# these into AudioReadError; only MemoryError and interrupts pass through untouched.
DECODE_ERRORS = (Exception,)


class AudioError(Exception):
    """An audio file could not be read or written. ``str(err)`` is ``"<file name>: <reason>"``."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    def __reduce__(self):  # keep picklable (e.g. raised inside a worker process)
        return type(self), (self.path, self.reason)


class AudioReadError(AudioError):
    """The input file cannot be opened or decoded."""


class AudioWriteError(AudioError):
    """The output file cannot be written."""


# What libsndfile and FFmpeg say about their own insides ("Internal psf_fseek() failed",
# "Error number -50531338 occurred"): nothing a user can act on.
_JARGON = re.compile(r"psf_|\bsf_\w+|internal|Error number -?\d+|No error defined|malloc|SF_INFO|bad pointer|"
                     r"This is a bug|Invalid data found when processing input", re.IGNORECASE)
NOT_AUDIO = "the file is damaged or not audio"


def read_reason(e: BaseException) -> str:
    """Why a file could not be read, for the user: :func:`describe`, or :data:`NOT_AUDIO` for library jargon."""
    text = describe(e)
    return NOT_AUDIO if _JARGON.search(text) else text


def describe(e: BaseException) -> str:
    """One short line about a library exception."""
    if isinstance(e, EOFError):  # includes av.EOFError
        return "unexpected end of file"
    if isinstance(e, sf.LibsndfileError):
        text = e.error_string
    elif isinstance(e, av.FFmpegError):
        text = e.strerror or str(e)
    elif isinstance(e, OSError) and e.strerror:
        text = e.strerror
    else:
        text = str(e)
    text = re.sub(r"^(Error\s*:\s*)", "", " ".join(text.split())).split(". ")[0].rstrip(".")
    return text or type(e).__name__
