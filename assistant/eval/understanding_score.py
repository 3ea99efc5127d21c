"""Field-level scoring of request understanding against the gold set (pure functions, no app).

A *reading* is what understanding produced for one prompt: its kind ("playlist", "clarify",
"refuse"), the constraints as a plain dict (``Constraints.model_dump(mode="json")``; missing keys
take the schema defaults) and, for a refusal, its kind ("not_music" / "offensive").
`as_reading` builds one from either a `Constraints` or an object with ``.kind``/``.constraints``.

Gold lines are documented in ``assistant/eval/data/README.md`` (checked by `understanding_gold`). Matching rules:

* genres / moods / activities / exclude_genres: gold is a list of items, each a list of acceptable
  words. An item is found when one of its words is *contained* in a predicted value (whole words,
  after folding case, accents, hyphens and ``&`` -> ``and``; "hiphop" also matches "hip hop").
  The field is right when every gold item is found and every predicted value matches some gold
  word (no extras); ``recall`` only asks that every gold item is found.
* theme: a list of words, one of which must appear in the predicted theme text.
* years: both ends equal (an open end must be open); tempo: each end within 5 BPM;
  track_minutes: each end within 0.5 minute.
* length: minutes within 1 minute, or the exact number of tracks.
* artists (include/exclude/seed): the same set, names normalised (case, accents, punctuation,
  leading "the"); a gold entry may be a list of acceptable spellings.
* works: the same set of titles (normalised); when the gold names the artist the prediction must
  name the same one. Track ids the parser grounded (seed_tracks, exclude_tracks) count as works
  when a ``track_lookup`` is given.
* targets: per feature, gold "high" means >= 0.6 and "low" <= 0.4.
* discovery: "familiar" < 0.3, "hidden" > 0.5. popularity, explicit, max_per_artist,
  ordering.arc, ordering.smooth: equal.

False positives: on every playlist prompt, each hard field the gold does not mention must stay at
its default (`HARD_FIELDS`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.eval.understanding_gold import ARTIST_FIELDS, KINDS, TERM_FIELDS, WORK_FIELDS

RANGE_TOLERANCE = {"years": 0.0, "tempo": 5.0, "track_minutes": 0.5}  # the gold's RANGE_FIELDS
LENGTH_MINUTES_TOLERANCE = 1.0
HIGH, LOW = 0.6, 0.4
FAMILIAR_BELOW, HIDDEN_ABOVE = 0.3, 0.5

# Hard constraints: a prompt that does not state them must leave them at the default.
HARD_FIELDS = (
    "years", "tempo", "track_minutes", "explicit", "include_artists", "exclude_artists", "length",
    "max_per_artist", "exclude_genres", "include_works", "exclude_works",
)
# Schema defaults (assistant/model/constraints.py), so hand-made predictions may be partial dicts.
DEFAULTS: dict[str, Any] = {
    "theme": None, "genres": [], "moods": [], "activities": [], "exclude_genres": [], "years": None,
    "tempo": None, "track_minutes": None, "targets": {}, "explicit": "allow", "include_artists": [],
    "exclude_artists": [], "exclude_tracks": [], "seed_artists": [], "seed_tracks": [], "seed_works": [],
    "include_works": [], "exclude_works": [], "length": {"minutes": None, "tracks": None},
    "max_per_artist": None, "discovery": 0.3, "popularity": "any", "ordering": {"arc": "any", "smooth": False},
}


# -- the reading --------------------------------------------------------------------------
@dataclass
class Reading:
    kind: str = "playlist"
    constraints: dict = field(default_factory=dict)
    refusal: str | None = None

    def get(self, name: str) -> Any:
        v = self.constraints.get(name)
        return DEFAULTS.get(name) if v is None else v


def _dump(obj: Any) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    raise TypeError(f"cannot read constraints from {type(obj).__name__}")


def as_reading(result: Any) -> Reading:
    """A `Reading` from a `Constraints` (kind playlist), an `Understanding`-like object with `.kind`
    and `.constraints` (and optionally `.refusal`), or a plain dict of either shape."""
    if isinstance(result, Reading):
        return result
    if isinstance(result, dict):
        if "kind" in result and result.get("kind") in KINDS:
            ref = result.get("refusal")
            return Reading(result["kind"], _dump(result.get("constraints")), _refusal_kind(ref))
        return Reading("playlist", dict(result), None)
    kind = getattr(result, "kind", None)
    if isinstance(kind, str) and kind in KINDS and hasattr(result, "constraints"):
        return Reading(kind, _dump(getattr(result, "constraints", None)), _refusal_kind(getattr(result, "refusal", None)))
    return Reading("playlist", _dump(result), None)


def _refusal_kind(ref: Any) -> str | None:
    if ref is None:
        return None
    if isinstance(ref, str):
        return ref
    if isinstance(ref, dict):
        return ref.get("kind")
    return getattr(ref, "kind", None)


# -- normalisation and term matching -------------------------------------------------------
def norm_text(text: str | None) -> str:
    """Fold case and accents, '&' -> 'and', punctuation and hyphens -> spaces, apostrophes dropped."""
    s = unicodedata.normalize("NFKD", text or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("&", " and ").replace("'", "").replace("\u2019", "")
    s = re.sub(r"[^\w\s]|_", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def term_matches(word: str, predicted: str) -> bool:
    """True when `word` appears in `predicted` as whole words ('rock' in 'alternative rock', not
    'rap' in 'trap'), also across spacing ('hip hop' ~ 'hiphop', 'lo fi' ~ 'lofi')."""
    g, p = norm_text(word).split(), norm_text(predicted).split()
    if not g or not p:
        return False
    n = len(g)
    if any(p[i:i + n] == g for i in range(len(p) - n + 1)):
        return True
    compact = "".join(g)
    return any("".join(p[i:j]) == compact for i in range(len(p)) for j in range(i + 1, len(p) + 1))


def _item_words(item: Any) -> list[str]:
    return [item] if isinstance(item, str) else list(item)


def score_terms(gold: list, predicted: Iterable[str]) -> tuple[bool, bool]:
    """(exact, recall) for a list of gold items (each a list of acceptable words)."""
    predicted = [p for p in predicted if p]
    items = [_item_words(i) for i in gold]
    recall = all(any(term_matches(w, p) for w in words for p in predicted) for words in items)
    words = [w for ws in items for w in ws]
    extras = [p for p in predicted if not any(term_matches(w, p) for w in words)]
    return recall and not extras, recall


def score_theme(gold: list[str] | str, predicted: str | None) -> bool:
    return bool(predicted) and any(term_matches(w, predicted) for w in _item_words(gold))


def norm_artist(name: str | None) -> str:
    return norm_text(name).removeprefix("the ").replace(" ", "")


def _same_set(gold_entries: list[list[str]], predicted: list[str], key: Callable[[str], str]) -> bool:
    gold_keys = [{key(a) for a in alts} for alts in gold_entries]
    pred_keys = {key(p) for p in predicted if p and key(p)}
    return all(g & pred_keys for g in gold_keys) and all(any(p in g for g in gold_keys) for p in pred_keys)


def score_artists(gold: list, predicted: Iterable[str]) -> bool:
    return _same_set([_item_words(a) for a in gold], list(predicted), norm_artist)


def _work_of(w: Any) -> dict:
    if isinstance(w, str):
        return {"title": w, "artist": None}
    if isinstance(w, dict):
        return w
    return {"title": getattr(w, "title", ""), "artist": getattr(w, "artist", None)}


def score_works(gold: list[dict], predicted: Iterable[Any]) -> bool:
    pred = [_work_of(p) for p in predicted]
    gold = [_work_of(g) for g in gold]

    def same(g: dict, p: dict) -> bool:
        if norm_artist(g["title"]) != norm_artist(p.get("title")):
            return False
        return not g.get("artist") or norm_artist(g["artist"]) == norm_artist(p.get("artist"))

    return all(any(same(g, p) for p in pred) for g in gold) and all(any(same(g, p) for g in gold) for p in pred)


def score_range(gold: dict, predicted: dict | None, tolerance: float) -> bool:
    if not predicted:
        return False
    for end in ("min", "max"):
        g, p = gold.get(end), predicted.get(end)
        if (g is None) != (p is None):
            return False
        if g is not None and abs(float(g) - float(p)) > tolerance + 1e-9:
            return False
    return True


def score_length(gold: dict, predicted: dict | None) -> bool:
    predicted = predicted or {}
    if gold.get("minutes") is not None:
        p = predicted.get("minutes")
        return p is not None and abs(float(p) - float(gold["minutes"])) <= LENGTH_MINUTES_TOLERANCE
    if gold.get("tracks") is not None:
        return predicted.get("tracks") is not None and int(predicted["tracks"]) == int(gold["tracks"])
    return predicted.get("minutes") is None and predicted.get("tracks") is None


def direction(value: float | None) -> str | None:
    if value is None:
        return None
    return "high" if value >= HIGH else "low" if value <= LOW else "mid"


def discovery_direction(value: float | None) -> str | None:
    if value is None:
        return None
    return "familiar" if value < FAMILIAR_BELOW else "hidden" if value > HIDDEN_ABOVE else "neutral"


# -- one prompt ----------------------------------------------------------------------------
@dataclass
class PromptScore:
    id: str
    kind_gold: str
    kind_pred: str
    fields: dict[str, bool] = field(default_factory=dict)  # scoring unit -> read right
    recall: dict[str, bool] = field(default_factory=dict)  # list fields: every gold item found
    false_positives: dict[str, bool] = field(default_factory=dict)  # unmentioned hard field -> was set

    @property
    def kind_ok(self) -> bool:
        return self.kind_gold == self.kind_pred


def _works_predicted(reading: Reading, name: str, track_lookup: Callable[[str], dict | None] | None) -> list:
    works = list(reading.get(name) or [])
    ids_field = {"seed_works": "seed_tracks", "exclude_works": "exclude_tracks"}.get(name)
    if ids_field and track_lookup is not None:
        for tid in reading.get(ids_field) or []:
            w = track_lookup(tid)
            if w:
                works.append(w)
    return works


def is_default(reading: Reading, name: str, track_lookup: Callable[[str], dict | None] | None = None) -> bool:
    """Whether a hard field is left at its default (nothing asked)."""
    v = reading.get(name)
    if name == "length":
        return not v or (v.get("minutes") is None and v.get("tracks") is None)
    if name == "explicit":
        return v in (None, "allow")
    if name in WORK_FIELDS:
        return not _works_predicted(reading, name, track_lookup)
    if isinstance(v, list):
        return not v
    if isinstance(v, dict):
        return all(x is None for x in v.values())
    return v is None


def score_prompt(item: dict, result: Any, track_lookup: Callable[[str], dict | None] | None = None) -> PromptScore:
    """Score one gold line against what understanding returned for it."""
    reading = as_reading(result)
    gold = item.get("gold", {})
    s = PromptScore(id=item.get("id", ""), kind_gold=item["kind"], kind_pred=reading.kind)
    if item["kind"] != "playlist":
        if "refusal" in gold:
            s.fields["refusal"] = reading.kind == "refuse" and reading.refusal == gold["refusal"]
        return s
    acted = reading.kind == "playlist"
    for name, g in gold.items():
        if name in TERM_FIELDS:
            exact, recall = score_terms(g, reading.get(name))
            s.fields[name], s.recall[name] = exact and acted, recall and acted
        elif name == "theme":
            s.fields[name] = acted and score_theme(g, reading.get("theme"))
        elif name in RANGE_TOLERANCE:
            s.fields[name] = acted and score_range(g, reading.get(name), RANGE_TOLERANCE[name])
        elif name == "targets":
            pred = reading.get("targets") or {}
            for k, want in g.items():
                s.fields[f"targets.{k}"] = acted and direction(pred.get(k)) == want
        elif name in ARTIST_FIELDS:
            s.fields[name] = acted and score_artists(g, reading.get(name))
        elif name in WORK_FIELDS:
            s.fields[name] = acted and score_works(g, _works_predicted(reading, name, track_lookup))
        elif name == "length":
            s.fields[name] = acted and score_length(g, reading.get("length"))
        elif name == "discovery":
            s.fields[name] = acted and discovery_direction(reading.get("discovery")) == g
        elif name == "ordering":
            pred = reading.get("ordering") or {}
            for k, want in g.items():
                s.fields[f"ordering.{k}"] = acted and pred.get(k, DEFAULTS["ordering"][k]) == want
        elif name in ("explicit", "max_per_artist", "popularity"):
            s.fields[name] = acted and reading.get(name) == g
        elif name == "refusal":
            s.fields[name] = False  # a playlist line cannot carry a refusal (validated on load)
    if acted:
        for name in HARD_FIELDS:
            if name not in gold:
                s.false_positives[name] = not is_default(reading, name, track_lookup)
    return s


# -- many prompts --------------------------------------------------------------------------
def aggregate(scores: list[PromptScore]) -> dict:
    """Per-field accuracy, false-positive rates, kind accuracy and micro averages."""
    per: dict[str, list[bool]] = {}
    rec: dict[str, list[bool]] = {}
    fps: dict[str, list[bool]] = {}
    for s in scores:
        for k, ok in s.fields.items():
            per.setdefault(k, []).append(ok)
        for k, ok in s.recall.items():
            rec.setdefault(k, []).append(ok)
        for k, bad in s.false_positives.items():
            fps.setdefault(k, []).append(bad)
    fields = {
        k: {"n": len(v), "correct": sum(v), "accuracy": sum(v) / len(v),
            **({"recall": sum(rec[k]) / len(rec[k])} if k in rec else {})}
        for k, v in sorted(per.items())
    }
    fp = {k: {"n": len(v), "false_positives": sum(v), "rate": sum(v) / len(v)} for k, v in sorted(fps.items())}
    n_units = sum(x["n"] for x in fields.values())
    n_right = sum(x["correct"] for x in fields.values())
    n_fp_opp = sum(x["n"] for x in fp.values())
    n_fp = sum(x["false_positives"] for x in fp.values())
    confusion: dict[str, dict[str, int]] = {}
    for s in scores:
        confusion.setdefault(s.kind_gold, {}).setdefault(s.kind_pred, 0)
        confusion[s.kind_gold][s.kind_pred] += 1
    kind_by = {
        k: {"n": sum(row.values()), "accuracy": row.get(k, 0) / sum(row.values())} for k, row in sorted(confusion.items())
    }
    n_kind = len(scores)
    kind_right = sum(s.kind_ok for s in scores)
    return {
        "prompts": n_kind,
        "fields": fields,
        "false_positives": fp,
        "false_positive_rate": n_fp / n_fp_opp if n_fp_opp else 0.0,
        "prompts_with_false_positive": sum(any(s.false_positives.values()) for s in scores),
        "kind": {"n": n_kind, "accuracy": kind_right / n_kind if n_kind else 0.0, "by_gold_kind": kind_by,
                 "confusion": confusion},
        "micro_accuracy": n_right / n_units if n_units else 0.0,
        "micro_accuracy_with_kind": (n_right + kind_right) / (n_units + n_kind) if n_units + n_kind else 0.0,
        "macro_accuracy": sum(x["accuracy"] for x in fields.values()) / len(fields) if fields else 0.0,
        "units": n_units,
    }
