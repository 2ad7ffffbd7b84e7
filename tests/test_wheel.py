"""The built wheel carries its model and resources: install it into a fresh virtual
environment outside the checkout and separate a song from another folder."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from soundnet_app.audio.formats import SAMPLE_RATE
from soundnet_app.devtools.synth import write_synthetic_song

REPO = Path(__file__).resolve().parent.parent


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def _source_copy(dest: Path) -> Path:
    """The checkout's tracked files (or, outside git, the tree without build output) copied to ``dest``.

    Building there keeps ``build/`` and ``*.egg-info`` out of the checkout, and a
    stale ``build/lib`` can never put deleted files into the wheel.
    """
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True)
    if listed.returncode == 0 and listed.stdout:
        files = [REPO / name for name in listed.stdout.decode().split("\0") if name]
    else:
        skip = {".git", ".venv", "build", "dist", ".cache", "runs", "gpu", "__pycache__"}
        files = [p for p in REPO.rglob("*") if p.is_file() and not skip & set(p.relative_to(REPO).parts)]
    for path in files:
        if path.is_file():
            target = dest / path.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin/ folder.

    The wheel is built without build isolation and installed with ``--no-deps``;
    its dependencies (TensorFlow & co., hundreds of MB) are lent from this test's
    environment through a ``.pth`` path line, which adds their folder to
    ``sys.path`` after the venv's own site-packages (and runs none of its ``.pth``
    files, so an editable install of the checkout stays invisible).
    """
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", root / "dist",
          _source_copy(root / "src")])
    wheel = next((root / "dist").glob("soundnet_karaoke-*.whl"))
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps",
          "--no-index", wheel])
    purelib = _run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib.stdout.strip()) / "soundnet-test-deps.pth").write_text("\n".join(deps) + "\n")
    return venv / "bin"


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SOUNDNET_MODEL", "VIRTUAL_ENV")}
    env["HOME"] = str(home)
    return env


def test_wheel_separates_a_song_from_another_folder(installed, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = _clean_env(tmp_path)
    where = _run([installed / "python", "-c",
                  "import soundnet_app, soundnet_app.paths as a, soundnet_app.separation.catalog as c;"
                  "print(soundnet_app.__file__); print(a.resources_dir()); print(c.default_model_path());"
                  "print(*[m.path.name for m in c.available_models()])"], cwd=work, env=env).stdout.splitlines()
    venv = installed.parent
    assert all(Path(line).is_relative_to(venv) for line in where[:3]), where  # not the checkout's files
    assert (Path(where[1]) / "soundnet.svg").is_file()
    assert Path(where[2]).is_file() and Path(where[2]).suffix == ".keras"
    packaged = sorted(p.name for p in (REPO / "models").glob("*.keras"))
    assert sorted(where[3].split()) == packaged
    for pattern in ("*.json", "README.md", "LICENSE*", "NOTICE*"):
        for f in (REPO / "models").glob(pattern):
            assert (Path(where[2]).parent / f.name).is_file(), f"{f.name} is not in the wheel"

    song = write_synthetic_song(work / "song.wav", 3.0, seed=21)
    _run([installed / "soundnet-separate", "song.wav", "-o", "stems", "--quiet"], cwd=work, env=env)
    for stem in ("vocals", "instrumental"):
        info = sf.info(work / "stems" / "song" / f"{stem}.wav")
        assert info.samplerate == SAMPLE_RATE and info.frames == 3 * SAMPLE_RATE
    assert song.is_file()

    # $SOUNDNET_MODEL still overrides the packaged model.
    proc = subprocess.run([str(installed / "soundnet-separate"), "song.wav", "-o", "other"], cwd=work,
                          env={**env, "SOUNDNET_MODEL": str(work / "missing.keras")}, capture_output=True, text=True)
    assert proc.returncode == 2 and "missing.keras" in proc.stderr
