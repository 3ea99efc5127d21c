"""Bounds on LLM answers and on the time an exchange takes: through the real interface (`ask_structured`), with the
scripted fake and with the real LangChain adapter against a chat.completions server on 127.0.0.1 that answers
slowly (a byte at a time) or hugely."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import BaseModel, ConfigDict

from assistant.llm import FakeLLM, LLMBadOutput, LLMUnavailable, ask_structured
from assistant.llm.bounds import MAX_ANSWER_CHARS, MAX_LIST_ITEMS, MAX_STRING_CHARS, bound_answer, within
from assistant.llm.langchain import LangChainModel
from tests.llm.replay import tool_call


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: str | None = None
    genres: list[str] = []
    year: float | None = None


def test_bound_answer_cuts_strings_lists_depth_and_numbers_and_says_so():
    data = {"theme": "x" * 50_000, "genres": [str(i) for i in range(1000)], "year": float("inf"),
            "deep": [[[[[[[[[[1]]]]]]]]]], "n": 1e300, "ok": "rock"}
    out, cuts = bound_answer(data)
    assert len(out["theme"]) == MAX_STRING_CHARS and len(out["genres"]) == MAX_LIST_ITEMS
    assert out["year"] is None and out["n"] is None and out["ok"] == "rock"
    assert json.dumps(out).count("[") < 10
    assert any(c.startswith("theme: 50,000 characters") for c in cuts) and any("genres" in c for c in cuts)
    assert bound_answer({"a": [1, "b"]}) == ({"a": [1, "b"]}, [])


def test_within_gives_up_on_the_wall_clock():
    t0 = time.perf_counter()
    with pytest.raises(LLMUnavailable, match="too slow"):
        within(0.3, lambda: time.sleep(5), lambda: LLMUnavailable("too slow"))
    assert time.perf_counter() - t0 < 1
    assert within(1, lambda: 42, lambda: LLMUnavailable("x")) == 42
    with pytest.raises(KeyError):
        within(1, lambda: {}["k"], lambda: LLMUnavailable("x"))


def test_a_50_kb_theme_is_cut_and_reported():
    fake = FakeLLM([{"theme": "rain " * 10_000, "genres": ["jazz"]}])
    answer = ask_structured(fake, "s", "u", Theme, timeout=5)
    assert len(answer.value.theme) == MAX_STRING_CHARS and answer.value.genres == ["jazz"]
    assert answer.cuts == [f"theme: 50,000 characters, kept {MAX_STRING_CHARS}"]


def test_a_huge_answer_is_refused_without_a_retry():
    fake = FakeLLM(['{"theme": "' + "x" * (2 * 1024 * 1024) + '"}', {"theme": "never asked"}])
    t0 = time.perf_counter()
    with pytest.raises(LLMBadOutput, match="at most 64,000 are read"):
        ask_structured(fake, "s", "u", Theme, timeout=5)
    assert time.perf_counter() - t0 < 1 and len(fake.calls) == 1


def test_deeply_nested_text_is_bad_output_not_a_crash():
    fake = FakeLLM(["[" * 50_000 + "]" * 50_000])
    with pytest.raises(LLMBadOutput):
        ask_structured(fake, "s", "u", Theme, timeout=5, retries=0)


class Trickle:
    """A chat.completions server that sends its headers at once, then the body `chunk` bytes every `pause` s."""

    def __init__(self, body: bytes, pause: float, chunk: int = 1):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(0, len(body), chunk):
                        self.wfile.write(body[i:i + chunk])
                        self.wfile.flush()
                        time.sleep(pause)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _model(url: str) -> LangChainModel:
    return LangChainModel("openai-compatible", "local", base_url=url, api_key="not-needed")


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_timeout():
    body = json.dumps(tool_call("Theme", json.dumps({"theme": "slow"}))).encode()
    server = Trickle(body, pause=0.2)  # each byte well within the client's read timeout; the whole takes minutes
    try:
        t0 = time.perf_counter()
        with pytest.raises(LLMUnavailable, match=r"did not answer within 1\.5 s"):
            ask_structured(_model(server.url), "s", "u", Theme, timeout=1.5)
        assert time.perf_counter() - t0 < 2.5
    finally:
        server.close()


def test_a_huge_answer_from_a_real_server_is_refused_quickly():
    body = json.dumps(tool_call("Theme", json.dumps({"theme": "x" * (2 * 1024 * 1024)}))).encode()
    server = Trickle(body, pause=0, chunk=1 << 20)
    try:
        t0 = time.perf_counter()
        with pytest.raises(LLMBadOutput, match=f"at most {MAX_ANSWER_CHARS:,}"):
            ask_structured(_model(server.url), "s", "u", Theme, timeout=5)
        assert time.perf_counter() - t0 < 5
    finally:
        server.close()
