"""Scoring and selection: pure numpy functions over candidate rows.

`score` mixes prompt relevance, genre fit, taste affinity, seed similarity, fit to feature
targets and a popularity term steered by the discovery knob. `select` picks tracks greedily by
maximal marginal relevance (MMR) with a per-artist cap, filling to a length in tracks or
milliseconds without overshooting a tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Weights:
    relevance: float = 1.0
    lexical: float = 1.0
    genre: float = 1.2
    taste: float = 0.8
    artist: float = 1.0
    seed: float = 1.0
    features: float = 1.0
    popularity: float = 0.6


@dataclass
class Candidates:
    """Everything ranking needs about m candidate rows (arrays of length m)."""

    rows: np.ndarray
    relevance: np.ndarray
    popularity: np.ndarray  # 0..1, NaN when unknown
    durations_ms: np.ndarray  # NaN when unknown
    artist_codes: np.ndarray
    vectors: np.ndarray  # (m, d) unit rows, for diversity
    trust: np.ndarray | None = None  # 0..1, lower for inferred vectors
    lexical: np.ndarray | None = None
    song_keys: np.ndarray | None = None  # comparable song title per candidate ('' unknown): one version of a song
    song_ids: np.ndarray | None = None  # one integer per song of one artist (`works.song_identity`): one release each
    genre: np.ndarray | None = None
    taste: np.ndarray | None = None
    artist: np.ndarray | None = None
    seed: np.ndarray | None = None
    features: np.ndarray | None = None
    personal_gate: np.ndarray | None = None  # 0..1: how far the listener's artists and taste may lift each candidate
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


UNKNOWN_POPULARITY = 0.4  # no evidence of popularity: a little below the middle
REPEAT_SONG_PENALTY = 1.0  # a second version of a picked song (a cover) is picked only when little else fits


def popularity_term(popularity: np.ndarray, discovery: float) -> np.ndarray:
    """+ for popular tracks when discovery is low, + for obscure ones when it is high; 0 when unknown."""
    pop = np.where(np.isnan(popularity), UNKNOWN_POPULARITY, popularity)
    # centre at the middle; a log-ish curve so the long tail is not one lump
    centred = np.sqrt(np.clip(pop, 0, 1)) - 0.6
    return (1.0 - 2.0 * discovery) * centred


def feature_fit(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """values (m, f) with NaN for unknown, targets (f,): 1 - mean absolute distance; unknown counts 0.5 off."""
    if values.size == 0 or targets.size == 0:
        return np.zeros(len(values), dtype=np.float32)
    dist = np.abs(values - targets[None, :])
    dist = np.where(np.isnan(dist), 0.5, dist)
    return (1.0 - dist.mean(axis=1)).astype(np.float32)


def score(c: Candidates, weights: Weights, discovery: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Total score per candidate and the weighted contribution of each component."""
    parts: dict[str, np.ndarray] = {}
    trust = c.trust if c.trust is not None else np.ones(len(c), dtype=np.float32)
    parts["relevance"] = weights.relevance * c.relevance * trust
    if c.lexical is not None:
        parts["lexical"] = weights.lexical * c.lexical
    if c.genre is not None:
        parts["genre"] = weights.genre * c.genre
    if c.taste is not None:
        parts["taste"] = weights.taste * c.taste
    if c.artist is not None:
        parts["artist"] = weights.artist * c.artist
    if c.seed is not None:
        parts["seed"] = weights.seed * c.seed * trust
    if c.features is not None:
        parts["features"] = weights.features * c.features
    parts["popularity"] = weights.popularity * popularity_term(c.popularity, discovery)
    if c.personal_gate is not None:  # a thrash listener asking for smooth jazz gets jazz, not Metallica
        for k in ("taste", "artist"):
            if k in parts:
                parts[k] = parts[k] * c.personal_gate
    total = np.zeros(len(c), dtype=np.float32)
    for p in parts.values():
        total += p.astype(np.float32)
    return total, parts


