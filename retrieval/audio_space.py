"""Audio-feature space: standardised Spotify-style features as unit vectors.

Each numeric feature is z-scored with the catalogue's own mean/sd. Unknown values are
imputed with the column median (never 0) and, for columns that have any unknowns, a 0/1
"unknown" indicator column is appended. Key and mode become (sin, cos) of the position on
the circle of fifths (a minor key sits on its relative major), plus a standardised mode.
`audio_target` maps wanted raw values (energy 0.8, tempo 120, ...) into the same space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from retrieval.errors import BadInput
from retrieval.tracks import UNIT_FEATURES, Catalogue

NUMERIC = UNIT_FEATURES + ("tempo", "loudness", "mode")
KEY_COLUMNS = ("key_sin", "key_cos")
TARGETABLE = NUMERIC + ("key",)


class AudioSpaceError(BadInput, ValueError):
    """Bad input for the audio-feature space (unknown feature name, non-numeric value)."""


def fifths_angle(key: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Angle on the circle of fifths; minor keys take their relative major's place; NaN when key unknown."""
    key = np.asarray(key, dtype=np.float64)
    mode = np.asarray(mode, dtype=np.float64)
    known = np.isfinite(key) & (key >= 0) & (key <= 11)
    minor = np.isfinite(mode) & (mode < 0.5)
    major_key = np.where(minor, key + 3, key)  # relative major of a minor key
    pos = np.mod(np.where(known, major_key, 0) * 7, 12)
    return np.where(known, 2 * math.pi * pos / 12, np.nan)


def _raw_columns(catalogue: Catalogue) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for name in NUMERIC:
        x = np.array(catalogue.column(name), dtype=np.float64)
        if name == "tempo":
            x[x <= 0] = np.nan  # a tempo of 0 means "not detected"
        if name == "mode":
            x[(x != 0) & (x != 1)] = np.nan
        cols[name] = x
    cols["key_angle"] = fifths_angle(catalogue.column("key"), cols["mode"])
    return cols


def audio_matrix(catalogue: Catalogue, stats: dict | None = None) -> tuple[np.ndarray, dict]:
    """Standardised (not yet row-normalised) float32 matrix and the stats that define the space.

    Pass `stats` from an earlier call to place another catalogue in the same space.
    """
    cols = _raw_columns(catalogue)
    n = len(catalogue)
    fresh = stats is None
    if fresh:
        means, sds, medians = {}, {}, {}
        unknown_columns = []
        for name in NUMERIC:
            x = cols[name]
            ok = np.isfinite(x)
            if ok.any():
                means[name] = float(x[ok].mean())
                sd = float(x[ok].std())
                sds[name] = sd if sd > 1e-9 else 1.0
                medians[name] = float(np.median(x[ok]))
            else:
                means[name], sds[name], medians[name] = 0.0, 1.0, None
            if not ok.all():
                unknown_columns.append(name)
        if not np.isfinite(cols["key_angle"]).all():
            unknown_columns.append("key")
        columns = list(NUMERIC) + list(KEY_COLUMNS) + [f"{c}_unknown" for c in unknown_columns]
        stats = {
            "columns": columns,
            "means": means,
            "sds": sds,
            "medians": medians,
            "unknown_columns": unknown_columns,
            "imputation": "column median, plus a 0/1 unknown indicator per column with unknowns",
            "dim": len(columns),
        }
    blocks = []
    for name in NUMERIC:
        x = cols[name]
        med = stats["medians"][name]
        x = np.where(np.isfinite(x), x, stats["means"][name] if med is None else med)
        blocks.append((x - stats["means"][name]) / stats["sds"][name])
    angle = cols["key_angle"]
    known_key = np.isfinite(angle)
    blocks.append(np.where(known_key, np.sin(np.nan_to_num(angle)), 0.0))  # unknown key sits at the centre
    blocks.append(np.where(known_key, np.cos(np.nan_to_num(angle)), 0.0))
    for name in stats["unknown_columns"]:
        unknown = ~known_key if name == "key" else ~np.isfinite(cols[name])
        blocks.append(unknown.astype(np.float64))
    z = np.stack(blocks, axis=1).astype(np.float32) if blocks else np.zeros((n, 0), np.float32)
    return z.reshape(n, stats["dim"]), stats


def unit_rows(x: np.ndarray) -> np.ndarray:
    """L2-normalise rows; all-zero rows stay zero."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def unit_rows_in_place(x: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """`unit_rows` of a float32 array written over it, a chunk of rows at a time (no full-size temporaries: at a
    million rows each is 1.5 GB). Equal to `unit_rows(x)` bit for bit: every row is normalised on its own."""
    if x.dtype != np.float32:
        raise TypeError(f"unit_rows_in_place needs float32 rows, got {x.dtype}")
    for start in range(0, len(x), chunk):
        part = x[start:start + chunk]
        part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12)
    return x


def build_audio_vectors(catalogue: Catalogue) -> tuple[np.ndarray, np.ndarray, dict]:
    """Return (unit audio vectors, standardised matrix, stats)."""
    z, stats = audio_matrix(catalogue)
    return unit_rows(z), z, stats


def audio_target(stats: dict, targets: Mapping[str, float]) -> np.ndarray:
    """A unit vector in the audio space for wanted raw values, e.g. {"energy": 0.8, "valence": 0.7}.

    Features not named sit at the catalogue mean (0). "key" (0-11) uses "mode" when given, else major.
    """
    unknown = [k for k in targets if k not in TARGETABLE]
    if unknown:
        raise AudioSpaceError(f"Unknown audio feature(s) {unknown}; use some of: {', '.join(TARGETABLE)}.")
    values: dict[str, float] = {}
    for k, v in targets.items():
        try:
            values[k] = float(v)
        except (TypeError, ValueError):
            raise AudioSpaceError(f"Audio target {k}={v!r} is not a number; give a number such as 0.7.") from None
        if not math.isfinite(values[k]):
            raise AudioSpaceError(f"Audio target {k}={v!r} is not finite; give a real number.")
    columns = stats["columns"]
    out = np.zeros(len(columns), dtype=np.float64)
    for name in NUMERIC:
        if name in values and stats["medians"].get(name) is not None:
            out[columns.index(name)] = (values[name] - stats["means"][name]) / stats["sds"][name]
    if "key" in values:
        angle = fifths_angle(np.array([values["key"]]), np.array([values.get("mode", 1.0)]))[0]
        if math.isfinite(angle):
            out[columns.index("key_sin")] = math.sin(angle)
            out[columns.index("key_cos")] = math.cos(angle)
    norm = float(np.linalg.norm(out))
    return (out / norm if norm > 0 else out).astype(np.float32)
