"""Audio tags read in a worker process, each file bounded in time and the worker bounded in memory.

A damaged or hostile file can make a tag parser loop, block or allocate without end. Reading in a child process
(`tag_worker`) keeps that out of Segue's own process: a file that takes longer than `timeout` seconds gets the
worker killed and a fresh one started; the worker's address space is capped at `memory_bytes`, so a runaway
allocation ends as a failed file, not as an out-of-memory kill of the import.

    with TagReader() as reader:
        result = reader.read("/music/a.mp3")  # {"tags": {...}, "length": 201.3} or {"error": "..."}
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

TIMEOUT_S = 10.0  # per file; mutagen takes milliseconds on a real one
MEMORY_BYTES = 1 << 30  # the worker's address space
MAX_REPLY = 1 << 20  # bytes of one reply line
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class TagReader:
    """One worker process reused across files; restarted after a timeout or a crash."""

    def __init__(self, timeout: float = TIMEOUT_S, memory_bytes: int = MEMORY_BYTES,
                 command: list[str] | None = None):
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.command = command or [sys.executable, "-m", "retrieval.importers.tag_worker"]
        self._proc: subprocess.Popen | None = None
        self._buffer = b""
        self.restarts = 0

    def __enter__(self) -> TagReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p))
        proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        try:
            import resource

            resource.prlimit(proc.pid, resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        except (ImportError, AttributeError, OSError, ValueError):
            pass  # no prlimit on this system: the time bound still holds
        self._buffer = b""
        return proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            proc.stdout.close()

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()
        self.restarts += 1

    def _reply(self, proc: subprocess.Popen, deadline: float) -> bytes | None:
        """One reply line, or None when the worker is past the deadline, gone or too talkative."""
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or len(self._buffer) > MAX_REPLY or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def read(self, path: str | os.PathLike) -> dict:
        """{"tags": {name: [values]}, "length": seconds or None}, or {"error": reason}."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        proc = self._proc
        started = time.monotonic()
        try:
            proc.stdin.write(os.fsencode(path).hex().encode("ascii") + b"\n")
            proc.stdin.flush()
        except OSError:
            self._kill()
            return {"error": "the tag reader stopped on this file"}
        line = self._reply(proc, started + self.timeout)
        if line is None:
            timed_out = time.monotonic() - started >= self.timeout
            self._kill()
            if timed_out:
                return {"error": f"tag reading took over {self.timeout:g} s (skipped)"}
            return {"error": "the tag reader stopped on this file (out of memory or crashed)"}
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not ("error" in reply or isinstance(reply.get("tags"), dict)):
            self._kill()
            return {"error": "the tag reader gave no usable answer"}
        return reply
