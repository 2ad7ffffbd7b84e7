"""The layout's rules, read from the source: they keep the house as the README's map draws it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "soundnet_app"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400
QT_ALLOWED = ("ui", "devtools")  # the Qt layer and the developer tools on top of it
HEAVY = {"tensorflow", "keras", "librosa", "parselmouth", "pedalboard", "sounddevice", "scipy", "torch",
         "museval", "pylibrb", "psutil", "h5py", "openvino"}
# The modules that build or load the network (they import Keras at their top): imported late too.
HEAVY_MODULES = {"soundnet_app.separation.model", "soundnet_app.separation.spleeter_port",
                 "soundnet_app.training.losses"}


def _room(path: Path) -> str:
    """``"engine"`` for ``soundnet_app/engine/mixer.py``, ``""`` for a top-level module."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[str, bool, bool]]:
    """``(module, inside a function, under TYPE_CHECKING or try)`` for every import of ``path``."""
    found: list[tuple[str, bool, bool]] = []

    def visit(node: ast.AST, in_function: bool, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, True, guarded)
            elif isinstance(child, ast.Try) or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)):
                visit(child, in_function, True)  # optional libraries, and names for type hints only
            elif isinstance(child, ast.Import):
                found.extend((alias.name, in_function, guarded) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.append((child.module or "", in_function, guarded))
            else:
                visit(child, in_function, guarded)

    visit(ast.parse(path.read_text(encoding="utf-8")), False, False)
    return found


def test_the_package_is_found():
    assert len(MODULES) > 50 and (PACKAGE / "ui" / "panels" / "host.py") in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_one_noun_of_at_most_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_only_the_qt_layer_imports_qt_or_the_ui():
    offenders = [f"{p.relative_to(PACKAGE)} imports {module}" for p in MODULES if _room(p) not in QT_ALLOWED
                 for module, _, _ in _imports(p) if module.startswith(("PySide6", "pyqtgraph", "soundnet_app.ui"))]
    assert offenders == []


def test_panels_know_the_host_contract_not_the_window():
    """Only the app's entry point (and the dev tools) build the main window; panels get a PanelHost."""
    allowed = {"ui/app.py", "ui/main_window.py"}
    offenders = [str(p.relative_to(PACKAGE)) for p in MODULES
                 if str(p.relative_to(PACKAGE)) not in allowed and _room(p) != "devtools"
                 and any(module == "soundnet_app.ui.main_window" for module, _, _ in _imports(p))]
    assert offenders == []


def test_files_are_moved_into_place_in_one_module():
    users = [str(p.relative_to(PACKAGE)) for p in MODULES if "os.replace(" in p.read_text(encoding="utf-8")
             or "os.rename(" in p.read_text(encoding="utf-8")]
    assert users == ["fileio.py"]


def test_only_heavy_libraries_are_imported_inside_functions():
    light = [f"{p.relative_to(PACKAGE)}: {module}" for p in MODULES for module, in_function, guarded in _imports(p)
             if in_function and not guarded and module.split(".")[0] not in HEAVY and module not in HEAVY_MODULES]
    assert light == []


def test_lower_rooms_never_import_higher_ones():
    """audio < separation < engine, sing, training < cli, ui < devtools: no arrow runs back up."""
    floor = {"": 0, "audio": 1, "separation": 2, "engine": 3, "sing": 4, "training": 4, "ui": 5, "devtools": 6}
    upward = []
    for p in MODULES:
        if p.name == "cli.py" and _room(p) == "":
            continue  # the command line sits beside the ui, on top of the core
        for module, _, _ in _imports(p):
            if module.startswith("soundnet_app."):
                target = module.split(".")[1]
                target_room = target if target in floor else ""
                if floor[target_room] > floor[_room(p)]:
                    upward.append(f"{p.relative_to(PACKAGE)} imports {module}")
    assert upward == []
