"""Where the memory of a generated 1M-track import goes (issue 17): resident memory by stage.

    python bench/import_memory.py [--tracks 1000000] [--prompts 20] [--out bench/results/import_memory.json]

Runs what `bench/playlist_latency.py --sets demo-1m` runs (generate the catalogue, `CatalogueService.replace`: save
it, vectors, item space, FAISS index, BM25, derived facts; then a second `build()` loading the library, and one pass
of playlists) in this process, in a temporary SEGUE_HOME that is removed afterwards. A thread samples VmRSS from
/proc/self/status every 10 ms, and the costly functions are wrapped (without changing what they do) so that each
call records RSS on entry, the highest RSS sampled while it ran, and RSS on exit. Stages nest: a stage's peak
includes the stages it calls. Prints the stages in call order and writes JSON.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

HOOKS = [
    ("retrieval.demo.catalogue", "generate_columns", "demo: generate columns"),
    ("retrieval.demo.catalogue", "build_demo_catalogue", "demo: catalogue"),
    ("retrieval.catalogue_service", "CatalogueService.replace", "replace (import)"),
    ("retrieval.tracks", "Catalogue.save", "catalogue: save"),
    ("retrieval.tracks", "Catalogue.load", "catalogue: load"),
    ("retrieval.tracks", "Catalogue.content_hash", "catalogue: content hash"),
    ("retrieval.vectors", "build_vectors", "vectors: build"),
    ("retrieval.vectors", "build_audio_vectors", "vectors: audio"),
    ("retrieval.vectors", "_genre_vocabulary", "vectors: genre vocabulary"),
    ("retrieval.vectors", "_compose", "vectors: compose text"),
    ("retrieval.vectors", "_nearest", "vectors: audio neighbours"),
    ("retrieval.vectors", "save_vectors", "vectors: save"),
    ("retrieval.library", "save_items", "items: combine and save"),
    ("retrieval.npy_rows", "mean_rows", "items: text mean"),
    ("retrieval.index", "build_index", "FAISS: build"),
    ("retrieval.index", "save_index", "FAISS: save"),
    ("retrieval.index", "load_index", "FAISS: load"),
    ("retrieval.lexical", "LexicalIndex.build", "BM25: build"),
    ("retrieval.lexical", "LexicalIndex.save", "BM25: save"),
    ("retrieval.lexical", "LexicalIndex.load", "BM25: load"),
    ("retrieval.library", "build_library", "library: build or load"),
    ("retrieval.library", "load_library_parts", "library: load parts"),
    ("retrieval.derived", "prepare", "derived: prepare"),
    ("retrieval.works", "WorkIndex.__init__", "derived: works index"),
    ("retrieval.charts", "ChartFacts.__init__", "derived: chart facts"),
    ("retrieval.doubt", "assess", "derived: doubt"),
    ("retrieval.genres", "GenreMatrix.__init__", "genre matrix"),
    ("retrieval.lexical", "LexicalIndex.build_tags", "tag BM25"),
    ("assistant.understanding.concept_index", "ConceptIndex.from_path", "vocabulary: concept index"),
    ("assistant.understanding.entities", "EntityIndex.from_catalogue", "vocabulary: entity index"),
    ("assistant.understanding.name_spelling", "LooseNames.__init__", "vocabulary: loose names"),
    ("assistant.understanding.vocabulary", "Vocabulary.__init__", "vocabulary: names and titles"),
    ("assistant.understanding.vocabulary", "Vocabulary.from_library", "vocabulary: from library"),
    ("assistant.planning.service", "Planner.playlist", "playlist"),
]


def mapped_files_kb(min_kb: int = 20_000) -> dict[str, int]:
    """Resident kB per memory-mapped file of this process (/proc/self/smaps), those above `min_kb`."""
    out: dict[str, int] = {}
    name = None
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:
                name = head[5] if len(head) > 5 and head[5].startswith("/") else None
            elif head and head[0] == "Rss:" and name:
                out[name] = out.get(name, 0) + int(head[1])
    return {k: v for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v >= min_kb}


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Samples VmRSS every `period` seconds; open stages read the highest value seen while they run."""

    def __init__(self, period: float = 0.01):
        super().__init__(daemon=True)
        self.period = period
        self.open: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.period):
            now = rss_kb()
            for rec in list(self.open):
                rec["peak_kb"] = max(rec["peak_kb"], now)


