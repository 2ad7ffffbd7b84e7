"""Fuzzing the reader and interrupting the writer: damaged input and kills never leave a mess.

Both run the scripts next to this file in a subprocess (``fuzz_audio.py``,
``kill_cli.py``), which print one JSON line; the issue's full-size runs are
the same scripts with larger counts.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _run(script: str, *args: str, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=HERE.parent)
    assert proc.stdout.strip(), proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_fuzzed_files_decode_or_raise_audio_read_error():
    """400 seeded mutations of small WAV/FLAC/MP3/OGG files (bit flips, header fields, cuts...)."""
    r = _run("fuzz_audio.py", "--count", "400", "--seed", "7", timeout=120)
    assert r["files"] == 400
    assert r["uncaught"] == [] and r["hangs"] == [], r
    assert r["modified"] == []  # inputs are never written to
    assert r["stderr_lines"] == 0, r["stderr_sample"]  # nothing of libmpg123 & co. on stderr
    assert r["peak_rss_mb"] < 400, r["peak_rss_mb"]
    # Both outcomes occur: the mutations are neither all harmless nor all fatal.
    assert r["decoded"] > 40 and r["refused"] > 40, r


@pytest.mark.slow
def test_kill_and_sigterm_leave_only_whole_stems(model_path):
    """Random SIGKILLs / SIGTERMs of a real ``soundnet-separate`` run, then a re-run."""
    r = _run("kill_cli.py", "--kills", "2", "--terms", "2", "--seed", "3", "--model", str(model_path),
             timeout=600)
    assert r["rounds"] == 4
    assert r["after_signal"]["corrupt"] == 0 and r["sigterm_partials"] == 0, r
    assert r["rerun_failures"] == [], r
    assert r["after_rerun"]["complete"] == 4 * 4 and r["after_rerun"]["partial"] == 0, r
