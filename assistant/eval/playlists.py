"""Offline evaluation on titled playlists (RecSys Challenge 2018 metrics, binary relevance).

Cold start: the title alone is the prompt. `--history-half`: the first half of the playlist's
tracks is the listener's history (a taste profile; those tracks are not recommended again) and
the second half is the ground truth.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from assistant.eval.files import read_jsonl
from assistant.eval.metrics import ndcg_at, r_precision, recall_at
from assistant.model.errors import BadInput


def evaluate_playlists(planner, file: Path, history_half: bool = False, limit: int | None = None) -> dict:
    """Run every playlist's title through the planner and score the ranked candidates."""
    from assistant.model.constraints import Length
    from assistant.planning.planner import make_playlist
    from assistant.planning.works import resolve_works
    from retrieval.taste import build_taste

    lib = planner.library()
    cat = lib.catalogue
    rows = read_jsonl(file)[:limit] if limit else read_jsonl(file)
    per: list[dict] = []
    for pl in rows:
        title = (pl.get("title") or "").strip()
        ids = [t for t in pl.get("track_ids", []) if cat.row_of(t) is not None]
        if not title or len(ids) < 2:
            continue
        history, gold = (ids[: len(ids) // 2], ids[len(ids) // 2 :]) if history_half else ([], ids)
        taste = None
        hist_rows = [cat.row_of(t) for t in history]
        if hist_rows:
            now = datetime(2026, 1, 1, tzinfo=UTC)
            ts = [now - timedelta(days=len(hist_rows) - i) for i in range(len(hist_rows))]
            taste = build_taste(hist_rows, ts, [False] * len(hist_rows), lib.items, cat.artist_codes, now=now)
        try:
            c = planner.constraints(title)
        except BadInput:
            continue
        c, missing = resolve_works(c.model_copy(update={"length": Length(tracks=100)}), lib)
        result = make_playlist(c, lib, taste, exclude_rows=set(hist_rows), missing_works=missing)
        ranked = [cat.ids[r] for r in result.candidate_rows]
        base = baseline_ranking(lib, title, hist_rows, k=max(100, len(gold)))
        g = set(gold)
        per.append({"playlist_id": pl.get("playlist_id"), "title": title, "n_gold": len(g), **_scores(ranked, g),
                    "baseline": _scores(base, g)})
    return {"n": len(per), "metrics": _mean(per), "baseline": _mean([p["baseline"] for p in per]), "per_playlist": per}


METRICS = ("r_precision", "ndcg@100", "recall@100")


def _scores(ranked: list[str], gold: set[str]) -> dict[str, float]:
    return {"r_precision": r_precision(ranked, gold), "ndcg@100": ndcg_at(ranked, gold), "recall@100": recall_at(ranked, gold)}


def _mean(rows: list[dict]) -> dict[str, float]:
    return {k: (sum(p[k] for p in rows) / len(rows) if rows else 0.0) for k in METRICS}


def baseline_ranking(library, title: str, history_rows: list[int], k: int = 100) -> list[str]:
    """The lexical baseline: BM25 of the title over title, artist, album and genres; with a history, tracks by
    the history's artists first (most-played artist first, BM25 breaking ties), then BM25. History tracks are
    never recommended again."""
    cat = library.catalogue
    bm25 = library.lexical.scores(title)
    score = np.zeros(len(cat), dtype=np.float64) if bm25 is None else np.asarray(bm25, dtype=np.float64)
    top = float(score.max(initial=0.0))
    score = score / top if top > 0 else score
    if history_rows:
        plays = np.bincount(cat.artist_codes[history_rows], minlength=int(cat.artist_codes.max()) + 1)
        score = score + 2.0 * plays[cat.artist_codes]  # an artist's count outranks any BM25 (at most 1)
        score[history_rows] = 0.0
    k = min(k, len(score))
    best = np.argpartition(-score, k - 1)[:k]
    best = best[np.argsort(-score[best], kind="stable")]
    return [cat.ids[int(r)] for r in best if score[r] > 0]
