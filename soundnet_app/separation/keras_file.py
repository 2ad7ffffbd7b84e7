"""A ``.keras`` file before anything unpacks it: refuse what would inflate beyond any model.

Shared by both runtimes (:func:`~soundnet_app.separation.model.load_model` on
TensorFlow, :func:`~soundnet_app.separation.openvino_net.read_keras_file` on
OpenVINO); nothing here imports Keras or TensorFlow.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_MODEL_INFLATED = 2 << 30  # the bundled models inflate to 40 MB
MAX_MODEL_RATIO = 50  # float weights barely compress; a zip bomb of zeros inflates ~1000 times


def check_model_archive(path: str | Path) -> None:
    """Refuse a ``.keras`` file whose zip would inflate to more than a model can be (a 3 MB zip bomb
    took the CLI past 2 GB), from its directory alone, before Keras extracts anything.

    Raises ``ValueError`` with the reason; a file that is not a zip is left to Keras to refuse.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return
    inflated = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if len(members) > 64 or inflated > MAX_MODEL_INFLATED or inflated > MAX_MODEL_RATIO * max(packed, 1 << 20):
        raise ValueError(f"the model file would unpack to {inflated / 1e6:,.0f} MB from {packed / 1e6:,.1f} MB; "
                         "it is damaged or not a model")
