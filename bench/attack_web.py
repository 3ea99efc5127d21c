"""Attack the web server's front door and measure it (issue 13): run `segue serve` (tokens mode, default
settings) from one or more code trees over a tiny data home, and for each:

  (a) flood:     requests with invalid (then no) tokens as fast as one client can send them: req/s, share of 429
  (b) 3 tokens:  one listener holding 3 tokens, requests round-robin over them in a burst: how many are allowed
                 (the default limit is 120 a minute; per token that lets a 3-token listener have 360)
  (c) slowloris: connections sending their headers, or their body, one byte at a time: seconds until the server
                 closes them (capped), and whether a normal request is still served meanwhile

Usage:
    .venv/bin/python bench/attack_web.py                                  # this tree
    .venv/bin/python bench/attack_web.py --code before=/work/base --code after=.
Prints a table and writes bench/results/attack_web.json. Each measure gets a fresh server, so one attack's
spent limits do not count against the next.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "attack_web.json"
LAUNCH = "import sys; from assistant.cli import main; sys.argv[0] = 'segue'; main()"


def tiny_home(root: Path) -> Path:
    """A data home with a 12-track catalogue (real encoder, built with this tree's code)."""
    sys.path.insert(0, str(ROOT))
    from assistant.compose import build
    from assistant.model.settings import Settings

    rows = [{"track_id": f"t{i:02d}", "title": f"Track {i}", "artist": f"Artist {i % 4}", "album": "A",
             "year": 2000 + i, "genres": ["electronic"], "tempo": 100 + i, "energy": 0.5, "duration_ms": 200_000,
             "danceability": 0.6, "valence": 0.5, "instrumentalness": 0.5, "acousticness": 0.2} for i in range(12)]
    src = root / "tracks.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    home = root / "home"
    app = build(Settings(home=home))
    try:
        app.catalogue.import_catalogue(src)
    finally:
        app.close()
    return home


class Serve:
    """`segue serve --auth tokens` from one code tree, over its own copy of a home, with 3 tokens for ana."""

    def __init__(self, code: Path, home: Path, work: Path):
        self.home = work / f"home-{time.monotonic_ns()}"
        shutil.copytree(home, self.home)
        self.env = dict(os.environ, SEGUE_HOME=str(self.home), PYTHONPATH=str(code), HF_HUB_OFFLINE="1")
        for key in ("SEGUE_LLM", "SEGUE_LLM_BASE_URL", "OPENAI_API_KEY", "SEGUE_RATE_PER_MINUTE", "SEGUE_USER"):
            self.env.pop(key, None)
        self.code = code
        self.tokens = [self.segue("users", "add", "ana").stdout.strip() for _ in range(3)]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(work / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "serve", "--port", str(self.port), "--auth",
                                      "tokens"], cwd=code, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server from {code} did not start") from None
                time.sleep(0.3)

    def segue(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", LAUNCH, *args], cwd=self.code, env=self.env, check=True,
                              capture_output=True, text=True, timeout=300)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def flood(s: Serve, n: int) -> dict:
    """(a) n requests with invalid tokens, then n with none, one keep-alive client, as fast as it goes."""
    out = {}
    with httpx.Client(base_url=s.url, timeout=30) as c:
        for kind, headers in (("invalid token", lambda i: {"Authorization": f"Bearer sg_guess{i}"}),
                              ("no token", lambda i: {})):
            began = time.monotonic()
            codes = [c.get("/v1/sessions", headers=headers(i)).status_code for i in range(n)]
            took = time.monotonic() - began
            out[kind] = {"requests": n, "req_per_s": round(n / took), "share_429": round(codes.count(429) / n, 3),
                         "answered_401": codes.count(401), "other": n - codes.count(401) - codes.count(429)}
    return out


def three_tokens(s: Serve, n: int) -> dict:
    """(b) n requests round-robin over one listener's 3 tokens, in one burst."""
    with httpx.Client(base_url=s.url, timeout=30) as c:
        began = time.monotonic()
        codes = [c.get("/v1/sessions", headers={"Authorization": f"Bearer {s.tokens[i % 3]}"}).status_code
                 for i in range(n)]
        took = time.monotonic() - began
    return {"requests": n, "seconds": round(took, 1), "allowed": codes.count(200), "refused_429": codes.count(429)}


def slow_client(port: int, first: bytes, drip: bytes, every: float, cap: float) -> tuple[float, bytes]:
    """Open a connection, send `first`, then one `drip` every `every` s until the server closes it (or `cap` s
    pass): the seconds it stayed open and what the server answered. tests/hardening/test_web_door.py uses it too."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(every)
    began, answer = time.monotonic(), b""
    try:
        s.sendall(first)
        while time.monotonic() - began < cap:
            try:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            except TimeoutError:
                try:
                    s.sendall(drip)
                except OSError:
                    break
            except OSError:
                break
        return time.monotonic() - began, answer
    finally:
        s.close()


def slowloris(s: Serve, conns: int, cap: float) -> dict:
    """(c) `conns` slow-header and `conns` slow-body connections at once; a normal request meanwhile."""
    host = f"Host: 127.0.0.1:{s.port}\r\n".encode()
    kinds = {"slow headers": (b"GET /v1/sessions HTTP/1.1\r\n" + host, b"X-a: b\r\n"),
             "slow body": (b"POST /v1/chat HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
                           b"Content-Length: 100000\r\n\r\n{", b" ")}
    times: dict[str, list[float]] = {k: [] for k in kinds}

    def run(kind):
        first, drip = kinds[kind]
        times[kind].append(slow_client(s.port, first, drip, 1.0, cap)[0])

    threads = [threading.Thread(target=run, args=(k,)) for k in kinds for _ in range(conns)]
    for t in threads:
        t.start()
    time.sleep(3)
    began = time.monotonic()
    normal = httpx.get(s.url + "/v1/sessions", headers={"Authorization": f"Bearer {s.tokens[0]}"}, timeout=60)
    normal_s = time.monotonic() - began
    for t in threads:
        t.join()
    return {k: {"connections": conns, "closed_after_s_median": round(statistics.median(v), 1),
                "closed_after_s_max": round(max(v), 1), "still_open_at_cap": sum(x >= cap for x in v),
                "cap_s": cap} for k, v in times.items()} | {
        "normal request meanwhile": {"status": normal.status_code, "seconds": round(normal_s, 2)}}


def measure(label: str, code: Path, home: Path, work: Path, args) -> dict:
    result = {"code": str(code)}
    for name, attack in (("flood", lambda s: flood(s, args.flood)),
                         ("three_tokens", lambda s: three_tokens(s, args.burst)),
                         ("slowloris", lambda s: slowloris(s, args.conns, args.cap))):
        server = Serve(code, home, work)
        try:
            print(f"[{label}] {name}...", file=sys.stderr)
            result[name] = attack(server)
        finally:
            server.stop()
    return result


def table(results: dict) -> str:
    rows = [("", *results)]
    get = lambda f: tuple(f(r) for r in results.values())  # noqa: E731
    rows.append(("(a) invalid-token flood req/s", *get(lambda r: r["flood"]["invalid token"]["req_per_s"])))
    rows.append(("(a) invalid-token share of 429", *get(lambda r: r["flood"]["invalid token"]["share_429"])))
    rows.append(("(a) no-token share of 429", *get(lambda r: r["flood"]["no token"]["share_429"])))
    rows.append(("(b) 3 tokens: allowed of burst", *get(
        lambda r: f"{r['three_tokens']['allowed']}/{r['three_tokens']['requests']}")))
    for kind in ("slow headers", "slow body"):
        rows.append((f"(c) {kind}: closed after s", *get(lambda r, k=kind: (
            f"{r['slowloris'][k]['closed_after_s_median']}" + (f" ({r['slowloris'][k]['still_open_at_cap']} open "
                                                               f"at cap)" if r['slowloris'][k]['still_open_at_cap']
                                                               else "")))))
    rows.append(("(c) normal request meanwhile", *get(lambda r: r["slowloris"]["normal request meanwhile"]["status"])))
    width = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, width, strict=True)) for r in rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", action="append", default=[], help="label=path of a code tree (default: this one)")
    ap.add_argument("--flood", type=int, default=1000, help="requests per flood")
    ap.add_argument("--burst", type=int, default=600, help="requests in the 3-token burst")
    ap.add_argument("--conns", type=int, default=20, help="slow connections of each kind")
    ap.add_argument("--cap", type=float, default=75.0, help="seconds a slow connection is kept up at most")
    args = ap.parse_args()
    codes = dict(c.split("=", 1) for c in args.code) or {"this": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="attack-web-") as tmp:
        work = Path(tmp)
        home = tiny_home(work)
        results = {label: measure(label, Path(path).resolve(), home, work, args) for label, path in codes.items()}
    print(table(results))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"settings": vars(args), "results": results}, indent=1))
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
