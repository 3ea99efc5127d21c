"""Record real chat.completions exchanges through Segue's LangChain adapter into tests/llm/recorded/.

A small recording proxy sits between the adapter and a real OpenAI-compatible server and saves
the exact request and response bodies of each call, with the seconds it took. The tests replay
them without network (tests/llm/test_llm.py).

    python bench/record_llm.py --upstream http://127.0.0.1:8081 --model qwen2.5-coder-0.5b-instruct-q4_k_m \
        --server "llama-cpp-python 0.3.x server" [--only fc_playlist]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from assistant.llm import LLMError, ask_structured
from assistant.llm.langchain import LangChainModel
from assistant.understanding import LLMAnswer, llm_schema
from prompts import render  # the top-level package of templates (installed with Segue)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "llm" / "recorded"
GENRES_HINT = "rock, pop, jazz, hip hop, electronic, house, techno, ambient, folk, country, soul, funk, metal, punk, " \
              "indie, r&b, blues, classical, reggae, latin"


# The shape and schema the understanding step asks for: the real ones, not a copy.
UnderstandAnswer = LLMAnswer


# name -> (method, listener's request)
CASES = {
    "fc_playlist": ("function_calling", "45 minutes of upbeat 90s rock for a road trip, no Nirvana"),
    "fc_refuse": ("function_calling", "write my chemistry homework about acids"),
    "json_object_playlist": ("json_object", "20 chill jazz songs, max 2 per artist, clean"),
    "json_schema_playlist": ("json_schema", "an hour of sad indie folk for a rainy evening"),
}


class Recorder:
    """A forwarding HTTP proxy that keeps the last exchange."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.exchanges: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                req = urllib.request.Request(recorder.upstream + self.path, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(req, timeout=600) as r:
                        status, payload = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, payload = e.code, e.read()
                seconds = time.perf_counter() - t0
                recorder.exchanges.append({"path": self.path, "request": json.loads(body), "status": status,
                                           "response_text": payload.decode("utf-8", "replace"),
                                           "seconds": round(seconds, 2)})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", default="http://127.0.0.1:8081")
    ap.add_argument("--model", default="local")
    ap.add_argument("--server", default="llama-cpp-python server")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    rec = Recorder(args.upstream)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    system = render("understand_system", today_year="2020", genres_hint=GENRES_HINT,
                    concepts_hint="memorial service, pregame, songs to cry to, road trip, studying")
    for name, (method, request) in CASES.items():
        if args.only and name not in args.only:
            continue
        model = LangChainModel("openai-compatible", args.model, base_url=rec.url, api_key="not-needed",
                               method=method, timeout=args.timeout)
        start = len(rec.exchanges)
        user = render("understand_user", request=request)
        try:
            answer = ask_structured(model, system, user, UnderstandAnswer, timeout=args.timeout, schema=llm_schema())
            outcome = f"ok after {answer.attempts} attempt(s): {answer.value.model_dump_json(exclude_defaults=True)}"
        except LLMError as e:
            outcome = f"{type(e).__name__}: {e}"
        print(f"{name}: {outcome}")
        for i, ex in enumerate(rec.exchanges[start:], 1):
            try:
                response = {"status": ex["status"], "body": json.loads(ex["response_text"])}
            except ValueError:
                response = {"status": ex["status"], "text": ex["response_text"]}
            fixture = {
                "case": name, "method": method, "listener_request": request, "attempt": i,
                "recorded": {"server": args.server, "model": args.model, "date": dt.date.today().isoformat(),
                             "seconds": ex["seconds"], "outcome": outcome},
                "request": ex["request"], "response": response,
            }
            out = FIXTURES / (f"{name}.json" if i == 1 else f"{name}.attempt{i}.json")
            out.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"  wrote {out.relative_to(ROOT)} ({ex['seconds']} s, HTTP {ex['status']})")


if __name__ == "__main__":
    main()
