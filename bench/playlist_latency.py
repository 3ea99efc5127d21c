"""Prompt -> checked playlist latency, import/index build time and memory, without an LLM.

Usage:
    .venv/bin/python bench/playlist_latency.py                  # both sets: real 66k and generated 1M
    .venv/bin/python bench/playlist_latency.py --sets real      # only the real catalogue (../shared/data)
    .venv/bin/python bench/playlist_latency.py --sets demo-1m --reps 2

Each set runs in its own subprocess (so peak memory is that set's own) in a fresh temporary
SEGUE_HOME (removed afterwards): import (or generate) the catalogue, build vectors + FAISS + BM25, then time
`Segue.playlist` over a fixed list of prompts (one warm-up pass, then --reps timed passes).
Prints a table and writes JSON to bench/results/playlist_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_prompts import PROMPTS
from bench_stats import percentile

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "data" / "catalog.csv.gz"
RESULTS = ROOT / "bench" / "results" / "playlist_latency.json"


def run_set(name: str, reps: int) -> dict:
    os.environ["HF_HUB_OFFLINE"] = "1"
    from assistant.compose import build
    from assistant.model.settings import Settings

    home = Path(tempfile.mkdtemp(prefix=f"segue-bench-{name}-"))
    app = build(Settings(home=home))
    t0 = time.perf_counter()
    if name == "real":
        app.catalogue.import_catalogue(CATALOG)
    else:
        from retrieval.demo.catalogue import build_demo_catalogue

        n = 1_000_000
        cat = build_demo_catalogue(n)
        cat.meta.update({"label": f"generated {n:,}", "fingerprint": f"bench-{n}"})
        app.catalogue.replace(cat, None)
    build_s = time.perf_counter() - t0
    lib = app.planner.library()
    t1 = time.perf_counter()
    app2 = build(Settings(home=home))  # a second process start: load memory-mapped parts
    app2.planner.library()
    load_s = time.perf_counter() - t1
    for p in PROMPTS:  # warm-up (encoder caches, page cache)
        app.planner.playlist(p)
    times, unsatisfied = [], 0
    for _ in range(reps):
        for p in PROMPTS:
            s = time.perf_counter()
            pl = app.planner.playlist(p)
            times.append((time.perf_counter() - s) * 1000)
            unsatisfied += 0 if pl.report.satisfied else 1
    return {
        "set": name,
        "tracks": len(lib.catalogue),
        "index": getattr(lib.index, "kind", "?"),
        "build_s": round(build_s, 1),
        "load_s": round(load_s, 2),
        "calls": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "unsatisfied_reports": unsatisfied,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "home": str(home),
    }


def run_and_clean(name: str, reps: int) -> dict:
    """`run_set`, then its temporary data home is removed (a 1M-track home is ~5 GB)."""
    result = run_set(name, reps)
    shutil.rmtree(result["home"], ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="real,demo-1m", help="comma-separated: real, demo-1m")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_and_clean(args.one, args.reps)))
        return
    rows = []
    for name in args.sets.split(","):
        if name == "real" and not CATALOG.exists():
            print(f"skipping real: {CATALOG} not found", file=sys.stderr)
            continue
        out = subprocess.run([sys.executable, __file__, "--one", name, "--reps", str(args.reps)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:], file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cols = ["set", "tracks", "index", "build_s", "load_s", "calls", "p50_ms", "p95_ms", "max_ms", "unsatisfied_reports", "peak_rss_mb"]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"prompts": PROMPTS, "results": rows}, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
