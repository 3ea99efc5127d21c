"""The hardening suite's count of what it tried: every hostile case is recorded with the outcome it got, and the
session ends with a table (printed) and `bench/results/hardening.json` (written).

Outcomes, one per case:
    ok         the input was legal and handled (2xx, exit 0, imported)
    refused    a clear refusal: an HTTP 4xx problem, or exit 2 with a one-line message, or a file skipped and reported
    5xx        an HTTP 5xx (allowed only for a real server fault the case injects, e.g. a full disk: 503/507)
    traceback  a Python traceback reached a listener (stderr or a response body) - must be 0
    hang       the case ran past its time bound - must be 0

Each area test adds its cases with `tally.add(area, case, outcome, **measure)` and asserts on them itself; the table
is the report, not the check.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from pathlib import Path

OUTCOMES = ("ok", "refused", "5xx", "traceback", "hang")
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "hardening.json"


class Tally:
    def __init__(self):
        self._lock = threading.Lock()
        self.cases: dict[str, list[dict]] = defaultdict(list)
        self.measures: dict[str, dict] = defaultdict(dict)

    def add(self, area: str, case: str, outcome: str, **measure) -> str:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; one of {OUTCOMES}")
        with self._lock:
            self.cases[area].append({"case": case[:200], "outcome": outcome, **measure})
        return outcome

    def measure(self, area: str, **values) -> None:
        """A figure the area measured (peak RSS of an import, requests a second refused, ...)."""
        with self._lock:
            self.measures[area].update(values)

    def counts(self, area: str | None = None) -> Counter:
        rows = self.cases[area] if area else [c for cs in self.cases.values() for c in cs]
        return Counter(c["outcome"] for c in rows)

    def table(self) -> str:
        lines = [f"{'area':<22}{'cases':>7}" + "".join(f"{o:>11}" for o in OUTCOMES)]
        for area in sorted(self.cases):
            n = self.counts(area)
            lines.append(f"{area:<22}{sum(n.values()):>7}" + "".join(f"{n[o]:>11}" for o in OUTCOMES))
        n = self.counts()
        lines.append(f"{'all':<22}{sum(n.values()):>7}" + "".join(f"{n[o]:>11}" for o in OUTCOMES))
        for area in sorted(self.measures):
            for key, value in self.measures[area].items():
                lines.append(f"  {area}: {key} = {value}")
        return "\n".join(lines)

    def write(self, path: Path = RESULTS) -> None:
        data = {"areas": {a: dict(self.counts(a)) | {"cases": len(cs)} for a, cs in self.cases.items()},
                "all": dict(self.counts()) | {"cases": sum(len(cs) for cs in self.cases.values())},
                "measures": self.measures, "cases": self.cases}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str))
        tmp.replace(path)


TALLY = Tally()
