"""Entry point of the PyInstaller bundle: one executable, four commands.

The bundle's folder holds ``soundnet`` and links to it named
``soundnet-separate``, ``soundnet-train`` and ``soundnet-eval``; the name it
is started under picks the command (``soundnet --command NAME ...`` does too).
The bundle runs the network on OpenVINO and leaves TensorFlow out, so
``soundnet-train`` there only says where training lives.
``soundnet --bundle-smoke-test`` opens the window, lets it settle, prints
``window shown in X s`` and exits 0: the build script's check that Qt, its
plugins and the resources made it into the bundle.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

START = time.perf_counter()


def _smoke_test() -> int:
    from PySide6.QtCore import QTimer

    from soundnet_app.ui.app import create_app

    app, window, _ = create_app([])
    shown = time.perf_counter() - START
    seen = {}

    def check_and_quit() -> None:  # before quit(): Qt 6 closes the windows on quit
        seen["visible"] = window.isVisible()
        app.quit()

    QTimer.singleShot(1000, check_and_quit)
    app.exec()
    visible = seen.get("visible", False)
    window.shutdown()
    from soundnet_app.paths import resources_dir

    if not visible or window.windowIcon().isNull():
        print(f"window visible: {visible}; icon found: {not window.windowIcon().isNull()} "
              f"(resources: {resources_dir()})", file=sys.stderr)
        return 1
    print(f"window shown in {shown:.2f} s")
    return 0


def main() -> int:
    args = sys.argv[1:]
    name = os.path.basename(sys.argv[0])
    if args[:1] == ["--command"] and len(args) > 1:
        name, args = args[1], args[2:]
    if name == "soundnet-separate":
        from soundnet_app.cli import main as command
    elif name == "soundnet-train":
        print("soundnet-train needs TensorFlow, which this bundle leaves out (it separates with OpenVINO); "
              "train with the Python package: pip install soundnet-karaoke", file=sys.stderr)
        return 2
    elif name == "soundnet-eval":
        from soundnet_app.training.evaluate import main as command
    elif args[:1] == ["--bundle-smoke-test"]:
        return _smoke_test()
    else:
        from soundnet_app.ui.app import main as app_main

        return app_main(args)
    return command(args)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
