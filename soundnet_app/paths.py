"""Where the files that ship with the package live: the models and the app's resources.

An installed wheel (or a PyInstaller bundle) carries them as package data,
``soundnet_app/models/`` and ``soundnet_app/resources/``, found through
:mod:`importlib.resources`; a source checkout keeps them at the top of the
repository (``models/``, ``resources/``), where setuptools picks them up when
it builds the wheel (``pyproject.toml``: ``package-dir``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

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
