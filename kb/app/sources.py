"""Which document a source is: its identity does not depend on its bytes.

An article's id comes from its URL when the file gives one (front matter, or the page's own
metadata), else from the file's path relative to the *load root*: the folder given with
``--root``, else the current folder, else (for a path outside it) the folder that holds the path.
A table's id always comes from its path: the URL a table cites (a title row, a mapping file) is
where it was published, often a collection page shared by many tables, so it cannot tell two
tables apart. A workbook gives one source per sheet (and per table on a sheet): the sheet name,
and the table's place on the sheet, are part of the id. So loading a corrected file
replaces what the old version said, and the Source keeps the revision: ``sha256`` (the
content) and ``loadedAt`` (when that content was first loaded).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from kb.identity import make_id
from kb.model import Entity, Evidence, Facts, Props
from kb.reference import REFERENCE_SOURCE_ID


def load_root(path: Path, root: Path | None) -> Path:
    """The folder ``path``'s document path is relative to (see the module doc)."""
    if root is not None:
        return root.resolve()
    cwd = Path.cwd().resolve()
    full = path.resolve()
    if full == cwd or cwd in full.parents:
        return cwd
    return full.parent


def document_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with forward slashes (the same on every system)."""
    full = path.resolve()
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return full.name


def identify(facts: Sequence[Facts], document: str) -> list[Facts]:
    """The sources one file gave, with ids from their document (URL, else ``document``, the
    file's path from the load root) and ``file`` set to that path."""
    sheets = Counter(str(f.source.props.get("sheet", "")) for f in facts)
    seen: Counter[str] = Counter()
    out: list[Facts] = []
    for f in facts:
        if f.source_id == REFERENCE_SOURCE_ID or f.source.props.get("sourceKind") == "reference":
            out.append(f)
            continue
        url = f.source.props.get("url") if f.source.props.get("sourceKind") == "article" else None
        key = str(url) if isinstance(url, str) and url else document
        sheet = str(f.source.props.get("sheet", ""))
        if len(facts) > 1:
            seen[sheet] += 1
            if sheet:
                key += f" sheet {sheet}"
            if sheets[sheet] > 1:
                key += f" table {seen[sheet]}"
        sid = make_id("Source", key, key=key)
        props: Props = {**f.source.props, "file": document}
        out.append(rekey(f, sid, props))
    return out


def rekey(facts: Facts, source_id: str, props: Props | None = None) -> Facts:
    """``facts`` as source ``source_id`` says them (every piece of evidence cites that id)."""
    old = facts.source_id
    if source_id == old and props is None:
        return facts

    def evs(evidence: list[Evidence]) -> list[Evidence]:
        return [replace(e, source_id=source_id) if e.source_id == old else e for e in evidence]

    src = facts.source
    source = Entity(source_id, src.type, src.name, list(src.aliases), dict(props or src.props), evs(src.evidence))
    entities = [replace(e, evidence=evs(e.evidence)) for e in facts.entities]
    relations = [
        replace(
            r,
            source=source_id if r.source == old else r.source,
            target=source_id if r.target == old else r.target,
            evidence=evs(r.evidence),
        )
        for r in facts.relations
    ]
    return Facts(source, entities, relations, list(facts.warnings))


def now() -> str:
    """A load time as the Source's ``loadedAt`` holds it (UTC, to the second)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
