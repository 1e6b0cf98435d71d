"""The SPARQL endpoint's data: a pyoxigraph store on disk, built from the KB's N-Quads export.

Where it lives:

- memory store with a snapshot file: beside it, ``<snapshot>.sparql/`` (``.kb/kb.snapshot.sparql/``);
- Neo4j store: ``$KB_SPARQL_DIR``, else ``sparql/neo4j-<hash of URI and database>/`` in the
  folder of the default snapshot (``.kb/``): Neo4j has no snapshot to sit beside;
- a store with no file at all (tests, a KB built in memory): a temporary folder, removed when
  the endpoint goes away.

Each build is a version folder named by the KB's fingerprint: the snapshot file's identity
(or, for Neo4j, the counts by type and every source's id and SHA-256) with the export's
version. A server started on an unchanged KB reuses the folder at once; a changed KB gets a
new version, built in the background (``bulk_load`` streaming the export through a pipe, so the
N-Quads never sit on disk or in memory, then compacted), then switched to; older versions are removed. A
file lock keeps two server processes from building the same version twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kb.config import default_data_path
from kb.rdf.export import export
from kb.rdf.owl import render_ontology
from kb.rdf.terms import Iris, ontology_iri, tool_version
from kb.store.base import Store
from kb.store.follow import FollowingStore
from kb.store.memory import MemoryStore

# Bump when the export's RDF or the store's layout changes, so stores built by an older version
# are rebuilt (3: compacted after loading).
DATA_VERSION = 3
FINGERPRINT_FILE = "fingerprint.json"
KEEP_VERSIONS = 2  # the current one and the one before (another server process may still read it)


class NotReady(Exception):
    """No store to query yet: the first build is still running (``elapsed`` seconds so far)."""

    def __init__(self, elapsed: float) -> None:
        super().__init__(f"the SPARQL store is being built ({elapsed:.0f} s so far)")
        self.elapsed = elapsed


class BuildFailed(Exception):
    """Building the store failed; the message says why."""


def _unwrap(store: Store) -> Store:
    """A server's memory store (kb.store.follow) is its current snapshot's store."""
    return store.current if isinstance(store, FollowingStore) else store


def home_for(store: Store) -> Path | None:
    """Where the store's SPARQL versions live (None: a temporary folder)."""
    if isinstance(store, FollowingStore):  # beside its snapshot: known before the snapshot is open
        return Path(f"{store.path}.sparql")
    store = _unwrap(store)
    if isinstance(store, MemoryStore):
        return Path(f"{store.path}.sparql") if store.path is not None else None
    env = os.environ.get("KB_SPARQL_DIR")
    if env:
        return Path(env)
    settings = getattr(store, "settings", None)
    ident = f"{getattr(settings, 'uri', '')}|{getattr(settings, 'database', '')}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:12]
    return default_data_path().parent / "sparql" / f"{type(store).__name__.lower()}-{digest}"


def _export_identity(base: str | None) -> dict[str, object]:
    iris = Iris(base)
    return {
        "data_version": DATA_VERSION,
        "kb": tool_version(),
        "ontology": iris.onto.version,
        "ontology_sha256": hashlib.sha256(render_ontology().encode()).hexdigest(),
        "base": iris.base,
    }


