"""Offline evaluation on multi-turn conversations (CPCD: Conversational Playlist Curation Dataset).

Each conversation's user turns are replayed in one `Session` (`assistant.eval.conversation_replay.replay`: the
first turn read and planned, later turns read as edits or refinements, the listener's likes and dislikes steering
only the turns after them), and the ranking after every turn is scored.

Scoring after each turn: the ranking is the session's playlist, then the ranked candidates (deduplicated); the
goal tracks found in the catalogue are the relevant set (R-precision, recall@100). In CPCD the goal is exactly
the union of the liked tracks, so with feedback part of the goal is known, and kept in the playlist: `new`
scores the same ranking without the tracks already liked against the goal tracks not yet liked (what is still
to be found; the honest measure of retrieval). `last` averages each conversation's last turn. A conversation
with no goal track in the catalogue is skipped and counted. The baseline ranks the catalogue by BM25 over the
user turns so far (`library.lexical`), without feedback.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from assistant.eval.conversation_replay import K, catalogue_ids, feedback_before, replay
from assistant.eval.files import read_jsonl
from assistant.eval.metrics import r_precision, recall_at
from assistant.model.errors import BadInput


# -- data ------------------------------------------------------------------------------------------------------
def load_conversations(path: Path, limit: int | None = None) -> list[dict]:
    """The conversations of a CPCD JSONL(.gz) file, checked for the fields the replay reads."""
    rows = read_jsonl(Path(path))
    if not rows:
        raise BadInput(f"{path} holds no conversations: give a CPCD JSONL file "
                       "({conversation_id, turns: [{user, liked, disliked}], goal}).")
    for i, row in enumerate(rows, 1):
        where = f"{path} record {i}" + (f" ({row.get('conversation_id')})" if isinstance(row, dict) else "")
        if not isinstance(row, dict) or not isinstance(row.get("turns"), list) or not isinstance(row.get("goal"), list):
            raise BadInput(f"{where} is not a conversation: it needs a 'turns' list and a 'goal' list.")
        for n, turn in enumerate(row["turns"], 1):
            if not isinstance(turn, dict) or not isinstance(turn.get("user"), str):
                raise BadInput(f"{where}, turn {n}: each turn needs a 'user' text.")
            for key in ("liked", "disliked"):
                if not isinstance(turn.get(key, []), list):
                    raise BadInput(f"{where}, turn {n}: '{key}' must be a list of tracks.")
    return rows[:limit] if limit else rows


def goal_ids(conversation: dict, catalogue) -> set[str]:
    """The conversation's goal tracks that are in this catalogue."""
    return set(catalogue_ids(conversation.get("goal", []), catalogue))


# -- scoring ---------------------------------------------------------------------------------------------------
def _scores(ranked: list[str], gold: set[str], known: set[str]) -> dict:
    new_gold = gold - known
    unseen = [t for t in ranked if t not in known]
    row = {"r_precision": r_precision(ranked, gold), "recall@100": recall_at(ranked, gold, K)}
    if new_gold:
        row["new"] = {"r_precision": r_precision(unseen, new_gold), "recall@100": recall_at(unseen, new_gold, K)}
    return row


def _mean(rows: list[dict]) -> dict:
    news = [r["new"] for r in rows if "new" in r]
    avg = lambda xs, k: sum(x[k] for x in xs) / len(xs) if xs else 0.0
    return {"n": len(rows), "r_precision": avg(rows, "r_precision"), "recall@100": avg(rows, "recall@100"),
            "new": {"n": len(news), "r_precision": avg(news, "r_precision"), "recall@100": avg(news, "recall@100")}}


def _curve(per_conv: list[list[dict]]) -> dict:
    """Means per turn (a conversation counts at turn t when it has t user turns) and over each last turn."""
    turns = max((len(x) for x in per_conv), default=0)
    per_turn = [{"turn": t + 1, **_mean([x[t] for x in per_conv if len(x) > t])} for t in range(turns)]
    return {"per_turn": per_turn, "last": _mean([x[-1] for x in per_conv if x])}


def evaluate_conversations(planner, path: Path, limit: int | None = None, use_feedback: bool = True,
                           progress=None, **options) -> dict:
    """Replay every conversation with a goal track in the catalogue and average the scores per turn.

    Returns `{"n", "skipped", "use_feedback", "seconds", "turns_by_path", "dropped_locked", "per_turn": [{"turn",
    "n", "r_precision", "recall@100", "new": {"n", "r_precision", "recall@100"}}], "last": {...}, "baseline":
    {"per_turn": [...], "last": {...}}, "per_conversation": [...]}` (`dropped_locked`: how many (turn, liked track)
    pairs the edits dropped, see `ReplayedTurn`). A conversation counts at turn t when it has at least t user turns;
    `last` averages each conversation's last turn; `new` counts only conversations with a goal track not yet liked.
    `options` are `replay`'s ablations; `progress(stage, done, total)` is called after each conversation."""
    t0 = time.perf_counter()
    conversations = load_conversations(path, limit)
    lib = planner.library()
    cat = lib.catalogue
    ours, theirs, per_conv, skipped = [], [], [], 0
    for i, conv in enumerate(conversations):
        gold = goal_ids(conv, cat)
        if not gold or not conv["turns"]:
            skipped += 1
            continue
        results = replay(planner, conv, use_feedback=use_feedback, **options)
        mine, base = [], []
        for r in results:
            # the tracks liked before this turn: a fact of the data, the same with or without --no-feedback
            known = set(feedback_before(conv, r.turn, cat).liked)
            mine.append(_scores(r.ranked, gold, known))
            base.append(_scores(r.baseline, gold, known))
        ours.append(mine)
        theirs.append(base)
        per_conv.append({"conversation_id": conv.get("conversation_id"), "n_gold": len(gold),
                         "paths": [r.path for r in results], "dropped_locked": sum(len(r.dropped_locked) for r in results),
                         "turns": mine, "baseline": base})
        if progress:
            progress("conversations", i + 1, len(conversations))
    mine, base = _curve(ours), _curve(theirs)
    paths = Counter(p for c in per_conv for p in c["paths"])
    return {"n": len(ours), "skipped": skipped, "use_feedback": use_feedback, "seconds": time.perf_counter() - t0,
            "turns_by_path": dict(paths), "dropped_locked": sum(c["dropped_locked"] for c in per_conv),
            "per_turn": mine["per_turn"], "last": mine["last"], "baseline": base, "per_conversation": per_conv}


def summary(result: dict, digits: int = 4) -> dict:
    """The `--json` shape: everything but the per-conversation detail, floats rounded."""
    def rounded(x):
        if isinstance(x, float):
            return round(x, digits)
        if isinstance(x, dict):
            return {k: rounded(v) for k, v in x.items()}
        if isinstance(x, list):
            return [rounded(v) for v in x]
        return x

    return rounded({k: v for k, v in result.items() if k != "per_conversation"})
