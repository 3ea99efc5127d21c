"""Listens -> catalogue rows: by Spotify track id first, then by normalised artist and title (a version suffix
such as "- Remastered 2009" or "(Live)" stripped, and only the first of several credited artists, as fallbacks)."""

from __future__ import annotations

import re
from collections import Counter
from weakref import WeakKeyDictionary

import numpy as np
from pydantic import BaseModel, ConfigDict

from retrieval.importers.history import Listen
from retrieval.tracks import Catalogue, normalise_name


class MatchReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matched: int
    unmatched: int
    by_id: int
    by_name: int
    unmatched_examples: list[str]


_SUFFIX_WORDS = (r"remaster\w*|live|ao vivo|en vivo|en directo|version|versión|single|radio edit|edit|mono|stereo"
                 r"|original mix|bonus\s*track|bonustrack|from\b|\d{4}")
_DASH_SUFFIX = re.compile(rf"\s+[-–—]\s+[^-–—]*\b({_SUFFIX_WORDS})\b[^-–—]*$", re.I)
_BRACKET_SUFFIX = re.compile(rf"\s*[\(\[][^\)\]]*\b({_SUFFIX_WORDS})\b[^\)\]]*[\)\]]\s*$", re.I)
_ARTIST_SPLIT = re.compile(r"\s+(?:featuring|feat\.?|ft\.?|with|x|vs\.?)\s+|\s*[,&/;+]\s*|\s+and\s+", re.I)
_MAYBE_SUFFIX = re.compile(r"[-–—\(\[]")
_INDEX: WeakKeyDictionary[Catalogue, tuple[dict, dict]] = WeakKeyDictionary()


def strip_version(title: str) -> str:
    """'Come Together - Remastered 2009' -> 'Come Together'; '(Live)', '[Mono]' and the like too."""
    prev = None
    while prev != title:
        prev = title
        title = _BRACKET_SUFFIX.sub("", _DASH_SUFFIX.sub("", title)).strip()
    return title or prev


def _artist_keys(artist: str) -> list[str]:
    full = normalise_name(artist)
    first = normalise_name(_ARTIST_SPLIT.split(artist, maxsplit=1)[0])
    return [full] if not first or first == full else [full, first]


def _title_keys(title: str) -> list[str]:
    full = normalise_name(title)
    if not _MAYBE_SUFFIX.search(title):
        return [full]
    bare = normalise_name(strip_version(title))
    return [full] if not bare or bare == full else [full, bare]


def _name_index(catalogue: Catalogue) -> tuple[dict, dict]:
    """(exact, loose) dicts (artist key, title key) -> row, built once per catalogue object."""
    hit = _INDEX.get(catalogue)
    if hit is not None:
        return hit
    pop = np.asarray(catalogue.column("popularity"), dtype=np.float32)
    order = np.argsort(-np.nan_to_num(pop, nan=-1.0), kind="stable")  # more popular wins a tie
    exact: dict[tuple[str, str], int] = {}
    loose: dict[tuple[str, str], int] = {}
    artist_cache: dict[str, list[str]] = {}
    for i in order.tolist():
        a = catalogue.artists[i] or ""
        akeys = artist_cache.get(a)
        if akeys is None:
            akeys = artist_cache[a] = _artist_keys(a)
        tkeys = _title_keys(catalogue.titles[i] or "")
        exact.setdefault((akeys[0], tkeys[0]), i)
        for ak in akeys:
            for tk in tkeys:
                loose.setdefault((ak, tk), i)
    _INDEX[catalogue] = (exact, loose)
    return exact, loose


def match_listens(listens: list[Listen], catalogue: Catalogue) -> tuple[list[int | None], MatchReport]:
    """Catalogue row per listen (None when not found): by track id, else by artist + title."""
    exact: dict | None = None
    loose: dict = {}
    rows: list[int | None] = []
    by_id = by_name = 0
    missing: Counter[str] = Counter()
    memo: dict[tuple[str, str], int | None] = {}
    artist_memo: dict[str, list[str]] = {}
    for x in listens:
        row = catalogue.row_of(x.track_id) if x.track_id else None
        if row is not None:
            by_id += 1
            rows.append(row)
            continue
        key = (x.artist, x.title)
        if key not in memo:
            if exact is None:  # built only when some listen has no usable id
                exact, loose = _name_index(catalogue)
            akeys = artist_memo.get(x.artist)
            if akeys is None:
                akeys = artist_memo[x.artist] = _artist_keys(x.artist)
            tkeys = _title_keys(x.title)
            found = exact.get((akeys[0], tkeys[0]))
            for ak in akeys:
                for tk in tkeys:
                    if found is None:
                        found = loose.get((ak, tk))
            memo[key] = found
        row = memo[key]
        rows.append(row)
        if row is None:
            missing[f"{x.artist} - {x.title}"] += 1
        else:
            by_name += 1
    report = MatchReport(matched=by_id + by_name, unmatched=sum(missing.values()), by_id=by_id, by_name=by_name,
                         unmatched_examples=[k for k, _ in missing.most_common(10)])
    return rows, report
