"""The OpenVINO network of a ``.keras`` file, built once and kept in the user's cache folder.

Building the graph from a ``.keras`` file (:func:`~.openvino_net.build_openvino_model`)
inflates its weights and takes about 0.5 s, a fifth of ``soundnet-separate``'s
start on a short song; reading the same graph back in OpenVINO's own format
(``model.xml`` + ``model.bin``, the weights memory-mapped) takes about 0.01 s.
So the first load of a model file saves what it built, under a key made of the
model file's path, size and modification time, OpenVINO's version and this
builder's code: a changed model or builder never reads a stale graph. The
cache is only ever a shortcut: a folder that cannot be written, or an entry
that cannot be read, costs the build, never the load.

An entry is a folder ``<key>/`` written under a temporary name and renamed
into place whole (no half-written graph is ever read); saving one removes the
older entries of the same model file.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from pathlib import Path

from soundnet_app.fileio import partial_name, publish_folder
from soundnet_app.separation import openvino_net
from soundnet_app.separation.openvino_net import build_openvino_model, import_openvino

log = logging.getLogger(__name__)
_SOURCE = "source.txt"  # in each entry: the model file it was built from
_STALE_TEMP_S = 3600.0  # a temporary folder older than this was left by a killed process


def _digest_code(code, digest) -> None:
    """Feed a code object's instructions, names and constants (nested functions too) to ``digest``."""
    digest.update(code.co_code)
    digest.update(repr((code.co_names, code.co_varnames)).encode())
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            _digest_code(const, digest)
        else:
            digest.update(_stable_repr(const).encode())


def _stable_repr(value) -> str:
    """``repr``, with sets sorted (their order follows the string hash seed, which differs per process)."""
    if isinstance(value, (frozenset, set)):
        return "{" + ",".join(sorted(_stable_repr(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_stable_repr(v) for v in value) + ")"
    return repr(value)


def _builder_id() -> str:
    """A digest of the builder's functions (their compiled code: also where no source ships, as in the bundle)."""
    digest = hashlib.sha256()
    for _, value in sorted(vars(openvino_net).items()):
        code = getattr(value, "__code__", None)
        if code is not None:
            _digest_code(code, digest)
    return digest.hexdigest()


def entry_key(model_path: str | Path) -> str:
    """The cache entry name of ``model_path`` as it is now. Raises ``OSError`` if it cannot be read."""
    path = Path(model_path).resolve()
    st = path.stat()
    text = "\0".join([str(path), str(st.st_size), str(st.st_mtime_ns), import_openvino().get_version(), _builder_id()])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cached_openvino_model(core, model_path: str | Path, cache_dir: Path | None):
    """The ``openvino.Model`` of ``model_path``: read from ``cache_dir`` if built before, else built and saved there.

    ``cache_dir`` ``None``: always built, nothing saved. Raises what
    :func:`~.openvino_net.build_openvino_model` raises.
    """
    if cache_dir is None:
        return build_openvino_model(model_path)
    try:
        entry = Path(cache_dir) / entry_key(model_path)
    except OSError:
        return build_openvino_model(model_path)  # the build reports an unreadable model file
    xml = entry / "model.xml"
    if xml.is_file():
        try:
            return core.read_model(str(xml))
        except Exception as err:  # noqa: BLE001 - a damaged entry: built again below
            # Not the user's concern (it heals itself): said with -v only.
            log.info("the cached network %s cannot be read (%s); building it again", entry, err)
            shutil.rmtree(entry, ignore_errors=True)
    model = build_openvino_model(model_path)
    _save(model, entry, Path(model_path).resolve())
    return model


def _save(model, entry: Path, source: Path) -> None:
    """Write ``model`` as the entry ``entry`` (whole or not at all); failures are logged, not raised."""
    temp = partial_name(entry)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(entry.parent, source, keep=entry.name)
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        import_openvino().save_model(model, str(temp / "model.xml"), compress_to_fp16=False)
        (temp / _SOURCE).write_text(str(source), encoding="utf-8")
        if not publish_folder(temp, entry):  # another process saved it first: theirs stays
            shutil.rmtree(temp, ignore_errors=True)
    except Exception as err:  # noqa: BLE001 - the cache is a shortcut: the load goes on without it
        log.info("cannot keep the built network in %s: %s", entry.parent, err)
        shutil.rmtree(temp, ignore_errors=True)


def _remove_stale(folder: Path, source: Path, keep: str) -> None:
    """Remove the older entries of ``source`` and temporary folders left by killed processes."""
    for child in folder.iterdir():
        if child.name == keep or not child.is_dir():
            continue
        try:
            if child.name.startswith("."):
                stale = time.time() - child.stat().st_mtime > _STALE_TEMP_S
            else:
                stale = (child / _SOURCE).read_text(encoding="utf-8") == str(source)
        except (OSError, UnicodeDecodeError):
            stale = not child.name.startswith(".")  # an entry without its source line is damaged
        if stale:
            shutil.rmtree(child, ignore_errors=True)