def select(
    c: Candidates,
    scores: np.ndarray,
    *,
    target_tracks: int | None = None,
    target_ms: float | None = None,
    tolerance: float = 0.05,
    max_per_artist: int | None = None,
    diversity: float = 0.3,
    pool: int = 1500,
    own: np.ndarray | None = None,
    max_own: int | None = None,
) -> list[int]:
    """Indices into `c`, in pick order. Stops at `target_tracks`, or once `target_ms` is reached
    without going over `target_ms * (1 + tolerance)`. Picks maximise score - diversity * max
    similarity to what is already picked (MMR); the per-artist cap is never exceeded, and neither is `max_own`,
    the number of picks among the candidates flagged by `own` (the listener's own artists)."""
    if len(c) == 0:
        return []
    if target_tracks is None and target_ms is None:
        target_tracks = 20
    order = np.argsort(-scores, kind="stable")[:pool]
    s = scores[order].astype(np.float64)
    vec = np.asarray(c.vectors[order], dtype=np.float32)
    dur = np.asarray(c.durations_ms[order], dtype=np.float64)
    artists = c.artist_codes[order]
    alive = np.isfinite(s)  # -inf marks a candidate that must not be picked (e.g. a duplicate release)
    keys = np.asarray(c.song_keys, dtype=object)[order] if c.song_keys is not None else None
    songs = np.asarray(c.song_ids)[order] if c.song_ids is not None else None
    mine = np.asarray(own, dtype=bool)[order] if own is not None and max_own is not None else None
    own_count = 0
    if mine is not None and max_own <= 0:
        alive &= ~mine
    max_sim = np.zeros(len(order), dtype=np.float64)
    per_artist: dict[int, int] = {}
    picked: list[int] = []
    total_ms = 0.0
    ceiling = None if target_ms is None else target_ms * (1 + tolerance)
    while alive.any():
        if target_tracks is not None and len(picked) >= target_tracks:
            break
        if target_ms is not None and total_ms >= target_ms:
            break
        eligible = alive.copy()
        if ceiling is not None:
            eligible &= ~np.isnan(dur) & (total_ms + dur <= ceiling)
        if not eligible.any():
            break
        mmr = np.where(eligible, s - diversity * max_sim, -np.inf)
        j = int(np.argmax(mmr))
        picked.append(int(order[j]))
        alive[j] = False
        if not np.isnan(dur[j]):
            total_ms += dur[j]
        if songs is not None:  # one release of a song: its remasters, live takes and re-credits are out
            alive &= songs != songs[j]
        if keys is not None and keys[j]:  # another artist's version of a picked song ranks much lower
            s = np.where(alive & (keys == keys[j]), s - REPEAT_SONG_PENALTY, s)
        if mine is not None and mine[j]:
            own_count += 1
            if own_count >= max_own:
                alive &= ~mine
        a = int(artists[j])
        per_artist[a] = per_artist.get(a, 0) + 1
        if max_per_artist is not None and per_artist[a] >= max_per_artist:
            alive &= artists != a
        # einsum, not `@`: a BLAS gemv here can cost ~7 ms a pick when BLAS threads contend (measured)
        max_sim = np.maximum(max_sim, np.einsum("ij,j->i", vec, vec[j]))
    if target_ms is not None and picked and total_ms < target_ms * (1 - tolerance):
        picked = _repair_length(picked, c, scores, order[alive], target_ms, tolerance, max_per_artist)
    return picked


def _repair_length(picked, c, scores, spare, target_ms, tolerance, max_per_artist, tries: int = 300) -> list[int]:
    """Greedy filling stalled short of the target: swap one pick for a spare candidate (or add one)
    so the total lands inside target +- tolerance, losing as little score as possible."""
    lo, hi = target_ms * (1 - tolerance), target_ms * (1 + tolerance)
    dur = np.asarray(c.durations_ms, dtype=np.float64)
    spare = np.asarray([j for j in spare[:tries] if not np.isnan(dur[j])], dtype=np.int64)
    if spare.size == 0:
        return picked
    total = float(np.nansum(dur[picked]))
    counts: dict[int, int] = {}
    for i in picked:
        counts[int(c.artist_codes[i])] = counts.get(int(c.artist_codes[i]), 0) + 1

    def fits_cap(j: int, leaving: int | None) -> bool:
        if max_per_artist is None:
            return True
        a = int(c.artist_codes[j])
        n = counts.get(a, 0) - (1 if leaving is not None and int(c.artist_codes[leaving]) == a else 0)
        return n < max_per_artist

    best: tuple[float, int | None, int] | None = None
    for j in spare:  # add one more
        if lo <= total + dur[j] <= hi and fits_cap(int(j), None):
            loss = -float(scores[j])
            if best is None or loss < best[0]:
                best = (loss, None, int(j))
    for i in picked:  # or swap one out
        new_totals = total - dur[i] + dur[spare]
        for j in spare[(new_totals >= lo) & (new_totals <= hi)]:
            if fits_cap(int(j), i):
                loss = float(scores[i] - scores[j])
                if best is None or loss < best[0]:
                    best = (loss, i, int(j))
    if best is None:
        return picked
    _, out, into = best
    return [into if p == out else p for p in picked] if out is not None else picked + [into]


def top_components(parts: dict[str, np.ndarray], i: int, k: int = 2) -> list[str]:
    """Names of the k components that contributed most to candidate i's score (positive only)."""
    vals = sorted(((float(p[i]), name) for name, p in parts.items()), reverse=True)
    return [name for v, name in vals[:k] if v > 0.02]
