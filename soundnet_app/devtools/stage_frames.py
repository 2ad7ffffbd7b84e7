"""Stage-view frames offscreen: render, check the layout from the image, time the paint.

    python -m soundnet_app.devtools.stage_frames [--size 1920x1080] [--check] [--time N] [--out stage.png]

``--check`` prints a JSON object ``{"problems": [...], "device_pixel_ratio": r, "rects": n}``:
every text rectangle the stage drew must lie inside the window and overlap
no other, and every pixel that is not background must lie in one of them
(so a line that ran off or was drawn over another shows up in the image).
Run it with ``QT_SCALE_FACTOR=2`` to check a high-DPI screen. ``--time N``
prints the p50/p99 milliseconds of N paints of a changing frame.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from soundnet_app.engine.queue import QueueEntry
from soundnet_app.sing.lyrics import Lyrics, parse_lrc
from soundnet_app.ui import theme
from soundnet_app.ui.app import apply_theme
from soundnet_app.ui.stage import StageWindow

DEMO_LINES = [
    "Driving through the neon rain",
    "City lights are calling out my name, and every window on the avenue is singing back the same old song tonight",
    "Hold the wheel and close my eyes",
    "Midnight drive until the sunrise",
]


def demo_lyrics(seconds: float = 60.0) -> Lyrics:
    """Word-timed LRC lines every 4 s (one very long line among them), then a 10 s break."""
    rows, t = [], 0.0
    while t < seconds:
        for text in DEMO_LINES:
            stamps = " ".join(f"<{int((t + j * 0.4) // 60):02d}:{(t + j * 0.4) % 60:05.2f}>{w}"
                              for j, w in enumerate(text.split()))
            rows.append(f"[{int(t // 60):02d}:{t % 60:05.2f}]{stamps}")
            t += 4.0 if len(text) < 60 else 8.0
        t += 10.0
    return parse_lrc("\n".join(rows))


def make_stage(width: int, height: int, lyrics: Lyrics | None = None) -> StageWindow:
    stage = StageWindow()
    stage.resize(width, height)
    stage.set_lyrics(lyrics if lyrics is not None else demo_lyrics())
    stage.set_entry(QueueEntry(Path("Midnight Drive.wav"), "Anna"))
    stage.score_text = "87 %"
    return stage


def render(stage: StageWindow, t: float) -> QImage:
    """The stage at song time ``t`` as the screen shows it (device pixels)."""
    stage.set_time(t)
    return stage.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def layout_problems(stage: StageWindow, image: QImage) -> list[str]:
    """What is wrong with the last paint (``[]``: every text inside, nothing overlapping, no stray ink)."""
    problems = []
    window = QRectF(stage.rect())
    rects = [(name, r) for name, r in stage.drawn if r.width() > 0 and r.height() > 0]
    if not any(name in ("lyrics", "interlude") for name, _ in rects):
        problems.append("no lyrics drawn")
    for name, r in rects:
        if not window.contains(r):
            problems.append(f"{name} {r.getRect()} leaves the window {window.getRect()}")
    for i, (a_name, a) in enumerate(rects):
        for b_name, b in rects[i + 1:]:
            overlap = a.intersected(b)
            if overlap.width() > 1 and overlap.height() > 1:
                problems.append(f"{a_name} {a.getRect()} overlaps {b_name} {b.getRect()}")
    dpr = image.devicePixelRatio()
    w, h = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(h, image.bytesPerLine())
    pixels = pixels[:, : w * 4].reshape(h, w, 4)[..., :3].astype(np.int16)
    bg = QColor(theme.PLOT_BACKGROUND)
    ink = np.abs(pixels - np.array([bg.blue(), bg.green(), bg.red()], np.int16)).sum(axis=2) > 60
    covered = np.zeros_like(ink)
    slack = 3  # antialiasing and glyph overhang, device pixels
    for _name, r in rects:
        x0, y0 = max(0, int(r.left() * dpr) - slack), max(0, int(r.top() * dpr) - slack)
        x1, y1 = min(w, int(r.right() * dpr) + slack + 1), min(h, int(r.bottom() * dpr) + slack + 1)
        covered[y0:y1, x0:x1] = True
    stray = int((ink & ~covered).sum())
    if stray:
        ys, xs = np.nonzero(ink & ~covered)
        problems.append(f"{stray} pixels of ink outside the text rectangles (e.g. at {xs[0]},{ys[0]})")
    if not (ink & covered).any():
        problems.append("nothing visible was drawn")
    return problems


def check(width: int, height: int, times: tuple[float, ...] = (0.5, 5.0, 13.0, 26.0)) -> dict:
    """The layout problems at a few moments (a short line, the long wrapped line, a countdown, a break)."""
    stage = make_stage(width, height)
    problems = []
    for t in times:
        image = render(stage, t)
        problems += [f"t={t}: {p}" for p in layout_problems(stage, image)]
    stage.show_interlude("Next: Ben — A Much Longer Song Title Than Usual in 7 s",
                         ["Best tonight:", "Anna — 91 % (Midnight Drive)", "Ben — 80 % (Song Two, +2)"])
    image = render(stage, 30.0)
    problems += [f"interlude: {p}" for p in layout_problems(stage, image)]
    stage.show_interlude("", [])
    stage.set_lane_visible(True)  # the pitch lane under the lyrics
    for t in times[:2]:
        image = render(stage, t)
        problems += [f"with the pitch lane, t={t}: {p}" for p in layout_problems(stage, image)]
    return {"problems": problems, "device_pixel_ratio": image.devicePixelRatio(), "rects": len(stage.drawn)}


def paint_times_ms(width: int, height: int, frames: int = 300, clock=time.perf_counter) -> list[float]:
    """Milliseconds per full paint of the stage into a ``width`` x ``height`` image, a new song time each frame
    (what the widget's paintEvent does, without a window system in the way). ``clock``: ``time.thread_time``
    gives the CPU time of the paint, without the time the thread waited for a core on a busy machine."""
    stage = make_stage(width, height)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    rect = QRectF(0, 0, width, height)
    times = []
    for k in range(frames):
        stage.set_time(k / 30.0)
        t0 = clock()
        painter = QPainter(image)
        stage.paint(painter, rect)
        painter.end()
        times.append((clock() - t0) * 1000.0)
    return times


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    p = argparse.ArgumentParser(prog="stage_frames", description=__doc__.splitlines()[0])
    p.add_argument("--size", default="1920x1080")
    p.add_argument("--check", action="store_true")
    p.add_argument("--time", type=int, default=0, metavar="N")
    p.add_argument("--out", default="")
    p.add_argument("--at", type=float, default=5.0, help="song time of --out")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    if args.check:
        print(json.dumps(check(width, height)))
    if args.time:
        t = np.array(paint_times_ms(width, height, args.time))
        print(f"stage_frame_ms p50 {np.percentile(t, 50):.2f} p99 {np.percentile(t, 99):.2f} ({width}x{height})")
    if args.out:
        render(make_stage(width, height), args.at).save(args.out)
        print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
