"""Article extraction speed: characters/s (and articles/s) on one core for the whole pipeline, and
the process's peak memory, over a generated corpus.

The corpus is the project's own test articles (and the development seeds when present, in ../shared),
repeated with small changes so no two texts are identical, to several
megabytes. Time is process CPU time, so other load on the machine changes it less than wall time.
"""

from __future__ import annotations

import resource
import time

from kb.paths import project_root
from loaders.articles import extract_text, text_source
from loaders.articles.reader import read_file


def _texts() -> list[str]:
    root = project_root()
    files = sorted((root / "tests" / "articles").glob("*.*"))
    seeds = root.parent / "shared" / "corpus" / "seeds"
    if seeds.is_dir():
        files += sorted(seeds.glob("*.txt"))
    files += sorted((root / "data" / "sample").rglob("*.txt")) + sorted((root / "data" / "sample").rglob("*.md"))
    out = []
    for f in files:
        try:
            out.append(read_file(f).text)
        except Exception:  # noqa: S112 - a sample that is not an article is simply not part of the bench
            continue
    return out


def corpus(target_bytes: int) -> list[str]:
    base = _texts()
    if not base:
        raise SystemExit("no articles to benchmark")
    out: list[str] = []
    size = 0
    k = 0
    while size < target_bytes:
        t = base[k % len(base)]
        # vary each copy so caches keyed on text cannot help
        t = t.replace("said", "said" if k % 2 else "says", 1) + f"\nReport {k}.\n"
        out.append(t)
        size += len(t.encode("utf-8"))
        k += 1
    return out


def main(quick: bool = False) -> None:
    texts = corpus(400_000 if quick else 4_000_000)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t_load = time.process_time()
    extract_text(texts[0], text_source(texts[0]))  # warm up: patterns, gazetteers, name lists (once per process)
    warm = time.process_time() - t_load
    total = sum(len(t.encode("utf-8")) for t in texts)
    chars = sum(len(t) for t in texts)
    t0 = time.process_time()
    entities = relations = 0
    for t in texts:
        facts = extract_text(t, text_source(t))
        entities += len(facts.entities)
        relations += len(facts.relations)
    dt = time.process_time() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        f"extract: {len(texts)} articles, {total / 1e6:.2f} MB in {dt:.2f}s CPU: "
        f"{chars / dt / 1e3:.0f}k chars/s per core (target >= 100k), {len(texts) / dt:.1f} articles/s, "
        f"{total / 1e6 / dt:.2f} MB/s ({entities} entities, {relations} relations); "
        f"first-call load {warm:.2f}s; peak RSS {rss / 1024:.0f} MB "
        f"({(rss - rss0) / 1024:.0f} MB over the corpus in memory)"
    )


if __name__ == "__main__":
    main()
