"""What the lyrics show at a moment: the current line, its wipe, the preview, the countdown.

No Qt here. :func:`lyrics_frame_at` turns :class:`~soundnet_app.sing.lyrics.Lyrics`
and a time into a :class:`LyricsFrame`; every view that draws lyrics (the desk
lyrics view, the stage view, karaoke video frames) paints that frame with
:func:`soundnet_app.ui.lyrics_painter.paint_lyrics`, so they all agree.

The rules, as a karaoke singer expects them:

* A line is sung from its start until its *sung end*: the end of its last word
  (enhanced LRC), else the next line's start (an empty LRC line marks a break),
  and never longer than :data:`LONGEST_LINE_S` or its length in characters allows.
* The wipe is the share of the line's text already sung: by word timings where
  the line has them (interpolated inside the word), else linear over the line.
* In a break longer than :data:`BREAK_S` the finished line stays
  :data:`HOLD_S` seconds, then the line about to be sung becomes current (not
  wiped yet) with a 3, 2, 1 countdown in the last three seconds before it.
  Before the first line the same countdown runs when the first line starts after
  :data:`BREAK_S` of music; there ``current`` is ``-1`` and ``next`` the first line.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from soundnet_app.sing.lyrics import Line, Lyrics

BREAK_S = 4.0  # a line after this much music without singing gets a countdown
COUNTDOWN_S = 3  # dots: 3, 2, 1
HOLD_S = 1.0  # a finished line stays this long before a long break shows the next one
AFTER_LAST_S = 3.0  # the last line stays this long after it is sung
LONGEST_LINE_S = 10.0  # a line without word times is sung at most this long...
SECONDS_PER_CHAR = 0.25  # ...or this long per character of its text, if longer
WORD_S = 0.8  # how long a line's last word lasts when nothing else says it


@dataclass(frozen=True)
class LyricsFrame:
    """The lyrics at one moment; line indices into ``Lyrics.lines`` (``-1``: none)."""

    current: int  # the line being sung, or about to be (in a long break); -1 before the first / none
    previous: int  # the sung line before ``current`` (before ``next`` when ``current`` is -1)
    next: int  # the preview line after ``current`` (the first line before it starts)
    wipe: float  # 0..1, the share of the current line's text already sung
    countdown: int  # 3, 2, 1 dots before a line that follows a long break; 0 otherwise


NO_FRAME = LyricsFrame(-1, -1, -1, 0.0, 0)


@dataclass(frozen=True)
class _Timing:
    """The sung lines (empty LRC lines are breaks, not lines to sing) and when each is sung."""

    sung: tuple[int, ...]  # indices of the lines with text
    starts: tuple[float, ...]
    ends: tuple[float, ...]


def _word_offsets(line: Line) -> list[int]:
    """Where each timed word starts in ``line.text`` (characters)."""
    offsets, cursor = [], 0
    for word in line.words:
        at = line.text.find(word.text, cursor)
        at = cursor if at < 0 else at
        offsets.append(at)
        cursor = at + len(word.text)
    return offsets


def _sung_end(lines: list[Line], i: int) -> float:
    line = lines[i]
    following = lines[i + 1].start if i + 1 < len(lines) else math.inf
    if line.words:
        starts = [w.start for w in line.words]
        gaps = [b - a for a, b in pairwise(starts) if b > a]
        last = sorted(gaps)[len(gaps) // 2] if gaps else WORD_S
        return min(following, starts[-1] + min(max(last, 0.3), 1.5))
    return min(following, line.start + max(LONGEST_LINE_S, SECONDS_PER_CHAR * len(line.text)))


@lru_cache(maxsize=8)
def _timing_of(lines: tuple[Line, ...]) -> _Timing:
    lines_list = list(lines)
    sung = tuple(i for i, ln in enumerate(lines_list) if ln.text.strip())
    return _Timing(sung, tuple(lines_list[i].start for i in sung), tuple(_sung_end(lines_list, i) for i in sung))


def _wipe(line: Line, start: float, end: float, t: float) -> float:
    if t >= end:
        return 1.0
    if t <= start:
        return 0.0
    n = len(line.text)
    if not line.words or n == 0:
        return (t - start) / max(end - start, 1e-6)
    offsets = _word_offsets(line)
    k = bisect.bisect_right([w.start for w in line.words], t) - 1
    if k < 0:
        return 0.0
    word = line.words[k]
    word_end = line.words[k + 1].start if k + 1 < len(line.words) else end
    inside = min(1.0, max(0.0, (t - word.start) / max(word_end - word.start, 1e-6)))
    return min(1.0, (offsets[k] + inside * len(word.text)) / n)


def _countdown(line_start: float, music_from: float, t: float) -> int:
    """3, 2, 1 in the last seconds before a line that follows a break longer than :data:`BREAK_S`."""
    left = line_start - t
    if line_start - music_from <= BREAK_S or not 0 < left <= COUNTDOWN_S:
        return 0
    return math.ceil(left)


def lyrics_frame_at(lyrics: Lyrics | None, t: float) -> LyricsFrame:
    """What to show at ``t`` seconds (see the module's rules); unsynced or no lyrics: ``current == -1``."""
    if lyrics is None or not lyrics.synced or not lyrics.lines:
        return NO_FRAME
    timing = _timing_of(tuple(lyrics.lines))
    sung, starts, ends = timing.sung, timing.starts, timing.ends
    if not sung:
        return NO_FRAME
    k = bisect.bisect_right(starts, t) - 1  # the sung line started last

    def at(j: int) -> int:
        return sung[j] if 0 <= j < len(sung) else -1

    if k < 0:  # before the first line
        return LyricsFrame(-1, -1, sung[0], 0.0, _countdown(starts[0], 0.0, t))
    if t < ends[k]:  # singing line k
        return LyricsFrame(at(k), at(k - 1), at(k + 1), _wipe(lyrics.lines[sung[k]], starts[k], ends[k], t), 0)
    if k + 1 >= len(sung):  # after the last line
        if t < ends[k] + AFTER_LAST_S:
            return LyricsFrame(at(k), at(k - 1), -1, 1.0, 0)
        return LyricsFrame(-1, at(k), -1, 0.0, 0)
    if starts[k + 1] - ends[k] > BREAK_S and t >= ends[k] + HOLD_S:  # a long break: the next line is coming
        return LyricsFrame(at(k + 1), at(k), at(k + 2), 0.0, _countdown(starts[k + 1], ends[k], t))
    return LyricsFrame(at(k), at(k - 1), at(k + 1), 1.0, 0)
