"""Process-level helpers: thread priority and memory, Qt-free."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading

BACKGROUND_NICE = 5  # how much nicer background threads run than the UI and audio (Linux)


def lower_thread_priority(increment: int = BACKGROUND_NICE) -> None:
    """Lower the calling thread's CPU priority (Linux: its own nice value; elsewhere nothing).

    The app's background threads (separation, the pitch guide, the key finder) call it,
    so on a busy CPU the UI and the audio threads run first; threads they start inherit it.
    """
    if not sys.platform.startswith("linux"):  # elsewhere PRIO_PROCESS takes a process id, not a thread's
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
    except (AttributeError, OSError):
        pass


def release_memory() -> None:
    """Collect young garbage and hand freed heap back to the system (glibc), after a song was let go.

    Not a full collection: with TensorFlow loaded that holds the GIL for ~0.1 s,
    a stall of the UI and the audio callback. A song is freed by reference counting.
    """
    gc.collect(1)
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the allocator keeps it for reuse
