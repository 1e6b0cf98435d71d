"""The ``policekb`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from kb import __version__
from kb.config import Neo4jSettings, Settings, data_path, default_data_path
from kb.paths import project_root
from kb.store import Store, StoreError, open_store

EXPORT_FORMATS = ("ttl", "nt", "jsonld", "trig", "nq")


def _eprint(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def _add_store_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("store")
    g.add_argument(
        "--store",
        choices=("memory", "neo4j"),
        default=os.environ.get("KB_STORE", "memory"),
        help="store to use (default: $KB_STORE or memory)",
    )
    g.add_argument(
        "--data",
        type=data_path,
        default=None,
        help=f"memory store snapshot, or a folder holding kb.snapshot (default: $KB_DATA or {default_data_path()})",
    )
    g.add_argument(
        "--judgements",
        type=Path,
        default=None,
        metavar="FILE",
        help="the judgements file (default: $KB_JUDGEMENTS, else kb.judgements.txt beside the snapshot)",
    )
    g.add_argument("--neo4j-uri", default=None, help="Bolt URI (default: $NEO4J_URI or bolt://localhost:7687)")
    g.add_argument("--neo4j-user", default=None, help="user name (default: $NEO4J_USER or neo4j)")
    g.add_argument("--neo4j-database", default=None, help="database name (default: $NEO4J_DATABASE or the server's)")
    # No --password option on purpose: secrets come from the environment (NEO4J_PASSWORD) only,
    # so they never land in shell history or process listings.


def _add_writer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="fail at once when another process is writing the same snapshot (default: wait for it)",
    )


def _writes(p: argparse.ArgumentParser, func: Callable[[argparse.Namespace], int]) -> None:
    """A subcommand that changes the KB: writer and store options, and what runs it."""
    _add_writer_options(p)
    _add_store_options(p)
    p.set_defaults(func=func)


def _settings(args: argparse.Namespace) -> Settings:
    env = Settings.from_env()
    neo = env.neo4j
    neo = Neo4jSettings(
        uri=args.neo4j_uri or neo.uri,
        user=args.neo4j_user or neo.user,
        password=neo.password,
        database=args.neo4j_database or neo.database,
    )
    judgements = getattr(args, "judgements", None) or env.judgements
    return Settings(
        store=args.store, data=args.data or env.data, neo4j=neo, base_iri=env.base_iri, judgements=judgements
    )


def _open(args: argparse.Namespace, write: bool = False, create: bool = False) -> Store:
    """The store, for reading (a missing snapshot is an error) or for writing (one writer at a
    time: this waits for another load of the same snapshot, saying so, unless --no-wait)."""
    wait = not getattr(args, "no_wait", False)
    return open_store(_settings(args), write=write, create=create, wait=wait, on_wait=_eprint)


def _print_stats(store: Store, out: IO[str]) -> None:
    s = store.stats()
    print(f"entities: {s.total_entities}", file=out)
    for t, n in s.entities.items():
        print(f"  {t:<16} {n:>8}", file=out)
    print(f"relations: {s.total_relations}", file=out)
    for t, n in s.relations.items():
        print(f"  {t:<16} {n:>8}", file=out)
    print(f"sources: {s.sources}", file=out)


# -- subcommands ----------------------------------------------------------------------


def cmd_load(args: argparse.Namespace) -> int:
    from kb.app.decisions import current_judgements
    from kb.app.pipeline import load_paths

    t0 = time.perf_counter()
    settings = _settings(args)
    with _open(args, write=True, create=True) as store:
        judgements = current_judgements(store, settings.judgements_path)
        report = load_paths(
            store,
            args.paths,
            progress=None if args.quiet else _eprint,
            root=args.root,
            sync=args.sync,
            judgements=judgements,
            strict=args.strict,
        )
        for w in report.warnings:
            _eprint(f"warning: {w}")
        removed = f", {len(report.removed)} removed" if report.removed else ""
        print(
            f"loaded {len(report.files)} file(s), {len(report.results) - len(report.removed)} source(s), "
            f"{report.changed - len(report.removed)} changed{removed}, {report.skipped_rows} table row(s) skipped, "
            f"in {time.perf_counter() - t0:.2f}s"
        )
        _print_stats(store, sys.stdout)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from kb.app.decisions import remove

    with _open(args, write=True) as store:
        results = remove(store, args.sources)
        for r in results:
            print(
                f"removed {r.source_id} (with {r.entities_removed} entities and {r.relations_removed} relations "
                "no other source vouches for)"
            )
    return 0


def cmd_judge(args: argparse.Namespace) -> int:
    """``merge`` and ``split``: record the decision and apply it."""
    from kb.app.decisions import merge, split

    settings = _settings(args)
    with _open(args, write=True) as store:
        if args.command == "merge":
            d = merge(store, settings.judgements_path, args.a, args.b, args.note)
            done = f"merged {args.b} into {d.new_id}"
        else:
            d = split(store, settings.judgements_path, args.a, args.source, args.note)
            done = f"split: what {args.source} says about {args.a} is now {d.new_id}"
    print(f"{done} ({len(d.results)} source(s) rewritten); recorded in {settings.judgements_path}")
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    from kb.app.decisions import current_judgements
    from kb.app.duplicates import duplicates_json, find_duplicates, format_duplicates

    settings = _settings(args)
    with _open(args) as store:
        found, judged = find_duplicates(store, current_judgements(store, settings.judgements_path))
    if args.json:
        json.dump(duplicates_json(found), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_duplicates(found, judged))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from loaders.articles import extract_file
    from loaders.articles.gold import facts_to_gold

    facts = extract_file(args.file)
    if args.format == "gold-json":
        doc: Any = facts_to_gold(facts, article=args.file.name)
    else:
        from loaders.articles.gold import facts_to_json

        doc = facts_to_json(facts)
    json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if args.json:
            s = store.stats()
            json.dump({"entities": s.entities, "relations": s.relations, "sources": s.sources}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            _print_stats(store, sys.stdout)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kb.rdf.export import export

    settings = _settings(args)
    with open_store(settings) as store:
        if args.output:
            if args.output.parent.exists() and not args.output.parent.is_dir():
                raise ValueError(f"cannot write {args.output}: {args.output.parent} is not a folder")
            args.output.parent.mkdir(parents=True, exist_ok=True)
            tmp = args.output.with_name(f".{args.output.name}.part")
            try:
                with tmp.open("wb") as fh:
                    n = export(store, args.format, fh, base=settings.base_iri, workers=args.workers)
                os.replace(tmp, args.output)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _eprint(f"wrote {n} triples/quads to {args.output}")
        else:
            export(store, args.format, sys.stdout.buffer, base=settings.base_iri, workers=args.workers)
            sys.stdout.flush()
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kb.rdf.validate import validate_store

    settings = _settings(args)
    with open_store(settings) as store:
        ok, text = validate_store(store, base=settings.base_iri)
    print(text)
    return 0 if ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kb.api.app import create_app

    settings = _settings(args)
    if settings.store == "memory" and not settings.data.exists():
        open_store(settings)  # the clear error for a missing KB, before any worker starts
    if args.workers > 1:
        # One process serves on one core: several workers each open the store themselves
        # (kb.api.app.from_env reads the same settings from the environment).
        os.environ.update(KB_STORE=settings.store, KB_DATA=str(settings.data), NEO4J_URI=settings.neo4j.uri)
        os.environ.update(NEO4J_USER=settings.neo4j.user, KB_IDE="0" if args.no_ide else "1")
        os.environ["KB_INTROSPECTION"] = "0" if args.no_introspection else "1"
        if settings.neo4j.database:
            os.environ["NEO4J_DATABASE"] = settings.neo4j.database
        _eprint(f"GraphiQL on http://{args.host}:{args.port}/graphql ({args.workers} workers)")
        uvicorn.run(
            "kb.api.app:from_env",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level="info" if args.verbose else "warning",
            access_log=args.verbose,  # a line per request only when asked for
        )
        return 0
    store = open_store(settings, follow=True)  # a memory store reopens its snapshot after each load
    app = create_app(store, ide=not args.no_ide, introspection=not args.no_introspection, base=settings.base_iri)
    _eprint(f"GraphiQL on http://{args.host}:{args.port}/graphql")
    try:
        level = "info" if args.verbose else "warning"
        uvicorn.run(app, host=args.host, port=args.port, log_level=level, access_log=args.verbose)
    finally:
        store.close()
    return 0


def derived_and_schema() -> dict[Path, str]:
    """Every file derived from the registry, graphql/schema.graphql (the API's SDL) included."""
    from kb.api.schema import sdl
    from kb.derive import derived_files

    return derived_files() | {project_root() / "graphql" / "schema.graphql": sdl()}


def cmd_ontology(args: argparse.Namespace) -> int:
    stale = []
    for path, text in derived_and_schema().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if args.write:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for p in stale:
        print(("wrote " if args.write else "out of date: ") + str(p))
    if not stale:
        print("derived ontology files are up to date")
    return 1 if stale and not args.write else 0


def _count(text: str) -> int:
    """A whole number of at least 1 (for ``--workers``)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _port(text: str) -> int:
    """A TCP port number, 1 to 65535 (for ``--port``)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="policekb",
        description="policing-kb: UK police forces, officers, oversight bodies and cases, with sources.",
    )
    p.add_argument("--version", action="version", version=f"policekb {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("load", help="load files or folders (articles, FOI tables, reference tables)")
    s.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders to load")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    s.add_argument(
        "--sync",
        action="store_true",
        help="also remove the sources once loaded from these folders whose files are gone",
    )
    s.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder source paths are relative to, for sources without a URL (default: the current folder)",
    )
    s.add_argument(
        "--strict",
        action="store_true",
        help="a table row naming no known force, region or body stops the load with nothing written "
        "(by default such rows are skipped, each with a warning, and counted)",
    )
    _writes(s, cmd_load)

    s = sub.add_parser("remove", help="remove sources and everything only they said")
    s.add_argument("sources", nargs="+", metavar="SOURCE", help="source ids (source/...) or the files they came from")
    _writes(s, cmd_remove)

    s = sub.add_parser("merge", help="judge two entities to be one (recorded in the judgements file)")
    s.add_argument("a", metavar="A", help="the entity that stays")
    s.add_argument("b", metavar="B", help="the entity that is A; its id then answers for A")
    s.add_argument("--note", default=None, help="why (kept in the judgements file)")
    _writes(s, cmd_judge)

    s = sub.add_parser("split", help="judge what one source says about an entity to be about someone else")
    s.add_argument("a", metavar="A", help="the entity")
    s.add_argument("--source", required=True, metavar="S", help="the source whose mention is someone else")
    s.add_argument("--note", default=None, help="why (kept in the judgements file)")
    _writes(s, cmd_judge)

    s = sub.add_parser("duplicates", help="list people of one name kept apart, with the evidence for and against")
    s.add_argument("--json", action="store_true", help="print JSON")
    _add_store_options(s)
    s.set_defaults(func=cmd_duplicates)

    s = sub.add_parser("extract", help="extract one article's facts and print them (touches no store)")
    s.add_argument("file", type=Path, help="article file (.txt, .md, .html)")
    s.add_argument("--format", choices=("gold-json", "json"), default="gold-json", help="output format")
    s.set_defaults(func=cmd_extract)

    s = sub.add_parser("serve", help="serve the GraphQL API and GraphiQL playground")
    s.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8000, help="port, 1 to 65535 (default 8000)")
    s.add_argument("--no-ide", action="store_true", help="do not serve the GraphiQL IDE (production)")
    s.add_argument("--no-introspection", action="store_true", help="disable schema introspection (production)")
    s.add_argument("--workers", type=_count, default=1, help="worker processes, each with its own store (default 1)")
    s.add_argument("-v", "--verbose", action="store_true", help="log every request")
    _add_store_options(s)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("stats", help="count entities, relations and sources")
    s.add_argument("--json", action="store_true", help="print JSON")
    _add_store_options(s)
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("export", help="export the KB as RDF")
    s.add_argument("--format", choices=EXPORT_FORMATS, default="ttl", help="ttl, nt, jsonld, trig or nq")
    s.add_argument("-o", "--output", type=Path, default=None, help="file to write (default: stdout)")
    s.add_argument(
        "--workers",
        type=_count,
        default=None,
        metavar="N",
        help="processes that serialise the export (memory store only; default: one per core, up to 4, as far "
        "as free memory allows, since each copies most of the store's memory). The output is the same whatever N.",
    )
    _add_store_options(s)
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("validate", help="validate the RDF export against the SHACL shapes")
    _add_store_options(s)
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "ontology", help="check (or --write) the files derived from ontology/registry.toml, the GraphQL SDL included"
    )
    s.add_argument("--write", action="store_true", help="rewrite out-of-date files")
    s.set_defaults(func=cmd_ontology)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from loaders.base import LoadError

    args = build_parser().parse_args(argv)
    try:
        rc: int = args.func(args)
        return rc
    except LoadError as exc:
        _eprint(f"error: {exc}")
        return 2
    except StoreError as exc:
        _eprint(f"error: {exc}")
        return 3
    except ValueError as exc:
        _eprint(f"error: {exc}")
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # an unwritable or missing path: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        _eprint(f"error: {where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