def store_identity(store: Store) -> dict[str, object]:
    """What changes whenever the KB's content does (see the module docstring)."""
    store = _unwrap(store)
    if isinstance(store, MemoryStore) and store.path is not None and store.path.exists():
        st = store.path.stat()
        return {"snapshot": str(store.path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                "inode": st.st_ino, "revision": store.revision}  # fmt: skip
    if store.revision is not None:
        return {"process": os.getpid(), "store": id(store), "revision": store.revision}
    stats = store.stats()
    sources = hashlib.sha256()
    for node in store.iter_nodes("Source"):
        sources.update(f"{node.id}\x1f{node.props.get('sha256', '')}\n".encode())
    return {
        "entities": sorted(stats.entities.items()),
        "relations": sorted(stats.relations.items()),
        "sources": sources.hexdigest(),
    }


@dataclass(frozen=True)
class Version:
    key: str
    path: Path


class SparqlData:
    """Finds or builds the pyoxigraph store of a KB (see the module docstring)."""

    def __init__(self, store: Store, base: str | None = None, home: Path | None = None, refresh: float = 30.0) -> None:
        self.store = store
        self.base = base
        self.refresh = refresh  # how often a store that cannot tell its revision is fingerprinted
        self.home = home or home_for(store)
        if self.home is None:
            self.home = Path(tempfile.mkdtemp(prefix="policekb-sparql-"))
            weakref.finalize(self, shutil.rmtree, self.home, True)
        self._lock = threading.Lock()
        self._current: Version | None = None
        self._wanted: str | None = None  # key of the KB as last fingerprinted
        self._checked = -1e9
        self._build: threading.Thread | None = None
        self._build_started = 0.0
        self._built = threading.Condition(self._lock)
        self._error: BaseException | None = None

    # -- fingerprint -----------------------------------------------------------------
    def _key(self) -> str:
        ident = {"export": _export_identity(self.base), "kb": store_identity(self.store)}
        return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:20]

    def wanted_key(self) -> str:
        now = time.monotonic()
        cheap = self.store.revision is not None
        if self._wanted is None or cheap or now - self._checked >= self.refresh:
            self._wanted = self._key()
            self._checked = now
        return self._wanted

    # -- the current version -----------------------------------------------------------
    def current(self, wait: float) -> Path:
        """The folder of the store to query, built first if needed (waiting up to ``wait`` s
        for a build; after that a previous version is used if there is one, else NotReady)."""
        key = self.wanted_key()
        with self._lock:
            if self._current is not None and self._current.key == key:
                return self._current.path
            assert self.home is not None
            ready = self.home / key
            if (ready / FINGERPRINT_FILE).is_file():
                self._current = Version(key, ready)
                return ready
            if self._build is None:
                self._error = None
                self._build_started = time.monotonic()
                self._build = threading.Thread(target=self._run_build, args=(key,), name="sparql-build", daemon=True)
                self._build.start()
            deadline = time.monotonic() + wait
            while self._build is not None and (left := deadline - time.monotonic()) > 0:
                self._built.wait(left)
            if self._error is not None:
                error, self._error = self._error, None
                raise BuildFailed(f"building the SPARQL store failed: {error}") from error
            if self._current is not None and (self._current.key == key or self._build is not None):
                return self._current.path  # the new version is still being built: answer from the last one
            raise NotReady(time.monotonic() - self._build_started)

    def _run_build(self, key: str) -> None:
        try:
            path = self.build(key)
            with self._lock:
                self._current = Version(key, path)
        except BaseException as exc:
            with self._lock:
                self._error = exc
        finally:
            with self._lock:
                self._build = None
                self._built.notify_all()

    # -- building ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        assert self.home is not None
        self.home.mkdir(parents=True, exist_ok=True)
        with (self.home / ".lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def build(self, key: str) -> Path:
        """Build version ``key`` (unless another process just did) and return its folder."""
        assert self.home is not None
        target = self.home / key
        with self._exclusive():
            if (target / FINGERPRINT_FILE).is_file():
                return target
            tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=self.home))
            try:
                t0 = time.monotonic()
                n, compacting = _fill(self.store, self.base, tmp)
                took = {"seconds": round(time.monotonic() - t0, 1), "compact_seconds": round(compacting, 1)}
                (tmp / FINGERPRINT_FILE).write_text(json.dumps({"key": key, "quads": n, **took}), encoding="utf-8")
                if target.exists():  # an incomplete folder left by a killed build
                    shutil.rmtree(target)
                os.replace(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._prune(key)
        return target

    def _prune(self, key: str) -> None:
        assert self.home is not None
        folders = [p for p in self.home.iterdir() if p.is_dir() and p.name != key]
        versions = sorted((p for p in folders if not p.name.startswith(".build-")), key=_mtime, reverse=True)
        for p in versions[KEEP_VERSIONS - 1 :]:
            shutil.rmtree(p, ignore_errors=True)
        for p in folders:
            if p.name.startswith(".build-") and time.time() - _mtime(p) > 24 * 3600:  # left by a killed build
                shutil.rmtree(p, ignore_errors=True)


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def _fill(store: Store, base: str | None, folder: Path) -> tuple[int, float]:
    """A new pyoxigraph store in ``folder``: each source's named graph (the N-Quads export)
    and, in the default graph, the merged graph (the N-Triples export) and the ontology.

    The default graph holds the merge itself because pyoxigraph's "union of all graphs" is a
    multiset: a triple two sources state would come back twice. Each export streams through
    a pipe into ``bulk_load``, so neither sits on disk or in memory. Returns the quads loaded
    and the seconds spent compacting.

    The store is then compacted (``optimize``): the bulk loader leaves dozens of overlapping
    files, each of which every lookup has to search, and queries join by lookups (the README's
    third query makes 6x10^5 of them at 10^5 entities: 25 s of CPU uncompacted, 5 s compacted)."""
    ox_store = ox.Store(str(folder))
    n = _pipe_load(store, base, "nq", ox_store) + _pipe_load(store, base, "nt", ox_store)
    onto = render_ontology().encode("utf-8")
    ox_store.load(input=onto, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ontology_iri()))
    ox_store.load(input=onto, format=ox.RdfFormat.TURTLE)
    ox_store.flush()
    t0 = time.monotonic()
    ox_store.optimize()
    compacting = time.monotonic() - t0
    del ox_store
    gc.collect()  # close the store (RocksDB) before the folder is renamed and opened read-only
    return n, compacting


def _pipe_load(store: Store, base: str | None, fmt: str, ox_store: ox.Store) -> int:
    r, w = os.pipe()
    result: dict[str, object] = {}

    def produce() -> None:
        try:
            with os.fdopen(w, "wb", buffering=1 << 20) as out:
                result["n"] = export(store, fmt, out, base=base, workers=1)
        except BaseException as exc:
            result["error"] = exc

    producer = threading.Thread(target=produce, name="sparql-export", daemon=True)
    producer.start()
    try:
        with os.fdopen(r, "rb", buffering=1 << 20) as src:
            # lenient: the text is our own exporter's (IRIs made from percent-encoded ids,
            # literals escaped), so pyoxigraph need not validate every IRI again
            ox_store.bulk_load(
                input=src, format=ox.RdfFormat.N_QUADS if fmt == "nq" else ox.RdfFormat.N_TRIPLES, lenient=True
            )
    finally:
        producer.join()
    error = result.get("error")
    if isinstance(error, BaseException):
        raise BuildFailed(f"exporting the KB failed: {error}") from error
    n = result.get("n", 0)
    return n if isinstance(n, int) else 0
