"""The generated demo catalogue: clearly fictional artists, real genre words, genre-typical features.

Deterministic: the same `(n_tracks, seed)` gives the same tracks on every run and machine
(`random.Random` and `numpy.random.default_rng` only; no `hash()`, no set iteration order).
Structure: artists with 1-3 related genres and an active era, 1-6 albums of 6-14 tracks each,
features drawn per genre (with a small per-artist offset), Zipf-like popularity by artist.
`generate_catalogue` returns `Track` models; `build_demo_catalogue` builds the columnar `Catalogue`
directly (use it for large n). Histories of the demo listeners live in `demo_history`.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass

import numpy as np

from retrieval.demo.genres import GENRE_NAMES, GENRES
from retrieval.demo.history import generate_histories, write_histories  # noqa: F401  (public API, re-exported)
from retrieval.demo.names import BLOCKED, album_title, artist_name, coined, track_title
from retrieval.errors import BadInput
from retrieval.tracks import FLOAT_COLUMNS, STRING_COLUMNS, Catalogue, Track

DEFAULT_TRACKS = 12_000
DEFAULT_SEED = 7
FIRST_YEAR, LAST_DEBUT, LAST_YEAR = 1955, 2022, 2026
_KEY_WEIGHTS = np.array([12, 8, 10, 4, 8, 8, 6, 11, 6, 10, 7, 8], dtype=float)
_UNIT = ("energy", "valence", "danceability", "acousticness", "instrumentalness", "speechiness", "liveness")
_CONCENTRATION = {"energy": 14, "valence": 8, "danceability": 16, "acousticness": 4, "instrumentalness": 2.5,
                  "speechiness": 14, "liveness": 7}
_WALTZ_STYLES = ("jazz", "country", "classical", "soundtrack")


class DemoError(BadInput, ValueError):
    """Bad arguments for the demo generator; the message says what to pass instead."""


@dataclass
class DemoColumns:
    """The generated catalogue, column by column (what both the list and the Catalogue are built from)."""

    strings: dict[str, list[str | None]]
    genres: list[tuple[str, ...]]
    floats: dict[str, np.ndarray]  # float64, NaN for unknown
    explicit: np.ndarray  # int8 -1/0/1
    n_artists: int


def describe_demo(n_tracks: int = DEFAULT_TRACKS, seed: int = DEFAULT_SEED) -> str:
    """One-line label to show wherever the demo catalogue is shown."""
    return f"Generated demo catalogue (fictional artists), {n_tracks:,} tracks, seed {seed}"


def demo_meta(n_tracks: int = DEFAULT_TRACKS, seed: int = DEFAULT_SEED) -> dict:
    """Catalogue metadata marking a generated catalogue (`Catalogue.generated` reads `generated`)."""
    return {"generated": True, "source": "demo", "seed": seed, "label": describe_demo(n_tracks, seed)}


def _check(n_tracks: int, seed: int) -> None:
    if not isinstance(n_tracks, int) or isinstance(n_tracks, bool) or n_tracks < 1:
        raise DemoError(f"n_tracks must be a positive whole number (got {n_tracks!r}); try 12000.")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise DemoError(f"seed must be a whole number (got {seed!r}); try 7.")


def _unique_name(rng: random.Random, style: str, taken: set[str]) -> str:
    for _ in range(12):
        name = artist_name(rng, style)
        key = name.casefold()
        if key not in taken and key not in BLOCKED:
            taken.add(key)
            return name
    while True:  # a crowded name space (very large catalogues): add an invented word
        name = f"{artist_name(rng, style)} {coined(rng, 2)}"
        if name.casefold() not in taken:
            taken.add(name.casefold())
            return name


def _structure(n_tracks: int, rng: random.Random):
    """Artists, albums and each track's (artist, album, feature genre); stops at n_tracks."""
    cum = np.cumsum([GENRES[g].weight for g in GENRE_NAMES]).tolist()
    taken: set[str] = set()
    artists: list[tuple[str, tuple[str, ...], float]] = []  # name, genres, popularity
    albums: list[tuple[int, int, str, int]] = []  # artist, year, release date, feature genre index
    t_album: list[int] = []
    total = 0
    while total < n_tracks:
        primary = rng.choices(GENRE_NAMES, cum_weights=cum)[0]
        prof = GENRES[primary]
        extra = rng.choices((0, 1, 2), weights=(30, 45, 25))[0]
        genres = (primary,) + tuple(rng.sample(prof.related, min(extra, len(prof.related))))
        popularity = min(90.0, 6.0 * max(rng.random(), 1e-6) ** -0.75)
        lo, hi = max(FIRST_YEAR, prof.era[0]), min(LAST_DEBUT, prof.era[1])
        debut = rng.randint(lo, hi)
        last = min(LAST_YEAR, debut + rng.randint(3, 25) - 1)
        a = len(artists)
        artists.append((_unique_name(rng, prof.style, taken), genres, popularity))
        n_albums = max(1, min(6, round(0.35 + 5 * popularity / 100 + rng.gauss(0, 0.4))))
        years = sorted(rng.randint(debut, last) for _ in range(n_albums))
        for year in years:
            if total >= n_tracks:
                break
            g = genres[0] if (len(genres) == 1 or rng.random() < 0.75) else rng.choice(genres[1:])
            month = rng.randint(1, 9 if year == LAST_YEAR else 12)
            date = f"{year:04d}-{month:02d}-{rng.randint(1, 28):02d}"
            size = min(round(rng.triangular(5.5, 14.5, 6)), n_tracks - total)
            albums.append((a, year, date, GENRE_NAMES.index(g)))
            t_album.extend([len(albums) - 1] * size)
            total += size
    return artists, albums, np.array(t_album, dtype=np.int64)


