"""Shared fixtures: the bundled model, one loaded Separator, the shared training data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The network built for OpenVINO is kept in a folder of the run's own (the CLI's child processes inherit it),
# not in the user's cache; it goes with the run (about 80 MB per model).
if "SOUNDNET_MODEL_CACHE_DIR" not in os.environ:
    os.environ["SOUNDNET_MODEL_CACHE_DIR"] = tempfile.mkdtemp(prefix="soundnet-test-models-")
    atexit.register(shutil.rmtree, os.environ["SOUNDNET_MODEL_CACHE_DIR"], ignore_errors=True)
SHARED_DATA = REPO.parent / "shared" / "data"
MUSDB_ROOT = SHARED_DATA / "musdb18-7"


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The default model that ships in models/ (tests never use a mock model)."""
    from soundnet_app.separation.catalog import default_model_path

    path = default_model_path()
    assert path.is_file(), f"the bundled default model {path} is missing"
    return path


@pytest.fixture(scope="session")
def scratch_model_path() -> Path:
    """The project's own from-scratch model, the other bundled choice."""
    path = REPO / "models" / "soundnet.keras"
    assert path.is_file(), "the bundled model models/soundnet.keras is missing"
    return path


@pytest.fixture(scope="session")
def separator(model_path):
    """One Separator for the session: loading TensorFlow and the model takes seconds."""
    from soundnet_app.separation.separator import Separator

    return Separator(model_path)


@pytest.fixture(scope="session")
def musdb_root() -> Path:
    if not any((MUSDB_ROOT / "train").glob("*.stem.mp4")):
        pytest.skip(f"MUSDB18 previews not found at {MUSDB_ROOT} (they live in ../shared/data)")
    return MUSDB_ROOT


@pytest.fixture(scope="session")
def mir1k_root() -> Path:
    root = SHARED_DATA / "mir-1k"
    if not any(root.glob("*.opus")):
        pytest.skip(f"MIR-1K clips not found at {root} (they live in ../shared/data)")
    return root
