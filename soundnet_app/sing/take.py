"""The singer's take: latency measurement, alignment and the "my take" export. No Qt here.

What the microphone hears of a song position comes back ``latency`` later
(output buffer + speaker + air + microphone + input buffer). It is measured
once (:func:`measure_latency`: play clicks, record them, cross-correlate)
and stored in the settings; :func:`align_recording` then takes it off the
recording, and :func:`export_takes` mixes every recorded stretch of the
aligned voice with the instrumental (at the chosen levels) into one file, atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soxr

from soundnet_app.audio.formats import format_for_suffix, output_format
from soundnet_app.audio.write import AudioWriter
from soundnet_app.engine.export import render_stems
from soundnet_app.engine.mix import karaoke_gains, karaoke_mix

MAX_LATENCY_S = 1.0
NOT_HEARD = ("The clicks were not heard. Check that the microphone can hear the speakers (not headphones), "
             "turn the volume up and try again.")
NO_SOUND_CARD = ("The sound card could not play the clicks and record them at the same time. Check that "
                 "speakers and a microphone are connected and chosen.")


class LatencyError(ValueError):
    """The latency could not be measured: the message says why, for the user."""


def click_track(sample_rate: int = 44100, clicks: int = 6, interval_s: float = 0.37,
                lead_s: float = 0.2, tail_s: float = MAX_LATENCY_S) -> np.ndarray:
    """``(n,)`` float32: short 2 kHz clicks at growing intervals, then silence.

    The interval is not a round number so a lag of one interval never
    correlates as well as the true one (and the tail leaves room for the echo).
    """
    n = int((lead_s + clicks * interval_s + tail_s) * sample_rate)
    out = np.zeros(n, dtype=np.float32)
    t = np.arange(int(0.004 * sample_rate)) / sample_rate
    click = (np.sin(2 * np.pi * 2000 * t) * np.hanning(t.size)).astype(np.float32) * 0.8
    for k in range(clicks):
        a = int((lead_s + k * interval_s * (1 + 0.13 * k)) * sample_rate)
        if a + click.size <= n:
            out[a:a + click.size] += click
    return out


def measure_latency(played: np.ndarray, recorded: np.ndarray, sample_rate: int = 44100,
                    max_latency_s: float = MAX_LATENCY_S) -> float:
    """The round trip in seconds: the lag (0..``max_latency_s``) that best lines
    ``recorded`` up with ``played`` (FFT cross-correlation of the two ``(n,)`` signals).

    Raises :class:`LatencyError` when the clicks were not heard (no clear peak).
    """
    p = np.asarray(played, dtype=np.float64).reshape(len(played), -1).mean(axis=1)
    r = np.asarray(recorded, dtype=np.float64).reshape(len(recorded), -1).mean(axis=1)
    n = p.size + r.size
    size = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.fft.rfft(r, size) * np.conj(np.fft.rfft(p, size)), size)
    max_lag = min(int(max_latency_s * sample_rate), r.size - 1)
    lags = np.abs(xc[: max_lag + 1])
    k = int(np.argmax(lags))
    noise = np.median(lags) + 1e-12
    # A clear peak, and one that explains a fair share of the recording (noise alone never does).
    if lags[k] < 8 * noise or not np.any(r) or lags[k] < 0.1 * np.linalg.norm(p) * np.linalg.norm(r):
        raise LatencyError(NOT_HEARD)
    # Parabolic interpolation: sub-sample precision.
    if 0 < k < lags.size - 1:
        a, b, c = lags[k - 1], lags[k], lags[k + 1]
        den = a - 2 * b + c
        k = k + (0.5 * (a - c) / den if den else 0.0)
    return float(k) / sample_rate


def calibrate_latency(play_record: Callable[[np.ndarray], np.ndarray] | None = None,
                      sample_rate: int = 44100, input_device: int | None = None) -> float:
    """Play clicks and record them at once, return the measured round trip (seconds).

    ``play_record(clicks) -> recording`` defaults to ``sounddevice.playrec`` on
    ``input_device`` (blocking, so run it off the UI thread). Every failure is a
    :class:`LatencyError` whose message is meant for the user.
    """
    clicks = click_track(sample_rate)
    if play_record is None:
        def play_record(x):
            try:
                import sounddevice as sd

                rec = sd.playrec(np.repeat(x[:, None], 2, axis=1), samplerate=sample_rate, channels=1,
                                 dtype="float32", blocking=True, device=(input_device, None))
            except Exception as e:  # PortAudio missing, no device, busy, unsupported rate: all the same to the user
                raise LatencyError(NO_SOUND_CARD) from e
            return rec[:, 0]
    return measure_latency(clicks, play_record(clicks), sample_rate)


def file_play_record(recording: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A ``play_record`` for a file-fed microphone (``SOUNDNET_MIC_FILE``): it hears its file, not the clicks."""
    mono = np.asarray(recording, dtype=np.float32)
    mono = mono.mean(axis=1) if mono.ndim == 2 else mono

    def play_record(clicks: np.ndarray) -> np.ndarray:
        out = np.zeros(clicks.size, dtype=np.float32)
        out[: min(out.size, mono.size)] = mono[: out.size]
        return out
    return play_record


