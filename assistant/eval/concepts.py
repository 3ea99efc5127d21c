"""Evaluation of the concept lookup on labelled phrasings (`{"text", "concepts": [names]}` a line, JSONL).

Scores, for an index with `find(text) -> ConceptReading`:
- `top1`: over phrasings with at least one gold concept, the share whose best concept found is one of them
  (nothing found counts as wrong);
- `exact`: the share of all phrasings whose set of concepts found is exactly the gold set;
- `concepts`: micro precision, recall and F1 of the concepts found against the gold ones, over all phrasings;
- `no_concept`: on the negatives (an empty gold list), precision and recall of answering "no concept":
  recall = negatives with nothing found / negatives, precision = negatives with nothing found / phrasings with
  nothing found;
- `by_kind`: top-1 per kind of the (first) gold concept; `confusions`: (gold, found) pairs, most frequent first,
  with "-" for nothing; `false_positives`: negatives that got a concept.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from assistant.eval.playlists import read_jsonl
from assistant.model.errors import BadInput
from assistant.understanding.concepts import ConceptReading


def _prf(tp: int, found: int, gold: int) -> dict[str, float]:
    p = tp / found if found else 0.0
    r = tp / gold if gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def evaluate_concepts(index, path: Path | str, protect: Callable[[str], list[tuple[int, int]]] | None = None,
                      details: bool = False) -> dict:
    """Score `index.find` on the phrasings in `path` (see the module docstring). `protect(text)` may give the
    character ranges to protect (the parser's names); by default nothing is protected. With `details`, each
    phrasing's reading is included under "rows"."""
    rows = read_jsonl(Path(path))
    if not rows:
        raise BadInput(f"{path} holds no phrasings.")
    kinds = {c.name: c.kind for c in getattr(index, "concepts", [])}
    t0 = time.perf_counter()
    top_ok = n_pos = exact = tp = n_found = n_gold = 0
    neg = neg_empty = empty = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter = Counter()
    false_pos, out_rows = [], []
    for n, row in enumerate(rows, 1):
        if "text" not in row or not isinstance(row.get("concepts", []), list):
            raise BadInput(f"{path} line {n} needs a 'text' and a 'concepts' list.")
        text, gold = row["text"], list(dict.fromkeys(row.get("concepts") or []))
        reading: ConceptReading = index.find(text, protect(text) if protect else ())
        got = reading.names()
        exact += set(got) == set(gold)
        tp, n_found, n_gold = tp + len(set(got) & set(gold)), n_found + len(set(got)), n_gold + len(gold)
        empty += not got
        if gold:
            n_pos += 1
            ok = bool(got) and got[0] in gold
            top_ok += ok
            tally = by_kind[kinds.get(gold[0], "?")]
            tally[0], tally[1] = tally[0] + ok, tally[1] + 1
            for g in gold:
                if g not in got:
                    confusions[(g, next((x for x in got if x not in gold), "-"))] += 1
        else:
            neg += 1
            neg_empty += not got
            if got:
                false_pos.append({"text": text, "concepts": got})
                for x in got:
                    confusions[("-", x)] += 1
        if details:
            out_rows.append({"text": text, "gold": gold, "found": [c.model_dump() for c in reading.concepts],
                             "misses": [m.model_dump() for m in reading.misses]})
    result = {
        "n": len(rows), "positives": n_pos, "negatives": neg,
        "top1": round(top_ok / n_pos, 4) if n_pos else 0.0,
        "exact": round(exact / len(rows), 4),
        "concepts": _prf(tp, n_found, n_gold),
        "no_concept": {"precision": round(neg_empty / empty, 4) if empty else 0.0,
                       "recall": round(neg_empty / neg, 4) if neg else 0.0},
        "by_kind": {k: {"top1": round(v[0] / v[1], 4), "n": v[1]} for k, v in sorted(by_kind.items())},
        "confusions": [{"gold": g, "found": f, "count": c} for (g, f), c in confusions.most_common()],
        "false_positives": false_pos,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if details:
        result["rows"] = out_rows
    return result