def _profile_matrix(field: str) -> np.ndarray:
    return np.array([getattr(GENRES[g], field) for g in GENRE_NAMES], dtype=float)


def _features(g: np.ndarray, a: np.ndarray, n_artists: int, nrng: np.random.Generator) -> dict[str, np.ndarray]:
    """Genre-typical audio features: genre mean + per-artist offset + per-track draw, clipped to range."""
    n = len(g)
    ballad = nrng.random(n) < _profile_matrix("ballad")[g]
    out: dict[str, np.ndarray] = {}
    for name in _UNIT:
        mean = _profile_matrix(name)[g] + nrng.normal(0, 0.06, n_artists)[a]
        if name == "energy":
            mean = np.where(ballad, mean * 0.55, mean)
        elif name in ("valence", "danceability"):
            mean = np.where(ballad, mean * 0.8, mean)
        elif name == "acousticness":
            mean = np.where(ballad, mean + (1 - mean) * 0.5, mean)
        m = np.clip(mean, 0.02, 0.98)
        k = _CONCENTRATION[name]
        value = nrng.beta(m * k, (1 - m) * k)
        if name in ("speechiness", "liveness"):  # never quite zero in real analyses
            value = 0.02 + 0.98 * value
        out[name] = np.round(value, 3)
    t_mean, t_sd = _profile_matrix("tempo")[g].T
    tempo = t_mean + nrng.normal(0, 0.35, n_artists)[a] * t_sd + nrng.normal(0, 0.9, n) * t_sd
    tempo = np.where(ballad, tempo * 0.75, tempo)
    out["tempo"] = np.round(np.clip(tempo, 45, 240), 3)
    loud = (_profile_matrix("loudness")[g] + nrng.normal(0, 1.5, n_artists)[a]
            + 10 * (out["energy"] - _profile_matrix("energy")[g]) + nrng.normal(0, 1.5, n))
    out["loudness"] = np.round(np.clip(loud, -45, -1), 3)
    out["key"] = nrng.choice(12, size=n, p=_KEY_WEIGHTS / _KEY_WEIGHTS.sum()).astype(float)
    out["mode"] = (nrng.random(n) >= _profile_matrix("minor")[g]).astype(float)
    waltzy = np.array([GENRES[x].style in _WALTZ_STYLES for x in GENRE_NAMES])[g]
    r = nrng.random(n)
    sig = np.where(r < np.where(waltzy, 0.14, 0.05), 3.0, 4.0)
    out["time_signature"] = np.where(r > 0.99, 5.0, sig)
    long_form = np.array([GENRES[x].style in ("classical", "jazz") or x == "ambient" for x in GENRE_NAMES])[g]
    sigma = np.where(long_form, 0.45, 0.22)
    minutes = _profile_matrix("minutes")[g] * np.exp(nrng.normal(0, 1, n) * sigma)
    out["duration_ms"] = np.round(np.clip(minutes, 0.75, 40) * 60_000)
    return out


