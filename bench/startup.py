"""What a listener waits for: the whole `segue playlist PROMPT --json` process, and server start-up (issue 17).

    python bench/startup.py --home /tmp/segue-fast [--runs 5] [--cold] [--no-server]

Measures, on a data home that already holds a catalogue (`segue catalog import ...` first):

- wall: the whole `segue playlist PROMPT --json` process, spawned like a shell would (median of --runs, warm page
  cache after one untimed warm-up run); with --cold, one more run after `sync; echo 3 > /proc/sys/vm/drop_caches`
  (root only; reported as refused otherwise).
- breakdown: the same command run in a probe process (this file with --probe) that wraps the costly functions in
  timers without changing what they do, then calls the CLI's own `main()`. Stages are exclusive (a function's
  time minus the timed functions it calls), so they add up to the probe's wall time.
- imports: `python -X importtime` of the same command: the sum of the top-level imports' cumulative times.
- server: `segue serve --auth none` on 127.0.0.1 and a free port: seconds to the first 200 from /healthz and
  to the first answer of POST /v1/chat.
- chat: `segue chat` fed one request on stdin: seconds from spawn to the first line of its answer, and to exit
  after `/quit` (--no-doors skips chat and dj).
- dj: the whole `segue dj PROMPT --render DIR` process (espeak-ng speaks the links), one run.

Prints a table and writes bench/results/startup.json (gitignored).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "chill jazz for a rainy day"
CHAT_PROMPT = "45 minutes of upbeat 90s rock for a road trip"

# (module, attribute path, stage label): what the probe times. Inclusive times are recorded; stages are exclusive.
HOOKS = [
    ("retrieval.tracks", "Catalogue.load", "load: catalogue"),
    ("retrieval.library", "load_or_build_vectors", "load: vectors"),
    ("retrieval.index", "load_index", "load: FAISS index"),
    ("retrieval.lexical", "LexicalIndex.load", "load: lexical (BM25)"),
    ("retrieval.library", "build_library", "load: library (rest)"),
    ("retrieval.encoder", "E5Encoder.__init__", "encoder: model load"),
    ("retrieval.encoder", "E5Encoder.encode", "encoder: encode"),
    ("assistant.understanding.concept_index", "ConceptIndex.from_path", "vocabulary: concept index"),
    ("assistant.understanding.saved_vocabulary", "vocabulary_parts", "vocabulary: saved names (load)"),
    ("assistant.understanding.entities", "EntityIndex.from_catalogue", "vocabulary: entity index"),
    ("assistant.understanding.name_spelling", "LooseNames.__init__", "vocabulary: loose names"),
    ("assistant.understanding.vocabulary", "Vocabulary.__init__", "vocabulary: names and titles"),
    ("assistant.understanding.vocabulary", "Vocabulary.from_library", "vocabulary: rest"),
    ("retrieval.works", "WorkIndex.__init__", "works index"),
    ("retrieval.genres", "GenreMatrix.__init__", "genre matrix"),
    ("retrieval.lexical", "LexicalIndex.build_tags", "tag BM25"),
    ("retrieval.charts", "ChartFacts.__init__", "chart facts"),
    ("retrieval.doubt", "assess", "doubt (dates, tags)"),
    ("assistant.planning.service", "Planner.understand", "understanding"),
    ("assistant.planning.service", "Planner.plan", "planning"),
    ("assistant.cli.playlist", "print_json", "output (JSON)"),
]


# --------------------------------------------------------------------------------------------- the probe process
def probe(argv: list[str], out_path: Path) -> None:
    """Run `segue ARGV` in this process with timers around HOOKS; write the timings to `out_path` at exit."""
    t_start = time.time()
    import atexit
    import importlib

    records: list[dict] = []
    stack: list[dict] = []
    first_encode = {"done": False}

    def timed(fn, label):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            name = label
            if label == "encoder: encode":
                name = "encoder: first encode" if not first_encode["done"] else "encoder: encode"
                first_encode["done"] = True
            rec = {"stage": name, "start": time.time(), "child": 0.0}
            stack.append(rec)
            try:
                return fn(*a, **k)
            finally:
                stack.pop()
                rec["seconds"] = time.time() - rec["start"]
                if stack:
                    stack[-1]["child"] += rec["seconds"]
                records.append(rec)
        return wrapper

    t0 = time.time()
    import assistant.cli as cli  # the CLI's own top-level imports

    t_imported = time.time()
    for module, path, label in HOOKS:
        mod = importlib.import_module(module)
        owner_name, _, attr = path.rpartition(".")
        owner = functools.reduce(getattr, owner_name.split("."), mod) if owner_name else mod
        raw = inspect.getattr_static(owner, attr)
        if isinstance(raw, classmethod):
            setattr(owner, attr, classmethod(timed(raw.__func__, label)))
        elif isinstance(raw, staticmethod):
            setattr(owner, attr, staticmethod(timed(raw.__func__, label)))
        else:
            setattr(owner, attr, timed(raw, label))
    t_hooked = time.time()

    def write() -> None:
        stages: dict[str, float] = {}
        calls: dict[str, int] = {}
        for r in records:
            stages[r["stage"]] = stages.get(r["stage"], 0.0) + r["seconds"] - r["child"]
            calls[r["stage"]] = calls.get(r["stage"], 0) + 1
        out_path.write_text(json.dumps({
            "t_start": t_start, "t_end": time.time(), "cli_import_seconds": t_imported - t0,
            "hook_seconds": t_hooked - t_imported, "stages": stages, "calls": calls,
            "inclusive": [{"stage": r["stage"], "seconds": r["seconds"]} for r in records]}))

    atexit.register(write)
    sys.argv = ["segue", *argv]
    cli.main()


# --------------------------------------------------------------------------------------------- the harness
def env_for(home: Path) -> dict:
    env = dict(os.environ, SEGUE_HOME=str(home), PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("SEGUE_LLM", None)  # offline, like the figures
    return env


def segue_cmd() -> list[str]:
    script = Path(sys.executable).with_name("segue")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]


def run_playlist(home: Path, prompt: str) -> float:
    t = time.perf_counter()
    p = subprocess.run([*segue_cmd(), "playlist", prompt, "--json"], env=env_for(home), capture_output=True)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"segue playlist failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
    return wall


def drop_caches() -> str | None:
    """None when the page cache was dropped, else why not."""
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return None
    except OSError as e:
        return f"refused: {e}"


def run_probe(home: Path, prompt: str) -> dict:
    out = ROOT / "bench" / "results" / f".probe-{os.getpid()}.json"
    t = time.time()
    p = subprocess.run([sys.executable, __file__, "--probe", "--probe-out", str(out), "playlist", prompt, "--json"],
                       env=env_for(home), capture_output=True)
    t_end = time.time()
    if p.returncode not in (0, 1):
        raise SystemExit(f"probe failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
    data = json.loads(out.read_text())
    out.unlink()
    data["wall"] = t_end - t
    data["interpreter_start"] = data["t_start"] - t  # spawn + interpreter + site up to this file's first line
    data["exit"] = t_end - data["t_end"]  # interpreter teardown after the timings were written
    return data


def import_time(home: Path, prompt: str) -> dict:
    """Sum of top-level cumulative import times (µs in -X importtime) of one `segue playlist` run, and the largest."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant.cli", "playlist", prompt, "--json"],
                       env=env_for(home), capture_output=True, text=True)
    raw_top = [line for line in p.stderr.splitlines() if line.startswith("import time:")]
    top_level = []
    for line in raw_top[1:]:
        parts = line.split("|")
        name = parts[2]
        if name.startswith("  "):
            continue
        top_level.append((int(parts[1]), name.strip()))
    top_level.sort(reverse=True)
    return {"seconds": sum(c for c, _ in top_level) / 1e6,
            "largest": [{"module": n, "seconds": round(c / 1e6, 3)} for c, n in top_level[:12]]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_startup(home: Path, timeout: float = 180.0) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t = time.perf_counter()
    proc = subprocess.Popen([*segue_cmd(), "serve", "--host", "127.0.0.1", "--port", str(port), "--auth", "none"],
                            env=env_for(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result: dict = {}
    try:
        while time.perf_counter() - t < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"segue serve exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=60) as r:
                    if r.status == 200:
                        result["healthz"] = time.perf_counter() - t
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        body = json.dumps({"message": CHAT_PROMPT}).encode()
        req = urllib.request.Request(base + "/v1/chat", data=body, headers={"Content-Type": "application/json"})
        t_chat = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                r.read()
                result["chat_status"] = r.status
        except urllib.error.HTTPError as e:
            result["chat_status"] = e.code
            result["chat_error"] = e.read().decode()[:500]
        result["first_chat"] = time.perf_counter() - t
        result["first_chat_request"] = time.perf_counter() - t_chat
        t2 = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(base + "/v1/chat", data=body,
                                                           headers={"Content-Type": "application/json"}), timeout=60) as r:
            r.read()
        result["second_chat_request"] = time.perf_counter() - t2
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return result


def chat_first_answer(home: Path, timeout: float = 180.0) -> dict:
    """Spawn `segue chat`, send one request; seconds to the first line after the echoed request, and to exit."""
    t = time.perf_counter()
    proc = subprocess.Popen([*segue_cmd(), "chat"], env=env_for(home), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    result: dict = {}
    try:
        proc.stdin.write(CHAT_PROMPT + "\n")
        proc.stdin.flush()
        echoed = False
        for line in proc.stdout:
            if time.perf_counter() - t > timeout:
                break
            if line.startswith("you> "):
                echoed = True
            elif echoed and line.strip():
                result["first_answer"] = time.perf_counter() - t
                break
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        proc.stdin.close()
        proc.wait(timeout)
        result["exit"] = time.perf_counter() - t
        result["returncode"] = proc.returncode
        if "first_answer" not in result:
            result["error"] = proc.stderr.read()[-1000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    return result


def dj_render(home: Path, timeout: float = 600.0) -> dict:
    """The whole `segue dj CHAT_PROMPT --render DIR` process (a temporary folder, removed afterwards)."""
    import shutil
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="segue-startup-dj-"))
    try:
        t = time.perf_counter()
        p = subprocess.run([*segue_cmd(), "dj", CHAT_PROMPT, "--render", str(out / "show")], env=env_for(home),
                           capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t
        links = len(list((out / "show" / "links").glob("*.wav"))) if (out / "show" / "links").is_dir() else 0
        return {"wall": wall, "returncode": p.returncode, "links": links,
                **({"error": p.stderr[-1000:]} if p.returncode not in (0, 1) else {})}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("SEGUE_HOME", "/tmp/segue-fast")))
    ap.add_argument("--prompt", default=PROMPT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="also one run after dropping the page cache (root)")
    ap.add_argument("--no-server", action="store_true")
    ap.add_argument("--no-doors", action="store_true", help="skip `segue chat` and `segue dj --render`")
    ap.add_argument("--label", default="before")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "startup.json")
    args = ap.parse_args()

    run_playlist(args.home, args.prompt)  # warm the page cache (and any cache the home builds on first use)
    walls = [run_playlist(args.home, args.prompt) for _ in range(args.runs)]
    probes = [run_probe(args.home, args.prompt) for _ in range(max(1, min(3, args.runs)))]
    imports = import_time(args.home, args.prompt)
    cold: dict = {}
    if args.cold:
        why = drop_caches()
        cold = {"refused": why} if why else {"wall": run_playlist(args.home, args.prompt)}
        if not why:
            drop_caches()
            p = run_probe(args.home, args.prompt)
            cold["probe"] = {k: p[k] for k in ("wall", "interpreter_start", "cli_import_seconds", "stages")}
    server = {} if args.no_server else server_startup(args.home)
    doors = {} if args.no_doors else {"chat": chat_first_answer(args.home), "dj_render": dj_render(args.home)}

    # the median probe's stages (by wall)
    mid = sorted(probes, key=lambda p: p["wall"])[len(probes) // 2]
    stages = {"interpreter start": mid["interpreter_start"], "CLI imports (top level)": mid["cli_import_seconds"],
              **dict(sorted(mid["stages"].items(), key=lambda kv: -kv[1]))}
    accounted = sum(stages.values()) + mid["exit"] + mid["hook_seconds"]
    stages["other (lazy imports, glue)"] = mid["wall"] - accounted
    stages["interpreter exit"] = mid["exit"]

    result = {"label": args.label, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "prompt": args.prompt,
              "home": str(args.home), "cpus": os.cpu_count(), "python": sys.version.split()[0],
              "playlist_wall_warm": {"median": statistics.median(walls), "runs": walls},
              "probe_wall": [p["wall"] for p in probes], "breakdown": stages, "calls": mid["calls"],
              "imports_all": imports, "cold": cold, "server": server, **doors}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))

    print(f"segue playlist {args.prompt!r} --json on {args.home} ({os.cpu_count()} CPUs)")
    print(f"  wall, warm page cache: median {statistics.median(walls):.2f} s of {len(walls)} "
          f"({', '.join(f'{w:.2f}' for w in walls)})")
    if cold:
        print("  wall, cold page cache: " + (cold["refused"] if "refused" in cold else f"{cold['wall']:.2f} s"))
    print(f"  breakdown (probe, median of {len(probes)}: wall {mid['wall']:.2f} s; exclusive seconds)")
    for k, v in stages.items():
        n = mid["calls"].get(k)
        print(f"    {k:<34} {v:7.3f}" + (f"   ({n} calls)" if n and n > 1 else ""))
    print(f"  all imports (-X importtime, top-level cumulative): {imports['seconds']:.2f} s; largest: "
          + ", ".join(f"{m['module']} {m['seconds']:.2f}" for m in imports["largest"][:6]))
    if server:
        print(f"  server: first /healthz {server.get('healthz', float('nan')):.2f} s, first chat answer "
              f"{server['first_chat']:.2f} s (status {server.get('chat_status')}; the request itself "
              f"{server['first_chat_request']:.2f} s, a second one {server.get('second_chat_request', float('nan')):.2f} s)")
    if doors:
        c, d = doors["chat"], doors["dj_render"]
        print(f"  segue chat: first answer {c.get('first_answer', float('nan')):.2f} s, exit after /quit "
              f"{c.get('exit', float('nan')):.2f} s" + (f" ({c['error'][-200:]!r})" if "error" in c else ""))
        print(f"  segue dj --render: {d['wall']:.2f} s (exit {d['returncode']}, {d['links']} spoken links)"
              + (f" ({d['error'][-200:]!r})" if "error" in d else ""))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    if "--probe" in sys.argv:
        i = sys.argv.index("--probe-out")
        out_path = Path(sys.argv[i + 1])
        rest = [a for j, a in enumerate(sys.argv[1:], 1) if a != "--probe" and j not in (i, i + 1)]
        sys.path.insert(0, str(ROOT))
        probe(rest, out_path)
    else:
        main()
