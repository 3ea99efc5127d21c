"""An OpenAI-compatible chat.completions server on 127.0.0.1 for the LLM tests: it plays scripted answers the way
the recorded real servers answer (tests/llm/recorded/), records every request, and can hang up or stall."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from assistant.llm.langchain import LangChainModel

FIXTURES = Path(__file__).parent / "recorded"
HANG_UP = -1  # a scripted "status" that closes the connection without an answer


class Replay:
    """Plays scripted responses to POSTs in order (404 when none is left) and records each request's path and
    JSON body."""

    def __init__(self):
        self.responses: list[tuple[int, bytes, float]] = []
        self.requests: list[dict] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                replay.requests.append({"path": self.path, "body": json.loads(body)})
                status, payload, delay = replay.responses.pop(0) if replay.responses else (
                    404, b'{"error": {"message": "no scripted response"}}', 0)
                time.sleep(delay)
                if status == HANG_UP:
                    self.close_connection = True  # read the request, then close without a word
                    return
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def play(self, status: int, body: dict | str, delay: float = 0.0) -> Replay:
        payload = body if isinstance(body, str) else json.dumps(body)
        self.responses.append((status, payload.encode(), delay))
        return self

    def hang_up(self) -> Replay:
        """The next request is read, then the connection is closed without a response."""
        self.responses.append((HANG_UP, b"", 0.0))
        return self

    def play_fixture(self, name: str) -> dict:
        fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        response = fixture["response"]
        self.play(response["status"], response["body"] if "body" in response else response["text"])
        return fixture

    def model(self, method: str = "function_calling", name: str = "local") -> LangChainModel:
        return LangChainModel("openai-compatible", name, base_url=self.url, api_key="not-needed", method=method)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def completion(message: dict, finish: str = "stop") -> dict:
    """A chat.completions body with one choice holding `message`, and the usage servers report (10 in, 5 out)."""
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "local",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def tool_call(name: str, arguments: str, call_id: str = "call_1") -> dict:
    """A chat.completions body whose one choice calls the tool `name` with `arguments` (text), as llama.cpp does."""
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return completion({"content": None, "tool_calls": [call]}, finish="tool_calls")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
