"""Ordering a set for flow: Camelot keys, tempo glide, an energy arc, and a search that keeps hard constraints.

Pure functions over `Track` models. Harmonic mixing uses the Camelot wheel: a key and mode become a code
(`8A` is A minor, `8B` C major); two codes are compatible when they are equal, one number apart on the same
letter (12 and 1 are neighbours), or the same number with the other letter. Tempo steps count half and double
time (70 -> 140 BPM is a step of 0). The energy arc is a target curve over the show's running time (so "a peak
at 40 minutes" lands at 40 minutes whatever the track lengths); the set's energies are scaled to 0..1 within
the set and compared with it. `score_transitions` reports all three; `sequence` orders tracks to maximise it:
several greedy starts, then local search (swap, move, reverse) under a time budget, never returning an order that
scores below the one it was given. Locked tracks keep their positions; the set of tracks never changes.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence

from pydantic import Field

from assistant.model.base import StrictModel
from assistant.model.constraints import Ordering
from retrieval.tracks import Track

BPM_SCALE = 24.0  # a tempo step this large (after half/double time) scores 0
RESTARTS = 40  # perturbation rounds after the first descent (budget permitting)
UNKNOWN_KEY_COST = 0.5  # a pair with an unknown key counts as half compatible
SHAPES = ("dj", "rising", "falling", "steady", "peak", "valley")
# The default DJ set: warm-up, build, peak, breather, main peak, close (time fraction, relative energy).
DJ_CURVE = ((0.0, 0.25), (0.22, 0.55), (0.38, 0.8), (0.5, 0.5), (0.78, 1.0), (1.0, 0.3))


class Arc(StrictModel):
    """The energy shape asked for: one of `SHAPES`, with the peak (or valley) at a fraction of the running time."""

    shape: str = Field(default="dj", description="dj (warm-up, build, peak, breather, main peak, close), rising, "
                       "falling, steady, peak or valley")
    at: float | None = Field(default=None, ge=0, le=1, description="Where the peak or valley falls (fraction of "
                             "the running time); None: the middle")

    def target(self, x: float) -> float:
        """Relative energy 0..1 wanted at time fraction `x` (0..1)."""
        x = min(max(x, 0.0), 1.0)
        if self.shape == "rising":
            return 0.1 + 0.9 * x
        if self.shape == "falling":
            return 1.0 - 0.9 * x
        if self.shape == "steady":
            return 0.5
        if self.shape in ("peak", "valley"):
            at = 0.5 if self.at is None else min(max(self.at, 0.05), 0.95)
            up = 0.15 + 0.85 * (x / at if x <= at else (1 - x) / (1 - at))
            return up if self.shape == "peak" else 1.15 - up
        return _piecewise(DJ_CURVE, x)


def _piecewise(points: Sequence[tuple[float, float]], x: float) -> float:
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


class TransitionWeights(StrictModel):
    """How much the key share, the tempo glide and the arc fit count in a transition score."""

    key: float = 0.4
    tempo: float = 0.3
    arc: float = 0.3


class TransitionScore(StrictModel):
    """How well an order flows. `overall` = weighted key share, tempo glide and arc fit (each 0..1)."""

    tracks: int = Field(description="Tracks in the order")
    key_pairs: int = Field(description="Neighbouring pairs whose keys are both known")
    key_compatible: float | None = Field(description="Share of those pairs that are Camelot-compatible")
    tempo_pairs: int = Field(description="Neighbouring pairs whose tempos are both known")
    mean_bpm_step: float | None = Field(description="Mean BPM step between neighbours (half/double time counts)")
    tempo_glide: float | None = Field(description="Mean of max(0, 1 - step / 24 BPM) over those pairs")
    arc: str = Field(description="The arc the order was scored against")
    arc_fit: float = Field(description="1 - mean |scaled energy - target| over the tracks (1 is a perfect fit)")
    overall: float = Field(description="Weighted sum of key share, tempo glide and arc fit")
    weights: TransitionWeights


def camelot(key: int | None, mode: int | None) -> str | None:
    """Camelot code of a pitch class (0 = C) and mode (1 major -> B, 0 minor -> A); None when unknown."""
    if key is None or mode is None or key < 0 or key > 11:
        return None
    major = key if mode == 1 else (key + 3) % 12  # a minor key shares its number with its relative major
    return f"{(7 * major + 7) % 12 + 1}{'B' if mode == 1 else 'A'}"


def _split(code: str) -> tuple[int, str]:
    return int(code[:-1]), code[-1]


def compatible(a: str | None, b: str | None) -> bool | None:
    """Whether two Camelot codes mix: same code, +-1 on the same letter, or A<->B on the same number."""
    if a is None or b is None:
        return None
    (na, la), (nb, lb) = _split(a), _split(b)
    if la == lb:
        return (na - nb) % 12 in (0, 1, 11)
    return na == nb


def bpm_step(a: float | None, b: float | None) -> float | None:
    """The tempo step between two tracks, counting half and double time; None when either is unknown."""
    if not a or not b:
        return None
    return min(abs(a - b), abs(2 * a - b), abs(a - 2 * b))


def arc_from(ordering: Ordering | None = None, prompt: str = "", minutes: float | None = None) -> Arc:
    """The arc for a set: the constraints' arc, "peak at 40 minutes" in the prompt, else the default DJ shape."""
    shape = {"rising": "rising", "falling": "falling", "steady": "steady", "peak": "peak", "valley": "valley"}.get(
        ordering.arc if ordering else "any", "dj")
    at = None
    m = re.search(r"\b(peak|high point|climax)\w*\s+(?:at|around|about|after)\s+(?:the\s+)?(\d{1,3})\s*"
                  r"(?:min|minutes|m)\b", prompt or "", re.I)
    if m and minutes:
        shape, at = "peak", min(max(int(m.group(2)) / minutes, 0.0), 1.0)
    elif shape == "dj" and re.search(r"\b(build|builds|building)\b.*\bpeak\b.*\b(cool|wind|calm)", prompt or "", re.I):
        shape = "peak"
    return Arc(shape=shape, at=at)