def _popularity(a, album, t_year, artist_pop, n_albums_total, nrng) -> np.ndarray:
    n = len(a)
    album_offset = nrng.normal(0, 4, n_albums_total)[album]
    position = np.zeros(n)
    starts = np.r_[0, np.flatnonzero(np.diff(album)) + 1]
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    position[pos < 3] = 3.0
    pop = artist_pop[a] + album_offset + position - 0.08 * (LAST_YEAR - t_year) + nrng.normal(0, 5, n)
    return np.clip(np.round(pop), 0, 100)


def _charts(pop: np.ndarray, year: np.ndarray, dates: list[str | None], nrng, out: dict) -> None:
    """Chart facts only for the most popular ~3% of tracks with a known year (Hot 100 era)."""
    n = len(pop)
    peak = np.full(n, np.nan)
    weeks = np.full(n, np.nan)
    eligible = np.flatnonzero(~np.isnan(pop) & ~np.isnan(year) & (year >= 1958))
    k = int(round(0.03 * n))
    top = eligible[np.argsort(-pop[eligible], kind="stable")][:k]
    debut: list[str | None] = [None] * n
    if len(top):
        frac = np.arange(len(top)) / max(1, len(top))
        p = np.clip(np.round(1 + 99 * frac ** 1.4 * nrng.uniform(0.6, 1.0, len(top))), 1, 100)
        peak[top] = p
        weeks[top] = np.clip(np.round(42 * (1 - p / 101) ** 1.5 + nrng.normal(0, 3, len(top))), 1, 80)
        days = nrng.integers(7, 60, len(top))
        for t, d in zip(top.tolist(), days.tolist()):
            y, m, day = (int(x) for x in dates[t].split("-"))
            day += d
            m += (day - 1) // 28
            day = (day - 1) % 28 + 1
            y += (m - 1) // 12
            m = (m - 1) % 12 + 1
            debut[t] = f"{y:04d}-{m:02d}-{day:02d}"
    out["chart_peak"], out["chart_weeks"], out["chart_debut"] = peak, weeks, debut


