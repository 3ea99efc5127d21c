"""What an app's request threads share in memory: the rate limiters' buckets and the rendered-session cache.
Both are thread-safe and bounded; one of each lives in an app's state (`assistant.web.deps.AppState`)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class RateLimiter:
    """A token bucket per key (a listener, a client address): `per_minute` requests a minute, bursts up to that
    many. At most `keys` buckets are kept: the least recently used goes first (it is then as good as full)."""

    def __init__(self, per_minute: int, keys: int = 10_000):
        self.rate, self.keys, self.buckets, self.lock = per_minute, keys, OrderedDict(), threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, last = self.buckets.get(key, (float(self.rate), now))
        return min(float(self.rate), tokens + (now - last) * self.rate / 60.0)

    def take(self, key: str) -> float:
        """0 when the request may go ahead (and it is counted), else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self.lock:
            tokens = self._level(key, now)
            allowed = tokens >= 1.0
            self.buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            self.buckets.move_to_end(key)
            while len(self.buckets) > self.keys:
                self.buckets.popitem(last=False)
            return 0.0 if allowed else (1.0 - tokens) * 60.0 / self.rate

    def wait(self, key: str) -> float:
        """The seconds until `key` may make a request (0: now), without counting one."""
        if self.rate <= 0:
            return 0.0
        with self.lock:
            tokens = self._level(key, time.monotonic())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) * 60.0 / self.rate


class ReadCache:
    """Rendered session reads keyed by (session id, revision): a revision changes on every save, so an entry is
    never stale. Bounded LRU, shared by the request threads."""

    def __init__(self, size: int = 512):
        self.size, self._data, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
