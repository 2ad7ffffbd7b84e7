"""Where things live: the app's name, its per-user folders, and the files that ship with the package.

The per-user folders (``platformdirs``) can be moved with environment variables:
``$SOUNDNET_CACHE_DIR`` (separated stems), ``$SOUNDNET_LYRICS_DIR`` (lyrics
synced in the app where the song's folder is read-only), ``$SOUNDNET_MODEL_CACHE_DIR``
(the network built for OpenVINO, kept so that the next start reads it instead).

The shipped files are the models and the app's resources.
An installed wheel (or a PyInstaller bundle) carries them as package data,
``soundnet_app/models/`` and ``soundnet_app/resources/``, found through
:mod:`importlib.resources`; a source checkout keeps them at the top of the
repository (``models/``, ``resources/``), where setuptools picks them up when
it builds the wheel (``pyproject.toml``: ``package-dir``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "SoundNet Karaoke"
APP_AUTHOR = "SoundNet"  # the organisation: a folder level on Windows, Qt's organisation name

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    """``soundnet_app/<name>`` as package data when it is there, else the checkout's ``<name>/``."""
    try:
        packaged = resources.files(__package__) / name
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError, TypeError, ValueError):
        pass  # an importer without resource support: look next to this file
    beside = Path(__file__).resolve().parent / name  # a frozen bundle's data folder
    return beside if beside.is_dir() else _CHECKOUT / name


def models_dir() -> Path:
    """The folder of the bundled ``.keras`` models, their ``.json`` sidecars, card and licences."""
    return _data_dir("models")


def resources_dir() -> Path:
    """The folder of the app's icons and other resources."""
    return _data_dir("resources")


def _user_dir(env: str, base: Path, name: str) -> Path:
    value = os.environ.get(env)
    return Path(value) if value else base / name


def stem_cache_dir() -> Path:
    """``$SOUNDNET_CACHE_DIR`` or the user cache folder's ``stems`` subfolder."""
    return _user_dir("SOUNDNET_CACHE_DIR", platformdirs.user_cache_path(APP_NAME, APP_AUTHOR), "stems")


def lyrics_dir() -> Path:
    """``$SOUNDNET_LYRICS_DIR`` or the user data folder's ``lyrics`` subfolder."""
    return _user_dir("SOUNDNET_LYRICS_DIR", platformdirs.user_data_path(APP_NAME, APP_AUTHOR), "lyrics")


def model_cache_dir() -> Path:
    """``$SOUNDNET_MODEL_CACHE_DIR`` or the user cache folder's ``models`` subfolder."""
    return _user_dir("SOUNDNET_MODEL_CACHE_DIR", platformdirs.user_cache_path(APP_NAME, APP_AUTHOR), "models")
