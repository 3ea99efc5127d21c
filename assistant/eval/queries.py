"""Offline evaluation of entity extraction on annotated music requests (queries.dev.jsonl.gz).

Each line: `{"query_id", "text", "entities": [{"mention", "type": "Artist"|"WoA", "name"}]}`.

Matching rule. Names are compared normalised (`match_key`): URL escapes decoded ("Iron %26 Wine"),
a trailing parenthesis (Wikipedia's disambiguation: "Boris (band)", "Heroes (David Bowie album)") dropped, then
case-folded, accents stripped, apostrophes removed ("Radiohead's" -> "radioheads"), '&' read as 'and',
other punctuation read as spaces, and a leading "the" dropped. A gold entity whose name is "nan" (or
empty) is known by its mention alone. An extracted entity of the same type (artist <-> "Artist",
work <-> "WoA") is a true positive when its name or its mention matches the gold name or the gold
mention; each gold entity is matched at most once (extracted entities are taken in text order, each
against the first unmatched gold entity it fits). Unmatched extracted entities are false positives,
unmatched gold entities false negatives. Precision, recall and F1 are micro-averaged: the counts are
summed over all queries before dividing (a query with no gold entity and no extraction adds nothing).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import unquote

from assistant.eval.files import read_jsonl
from assistant.model.errors import BadInput, NotReady
from assistant.understanding.entities import Entity, EntityIndex, entity_key, extract

TYPES = {"Artist": "artist", "WoA": "work"}
_DISAMBIGUATION = re.compile(r"\s*\([^()]*\)\s*$")


def match_key(name: str) -> str:
    """Normalised name for matching (see the module docstring)."""
    s = unquote(name or "")
    s = _DISAMBIGUATION.sub("", s)
    return entity_key(s)


def gold_keys(gold: dict) -> set[str]:
    name = str(gold.get("name") or "").strip()
    keys = {match_key(gold.get("mention") or "")}
    if name and name.lower() != "nan":
        keys.add(match_key(name))
    return {k for k in keys if k}


def score_query(found: list[Entity], gold: list[dict]) -> dict[str, list[int]]:
    """Per type: [true positives, extracted, gold] for one query."""
    counts = {t: [0, 0, 0] for t in TYPES.values()}
    open_gold = [(TYPES.get(g.get("type"), ""), gold_keys(g)) for g in gold]
    for t, _ in open_gold:
        if t in counts:
            counts[t][2] += 1
    for e in found:
        if e.kind not in counts:
            continue
        counts[e.kind][1] += 1
        mine = {match_key(e.name), match_key(e.mention)}
        for k, (t, keys) in enumerate(open_gold):
            if t == e.kind and mine & keys:
                counts[t][0] += 1
                open_gold[k] = ("", set())
                break
    return counts


def _prf(tp: int, n_found: int, n_gold: int) -> dict[str, float]:
    p = tp / n_found if n_found else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def evaluate_queries(path: Path, index: EntityIndex, limit: int | None = None, details: bool = False) -> dict:
    """P/R/F1 of `extract` per entity type over the queries in `path` (JSONL, optionally gzipped).

    Returns `{"n", "artist": {"precision", "recall", "f1"}, "work": {...}, "seconds"}`, plus
    `"queries"` (per-query extractions and gold) when `details` is true.
    """
    rows = read_jsonl(Path(path))
    if limit is not None and limit < 0:
        raise BadInput(f"--limit must be 0 or more, not {limit}.")
    if limit is not None:
        rows = rows[:limit]
    totals = {t: [0, 0, 0] for t in TYPES.values()}
    per: list[dict] = []
    started = time.perf_counter()
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) \
                or not isinstance(row.get("entities", []), list) \
                or not all(isinstance(g, dict) for g in row.get("entities") or []):
            raise BadInput(f"{path} record {n} is not a query ({{\"text\": ..., \"entities\": [{{\"mention\", "
                           f"\"type\", \"name\"}}]}}); fix or remove it.")
        found = extract(row["text"], index)
        counts = score_query(found, row.get("entities") or [])
        for t in totals:
            totals[t] = [x + y for x, y in zip(totals[t], counts[t])]
        if details:
            per.append({"query_id": row.get("query_id"), "text": row["text"], "gold": row.get("entities") or [],
                        "found": found, "counts": counts})
    out: dict = {"n": len(rows), **{t: _prf(*totals[t]) for t in totals},
                 "seconds": round(time.perf_counter() - started, 3)}
    if details:
        out["queries"] = per
    return out


def summary(result: dict) -> dict:
    """The stable part of a result, floats rounded to 4 places: {"n", "artist": {...}, "work": {...}}."""
    return {"n": result["n"], **{t: {k: round(v, 4) for k, v in result[t].items()} for t in ("artist", "work")}}


def index_for_home(home) -> EntityIndex:
    """The entity index of the active catalogue in a data home (`retrieval.home.Home`)."""
    from retrieval.tracks import Catalogue

    if not home.has_catalogue():
        raise NotReady(f"No catalogue in {home.root}. Run `segue catalog demo` for the generated demo catalogue, "
                       "or `segue catalog import PATH` for your own.")
    return EntityIndex.from_catalogue(Catalogue.load(home.catalog_dir))
