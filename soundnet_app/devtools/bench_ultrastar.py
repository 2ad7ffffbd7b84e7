"""UltraStar and karaoke-video benchmark (``python -m soundnet_app.devtools.bench --ultrastar``).

Keys, for a generated song of ``seconds`` (3 minutes by default) whose stems are
at hand (as when cached):

* ``ultrastar_export_s`` -- :func:`~soundnet_app.sing.ultrastar_export.export_ultrastar`
  end to end: pitch tracking of the vocal, tempo estimate, notes, the two OGG
  stems, the copy of the original and the ``.txt``; ``ultrastar_guide_s`` is
  the pitch tracking's share;
* ``video_export_rtf`` -- song seconds per second of
  :func:`~soundnet_app.ui.karaoke_video.write_karaoke_video` at 1280×720
  (frames drawn offscreen, H.264 + AAC), lyrics a line every 4 s with word times;
  ``video_frames_drawn`` of ``video_frames``;
* ``ultrastar_score_ms`` -- scoring a whole take by the game's rules.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.audio.write import write_audio
from soundnet_app.devtools.synth import synthetic_song
from soundnet_app.sing.lyrics import Line, Lyrics, Word
from soundnet_app.sing.pitch import HOP_S, track_pitch
from soundnet_app.sing.ultrastar_export import export_ultrastar
from soundnet_app.sing.ultrastar_score import score_ultrastar
from soundnet_app.ui.karaoke_video import KaraokeFrames, ensure_gui_app, write_karaoke_video


def sung_melody(seconds: float, seed: int = 0) -> np.ndarray:
    """``(n,)`` float32: a voice singing random notes (vibrato, 6 harmonics) with breaths between phrases."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    f = np.zeros(n)
    t = 0.5
    while t < seconds - 1.0:
        length = rng.uniform(0.2, 0.8)
        a, b = int(t * SAMPLE_RATE), min(n, int((t + length) * SAMPLE_RATE))
        f[a:b] = 440 * 2 ** ((rng.integers(50, 75) - 69) / 12)
        t += length + (rng.uniform(0.6, 1.5) if rng.random() < 0.15 else 0.03)
    f *= 1 + 0.01 * np.sin(2 * np.pi * 5.5 * np.arange(n) / SAMPLE_RATE)
    phase = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
    voice = (f > 0) * sum(np.sin(h * phase) * 0.8 ** h for h in range(1, 7)) * 0.2
    return voice.astype(np.float32)


def timed_lyrics(seconds: float) -> Lyrics:
    """A line every 4 seconds, six timed words each."""
    lines = []
    for k, start in enumerate(np.arange(1.0, seconds - 2.0, 4.0)):
        words = tuple(Word(float(start + 0.55 * j), f"word{j}") for j in range(6))
        lines.append(Line(float(start), f"line {k} " + " ".join(w.text for w in words[2:]), words))
    return Lyrics(lines)


def run_ultrastar_benchmark(seconds: float = 180.0) -> dict:
    """The keys of the module's docstring (timings include whatever else runs on the machine)."""
    ensure_gui_app()
    results: dict = {"ultrastar_song_s": seconds}
    voice = sung_melody(seconds)
    vocals = np.stack([voice, voice], axis=1)
    instrumental = 0.5 * synthetic_song(seconds)[: vocals.shape[0]]
    lyrics = timed_lyrics(seconds)
    with tempfile.TemporaryDirectory(prefix="soundnet-bench-") as tmp:
        original = Path(tmp) / "song.wav"
        write_audio(original, vocals + instrumental)
        t0 = time.perf_counter()
        f0 = track_pitch(vocals, SAMPLE_RATE, HOP_S)
        guide_s = time.perf_counter() - t0
        _, song = export_ultrastar(Path(tmp) / "out", original, vocals, instrumental, f0, HOP_S, lyrics,
                                   title="Bench", mixture=vocals + instrumental)
        results["ultrastar_export_s"] = round(time.perf_counter() - t0, 2)
        results["ultrastar_guide_s"] = round(guide_s, 2)
        results["ultrastar_notes"] = len(song.notes())
        t0 = time.perf_counter()
        score = score_ultrastar(song, f0, HOP_S)
        results["ultrastar_score_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        results["ultrastar_self_score"] = score.total
        frames = KaraokeFrames(lyrics)
        t0 = time.perf_counter()
        write_karaoke_video(Path(tmp) / "video.mp4", vocals, instrumental, lyrics)
        wall = time.perf_counter() - t0
        results["video_export_rtf"] = round(seconds / wall, 2)
        results["video_mb"] = round((Path(tmp) / "video.mp4").stat().st_size / 1e6, 1)
        n = int(np.ceil(seconds * frames.fps))
        results["video_frames"] = n
        results["video_frames_drawn"] = sum(frames.frame_at(i) is not None for i in range(n))
    return results
