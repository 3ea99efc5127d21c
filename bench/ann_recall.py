"""Benchmark exact vs HNSW (and, for very large sets, IVF) search: build time, recall@10, latency, size.

Usage:
    .venv/bin/python bench/ann_recall.py                 # catalogue stand-in vectors (66k x 73)
    .venv/bin/python bench/ann_recall.py vectors.npy     # your own (n, d) float32 vectors
    .venv/bin/python bench/ann_recall.py --sets catalog,clustered-66k,clustered-200k,clustered-1m

The catalogue stand-in is audio features plus a random projection of the genre one-hot; it exists only
so the bench runs alone. Prints a table and writes JSON to bench/results/ann_recall.json.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.filtered_search import filtered_search
from retrieval.index import ExactIndex, HNSWIndex, IVFIndex, build_index

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "data" / "catalog.csv.gz"
FEATURES = ["danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence"]
K = 10


# ---------------------------------------------------------------------------------------------
# data


def normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def catalog_vectors(path: Path = CATALOG, genre_dims: int = 64, seed: int = 0) -> np.ndarray:
    """Audio features (unknown -> column mean) + random projection of the genre one-hot, L2-normalised."""
    feats: list[list[float]] = []
    genres: list[list[str]] = []
    with gzip.open(path, "rt", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            vals = [row[c] for c in FEATURES] + [row["tempo"], row["loudness"]]
            f = [float(v) if v else np.nan for v in vals]
            f[7] = f[7] / 250.0
            f[8] = f[8] / 60.0 + 1.0
            feats.append(f)
            genres.append([g for g in row["genres"].split("|") if g])
    x = np.array(feats, dtype=np.float64)
    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    vocab = {g: i for i, g in enumerate(sorted({g for gs in genres for g in gs}))}
    proj = np.random.default_rng(seed).standard_normal((len(vocab), genre_dims)) / np.sqrt(genre_dims)
    g = np.zeros((len(genres), genre_dims))
    for i, gs in enumerate(genres):
        if gs:
            g[i] = proj[[vocab[name] for name in gs]].sum(axis=0)
    return normalise(np.hstack([x, g]))


def clustered_vectors(n: int, dim: int = 384, clusters: int = 2000, seed: int = 0) -> np.ndarray:
    """n unit vectors around `clusters` random centres with Zipf-like sizes and per-cluster spread."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    weights = 1.0 / np.arange(1, clusters + 1) ** 0.7
    spread = rng.uniform(0.5, 1.0, clusters).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        c = rng.choice(clusters, size=stop - start, p=weights / weights.sum())
        noise = rng.standard_normal((stop - start, dim), dtype=np.float32)
        out[start:stop] = normalise(centres[c] + spread[c, None] * noise)
    return out


