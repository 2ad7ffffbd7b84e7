"""This process's resident memory, now and at its peak (MB), for the benchmarks. No Qt here.

The peak is Linux's ``VmHWM``, not ``ru_maxrss``: ``ru_maxrss`` carries the
peak of the process that started this one across ``exec`` (a benchmark child
of a 2 GB parent reported 2 GB however little it used itself).
"""

from __future__ import annotations

import resource


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Resident memory now (``VmRSS``; ``psutil`` where there is no ``/proc``)."""
    now = _status_mb("VmRSS")
    if now is not None:
        return now
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """The most resident memory this process has had since it started (``VmHWM``, see the module docstring).

    Without ``/proc``: ``ru_maxrss`` (kB on Linux), which may include the parent's peak.
    """
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
