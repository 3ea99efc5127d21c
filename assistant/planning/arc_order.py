"""The picks in the order of an asked-for energy arc ("start mellow and build up", "wind down"): the set is chosen
first, then laid out so its energy follows the shape. The DJ sequences further for keys and tempo."""

from __future__ import annotations

import numpy as np


def order_for_arc(picked: list[int], energy: np.ndarray, arc: str) -> list[int]:
    """`picked` (indices into `energy`) reordered for `arc`: rising, falling, peak (up then down), valley (down then
    up); any other arc keeps the pick order. Unknown energy sorts to the middle."""
    if arc not in ("rising", "falling", "peak", "valley") or len(picked) < 3:
        return list(picked)
    e = np.nan_to_num(np.asarray(energy, dtype=np.float64)[picked], nan=0.5)
    up = [picked[i] for i in np.argsort(e, kind="stable")]
    if arc == "rising":
        return up
    if arc == "falling":
        return up[::-1]
    # peak: the quieter half climbing, then the louder half from its top down; valley: the reverse
    low, high = up[0::2], up[1::2]
    shape = low + high[::-1]
    if arc == "valley":
        down = up[::-1]
        shape = down[0::2] + down[1::2][::-1]
    return shape
