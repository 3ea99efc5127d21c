"""The understanding gold set: the fields a gold line may state, their shapes, and loading with validation.

A gold line is `{"id", "text", "kind", "gold"}` (documented with examples in `data/README.md`): the request as
typed, its kind (playlist, clarify or refuse) and only the fields the request states. `load_gold` rejects a
malformed line (an unknown field, a wrong shape) with `GoldError`; `coverage` counts the prompts exercising each
scoring unit. The matching rules are in `assistant.eval.understanding_score`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.model.errors import BadInput

KINDS = ("playlist", "clarify", "refuse")
REFUSALS = ("not_music", "offensive")
TARGET_KEYS = ("energy", "valence", "danceability", "acousticness", "instrumentalness", "speechiness")
ARCS = ("any", "rising", "falling", "steady", "peak", "valley")
TERM_FIELDS = ("genres", "moods", "activities", "exclude_genres")
RANGE_FIELDS = ("years", "tempo", "track_minutes")
ARTIST_FIELDS = ("include_artists", "exclude_artists", "seed_artists")
WORK_FIELDS = ("seed_works", "include_works", "exclude_works")
GOLD_FIELDS = (
    "theme", *TERM_FIELDS, *RANGE_FIELDS, "targets", "explicit", *ARTIST_FIELDS, *WORK_FIELDS,
    "length", "max_per_artist", "discovery", "popularity", "ordering", "refusal",
)


class GoldError(BadInput, ValueError):
    """A gold line that is malformed; the message says which line and what is wrong."""


def _check_range(v: Any, where: str) -> None:
    if not isinstance(v, dict) or set(v) - {"min", "max"} or all(v.get(e) is None for e in ("min", "max")):
        raise GoldError(f"{where}: a range is {{'min': x|null, 'max': y|null}} with at least one end")


def validate_line(d: dict, where: str = "") -> None:
    """Raise GoldError when a gold line is malformed (unknown field, wrong shape)."""
    for key in ("id", "text", "kind", "gold"):
        if key not in d:
            raise GoldError(f"{where}: missing {key!r}")
    if d["kind"] not in KINDS:
        raise GoldError(f"{where}: kind must be one of {KINDS}")
    gold = d["gold"]
    if not isinstance(gold, dict):
        raise GoldError(f"{where}: gold must be an object")
    unknown = set(gold) - set(GOLD_FIELDS)
    if unknown:
        raise GoldError(f"{where}: unknown gold fields {sorted(unknown)}")
    if d["kind"] != "playlist" and set(gold) - {"refusal"}:
        raise GoldError(f"{where}: a {d['kind']} line carries no playlist fields")
    if "refusal" in gold and (d["kind"] != "refuse" or gold["refusal"] not in REFUSALS):
        raise GoldError(f"{where}: refusal is {REFUSALS} on refuse lines only")
    for name, v in gold.items():
        w = f"{where}.{name}"
        if name in TERM_FIELDS:
            if not isinstance(v, list) or not v or not all(isinstance(i, list) and i and all(isinstance(x, str) for x in i) for i in v):
                raise GoldError(f"{w}: a list of items, each a non-empty list of words")
        elif name == "theme":
            if not isinstance(v, list) or not v:
                raise GoldError(f"{w}: a non-empty list of words")
        elif name in RANGE_FIELDS:
            _check_range(v, w)
        elif name == "targets":
            if not isinstance(v, dict) or not v or set(v) - set(TARGET_KEYS) or set(v.values()) - {"high", "low"}:
                raise GoldError(f"{w}: {{feature: 'high'|'low'}} over {TARGET_KEYS}")
        elif name in ARTIST_FIELDS:
            if not isinstance(v, list) or not v or not all(isinstance(a, str) or (isinstance(a, list) and a) for a in v):
                raise GoldError(f"{w}: a list of names (or lists of acceptable spellings)")
        elif name in WORK_FIELDS:
            if not isinstance(v, list) or not v or not all(isinstance(x, dict) and x.get("title") and set(x) <= {"title", "artist", "kind"} for x in v):
                raise GoldError(f"{w}: a list of {{'title', 'artist'?}}")
        elif name == "length":
            if not isinstance(v, dict) or len([x for x in v.values() if x is not None]) != 1 or set(v) - {"minutes", "tracks"}:
                raise GoldError(f"{w}: {{'minutes': m}} or {{'tracks': n}}")
        elif name == "max_per_artist":
            if not isinstance(v, int) or v < 1:
                raise GoldError(f"{w}: a positive integer")
        elif name == "explicit":
            if v not in ("allow", "exclude", "only"):
                raise GoldError(f"{w}: allow, exclude or only")
        elif name == "discovery":
            if v not in ("familiar", "hidden"):
                raise GoldError(f"{w}: familiar or hidden")
        elif name == "popularity":
            if v not in ("hits", "deep_cuts"):
                raise GoldError(f"{w}: hits or deep_cuts")
        elif name == "ordering" and (not isinstance(v, dict) or not v or set(v) - {"arc", "smooth"}
                                     or v.get("arc", "rising") not in ARCS or not isinstance(v.get("smooth", True), bool)):
                raise GoldError(f"{w}: {{'arc': one of {ARCS}, 'smooth': bool}}")


def load_gold(path: str | Path) -> list[dict]:
    """The gold lines of a JSONL file, each validated; ids must be unique."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path} does not exist.")
    items, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            raise GoldError(f"{path.name}:{n}: not valid JSON; fix or remove that line.") from None
        if not isinstance(d, dict):
            raise GoldError(f"{path.name}:{n}: a gold line is an object {{id, text, kind, gold}}")
        validate_line(d, f"{path.name}:{n}")
        if d["id"] in seen:
            raise GoldError(f"{path.name}:{n}: duplicate id {d['id']!r}")
        seen.add(d["id"])
        items.append(d)
    return items


def coverage(items: list[dict]) -> dict[str, int]:
    """How many prompts exercise each scoring unit (targets and ordering per sub-field), plus kinds."""
    out: dict[str, int] = {}
    for d in items:
        out[f"kind:{d['kind']}"] = out.get(f"kind:{d['kind']}", 0) + 1
        for name, v in d["gold"].items():
            keys = [f"{name}.{k}" for k in v] if name in ("targets", "ordering") else [name]
            for k in keys:
                out[k] = out.get(k, 0) + 1
    return out
