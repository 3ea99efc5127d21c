"""Prompt -> checked playlist latency, import/index build time and memory, without an LLM.

Usage:
    .venv/bin/python bench/playlist_latency.py                  # both sets: real 66k and generated 1M
    .venv/bin/python bench/playlist_latency.py --sets real      # only the real catalogue (../shared/data)
    .venv/bin/python bench/playlist_latency.py --sets demo-1m --reps 2

Each set runs in its own subprocess (so peak memory is that set's own) in a fresh temporary
SEGUE_HOME (removed afterwards): import (or generate) the catalogue, build vectors + FAISS + BM25, then time
`Segue.playlist` over a fixed list of prompts (one warm-up pass, then --reps timed passes).
`import_peak_mb` is that process's peak resident memory when the import is done; `peak_rss_mb` its peak at the end
(a second library load and the playlists included).

Then a fresh serving process (`--serve HOME`) loads the same home as `segue serve` would and times the same passes:
its resident memory after loading the library and after the timed playlists, split into anonymous memory (its own)
and file pages (memory-mapped vectors and index: shared with other processes, dropped by the kernel when memory
is short), its peak, and its p50/p95.
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


def memory_mb() -> dict:
    """This process's resident memory now (anonymous, file-backed), and its peak, in MB (/proc/self/status)."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                fields[key] = round(int(value.split()[0]) / 1024)
    return {"rss": fields["VmRSS"], "anon": fields["RssAnon"], "file": fields["RssFile"] + fields["RssShmem"],
            "peak": fields["VmHWM"]}


def time_playlists(planner, reps: int) -> tuple[list[float], int]:
    """One untimed warm-up pass over PROMPTS, then `reps` timed passes: (milliseconds per call, unsatisfied reports)."""
    for p in PROMPTS:  # warm-up (encoder caches, page cache)
        planner.playlist(p)
    times, unsatisfied = [], 0
    for _ in range(reps):
        for p in PROMPTS:
            s = time.perf_counter()
            pl = planner.playlist(p)
            times.append((time.perf_counter() - s) * 1000)
            unsatisfied += 0 if pl.report.satisfied else 1
    return times, unsatisfied


def serve_set(home: Path, reps: int) -> dict:
    """A fresh process serving an imported home: load it as `segue serve` does, then the timed playlists."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from assistant.compose import build
    from assistant.model.settings import Settings

    t0 = time.perf_counter()
    app = build(Settings(home=home))
    app.planner.library()
    loaded = memory_mb()
    load_s = time.perf_counter() - t0
    times, unsatisfied = time_playlists(app.planner, reps)
    after = memory_mb()
    return {
        "serve_load_s": round(load_s, 2),
        "serve_rss_loaded_mb": loaded["rss"], "serve_anon_loaded_mb": loaded["anon"],
        "serve_file_loaded_mb": loaded["file"],
        "serve_rss_mb": after["rss"], "serve_anon_mb": after["anon"], "serve_file_mb": after["file"],
        "serve_peak_mb": after["peak"],
        "serve_calls": len(times),
        "serve_p50_ms": round(percentile(times, 50), 1),
        "serve_p95_ms": round(percentile(times, 95), 1),
        "serve_unsatisfied_reports": unsatisfied,
    }


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
    import_peak_mb = memory_mb()["peak"]
    lib = app.planner.library()
    t1 = time.perf_counter()
    app2 = build(Settings(home=home))  # a second process start: load memory-mapped parts
    app2.planner.library()
    load_s = time.perf_counter() - t1
    times, unsatisfied = time_playlists(app.planner, reps)
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
        "import_peak_mb": import_peak_mb,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "home": str(home),
    }


def run_and_clean(name: str, reps: int) -> dict:
    """`run_set`, then a fresh serving process over its home (`--serve`), then the temporary data home is removed
    (a 1M-track home is ~5 GB)."""
    out = subprocess.run([sys.executable, __file__, "--one", name, "--reps", str(reps), "--keep-home"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    try:
        served = subprocess.run([sys.executable, __file__, "--serve", result["home"], "--reps", str(reps)],
                                capture_output=True, text=True)
        if served.returncode != 0:
            raise RuntimeError(served.stderr[-2000:])
        result.update(json.loads(served.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(result["home"], ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="real,demo-1m", help="comma-separated: real, demo-1m")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--keep-home", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        result = run_set(args.one, args.reps)
        if not args.keep_home:
            shutil.rmtree(result["home"], ignore_errors=True)
        print(json.dumps(result))
        return
    if args.serve:
        print(json.dumps(serve_set(Path(args.serve), args.reps)))
        return
    rows = []
    for name in args.sets.split(","):
        if name == "real" and not CATALOG.exists():
            print(f"skipping real: {CATALOG} not found", file=sys.stderr)
            continue
        try:
            rows.append(run_and_clean(name, args.reps))
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
    cols = ["set", "tracks", "index", "build_s", "load_s", "calls", "p50_ms", "p95_ms", "max_ms", "unsatisfied_reports",
            "import_peak_mb", "peak_rss_mb"]
    serve_cols = ["set", "serve_load_s", "serve_anon_loaded_mb", "serve_file_loaded_mb", "serve_anon_mb", "serve_file_mb",
                  "serve_peak_mb", "serve_calls", "serve_p50_ms", "serve_p95_ms", "serve_unsatisfied_reports"]
    for columns in (cols, serve_cols):
        print(" | ".join(columns))
        for r in rows:
            print(" | ".join(str(r.get(c, "")) for c in columns))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"prompts": PROMPTS, "results": rows}, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
