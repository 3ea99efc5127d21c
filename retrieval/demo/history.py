"""Listening histories of four demo listeners, in Spotify's Extended Streaming History format.

- alex: rock, grunge and punk, mostly 1990s releases
- sam: two separate clusters, jazz and metal (a session is one or the other)
- riley: electronic: house, techno, ambient
- jordan: hip hop, r&b and soul; from August 2026 drifted to latin

Deterministic for a given track list and seed. Rows include skips (mostly of tracks off the
listener's taste), repeated plays of favourites, and a few podcast rows that importers must skip.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from retrieval.demo.names import episode_name
from retrieval.errors import BadInput
from retrieval.tracks import Track

START = datetime(2024, 11, 1, tzinfo=UTC)
END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
HISTORY_FILE = "Streaming_History_Audio_2025-2026_0.json"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Taste:
    genres: dict[str, float]  # genre -> weight (matched on the artist's primary genre)
    years: tuple[int, int] | None = None  # preferred release years
    artists: int = 30  # favourite artists drawn


@dataclass(frozen=True)
class Listener:
    name: str
    plays: int
    tastes: tuple[Taste, ...]  # sam: two clusters, one per session
    platforms: tuple[str, ...]
    country: str
    hours: tuple[int, ...]  # usual session start hours (UTC)
    shuffle: float
    drift: Taste | None = None  # taste from `drift_from` on (jordan)
    drift_from: datetime | None = None


LISTENERS: tuple[Listener, ...] = (
    Listener("alex", 1800, (Taste({"grunge": 3, "punk": 3, "alternative rock": 2, "rock": 1.5, "hard rock": 1,
                                   "post-punk": 1}, years=(1988, 2001), artists=35),),
             ("android", "windows"), "GB", (7, 8, 17, 18, 19, 22), 0.3),
    Listener("sam", 1400, (Taste({"jazz": 3, "bebop": 3, "cool jazz": 2, "vocal jazz": 1}, artists=20),
                           Taste({"metal": 3, "thrash metal": 3, "heavy metal": 2, "death metal": 1}, artists=20)),
             ("ios", "osx"), "US", (9, 12, 20, 21, 23), 0.5),
    Listener("riley", 2200, (Taste({"house": 3, "deep house": 2, "techno": 3, "ambient": 3, "chillout": 1},
                                   artists=35),),
             ("osx", "web_player", "ios"), "DE", (10, 14, 15, 16, 23, 0), 0.6),
    Listener("jordan", 2600, (Taste({"hip hop": 3, "r&b": 3, "soul": 2, "neo soul": 1, "rap": 1}, artists=35),),
             ("android", "ios"), "US", (8, 13, 18, 19, 20, 21), 0.4,
             drift=Taste({"latin": 3, "reggaeton": 3, "salsa": 2}, artists=20),
             drift_from=datetime(2026, 8, 1, tzinfo=UTC)),
)


class HistoryError(BadInput, ValueError):
    """Bad input for the demo history generator; the message says what to do."""


class _Pool:
    """A taste's tracks, ranked so that the first few are the listener's favourites."""

    def __init__(self, rows: list[int], weights: list[float]):
        self.rows = rows
        self.cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)

    def draw(self, rng: random.Random) -> tuple[int, int]:
        k = rng.choices(range(len(self.rows)), cum_weights=self.cum)[0]
        return self.rows[k], k


def _weighted_order(rng: random.Random, items: list[int], weights: list[float]) -> list[int]:
    """Items in a random order biased by weight (Efraimidis-Spirakis keys; deterministic)."""
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in zip(items, weights) if w > 0]
    keyed.sort(key=lambda x: (-x[0], x[1]))
    return [i for _, i in keyed]


def _pool(tracks: Sequence[Track], by_artist: dict[str, list[int]], taste: Taste, rng: random.Random) -> _Pool:
    candidates: list[tuple[str, float]] = []
    for artist, rows in by_artist.items():
        first = tracks[rows[0]]
        weight = taste.genres.get(first.genres[0], 0.0) if first.genres else 0.0
        if weight > 0:
            candidates.append((artist, weight * (10.0 + (first.popularity or 0.0))))
    if not candidates:  # a tiny catalogue without this taste: any artists will do
        candidates = [(artist, 1.0) for artist in by_artist]
    order = _weighted_order(rng, list(range(len(candidates))), [w for _, w in candidates])
    chosen = [candidates[i][0] for i in order[: taste.artists]]
    rows, row_w = [], []
    for artist in chosen:
        for r in by_artist[artist]:
            t = tracks[r]
            year = t.year if t.year is not None else (t.decade + 5 if t.decade is not None else None)
            fit = 1.0
            if taste.years and year is not None:
                fit = 5.0 if taste.years[0] <= year <= taste.years[1] else 0.3
            rows.append(r)
            row_w.append(fit * (5.0 + (t.popularity or 0.0)))
    order = _weighted_order(rng, list(range(len(rows))), row_w)
    return _Pool([rows[k] for k in order], [1.0 / (rank + 1) ** 0.8 for rank in range(len(order))])


def _uri(rng: random.Random) -> str:
    return "spotify:episode:" + "".join(_B62[int(rng.random() * 62)] for _ in range(22))


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _listener_history(listener: Listener, tracks: Sequence[Track], by_artist: dict[str, list[int]],
                      off_taste: list[int], rng: random.Random) -> list[dict]:
    pools = [_pool(tracks, by_artist, t, rng) for t in listener.tastes]
    drift = _pool(tracks, by_artist, listener.drift, rng) if listener.drift else None
    days = (END - START).days
    sessions: list[tuple[datetime, int]] = []
    total = 0
    while total < listener.plays:
        day = int(rng.random() * days)
        if drift is not None and listener.drift_from and rng.random() < 0.15:  # listens more lately
            day = (listener.drift_from - START).days + int(rng.random() * (END - listener.drift_from).days)
        start = START + timedelta(days=day, hours=rng.choice(listener.hours), minutes=rng.randint(0, 59),
                                  seconds=rng.randint(0, 59))
        size = rng.randint(4, 24)
        sessions.append((start, size))
        total += size
    sessions.sort()
    rows: list[dict] = []
    cursor = START
    for start, size in sessions:
        t = max(start, cursor + timedelta(minutes=rng.randint(5, 90)))
        pool = rng.choice(pools)
        drifted = drift is not None and listener.drift_from is not None and t >= listener.drift_from
        meta = {"platform": rng.choice(listener.platforms), "conn_country": listener.country,
                "shuffle": rng.random() < listener.shuffle, "offline": rng.random() < 0.03,
                "incognito_mode": rng.random() < 0.025}
        reason = rng.choice(("clickrow", "playbtn"))
        if rng.random() < 0.06:  # a podcast episode first: not a track, importers skip it
            show, episode = episode_name(rng)
            ms = rng.randint(10, 50) * 60_000
            t += timedelta(milliseconds=ms)
            rows.append(_row(t, ms, None, meta, reason, "trackdone", False, show, episode, _uri(rng)))
            reason = "trackdone"
        for _ in range(size):
            off = rng.random() < 0.09
            if off:
                r, rank = off_taste[int(rng.random() * len(off_taste))], 10**6
            else:
                p = drift if drifted and rng.random() < 0.75 else pool
                r, rank = p.draw(rng)
            skip_p = 0.75 if off else (0.01 if rank < 20 else 0.04)
            skipped = rng.random() < skip_p
            length = tracks[r].duration_ms or 210_000
            ms = rng.randint(1_500, min(30_000, length)) if skipped else length
            t += timedelta(milliseconds=ms + rng.randint(0, 2_500))
            end = "fwdbtn" if skipped else "trackdone"
            rows.append(_row(t, ms, tracks[r], meta, reason, end, skipped))
            reason = end
        cursor = t
    return [row for row in rows if row["ts"] <= _fmt(END)]


def _row(t: datetime, ms: int, track: Track | None, meta: dict, reason_start: str, reason_end: str,
         skipped: bool, show: str | None = None, episode: str | None = None, episode_uri: str | None = None) -> dict:
    return {
        "ts": _fmt(t),
        "platform": meta["platform"],
        "ms_played": ms,
        "conn_country": meta["conn_country"],
        "master_metadata_track_name": track.title if track else None,
        "master_metadata_album_artist_name": track.artist if track else None,
        "master_metadata_album_album_name": track.album if track else None,
        "spotify_track_uri": f"spotify:track:{track.track_id}" if track else None,
        "episode_name": episode,
        "episode_show_name": show,
        "spotify_episode_uri": episode_uri,
        "reason_start": reason_start,
        "reason_end": reason_end,
        "shuffle": meta["shuffle"],
        "skipped": skipped,
        "offline": meta["offline"],
        "offline_timestamp": int(t.timestamp()) if meta["offline"] else None,
        "incognito_mode": meta["incognito_mode"],
    }


def generate_histories(tracks: Sequence[Track], seed: int = 7) -> dict[str, list[dict]]:
    """Histories of alex, sam, riley and jordan over the two years ending 2026-10-31."""
    if not tracks:
        raise HistoryError("No tracks to listen to: generate a catalogue first (retrieval.demo.catalogue.generate_catalogue).")
    by_artist: dict[str, list[int]] = {}
    for i, t in enumerate(tracks):
        by_artist.setdefault(t.artist, []).append(i)
    out: dict[str, list[dict]] = {}
    for n, listener in enumerate(LISTENERS):
        rng = random.Random(seed * 1_000 + n)
        taste_genres = {g for taste in listener.tastes for g in taste.genres}
        if listener.drift:
            taste_genres |= set(listener.drift.genres)
        off_taste = [i for i, t in enumerate(tracks) if not taste_genres.intersection(t.genres)] or list(range(len(tracks)))
        out[listener.name] = _listener_history(listener, tracks, by_artist, off_taste, rng)
    return out


def write_histories(histories: dict[str, list[dict]], directory: Path) -> dict[str, Path]:
    """Write `<directory>/<name>/Streaming_History_Audio_2025-2026_0.json` for each listener."""
    directory = Path(directory)
    paths: dict[str, Path] = {}
    for name, rows in histories.items():
        if not name or name.startswith(".") or "/" in name or "\\" in name:
            raise HistoryError(f"Listener name {name!r} cannot be a folder name; use letters and digits.")
        folder = directory / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / HISTORY_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)
        paths[name] = path
    return paths
