"""Write or check graphql/schema.graphql, the SDL exported from the code.

python -m kb.api.schema_export           # write it
python -m kb.api.schema_export --check   # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kb.paths import project_root


def schema_path() -> Path:
    return project_root() / "graphql" / "schema.graphql"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kb.api.schema_export", description=__doc__)
    p.add_argument("--check", action="store_true", help="only check; exit 1 when the file is out of date")
    p.add_argument("-o", "--output", type=Path, default=None, help="file to write (default graphql/schema.graphql)")
    args = p.parse_args(argv)
    from kb.api.schema import sdl

    path, text = args.output or schema_path(), sdl()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        print(f"{path} is up to date")
        return 0
    if args.check:
        print(f"{path} is out of date: run `python -m kb.api.schema_export`", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