def generate_columns(n_tracks: int = DEFAULT_TRACKS, seed: int = DEFAULT_SEED) -> DemoColumns:
    """Generate the demo catalogue as columns (fast; no Track objects)."""
    _check(n_tracks, seed)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    artists, albums, t_album = _structure(n_tracks, rng)
    n = len(t_album)
    al_artist = np.array([x[0] for x in albums], dtype=np.int64)
    al_year = np.array([x[1] for x in albums], dtype=float)
    al_genre = np.array([x[3] for x in albums], dtype=np.int64)
    a, g = al_artist[t_album], al_genre[t_album]
    floats = _features(g, a, len(artists), nrng)
    year = al_year[t_album]
    artist_pop = np.array([x[2] for x in artists])
    floats["popularity"] = _popularity(a, t_album, year, artist_pop, len(albums), nrng)
    floats["popularity"][nrng.random(n) < 0.02] = np.nan
    floats["decade"] = (year // 10) * 10
    no_year = nrng.random(n) < 0.05
    floats["year"] = np.where(no_year, np.nan, year)
    no_audio = nrng.random(n) < 0.003  # a few tracks without audio analysis: unknown, not zero
    for c in _UNIT + ("tempo", "loudness", "key", "mode", "time_signature"):
        floats[c][no_audio] = np.nan
    expl_p = np.array([GENRES[x].explicit for x in GENRE_NAMES])[g]
    explicit = (nrng.random(n) < expl_p).astype(np.int8)
    explicit[nrng.random(n) < 0.08] = -1
    dates: list[str | None] = [albums[i][2] for i in t_album.tolist()]
    for i in np.flatnonzero(no_year).tolist():
        dates[i] = None
    strings: dict[str, list[str | None]] = {}
    _charts(floats["popularity"], floats["year"], dates, nrng, strings)
    floats["chart_peak"], floats["chart_weeks"] = strings.pop("chart_peak"), strings.pop("chart_weeks")
    titles, album_names = _names(albums, t_album, floats, rng)
    width = max(6, len(str(n - 1)))
    strings.update(
        track_id=[f"demo-{i:0{width}d}" for i in range(n)],
        title=titles,
        artist=[artists[x][0] for x in a.tolist()],
        album=album_names,
        release_date=dates,
        path=[None] * n,
    )
    genres = [artists[x][1] for x in a.tolist()]
    return DemoColumns(strings, genres, floats, explicit, len(artists))


def _names(albums, t_album: np.ndarray, floats: dict, rng: random.Random) -> tuple[list[str], list[str]]:
    """Track titles (unique within an album) and album titles (unique within an artist)."""
    keys = np.nan_to_num(floats["key"], nan=0).astype(int).tolist()
    modes = np.nan_to_num(floats["mode"], nan=1).astype(int).tolist()
    titles: list[str] = []
    album_of: list[str] = []
    used_albums: dict[int, set[str]] = {}
    starts = np.r_[0, np.flatnonzero(np.diff(t_album)) + 1, len(t_album)].tolist()
    for s, e in zip(starts[:-1], starts[1:]):
        artist, _, _, gi = albums[int(t_album[s])]
        style = GENRES[GENRE_NAMES[gi]].style
        seen: set[str] = set()
        for i in range(s, e):
            title = track_title(rng, style, keys[i], modes[i])
            while title in seen:
                title = track_title(rng, style, keys[i], modes[i])
            seen.add(title)
            titles.append(title)
        taken = used_albums.setdefault(artist, set())
        name = album_title(rng, style, titles[s])
        while name in taken:
            name = album_title(rng, style, titles[s + int(rng.random() * (e - s))]) + (
                "" if rng.random() < 0.5 else f" Vol. {len(taken) + 1}")
        taken.add(name)
        album_of.extend([name] * (e - s))
    return titles, album_of


_INT_COLUMNS = ("key", "mode", "time_signature", "year", "decade", "duration_ms", "chart_peak", "chart_weeks")


def generate_catalogue(n_tracks: int = DEFAULT_TRACKS, seed: int = DEFAULT_SEED) -> list[Track]:
    """Generate `n_tracks` fictional tracks as validated `Track` models (for large n see `build_demo_catalogue`)."""
    cols = generate_columns(n_tracks, seed)
    lists: dict[str, list] = {}
    for c in FLOAT_COLUMNS:
        arr = cols.floats[c]
        known = ~np.isnan(arr)
        vals = np.nan_to_num(arr).astype(np.int64).tolist() if c in _INT_COLUMNS else arr.tolist()
        lists[c] = [v if k else None for v, k in zip(vals, known.tolist())]
    expl = [None if e < 0 else bool(e) for e in cols.explicit.tolist()]
    names = FLOAT_COLUMNS + STRING_COLUMNS
    columns = [lists[c] for c in FLOAT_COLUMNS] + [cols.strings[c] for c in STRING_COLUMNS]
    validate = Track.model_validate  # full validation is cheaper than model_construct in pydantic 2
    tracks = []
    paused = gc.isenabled()
    gc.disable()  # a million new objects would otherwise trigger many full collections
    try:
        for i, row in enumerate(zip(*columns)):
            data = dict(zip(names, row))
            data["explicit"] = expl[i]
            data["genres"] = list(cols.genres[i])
            tracks.append(validate(data))
    finally:
        if paused:
            gc.enable()
    return tracks


def build_demo_catalogue(n_tracks: int = DEFAULT_TRACKS, seed: int = DEFAULT_SEED) -> Catalogue:
    """The demo catalogue as a columnar `Catalogue` (no Track objects: use this for large n)."""
    cols = generate_columns(n_tracks, seed)
    floats = {c: cols.floats[c].astype(np.float32) for c in FLOAT_COLUMNS}
    strings = {c: cols.strings[c] for c in STRING_COLUMNS}
    return Catalogue(strings, cols.genres, floats, cols.explicit, demo_meta(len(cols.genres), seed))