def transition_weights_for(ordering: Ordering | None) -> TransitionWeights:
    """Smooth transitions asked for: key and tempo weigh more; an explicit arc: the arc weighs more."""
    if ordering is not None and ordering.smooth:
        return TransitionWeights(key=0.45, tempo=0.4, arc=0.15)
    if ordering is not None and ordering.arc != "any":
        return TransitionWeights(key=0.3, tempo=0.25, arc=0.45)
    return TransitionWeights()


class _Prepared:
    """Per-track values the search reads many times."""

    def __init__(self, tracks: Sequence[Track], arc: Arc):
        self.codes = [camelot(t.key, t.mode) for t in tracks]
        self.tempos = [t.tempo for t in tracks]
        energies = [t.energy for t in tracks]
        known = sorted(e for e in energies if e is not None)
        median = known[len(known) // 2] if known else 0.5
        filled = [median if e is None else e for e in energies]
        lo, hi = min(filled, default=0.0), max(filled, default=0.0)
        self.energy = [0.5 if hi - lo < 1e-6 else (e - lo) / (hi - lo) for e in filled]
        durations = [t.duration_ms or 0 for t in tracks]
        mean = (sum(d for d in durations if d) / max(1, sum(1 for d in durations if d))) or 1.0
        self.durations = [d or mean for d in durations]
        self.total = sum(self.durations) or 1.0
        self.arc = arc
        n = len(tracks)
        self.pair = [[self._pair(i, j) for j in range(n)] for i in range(n)]

    def _pair(self, i: int, j: int) -> tuple[float, float]:
        """(key cost 0..1, tempo cost 0..1) of playing j right after i."""
        c = compatible(self.codes[i], self.codes[j])
        key = UNKNOWN_KEY_COST if c is None else (0.0 if c else 1.0)
        step = bpm_step(self.tempos[i], self.tempos[j])
        tempo = 0.5 if step is None else min(step / BPM_SCALE, 1.0)
        return key, tempo

    def arc_error(self, order: Sequence[int]) -> float:
        t, err = 0.0, 0.0
        for i in order:
            d = self.durations[i]
            err += abs(self.energy[i] - self.arc.target((t + d / 2) / self.total))
            t += d
        return err / max(1, len(order))

    def cost(self, order: Sequence[int], w: TransitionWeights) -> float:
        pairs = max(1, len(order) - 1)
        key = sum(self.pair[a][b][0] for a, b in zip(order, order[1:])) / pairs
        tempo = sum(self.pair[a][b][1] for a, b in zip(order, order[1:])) / pairs
        return w.key * key + w.tempo * tempo + w.arc * self.arc_error(order)


def score_transitions(tracks: Sequence[Track], arc: Arc | None = None,
                      weights: TransitionWeights | None = None) -> TransitionScore:
    """The transition score of `tracks` in the order given."""
    arc, w = arc or Arc(), weights or TransitionWeights()
    codes = [camelot(t.key, t.mode) for t in tracks]
    keys = [compatible(a, b) for a, b in zip(codes, codes[1:])]
    keys = [k for k in keys if k is not None]
    steps = [bpm_step(a.tempo, b.tempo) for a, b in zip(tracks, tracks[1:])]
    steps = [s for s in steps if s is not None]
    key_share = sum(keys) / len(keys) if keys else None
    glide = sum(max(0.0, 1 - s / BPM_SCALE) for s in steps) / len(steps) if steps else None
    fit = 1 - _Prepared(tracks, arc).arc_error(range(len(tracks))) if tracks else 1.0
    overall = (w.key * (0.5 if key_share is None else key_share) + w.tempo * (0.5 if glide is None else glide)
               + w.arc * fit)
    return TransitionScore(
        tracks=len(tracks), key_pairs=len(keys), key_compatible=_r(key_share), tempo_pairs=len(steps),
        mean_bpm_step=_r(sum(steps) / len(steps) if steps else None, 2), tempo_glide=_r(glide),
        arc=arc.shape if arc.at is None else f"{arc.shape}@{arc.at:.2f}", arc_fit=_r(fit), overall=_r(overall),
        weights=w)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def sequence(
    tracks: Sequence[Track],
    arc: Arc | None = None,
    *,
    locked: Sequence[str] = (),
    weights: TransitionWeights | None = None,
    budget: float = 0.5,
    seed: int = 0,
) -> list[Track]:
    """`tracks` reordered for flow. Tracks whose id is in `locked` keep their positions; nothing is added or
    dropped. Deterministic for a seed; stops after `budget` seconds of local search."""
    arc, w = arc or Arc(), weights or TransitionWeights()
    n = len(tracks)
    if n < 3 and not locked:
        return _best_small(tracks, arc, w)
    prep = _Prepared(tracks, arc)
    pinned = set(locked)
    fixed = {i for i, t in enumerate(tracks) if t.track_id in pinned}
    slots = [i for i in range(n) if i not in fixed]  # positions the search may fill
    free = list(slots)  # track indices in those positions (initially the input order)

    def merge(seq: Sequence[int]) -> list[int]:
        order = list(range(n))
        for pos, idx in zip(slots, seq):
            order[pos] = idx
        return order

    best = list(free)
    best_cost = prep.cost(merge(best), w)
    for start in _greedy_starts(prep, free, slots, fixed, w, n):
        c = prep.cost(merge(start), w)
        if c < best_cost - 1e-12:
            best, best_cost = start, c
    rng = random.Random(seed)
    deadline = time.perf_counter() + max(0.0, budget)
    best, best_cost = _local_search(prep, best, best_cost, merge, w, deadline, rng)
    for _ in range(RESTARTS):  # iterated local search: kick the best order, descend again, keep improvements
        if time.perf_counter() >= deadline or len(best) < 4:
            break
        kicked = list(best)
        for _ in range(2):
            i, j = rng.sample(range(len(kicked)), 2)
            kicked[i], kicked[j] = kicked[j], kicked[i]
        cand, c = _local_search(prep, kicked, prep.cost(merge(kicked), w), merge, w, deadline, rng)
        if c < best_cost - 1e-12:
            best, best_cost = cand, c
    return [tracks[i] for i in merge(best)]


def _best_small(tracks: Sequence[Track], arc: Arc, w: TransitionWeights) -> list[Track]:
    if len(tracks) < 2:
        return list(tracks)
    prep = _Prepared(tracks, arc)
    return [tracks[i] for i in min(([0, 1], [1, 0]), key=lambda o: prep.cost(o, w))]


def _greedy_starts(prep: _Prepared, free: list[int], slots: list[int], fixed: set[int], w: TransitionWeights, n: int):
    """Greedy fills of the free slots, one per starting track (the lowest-cost first slots), left to right."""
    if not free:
        return
    first_target = prep.arc.target(0.0)
    starts = sorted(free, key=lambda i: abs(prep.energy[i] - first_target))[:8]
    mean_d = prep.total / n
    for s in starts:
        order: list[int | None] = [i if i in fixed else None for i in range(n)]
        left = [i for i in free if i != s]
        order[slots[0]] = s
        for pos in slots[1:]:
            prev = order[pos - 1]
            target = prep.arc.target((pos + 0.5) * mean_d / prep.total)
            nxt = order[pos + 1] if pos + 1 < n else None

            def step_cost(j: int) -> float:
                k, t = prep.pair[prev][j] if prev is not None else (0.0, 0.0)
                if nxt is not None:
                    k2, t2 = prep.pair[j][nxt]
                    k, t = k + k2, t + t2
                return w.key * k + w.tempo * t + w.arc * abs(prep.energy[j] - target)

            j = min(left, key=step_cost)
            left.remove(j)
            order[pos] = j
        yield [order[p] for p in slots]


def _local_search(prep, seq, cost, merge, w, deadline, rng):
    """Improve `seq` with swaps, moves and reversals until no move helps or the deadline passes."""
    m = len(seq)
    if m < 2:
        return seq, cost
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        pairs = [(i, j) for i in range(m) for j in range(i + 1, m)]
        rng.shuffle(pairs)
        for i, j in pairs:
            if time.perf_counter() >= deadline:
                break
            for cand in _moves(seq, i, j):
                c = prep.cost(merge(cand), w)
                if c < cost - 1e-12:
                    seq, cost, improved = cand, c, True
                    break
    return seq, cost


def _moves(seq: list[int], i: int, j: int):
    swapped = list(seq)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    yield swapped
    if j - i > 1:
        yield seq[:i] + seq[i:j + 1][::-1] + seq[j + 1:]
        moved = list(seq)
        moved.insert(j, moved.pop(i))
        yield moved
        back = list(seq)
        back.insert(i, back.pop(j))
        yield back
