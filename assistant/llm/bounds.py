"""Bounds on what an LLM may hand back, and on how long asking it may take, whatever the client library does.

`bound_answer` cuts a parsed answer down to size before it is validated: every string to `MAX_STRING_CHARS`, every
list to `max_items`, nesting to `MAX_DEPTH`, numbers to +-`MAX_NUMBER` (non-finite ones become null); it reports each
cut, so callers can say what was shortened. An answer over `MAX_ANSWER_CHARS` of text is refused before it is even
parsed. `within` runs a call on a worker thread and gives up after a wall-clock deadline (an HTTP client's timeout
is per read, so a server that trickles bytes would otherwise hold a request for ever).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ANSWER_CHARS = 64_000  # a longer answer (raw text) is refused: no reading needs a tenth of it
MAX_STRING_CHARS = 600  # every free string (a theme, a question, a DJ line) is cut to this
MAX_LIST_ITEMS = 64  # every list (genres, artists, edits, lines) is cut to this unless the caller allows more
MAX_DEPTH = 8  # deeper nesting than any schema Segue asks for is dropped
MAX_NUMBER = 1e9  # no count, year, tempo or feature comes near this


def too_long(raw: str | None) -> bool:
    return raw is not None and len(raw) > MAX_ANSWER_CHARS


def bound_answer(data: Any, max_items: int = MAX_LIST_ITEMS) -> tuple[Any, list[str]]:
    """`data` within the bounds above, and one line per cut (`constraints.theme: 51,200 characters, kept 600`)."""
    cuts: list[str] = []

    def walk(x: Any, where: str, depth: int) -> Any:
        if isinstance(x, str):
            if len(x) > MAX_STRING_CHARS:
                cuts.append(f"{where or 'answer'}: {len(x):,} characters, kept {MAX_STRING_CHARS}")
                return x[:MAX_STRING_CHARS]
            return x
        if isinstance(x, bool) or x is None:
            return x
        if isinstance(x, (int, float)):
            if isinstance(x, float) and not math.isfinite(x):
                cuts.append(f"{where}: {x} is not a number, dropped")
                return None
            if abs(x) > MAX_NUMBER:
                cuts.append(f"{where}: {x:.3g} is out of range, dropped")
                return None
            return x
        if depth >= MAX_DEPTH:
            cuts.append(f"{where}: nested too deep, dropped")
            return None
        if isinstance(x, list):
            if len(x) > max_items:
                cuts.append(f"{where}: {len(x):,} items, kept {max_items}")
            return [walk(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(x[:max_items])]
        if isinstance(x, dict):
            if len(x) > max_items:
                cuts.append(f"{where or 'answer'}: {len(x):,} keys, kept {max_items}")
            return {str(k)[:MAX_STRING_CHARS]: walk(v, f"{where}.{k}" if where else str(k), depth + 1)
                    for k, v in list(x.items())[:max_items]}
        return x

    return walk(data, "", 0), cuts


def within(seconds: float, call: Callable[[], T], on_timeout: Callable[[], BaseException]) -> T:
    """`call()`'s result or exception, or `on_timeout()` raised once `seconds` of wall clock have passed (the call is
    left to finish on its daemon thread; its result is dropped)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread below
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, name="segue-llm-call", daemon=True).start()
    if not done.wait(max(seconds, 0.0)):
        raise on_timeout()
    if "error" in box:
        raise box["error"]
    return box["value"]
