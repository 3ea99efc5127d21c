"""Taste profiles from listening history.

Vectors are compared after removing the catalogue's mean direction (`TasteProfile.center`):
text-embedding spaces put every track within a narrow cone (cosine ~0.85 between unrelated
tracks with e5), and centring spreads them so that one genre stands apart from another.
Interests are found with a small spherical k-means, so a jazz + metal listener gets two
centroids rather than their average. Skips count against (negative weight).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

HALF_LIFE_DAYS = 30.0
SKIP_WEIGHT = 0.5  # a skip weighs against as much as half a play
MAX_K = 6
# k grows from 1 while a split finds a new interest: stop once less than MIN_SHARE of the played
# weight sits below cosine TIGHT to its centroid, or when a split would give two centroids closer
# than DISTINCT (the same interest; e5 tracks of one genre split 0.5-0.6 apart, jazz vs metal 0.1),
# a cluster under MIN_SHARE of the weight, or a cluster of one track.
TIGHT = 0.6
DISTINCT = 0.35
MIN_SHARE = 0.03
MAX_CLUSTER_POINTS = 3000
CENTER_SAMPLE = 20000


@dataclass
class TasteProfile:
    long_term: np.ndarray | None  # (d,) unit vector, all plays (skips against), centred space
    recent: np.ndarray | None  # (d,) unit vector, time-decayed (half-life 30 days)
    centroids: np.ndarray  # (k, d) unit vectors, centred space
    centroid_weights: np.ndarray  # (k,) share of plays
    play_counts: dict[int, int]  # catalogue row -> plays (not skipped)
    skipped_rows: dict[int, int]  # row -> skips
    artist_affinity: dict[int, float]  # artist code -> share of plays
    center: np.ndarray | None = None  # (d,) catalogue mean removed before every comparison
    newest: datetime | None = None  # time of the newest listen
    counts: dict[str, int] = field(default_factory=dict)  # plays, skips, unmatched

    @property
    def empty(self) -> bool:
        return len(self.centroids) == 0


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def catalogue_center(item_vectors: np.ndarray) -> np.ndarray:
    """Mean of (up to CENTER_SAMPLE evenly spaced) item vectors, float32."""
    n = len(item_vectors)
    step = max(1, n // CENTER_SAMPLE)
    return np.asarray(item_vectors[::step], dtype=np.float32).mean(axis=0)


def centre(vectors: np.ndarray, center: np.ndarray | None) -> np.ndarray:
    """Subtract `center` and re-normalise rows (zero rows stay zero)."""
    v = np.asarray(vectors, dtype=np.float32)
    if center is not None:
        v = v - center
    norms = np.sqrt(np.einsum("...i,...i->...", v, v))[..., None]
    return v / np.maximum(norms, 1e-12)


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.linalg.norm(v))
    return None if n < 1e-9 else (v / n).astype(np.float32)


def _update(x: np.ndarray, w: np.ndarray, assign: np.ndarray, c: np.ndarray) -> np.ndarray:
    """New centroids: normalised weighted sums of members (an empty cluster keeps its centroid)."""
    member = np.zeros((len(c), len(x)), dtype=np.float32)
    member[assign, np.arange(len(x))] = w
    s = member @ x
    norms = np.linalg.norm(s, axis=1, keepdims=True)
    return np.where(norms > 1e-9, s / np.maximum(norms, 1e-9), c).astype(np.float32)


Run = tuple[np.ndarray, np.ndarray, float]  # centroids, assignment, weighted mean cosine


def _kmeans(x: np.ndarray, w: np.ndarray, k: int, seed: int = 0, iters: int = 25) -> Run:
    """Weighted spherical k-means with k-means++ start: (centroids, assignment, weighted mean cosine)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    c = np.empty((k, x.shape[1]), dtype=np.float32)
    c[0] = x[rng.choice(n, p=w / w.sum())]
    for j in range(1, k):
        d = np.maximum(1.0 - (x @ c[:j].T).max(axis=1), 0.0) ** 2 * w
        c[j] = x[rng.choice(n, p=d / d.sum())] if d.sum() > 1e-12 else x[rng.integers(n)]
    assign = np.zeros(n, dtype=np.int64)
    for it in range(iters):
        new = np.argmax(x @ c.T, axis=1)
        if it and np.array_equal(new, assign):
            break
        assign = new
        c = _update(x, w, assign, c)
    cos = np.einsum("ij,ij->i", x, c[assign])
    return c, assign, float((cos * w).sum() / w.sum())


