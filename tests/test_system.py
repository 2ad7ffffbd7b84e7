"""Process-level helpers: a background thread's lower CPU priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from soundnet_app.system import BACKGROUND_NICE, lower_thread_priority


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_background_priority_lowers_only_the_calling_thread():
    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    seen = {}

    def background():
        tid = threading.get_native_id()
        start = os.getpriority(os.PRIO_PROCESS, tid)
        lower_thread_priority()
        seen["delta"] = os.getpriority(os.PRIO_PROCESS, tid) - start
        seen["start"] = start

    t = threading.Thread(target=background)
    t.start()
    t.join()
    assert seen["delta"] == min(BACKGROUND_NICE, 19 - seen["start"]) > 0
    assert os.getpriority(os.PRIO_PROCESS, me) == before  # the UI thread keeps its priority