def install_hooks(sampler: Sampler, records: list[dict]) -> None:
    depth = [0]

    def measured(fn, label):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            now = rss_kb()
            rec = {"stage": label, "depth": depth[0], "enter_kb": now, "peak_kb": now, "t": time.perf_counter()}
            records.append(rec)
            sampler.open.append(rec)
            depth[0] += 1
            try:
                return fn(*a, **k)
            finally:
                depth[0] -= 1
                sampler.open.remove(rec)
                rec["exit_kb"] = rss_kb()
                rec["peak_kb"] = max(rec["peak_kb"], rec["exit_kb"])
                rec["seconds"] = time.perf_counter() - rec.pop("t")
        return wrapper

    for module, path, label in HOOKS:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        owner_name, _, attr = path.rpartition(".")
        owner = functools.reduce(getattr, owner_name.split("."), mod) if owner_name else mod
        if not hasattr(owner, attr):
            continue
        raw = inspect.getattr_static(owner, attr)
        if isinstance(raw, classmethod):
            setattr(owner, attr, classmethod(measured(raw.__func__, label)))
        elif isinstance(raw, staticmethod):
            setattr(owner, attr, staticmethod(measured(raw.__func__, label)))
        else:
            setattr(owner, attr, measured(raw, label))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tracks", type=int, default=1_000_000)
    ap.add_argument("--prompts", type=int, default=20, help="playlists after the import (0: none)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "import_memory.json")
    ap.add_argument("--keep", action="store_true", help="keep the temporary home (printed)")
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    sampler = Sampler()
    records: list[dict] = []
    install_hooks(sampler, records)
    from bench_prompts import PROMPTS

    from assistant.compose import build
    from assistant.model.settings import Settings
    from retrieval.demo.catalogue import build_demo_catalogue

    sampler.start()
    home = Path(tempfile.mkdtemp(prefix="segue-memory-"))
    marks = [("start", rss_kb())]
    try:
        app = build(Settings(home=home))
        t0 = time.perf_counter()
        cat = build_demo_catalogue(args.tracks)
        cat.meta.update({"label": f"generated {args.tracks:,}", "fingerprint": f"bench-{args.tracks}"})
        app.catalogue.replace(cat, None)
        marks.append(("after import", rss_kb()))
        app.planner.library()
        app2 = build(Settings(home=home))
        app2.planner.library()
        marks.append(("after a second library load", rss_kb()))
        for p in PROMPTS[: args.prompts]:
            app.planner.playlist(p)
        marks.append((f"after {args.prompts} playlists", rss_kb()))
        files = mapped_files_kb()
        wall = time.perf_counter() - t0
    finally:
        sampler.stop.set()
        if args.keep:
            print(f"home kept: {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'stage':<34} {'enter MB':>9} {'peak MB':>9} {'exit MB':>9} {'seconds':>8}")
    for r in records:
        if r["stage"] == "playlist" and r is not next(x for x in records if x["stage"] == "playlist"):
            continue  # the first playlist only (it builds the vocabulary); the rest are alike
        print(f"{'  ' * r['depth'] + r['stage']:<34} {r['enter_kb'] / 1024:>9.0f} {r['peak_kb'] / 1024:>9.0f} "
              f"{r.get('exit_kb', 0) / 1024:>9.0f} {r.get('seconds', 0):>8.1f}")
    for label, kb in marks:
        print(f"{label:<34} {kb / 1024:>9.0f}")
    with open("/proc/self/status") as f:
        status = {k: v.strip() for k, _, v in (line.partition(":") for line in f)}
    print(f"at the end: RssAnon {status['RssAnon']}, RssFile {status['RssFile']}; resident mapped files (MB):")
    for name, kb in files.items():
        print(f"  {kb / 1024:>7.0f}  {name.removeprefix(str(home))}")
    print(f"process peak (ru_maxrss) {peak_mb:.0f} MB, {wall:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"tracks": args.tracks, "peak_mb": round(peak_mb), "wall_s": round(wall, 1),
                                    "marks_mb": {k: round(v / 1024) for k, v in marks},
                                    "mapped_files_mb": {k.removeprefix(str(home)): round(v / 1024) for k, v in files.items()},
                                    "stages": records}, indent=1))


if __name__ == "__main__":
    main()
