"""A recorded take scored by the UltraStar rules, from files: the command line of the rules scoring. No Qt.

    python -m soundnet_app.sing.ultrastar_take SONG.txt TAKE [--latency MS]

prints one JSON line, a score per singer (a duet has two): ``total`` and its
parts (:class:`~soundnet_app.sing.ultrastar_score.UltraStarScore`). The take
is a recording started with the song (``--latency``: how late it heard it).
Bad input: one line on stderr, status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from soundnet_app.audio.decode import read_audio
from soundnet_app.audio.errors import AudioError
from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.sing.pitch import HOP_S, track_pitch
from soundnet_app.sing.ultrastar import UltraStarError
from soundnet_app.sing.ultrastar_files import read_ultrastar
from soundnet_app.sing.ultrastar_score import UltraStarScore, score_ultrastar


def score_take_file(song_path: str | Path, take_path: str | Path, latency_s: float = 0.0) -> list[UltraStarScore]:
    """Each singer's score of the take (pitch-tracked) against the song's notes."""
    song = read_ultrastar(song_path)
    audio, _ = read_audio(take_path)
    f0 = track_pitch(audio, SAMPLE_RATE, HOP_S)[max(0, round(latency_s / HOP_S)):]
    return [score_ultrastar(song, f0, HOP_S, track) for track in range(len(song.tracks))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m soundnet_app.sing.ultrastar_take",
                                description="Score a sung take by the UltraStar rules.")
    p.add_argument("song", help="the UltraStar .txt")
    p.add_argument("take", help="the recording, started with the song")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="how late the recording heard the song")
    args = p.parse_args(argv)
    try:
        scores = score_take_file(args.song, args.take, args.latency / 1000)
    except (UltraStarError, AudioError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps([{"total": s.total, "notes": round(s.notes), "golden": round(s.golden),
                       "line_bonus": round(s.line_bonus), "hit_beats": s.hit_beats, "beats": s.beats}
                      for s in scores]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
