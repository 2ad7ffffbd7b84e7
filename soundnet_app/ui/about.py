"""The text of Help › Keyboard Shortcuts and Help › About (rich text, no Qt widgets).

About names the app version, the chosen separation model (its name, its
plain-words summary and credit from the model's sidecar ``.json``; no scores,
no file names), and links the README, the model card and the licence and
notice files that ship in ``models/``.
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


def _licence_text(path: Path) -> str:
    """``"Licence: Spleeter"`` for ``LICENSE-spleeter``: what a user reads, not a file name."""
    what = path.stem
    for word in ("LICENSE", "LICENCE", "NOTICE", "license", "notice"):
        what = what.replace(word, "")
    what = what.strip("-_ .")
    return f"Licence: {what.replace('-', ' ').title()}" if what else "Licence"


def about_html(model: ModelInfo | None, model_state: str = "") -> str:
    """About, in a user's words: version, what the app does, the separation and whose work it is, links."""
    parts = [
        f"<h3>SoundNet Karaoke {html.escape(app_version())}</h3>",
        ("<p>Turns any song into a karaoke track: the voice is taken out of the music on your "
         "computer. Nothing is uploaded.</p>"),
    ]
    if model is not None:
        parts.append(f"<p><b>Voice separation:</b> {html.escape(model.name)}"
                     + (f" ({html.escape(model_state)})" if model_state else "") + "<br>")
        for line in (model.summary, model.credit):
            if line:
                parts.append(f"{html.escape(line)}<br>")
        parts.append("</p>")
    links = []
    readme = PROJECT_DIR / "README.md"
    if readme.is_file():
        links.append(_link(readme, "How to use the app"))
    card = models_dir() / "README.md"
    if card.is_file():
        links.append(_link(card, "How the separation was made and tested"))
    links += [_link(p, _licence_text(p)) for p in licence_files()]
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