def split(x: np.ndarray, n_queries: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Hold out n_queries random rows as queries; the rest is the indexed set."""
    held = np.zeros(len(x), dtype=bool)
    held[np.random.default_rng(seed).choice(len(x), n_queries, replace=False)] = True
    return np.ascontiguousarray(x[~held]), np.ascontiguousarray(x[held])


# ---------------------------------------------------------------------------------------------
# measuring


def size_bytes(faiss_index: Any) -> int:
    import faiss

    return int(faiss.serialize_index(faiss_index).nbytes)


def latency_ms(search, queries: np.ndarray, n: int) -> tuple[float, float]:
    """p50/p95 of one-query-at-a-time search over the first n queries."""
    search(queries[:1])  # warm up
    times = []
    for q in queries[:n]:
        t = time.perf_counter()
        search(q[None, :])
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def recall(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a[a >= 0]) & set(e)) / len(e) for a, e in zip(approx, exact)]))


def bench_set(name: str, x: np.ndarray, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run exact, HNSW (efSearch sweep per M) and optionally IVF on one vector set."""
    base, queries = split(x, args.queries)
    n, d = base.shape
    lat_n = args.latency_queries if n < 500_000 else min(args.latency_queries, 200)
    print(f"\n== {name}: n={n:,} d={d} queries={len(queries)} (latency over {lat_n})", flush=True)
    rows: list[dict[str, Any]] = []

    t = time.perf_counter()
    exact = ExactIndex.build(base)
    build_s = time.perf_counter() - t
    truth = exact.search(queries, K)[1]
    p50, p95 = latency_ms(lambda q: exact.search(q, K), queries, lat_n)
    rows.append(dict(set=name, n=n, d=d, kind="exact", params="", build_s=build_s, recall10=1.0,
                     p50_ms=p50, p95_ms=p95, size_bytes=size_bytes(exact.index)))
    exact = None  # free it before the ANN indexes are built
    print_row(rows[-1])

    if n <= args.max_hnsw:
        for m, efc in args.hnsw:
            t = time.perf_counter()
            hnsw = HNSWIndex.build(base, m=m, ef_construction=efc)
            build_s = time.perf_counter() - t
            size = size_bytes(hnsw.index)
            for ef in args.ef_search:
                hnsw.ef_search = ef
                r = recall(hnsw.search(queries, K)[1], truth)
                p50, p95 = latency_ms(lambda q: hnsw.search(q, K), queries, lat_n)
                rows.append(dict(set=name, n=n, d=d, kind="hnsw", params=f"M={m} efC={efc} efS={ef}",
                                 build_s=build_s, recall10=r, p50_ms=p50, p95_ms=p95, size_bytes=size))
                print_row(rows[-1])
    if n >= args.ivf_from:
        rows += bench_ivf(name, base, queries, truth, lat_n, args)
    if name == "catalog" or args.filtered:
        rows += bench_filtered(name, base, queries, args)
    return rows


def bench_ivf(name: str, base: np.ndarray, queries: np.ndarray, truth: np.ndarray, lat_n: int,
              args: argparse.Namespace) -> list[dict[str, Any]]:
    """IVF-Flat (inner product, default nlist ~ 4 sqrt(n)); nprobe sweep."""
    t = time.perf_counter()
    ivf = IVFIndex.build(base)
    build_s = time.perf_counter() - t
    size = size_bytes(ivf.index)
    rows = []
    for nprobe in args.nprobe:
        ivf.nprobe = nprobe
        r = recall(ivf.search(queries, K)[1], truth)
        p50, p95 = latency_ms(lambda q: ivf.search(q, K), queries, lat_n)
        rows.append(dict(set=name, n=len(base), d=base.shape[1], kind="ivf", params=f"nlist={ivf.index.nlist} nprobe={nprobe}",
                         build_s=build_s, recall10=r, p50_ms=p50, p95_ms=p95, size_bytes=size))
        print_row(rows[-1])
    return rows


def bench_filtered(name: str, base: np.ndarray, queries: np.ndarray, args: argparse.Namespace) -> list[dict[str, Any]]:
    """filtered_search over build_index's default ANN: p50/p95 and recall@10 vs exact among allowed rows."""
    index = build_index(base, ann_threshold=0)
    rows = []
    rng = np.random.default_rng(4)
    for frac in (0.5, 0.05, 0.005):
        allowed = rng.random(len(base)) < frac
        allowed_rows = np.flatnonzero(allowed)
        times, recalls = [], []
        for q in queries[: args.latency_queries]:
            t = time.perf_counter()
            _, got = filtered_search(index, base, q, K, allowed)
            times.append(time.perf_counter() - t)
            best = allowed_rows[np.argsort(-(base[allowed_rows] @ q), kind="stable")[:K]]
            recalls.append(len(set(got) & set(best)) / K)
        ms = np.array(times) * 1e3
        rows.append(dict(set=name, n=len(base), d=base.shape[1], kind=f"{index.kind}+filter", params=f"allowed={frac:.1%}",
                         build_s=0.0, recall10=float(np.mean(recalls)), p50_ms=float(np.percentile(ms, 50)),
                         p95_ms=float(np.percentile(ms, 95)), size_bytes=0))
        print_row(rows[-1])
    return rows


def print_row(r: dict[str, Any]) -> None:
    print(f"{r['set']:<15} {r['kind']:<11} {r['params']:<26} build {r['build_s']:7.1f}s  recall@10 {r['recall10']:.4f}  "
          f"p50 {r['p50_ms']:7.2f}ms  p95 {r['p95_ms']:7.2f}ms  size {r['size_bytes'] / 2**20:8.1f} MiB", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("npy", nargs="?", type=Path, help="(n, d) float32 .npy of vectors; default: catalogue stand-in")
    p.add_argument("--sets", default="", help="comma list of: catalog, clustered-66k, clustered-200k, clustered-1m")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--latency-queries", type=int, default=1000)
    p.add_argument("--hnsw", type=lambda s: [tuple(int(x) for x in v.split(":")) for v in s.split(",")],
                   default=[(32, 200)], help="HNSW builds as M:efConstruction,...")
    p.add_argument("--ef-search", type=lambda s: [int(v) for v in s.split(",")], default=[32, 64, 128, 256])
    p.add_argument("--nprobe", type=lambda s: [int(v) for v in s.split(",")], default=[8, 16, 32, 64])
    p.add_argument("--max-hnsw", type=int, default=10**9, help="skip HNSW above this many rows")
    p.add_argument("--ivf-from", type=int, default=0, help="also bench IVF from this many rows")
    p.add_argument("--filtered", action="store_true", help="also bench filtered_search on every set")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ann_recall.json")
    args = p.parse_args()

    sets: list[tuple[str, Any]] = []
    if args.npy:
        sets.append((args.npy.stem, lambda: normalise(np.load(args.npy).astype(np.float32))))
    names = [s for s in args.sets.split(",") if s] or ([] if args.npy else ["catalog"])
    sizes = {"66k": 66_303, "200k": 200_000, "1m": 1_000_000}
    for s in names:
        if s == "catalog":
            if not CATALOG.exists():
                sys.exit(f"{CATALOG} not found; pass a .npy path or use --sets clustered-66k")
            sets.append((s, catalog_vectors))
        elif s.startswith("clustered-") and s.split("-", 1)[1] in sizes:
            sets.append((s, lambda n=sizes[s.split("-", 1)[1]]: clustered_vectors(n)))
        else:
            sys.exit(f"unknown set {s!r}; use catalog, clustered-66k, clustered-200k or clustered-1m")

    results: list[dict[str, Any]] = []
    if args.out.exists():  # keep earlier sets' rows, replace the ones re-run now
        results = [r for r in json.loads(args.out.read_text())["rows"] if r["set"] not in {n for n, _ in sets}]
    for name, make in sets:
        t = time.perf_counter()
        x = make()
        print(f"[{name}] vectors {x.shape} made in {time.perf_counter() - t:.1f}s", flush=True)
        results += bench_set(name, x, args)
        del x
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"k": K, "rows": results}, indent=1))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
