"""The shape of an extracts directory the contract knows (§1), and what was delivered outside it.

Nothing delivered is ignored silently: a folder or file that no entity reads (`crm/quotes/`,
`wecom/foo/`, a third top-level folder, a stray top-level file, a sub-folder inside an entity
folder) is named, so the run can warn about it. Hidden files and Excel lock files (`~$…`) are not
deliveries and stay ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.schemas import ENTITIES, Entity
from ingest.stages import STAGES_FILE_NAME

TOP_LEVEL_FILES = (STAGES_FILE_NAME,)
NOT_READ = "not part of the extract contract: not read"


def _visible(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.iterdir()) if not p.name.startswith((".", "~$")))


def _shown(path: Path, root: Path) -> str:
    relative = path.relative_to(root).as_posix()
    return f"{relative}/" if path.is_dir() else relative


def unknown_deliveries(extracts_dir: Path, entities: tuple[Entity, ...] = ENTITIES) -> list[str]:
    """Paths under `extracts_dir` (relative, folders ending in `/`) that no entity of the contract reads."""
    if not extracts_dir.is_dir():
        return []
    folders = {e.folder for e in entities}
    sources = {e.source for e in entities}
    unknown = []
    for top in _visible(extracts_dir):
        if not top.is_dir():
            if top.name not in TOP_LEVEL_FILES:
                unknown.append(_shown(top, extracts_dir))
        elif top.name not in sources:
            unknown.append(_shown(top, extracts_dir))
        else:
            for inner in _visible(top):
                if _shown(inner, extracts_dir).rstrip("/") not in folders or not inner.is_dir():
                    unknown.append(_shown(inner, extracts_dir))
                else:  # entity folders hold files: a folder inside one is never read
                    unknown.extend(_shown(p, extracts_dir) for p in _visible(inner) if p.is_dir())
    return unknown


def unknown_delivery_warnings(extracts_dir: Path) -> list[str]:
    """One warning line per unknown delivery, naming it."""
    return [f"{path}: {NOT_READ}" for path in unknown_deliveries(extracts_dir)]
