"""Labels for File › Open Recent that tell apart songs of the same name."""

from __future__ import annotations

from pathlib import Path


def recent_labels(paths: list[str]) -> list[str]:
    """``name`` where unique, else ``name — parent folders`` with as many folders as it takes.

    Several ``mix.mp3`` files from different folders read ``mix.mp3 — Album A``
    and ``mix.mp3 — Album B``.
    """
    parts = [Path(p).parts for p in paths]
    labels = []
    for i, path in enumerate(paths):
        name = Path(path).name
        same = [parts[j] for j in range(len(paths)) if j != i and Path(paths[j]).name == name]
        if not same:
            labels.append(name)
            continue
        mine = parts[i][:-1]
        depth = 1
        while depth < len(mine) and any(other[:-1][-depth:] == mine[-depth:] for other in same):
            depth += 1
        labels.append(f"{name} — {'/'.join(mine[-depth:]) or '/'}")
    return labels
