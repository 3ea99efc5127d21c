"""`ShowQueue`: renders one at a time per listener, a bounded number at once, first come first served, and a
bounded line (429/503 with Retry-After beyond it)."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.web.problems import Busy, TooManyRequests
from assistant.web.show_queue import ShowQueue


def test_one_at_a_time_per_listener():
    q = ShowQueue(renders=2, depth=4)
    with q.turn("ana"):
        with pytest.raises(TooManyRequests) as e:
            with q.turn("ana"):
                pass
        assert int(e.value.headers["Retry-After"]) >= 1 and "one at a time" in e.value.detail
        with q.turn("ben"):  # another listener takes the second slot
            assert q.state()["rendering"] == 2
    assert q.state() == {"rendering": 0, "waiting": 0, "mean_seconds": q.state()["mean_seconds"]}


def test_first_come_first_served_and_a_bounded_line():
    q = ShowQueue(renders=1, depth=2)
    order, started = [], threading.Event()
    release = threading.Event()

    def first():
        with q.turn("l0"):
            started.set()
            release.wait(5)
            order.append("l0")

    def later(name):
        with q.turn(name):
            order.append(name)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    started.wait(5)
    for name in ("l1", "l2"):
        t = threading.Thread(target=later, args=(name,))
        t.start()
        threads.append(t)
        while q.state()["waiting"] < len(threads) - 1:
            time.sleep(0.01)
    with pytest.raises(Busy) as e:  # the line is full
        with q.turn("l3"):
            pass
    assert int(e.value.headers["Retry-After"]) >= 1 and "busy" in e.value.detail
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["l0", "l1", "l2"] and q.state()["waiting"] == 0


def test_an_error_in_a_render_frees_its_slot():
    q = ShowQueue(renders=1, depth=0)
    with pytest.raises(ValueError):
        with q.turn("ana"):
            raise ValueError("boom")
    with q.turn("ana"):
        pass
