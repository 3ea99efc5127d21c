"""Load bench for the web server on loopback: requests per second and latency percentiles for `/v1/chat` (new
sessions, several prompts, no LLM) and for cached session reads (`GET /v1/sessions/{id}`).

Usage:
    .venv/bin/python bench/load.py                        # the real catalogue in /tmp/sh-real (SEGUE_HOME)
    .venv/bin/python bench/load.py --home /tmp/srv-demo --reads 3000 --chats 100

The server runs as `segue serve` (one uvicorn worker, API tokens on, rate limit off) in a subprocess over a
throwaway home: the catalogue, vectors and index of --home are linked in, the database is new, so the bench
writes nothing to --home. The client is a bounded asyncio HTTP/1.1 keep-alive client (a fixed number of
requests over a fixed number of connections, each request with a timeout); it shares the machine's cores with
the server, so the figures are a floor. Prints a table and writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_prompts import LOAD as PROMPTS
from bench_stats import percentile

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "load.json"
SEGUE = [sys.executable, "-m", "assistant.cli"]


class Conn:
    """One keep-alive HTTP/1.1 connection: send a request, read one Content-Length response."""

    def __init__(self, host: str, port: int, token: str):
        self.host, self.port, self.token = host, port, token
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_load(port: int, token: str, requests: list[tuple[str, str, bytes]], connections: int,
                   timeout: float = 30.0) -> dict:
    """Send `requests` over `connections` keep-alive connections; latency per request, overall req/s."""
    queue: asyncio.Queue = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies: list[bytes] = []

    async def worker():
        conn = Conn("127.0.0.1", port, token)
        await conn.open()
        try:
            while not queue.empty():
                method, path, body = queue.get_nowait()
                t0 = time.perf_counter()
                status, data = await asyncio.wait_for(conn.request(method, path, body), timeout)
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                if len(bodies) < 2000:
                    bodies.append(data)
        finally:
            conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    wall = time.perf_counter() - t0
    ms = [x * 1000 for x in latencies]
    return {"requests": len(ms), "connections": connections, "seconds": round(wall, 2),
            "req_per_s": round(len(ms) / wall, 1), "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1), "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1), "statuses": statuses, "bodies": bodies}


def throwaway_home(home: Path) -> Path:
    """A temp home with --home's catalogue, vectors and index linked in and a new database."""
    tmp = Path(tempfile.mkdtemp(prefix="segue-load-"))
    for part in ("catalog", "vectors", "index"):
        if not (home / part).exists():
            sys.exit(f"{home} has no {part}/: import a catalogue there first (segue catalog import ...).")
        (tmp / part).symlink_to((home / part).resolve())
    return tmp


def start_server(home: Path) -> tuple[subprocess.Popen, int, str]:
    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", SEGUE_RATE_PER_MINUTE="0",
               SEGUE_RATE_PER_ADDRESS="0")
    token = subprocess.run(SEGUE + ["users", "add", "bench"], env=env, capture_output=True, text=True,
                           check=True).stdout.strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(home / "server.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(SEGUE + ["serve", "--port", str(port), "--auth", "tokens"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited; see {home / 'server.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc, port, token
        except OSError:
            pass
        time.sleep(0.5)
    proc.kill()
    sys.exit("the server did not start in 300 s")


def chat_requests(n: int) -> list[tuple[str, str, bytes]]:
    return [("POST", "/v1/chat", json.dumps({"message": PROMPTS[i % len(PROMPTS)]}).encode()) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("SEGUE_HOME", "/tmp/sh-real")))
    ap.add_argument("--chats", type=int, default=200, help="chat requests per concurrency level")
    ap.add_argument("--reads", type=int, default=6000, help="session reads")
    ap.add_argument("--read-connections", type=int, default=8)
    args = ap.parse_args()

    load = os.getloadavg()  # other work on the machine skews the figures: recorded with them
    home = throwaway_home(args.home)
    proc, port, token = start_server(home)
    rows = {}
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
            health = json.loads(r.read())
        asyncio.run(run_load(port, token, chat_requests(len(PROMPTS)), 1))  # warm-up: every prompt once
        rows["chat, 1 client"] = asyncio.run(run_load(port, token, chat_requests(args.chats), 1))
        rows["chat, 4 clients"] = asyncio.run(run_load(port, token, chat_requests(args.chats), 4))
        sids = [json.loads(b)["session_id"] for b in rows["chat, 1 client"]["bodies"][:20]]
        reads = [("GET", f"/v1/sessions/{sids[i % len(sids)]}", b"") for i in range(args.reads)]
        asyncio.run(run_load(port, token, reads[:200], args.read_connections))  # warm-up: render each once
        rows["session read (cached)"] = asyncio.run(run_load(port, token, reads, args.read_connections))
        lists = [("GET", "/v1/sessions?limit=20", b"")] * (args.reads // 4)
        rows["session list (20)"] = asyncio.run(run_load(port, token, lists, args.read_connections))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)  # links and the bench's database only
    for r in rows.values():
        r.pop("bodies")
    bad = {k: r["statuses"] for k, r in rows.items() if set(r["statuses"]) != {200}}
    print(f"\ncatalogue: {health.get('catalogue')}, {health.get('tracks', 0):,} tracks; one uvicorn worker; "
          f"{os.cpu_count()} cores shared with the client; load average before the run {load[0]:.2f}")
    print(f"{'what':24s} {'requests':>8s} {'conns':>5s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}")
    for name, r in rows.items():
        print(f"{name:24s} {r['requests']:8d} {r['connections']:5d} {r['req_per_s']:8.1f} {r['p50_ms']:8.1f} "
              f"{r['p95_ms']:8.1f} {r['p99_ms']:8.1f}")
    if bad:
        print(f"non-200 answers: {bad}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"catalogue": health.get("catalogue"), "tracks": health.get("tracks"),
                                   "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                               "load_average_before": [round(x, 2) for x in load]},
                                   "server": "segue serve, 1 uvicorn worker, tokens on, rate limit off",
                                   "client": "asyncio HTTP/1.1 keep-alive, bounded", "prompts": PROMPTS,
                                   "results": rows}, indent=2))
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