def _best_kmeans(x: np.ndarray, w: np.ndarray, k: int) -> Run:
    runs = [_kmeans(x, w, k, seed=s) for s in range(3 if k > 1 else 1)]
    return max(runs, key=lambda r: r[2])


def _poorly_explained(x: np.ndarray, w: np.ndarray, run: Run) -> float:
    """Share of the weight whose cosine to its own centroid is below TIGHT."""
    c, assign, _ = run
    cos = np.einsum("ij,ij->i", x, c[assign])
    return float(w[cos < TIGHT].sum() / w.sum())


def interest_centroids(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pick k (1..6) for unit rows `x` with weights `w`: (centroids, assignment of every row)."""
    rng = np.random.default_rng(0)
    w = np.asarray(w, dtype=np.float64)  # choice() needs probabilities summing to 1 in float64
    sample = np.arange(len(x))
    if len(x) > MAX_CLUSTER_POINTS:
        sample = np.sort(rng.choice(len(x), size=MAX_CLUSTER_POINTS, replace=False, p=w / w.sum()))
    xs, ws = x[sample], w[sample]
    best = _best_kmeans(xs, ws, 1)
    for k in range(2, min(MAX_K, len(xs) // 2) + 1):
        if _poorly_explained(xs, ws, best) < MIN_SHARE:
            break
        cand = _best_kmeans(xs, ws, k)
        c, assign, _ = cand
        gram = c @ c.T
        np.fill_diagonal(gram, -1.0)
        sizes = np.bincount(assign, minlength=k)
        shares = np.bincount(assign, weights=ws, minlength=k) / ws.sum()
        if gram.max() >= DISTINCT or shares.min() < MIN_SHARE or sizes.min() < 2:
            break
        best = cand
    assign = np.argmax(x @ best[0].T, axis=1)
    return _update(x, w, assign, best[0]), assign  # a final update on every point


def build_taste(
    rows: list[int | None],
    timestamps: list[datetime],
    skipped: list[bool],
    item_vectors: np.ndarray,
    artist_codes: np.ndarray,
    now: datetime | None = None,
) -> TasteProfile:
    """A taste profile from matched listens (row None = unmatched, ignored).

    `now` anchors the recency decay; by default it is the newest listen's time.
    """
    if not (len(rows) == len(timestamps) == len(skipped)):
        raise ValueError(f"lengths differ (rows, timestamps, skipped): {len(rows)}, {len(timestamps)}, {len(skipped)}")
    d = int(item_vectors.shape[1])
    center = catalogue_center(item_vectors) if len(item_vectors) else None
    newest = max((_utc(t) for t in timestamps), default=None)
    anchor = _utc(now) if now is not None else newest
    plays: Counter[int] = Counter()
    skips: Counter[int] = Counter()
    recent_w: dict[int, float] = {}
    unmatched = 0
    for r, t, s in zip(rows, timestamps, skipped):
        if r is None:
            unmatched += 1
            continue
        r = int(r)
        (skips if s else plays)[r] += 1
        age = max(0.0, (anchor - _utc(t)).total_seconds() / 86400.0) if anchor else 0.0
        decay = 0.5 ** (age / HALF_LIFE_DAYS)
        recent_w[r] = recent_w.get(r, 0.0) + (-SKIP_WEIGHT * decay if s else decay)
    counts = {"plays": sum(plays.values()), "skips": sum(skips.values()), "unmatched": unmatched}
    empty = TasteProfile(None, None, np.zeros((0, d), np.float32), np.zeros(0, np.float32), dict(plays), dict(skips),
                         {}, center, newest, counts)
    if not plays:
        return empty
    touched = np.array(sorted(set(plays) | set(skips)), dtype=np.int64)
    u = centre(item_vectors[touched], center)
    pos = {int(r): i for i, r in enumerate(touched)}
    tl = touched.tolist()
    damp = np.array([1.0 + math.log(plays[r]) if plays[r] else 0.0 for r in tl], np.float32)
    damp -= np.array([SKIP_WEIGHT * (1.0 + math.log(skips[r])) if skips[r] else 0.0 for r in tl], np.float32)
    long_term = _unit(damp @ u)
    rw = np.array([recent_w[r] for r in touched.tolist()], np.float32)
    recent = _unit(rw @ u)

    played = np.array(sorted(plays), dtype=np.int64)
    xp = u[[pos[int(r)] for r in played]]
    wp = np.array([1.0 + math.log(plays[int(r)]) for r in played], np.float32)
    centroids, assign = interest_centroids(xp, wp)
    raw = np.array([plays[int(r)] for r in played], np.float64)
    share = np.bincount(assign, weights=raw, minlength=len(centroids)) / raw.sum()
    keep = share > 0
    centroids, share = centroids[keep], share[keep]

    total = counts["plays"]
    by_artist: Counter[int] = Counter()
    for r, c in plays.items():
        by_artist[int(artist_codes[r])] += c
    artist_affinity = {a: c / total for a, c in by_artist.items()}
    return TasteProfile(long_term, recent, centroids, share.astype(np.float32), dict(plays), dict(skips),
                        artist_affinity, center, newest, counts)


def taste_from_listens(
    listens: Sequence, catalogue, item_vectors: np.ndarray, now: datetime | None = None
) -> TasteProfile:
    """build_taste for stored listens (anything with .ts, .track_id, .skipped) against a Catalogue."""
    rows = [catalogue.row_of(x.track_id) if x.track_id else None for x in listens]
    return build_taste(rows, [x.ts for x in listens], [bool(x.skipped) for x in listens], item_vectors,
                       catalogue.artist_codes, now)


def affinity(profile: TasteProfile, vectors: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """(n,) taste score per candidate in [-1, 1].

    The best match over interest centroids (a minor interest is discounted a little), blended with
    the recent and long-term directions. Give `rows` (the candidates' catalogue rows) to push
    tracks the listener skipped down by the share of their plays that were skips.
    """
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    if profile.empty or len(v) == 0:
        return np.zeros(len(v), dtype=np.float32)
    u = centre(v, profile.center)
    w = profile.centroid_weights
    penalty = 0.15 * (1.0 - w / max(float(w.max()), 1e-9))
    score = 0.65 * (u @ profile.centroids.T - penalty).max(axis=1)
    total = 0.65
    for vec, weight in ((profile.recent, 0.2), (profile.long_term, 0.15)):
        if vec is not None:
            score += weight * (u @ vec)
            total += weight
    score /= total
    if rows is not None and profile.skipped_rows:
        keys = np.array(sorted(profile.skipped_rows), dtype=np.int64)
        sk, pc = profile.skipped_rows, profile.play_counts
        frac = np.array([sk[k] / (sk[k] + pc.get(k, 0)) for k in keys.tolist()], np.float32)
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        at = np.clip(np.searchsorted(keys, r), 0, len(keys) - 1)
        hit = keys[at] == r
        score[hit] -= 0.5 * frac[at[hit]]
    return np.clip(score, -1.0, 1.0).astype(np.float32)


def album_affinity(cat, taste: TasteProfile, rows: np.ndarray) -> np.ndarray | None:
    """Per candidate, sqrt of its album's share of the listener's plays (album = artist + album name), or None."""
    albums, codes = cat.strings["album"], cat.artist_codes
    played: dict[tuple[int, str], int] = {}
    for r, n in taste.play_counts.items():
        name = (albums[r] or "").casefold()
        if name:
            played[(int(codes[r]), name)] = played.get((int(codes[r]), name), 0) + n
    if not played:
        return None
    top = max(played.values())
    share = [played.get((int(codes[r]), (albums[r] or "").casefold()), 0) / top for r in rows]
    return np.sqrt(np.asarray(share, dtype=np.float32))


def era_affinity(cat, taste: TasteProfile, rows: np.ndarray, scale_years: float = 3.0) -> np.ndarray | None:
    """Per candidate by an artist the listener plays: exp(-years to the nearest year they play of that artist / scale_years)
    (the listener of Coldplay's 2014 album wants 2014-ish Coldplay); 0 otherwise or when years are unknown."""
    years, codes = np.asarray(cat.column("year")), cat.artist_codes
    played: dict[int, list[float]] = {}
    for r in taste.play_counts:
        if not np.isnan(years[r]):
            played.setdefault(int(codes[r]), []).append(float(years[r]))
    if not played:
        return None
    rows = np.asarray(rows, dtype=np.int64)
    out = np.zeros(len(rows), dtype=np.float32)
    cand_codes, cand_years = codes[rows], years[rows]
    for code, mine in played.items():
        at = np.flatnonzero((cand_codes == code) & ~np.isnan(cand_years))
        if len(at):
            gap = np.abs(cand_years[at][:, None] - np.asarray(mine)[None, :]).min(axis=1)
            out[at] = np.exp(-gap / scale_years)
    return out
