"""The text of Help › Keyboard Shortcuts and Help › About (rich text, no Qt widgets).

About names the app version, the chosen separation model (its name,
description and where its weights come from, from the model's sidecar
``.json``), and links the README, the model card and the licence and notice
files that ship in ``models/``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from soundnet_app.separation.catalog import ModelInfo, models_dir

PROJECT_DIR = Path(__file__).resolve().parents[2]


def app_version() -> str:
    """The installed package's version, else the one in ``pyproject.toml``."""
    try:
        from importlib.metadata import version

        return version("soundnet-karaoke")
    except Exception:
        pass
    try:
        import tomllib

        return tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["version"]
    except Exception:
        return "unknown"


def _link(path: Path, text: str | None = None) -> str:
    return f"<a href='{path.as_uri()}'>{html.escape(text or path.name)}</a>"


def licence_files(folder: Path | None = None) -> list[Path]:
    """The licence and notice files shipped with the models (``*LICENSE*``, ``*LICENCE*``, ``*NOTICE*``)."""
    folder = folder or models_dir()
    if not folder.is_dir():
        return []
    found = {p for pattern in ("*LICENSE*", "*LICENCE*", "*NOTICE*", "*license*", "*notice*")
             for p in folder.glob(pattern) if p.is_file()}
    return sorted(found)


def about_html(model: ModelInfo | None, model_state: str = "") -> str:
    """About: version, what the app does, the model and its provenance, links to the docs."""
    parts = [
        f"<h3>SoundNet Karaoke {html.escape(app_version())}</h3>",
        "<p>Turns any song into a karaoke track: a neural network separates the vocals from "
        "the instrumental on your computer. Nothing is uploaded.</p>",
    ]
    if model is not None:
        parts.append(f"<p><b>Separation model:</b> {html.escape(model.name)}"
                     + (f" ({html.escape(model_state)})" if model_state else "") + "<br>")
        if model.description:
            parts.append(f"{html.escape(model.description)}<br>")
        if model.source:
            parts.append(f"Source: {html.escape(model.source)}<br>")
        parts.append(f"File: {html.escape(model.path.name)}</p>")
    links = []
    readme = PROJECT_DIR / "README.md"
    if readme.is_file():
        links.append(_link(readme, "README (how to use the app)"))
    card = models_dir() / "README.md"
    if card.is_file():
        links.append(_link(card, "Model card (training, scores, provenance)"))
    links += [_link(p) for p in licence_files()]
    if links:
        parts.append("<p>" + "<br>".join(links) + "</p>")
    return "".join(parts)


def shortcuts_html(rows: Iterable[tuple[str, str]]) -> str:
    """A table of ``(keys, what they do)`` in two columns (short enough for a 540-pixel-high screen);
    the last row, a sentence, spans the table."""
    rows = list(rows)
    *pairs, last = rows if rows else [("", "")]
    half = (len(pairs) + 1) // 2

    def cells(pair: tuple[str, str] | None) -> str:
        if pair is None:
            return "<td></td><td></td>"
        keys, text = (html.escape(x) for x in pair)
        return f"<td style='padding-right:10px'><b>{keys}</b></td><td style='padding-right:24px'>{text}</td>"

    body = "".join(f"<tr>{cells(pairs[i])}{cells(pairs[i + half] if i + half < len(pairs) else None)}</tr>"
                   for i in range(half))
    if last != ("", ""):
        body += f"<tr><td><b>{html.escape(last[0])}</b></td><td colspan='3'>{html.escape(last[1])}</td></tr>"
    return f"<table>{body}</table>"
