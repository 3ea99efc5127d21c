"""The line DJ shows wait in: rendering one (sequencing, speech synthesis) takes seconds of CPU, so the server renders
at most `renders` at once, one per listener, first come first served, with at most `depth` requests waiting.

A listener who asks for a show while one of theirs is being made is told to wait (429, Retry-After); a request that
finds the line full is told the server is busy (503, Retry-After). Both say roughly when to come back, from the
mean time of the renders so far. One `ShowQueue` lives in an app's state (`assistant.web.deps.AppState`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.web.problems import Busy, TooManyRequests

MAX_WAIT = 600.0  # seconds a request may wait in line before it is turned away (503) rather than kept waiting


class ShowQueue:
    """At most `renders` renders at once (one per listener), at most `depth` waiting, in the order they came."""

    def __init__(self, renders: int = 1, depth: int = 4, guess: float = 10.0):
        self.renders, self.depth = max(1, renders), max(0, depth)
        self.lock = threading.Condition()
        self.line: deque[object] = deque()  # tickets of the requests waiting, oldest first
        self.running = 0
        self.listeners: set[str] = set()  # listeners with a show waiting or rendering
        self.mean = guess  # seconds a render takes (running mean)
        self.done = 0

    def _eta(self, ahead: int) -> int:
        """Seconds until a request with `ahead` renders before it may start, rounded up."""
        return max(1, math.ceil(self.mean * (ahead + 1) / self.renders))

    @contextmanager
    def turn(self, listener: str) -> Iterator[None]:
        """Wait for this listener's turn to render a show (raises at once when it may not wait), then hold a slot."""
        ticket = object()
        with self.lock:
            if listener in self.listeners:
                wait = self._eta(self.running + len(self.line) - 1)
                raise TooManyRequests(f"One of your shows is being made; a listener gets one at a time. Try again in "
                                      f"about {wait} s.", {"Retry-After": str(wait)})
            if len(self.line) >= self.depth and (self.line or self.running >= self.renders):
                wait = self._eta(self.running + len(self.line))
                raise Busy(f"The DJ is busy: {self.running} show(s) rendering and {len(self.line)} waiting. Try again "
                           f"in about {wait} s.", {"Retry-After": str(wait)})
            self.listeners.add(listener)
            self.line.append(ticket)
            deadline = time.monotonic() + MAX_WAIT
            try:
                while self.line[0] is not ticket or self.running >= self.renders:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        wait = self._eta(self.running + len(self.line))
                        raise Busy(f"The DJ is busy and your show waited too long. Try again in about {wait} s.",
                                   {"Retry-After": str(wait)})
                    self.lock.wait(left)
            except BaseException:
                self.line.remove(ticket)
                self.listeners.discard(listener)
                self.lock.notify_all()
                raise
            self.line.popleft()
            self.running += 1
        started = time.monotonic()
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                self.listeners.discard(listener)
                self.done += 1
                self.mean += (time.monotonic() - started - self.mean) / min(self.done, 20)
                self.lock.notify_all()

    def state(self) -> dict:
        with self.lock:
            return {"rendering": self.running, "waiting": len(self.line), "mean_seconds": round(self.mean, 2)}
