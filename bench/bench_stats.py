"""Small helpers the benchmarks share (imported by the scripts in this folder, which is on their sys.path)."""

from __future__ import annotations


def percentile(xs: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `xs` by nearest rank; NaN when empty."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, int(round(q / 100 * (len(xs) - 1)))))
    return xs[i]
