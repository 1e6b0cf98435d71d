"""Rows a table loader could not place: skipped with a warning, or (strict) an error.

Real tables list bodies beside the forces that the reference data may not know. By default
such a row is skipped: the load goes on, a warning names the file, row and text, and the
Source records how many rows were skipped (``skippedRows``). With ``strict`` the table
loads nothing and the error lists every such row, as before. Nothing is guessed: an
unknown subject never becomes a force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loaders.base import LoadError

MAX_WARNINGS = 20  # per table; the rest are counted in one line
HINT = (
    "not in the reference aliases; add it to data/reference/forces.csv or bodies.csv, "
    "or list it under ignore_rows in a mapping file"
)


@dataclass(slots=True)
class Skipped:
    """The rows of one table skipped so far: (file row, where, text, why)."""

    path: Path
    strict: bool
    rows: list[tuple[int, str, str, str]] = field(default_factory=list)

    def add(self, row: int, where: str, text: str, why: str) -> None:
        self.rows.append((row, where, text, why))

    def __len__(self) -> int:
        return len(self.rows)

    def check(self, what: str = "force or region") -> None:
        """In strict mode, the error naming every skipped row (nothing is loaded)."""
        if self.strict and self.rows:
            raise self.error(what)

    def error(self, what: str = "force or region", note: str = "") -> LoadError:
        """An error naming the first skipped row and listing the next ones."""
        row0, where0, text0, why0 = self.rows[0]
        if why0 == "investigator":
            what = "investigating body"
        more = ""
        firsts = [r for r in self.rows[1:] if r[3] == why0]
        if firsts:
            listed = ", ".join(f"{text!r} (row {row})" for row, _, text, _ in firsts[:9])
            more = f"; also {listed}" + (f" and {len(firsts) - 9} more" if len(firsts) > 9 else "")
        return LoadError(self.path, f"unknown {what} {text0!r}{more} ({HINT}){note}", line=row0, where=where0)

    def warnings(self, what: str = "force or region") -> list[str]:
        """One warning per skipped row (up to :data:`MAX_WARNINGS`), then a count of the rest."""
        out = []
        for row, where, text, why in self.rows[:MAX_WARNINGS]:
            if why == "unknown":
                message = f"unknown {what} {text!r}: its figures are skipped ({HINT})"
            elif why == "investigator":
                message = f"unknown investigating body {text!r}: the case is skipped ({HINT})"
            else:
                message = f"skipped: the row continues the rows of {text!r} above, which is unknown"
            out.append(str(LoadError(self.path, message, line=row, where=where)))
        if len(self.rows) > MAX_WARNINGS:
            out.append(f"{self.path}: {len(self.rows) - MAX_WARNINGS} more rows skipped (unknown {what})")
        return out