def latency_problem(exc: BaseException) -> str:
    """What to tell the user when calibrating failed."""
    return str(exc) if isinstance(exc, LatencyError) else NO_SOUND_CARD


def align_recording(recording: np.ndarray, latency_s: float, sample_rate: int = 44100,
                    length: int | None = None) -> np.ndarray:
    """The recording shifted earlier by the latency: sample ``i`` of the result is song time ``i``.

    ``recording`` is ``(n,)`` or ``(n, channels)``, started at song time 0;
    the result has ``length`` samples (default ``n``), zero-padded.
    """
    x = np.asarray(recording, dtype=np.float32)
    shift = int(round(latency_s * sample_rate))
    out = np.zeros((length if length is not None else x.shape[0],) + x.shape[1:], dtype=np.float32)
    part = x[shift:shift + out.shape[0]]
    out[: part.shape[0]] = part
    return out


class TakePart(NamedTuple):
    """One stretch of singing: recorded from song sample ``song_start`` until a pause, jump or new shift.

    ``voice`` is ``(m,)`` or ``(m, channels)`` at ``sample_rate``; ``key`` and ``tempo`` are the
    player's shift it was sung at.
    """

    voice: np.ndarray
    song_start: int
    sample_rate: int = 44100
    key: int = 0
    tempo: float = 1.0


def export_take(path: str | Path, instrumental: np.ndarray, voice: np.ndarray, record_start: int,
                latency_s: float, *, sample_rate: int = 44100, key: int = 0, tempo: float = 1.0,
                **kwargs) -> Path:
    """Write "my take" of one stretch: :func:`export_takes` with ``TakePart(voice, record_start, ...)``."""
    return export_takes(path, instrumental, [TakePart(voice, record_start, sample_rate, key, tempo)], latency_s,
                        sample_rate=sample_rate, **kwargs)


def export_takes(path: str | Path, instrumental: np.ndarray, parts: Sequence[TakePart], latency_s: float, *,
                 sample_rate: int = 44100, voice_gain: float = 1.0, instrumental_level: float = 1.0,
                 vocals: np.ndarray | None = None, vocal_level: float = 0.0, format: str | None = None,
                 block_frames: int = 1 << 16, mute: bool = False) -> Path:
    """Write "my take": instrumental (+ guide vocal) and every stretch of the singer's aligned voice, atomically.

    Args:
        instrumental: the song's ``(n, 2)`` instrumental, at the original key and tempo.
        parts: the stretches, oldest first, all at one key and tempo (``ValueError`` otherwise:
            a voice sung at another key or speed would not fit the instrumental). Each goes
            where it was sung; where two overlap in song time the later one wins.
        latency_s: the measured round trip, taken off each voice.
        vocals, vocal_level, mute: the guide vocal mixed in, if wanted
            (:func:`~soundnet_app.engine.mix.karaoke_mix`, as in the stem export).
        format: a key of :data:`~soundnet_app.audio.formats.OUTPUT_FORMATS` (default: from the suffix).

    At a shift (``key``, ``tempo`` of the parts) the stems are rendered at it
    (:func:`~soundnet_app.engine.export.render_stems`, ``round(n / tempo)`` frames) and song sample
    ``song_start`` lies at ``song_start / tempo`` in them; the voice, recorded in real time,
    goes there as it is. The output is as long as the (rendered) instrumental; it is clipped to [-1, 1].
    """
    path = Path(path)
    fmt = output_format(format or format_for_suffix(path.suffix) or path.suffix).name
    if not parts:
        raise ValueError("Nothing was recorded.")
    key, tempo = parts[-1].key, parts[-1].tempo
    if any((p.key, p.tempo) != (key, tempo) for p in parts):
        raise ValueError("The stretches were sung at different keys or tempos; export those of one shift.")
    guide = vocals if karaoke_gains(vocal_level, mute=mute)[0] else None  # rendered only if it is heard
    instrumental, vocals = render_stems(instrumental, guide, key=key, tempo=tempo, sample_rate=sample_rate)
    shift = int(round(latency_s * sample_rate))
    # Each voice as (mono samples, output frame of its song start): output frame k is voice[shift + k - start].
    voices = []
    for p in parts:
        v = np.asarray(p.voice, dtype=np.float32)
        if v.ndim == 2:
            v = v.mean(axis=1)
        if p.sample_rate != sample_rate:
            v = soxr.resample(v, p.sample_rate, sample_rate).astype(np.float32, copy=False)
        voices.append((v, int(round(p.song_start / tempo))))
    n = instrumental.shape[0]
    with AudioWriter(path, format=fmt, sample_rate=sample_rate) as writer:
        for i in range(0, n, block_frames):
            j = min(n, i + block_frames)
            buf = karaoke_mix(None if vocals is None else vocals[i:j], instrumental[i:j], vocal_level,
                              instrumental_level, mute=mute)
            sung = np.zeros(j - i, dtype=np.float32)
            for v, start in voices:  # oldest first: a later stretch overwrites an earlier one
                a, b = max(i, start), min(j, start + v.size - shift)
                if b > a:
                    sung[a - i:b - i] = v[shift + a - start:shift + b - start]
            buf += (np.float32(voice_gain) * sung)[:, None]
            writer.write(buf)
    return path
