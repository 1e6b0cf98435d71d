"""Loader for the reference tables (forces.csv / bodies.csv / ranks.csv in the project's format)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kb.model import Facts
from kb.reference import load_reference, reference_facts
from loaders.base import LoadError

FORCE_HEADER = ["id", "police_uk_id", "name", "country", "region", "aliases", "short_names", "wikidata_id", "area"]
FORCE_HEADER_DESCRIBED = [*FORCE_HEADER, "description"]  # the optional description column
BODY_HEADER = ["id", "type", "name", "kind", "aliases", "wikidata_id", "jurisdiction"]
RANK_HEADER = ["rank", "abbreviations", "order", "forces", "detective_form", "detective_abbreviations"]
HEADERS = (FORCE_HEADER, FORCE_HEADER_DESCRIBED, BODY_HEADER, RANK_HEADER)


class ReferenceLoader:
    """Loads a folder's reference tables as the reference source (replacing the bundled one)."""

    name = "reference"

    def accepts(self, path: Path, head: bytes) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        first = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:1]
        if not first:
            return False
        header = next(csv.reader(io.StringIO(first[0])), [])
        return [h.strip() for h in header] in HEADERS

    def load(self, path: Path) -> list[Facts]:
        directory = path.parent
        missing = [n for n in ("forces.csv", "bodies.csv", "ranks.csv") if not (directory / n).exists()]
        if missing:
            raise LoadError(path, f"reference tables come as a set; missing {', '.join(missing)} beside it")
        try:
            ref = load_reference(directory)
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise LoadError(path, f"malformed reference table: {exc}") from None
        return [reference_facts(ref)]
