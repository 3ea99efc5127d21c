"""Field accuracy of request understanding on a gold prompt set (`segue eval understanding`).

Every prompt of the gold set is read by `Planner.understand` against the active catalogue (a `Reading`: a
playlist's constraints, a question back or a refusal) and scored field by field (`understanding_score`): per
field, over the prompts whose gold mentions it, the share read right; the false-positive rate on the hard fields a
prompt does not mention; whole-request kind accuracy (playlist / clarify / refuse); and the micro accuracy over all
scored fields. Two sets ship in `data/`: `understanding.jsonl` (139 prompts, the rules were tuned on it) and
`understanding_holdout.jsonl` (108 prompts, written blind). Gold format and matching rules: `data/README.md`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from assistant.eval.files import GOLD_DIR
from assistant.eval.understanding_gold import coverage, load_gold
from assistant.eval.understanding_score import DEFAULTS, Reading, aggregate, as_reading, score_prompt
from assistant.model.errors import BadInput, NotReady
from assistant.planning.service import Planner

DEV_SET = GOLD_DIR / "understanding.jsonl"
HOLDOUT_SET = GOLD_DIR / "understanding_holdout.jsonl"


def offline_planner(planner: Planner) -> Planner:
    """The same planner with the LLM off: an evaluation runs offline unless asked otherwise, whatever the
    environment configures (an OPENAI_API_KEY must not switch the LLM on silently)."""
    return Planner(planner.settings, planner.catalogue, planner.listeners, lambda: None)


def require_llm(planner: Planner) -> Planner:
    """The planner itself, when an LLM is configured for it (else NotReady, saying how to configure one)."""
    if planner.llm() is None:
        raise NotReady("--llm: no LLM configured. Set SEGUE_LLM (e.g. openai:gpt-4o-mini or ollama:qwen2.5), "
                       "SEGUE_LLM_BASE_URL for a local OpenAI-compatible server, or OPENAI_API_KEY.")
    return planner


def engine(planner: Planner) -> str:
    """'offline', or the LLM's 'provider:model'."""
    model = planner.llm()
    return "offline" if model is None else f"{getattr(model, 'provider', '?')}:{getattr(model, 'model', '?')}"


def _track_lookup(planner: Planner):
    """id -> {title, artist} for track ids the parser grounded works to (seed_tracks, exclude_tracks)."""
    try:
        cat = planner.library().catalogue
    except Exception:  # noqa: BLE001 - no catalogue: ids stay unresolved
        return None

    def lookup(track_id: str) -> dict | None:
        row = cat.row_of(track_id)
        return None if row is None else {"title": cat.titles[row], "artist": cat.artists[row]}

    return lookup


def _predicted(reading: Reading, names) -> dict:
    out = {}
    for n in names:
        base = n.split(".")[0]
        v = reading.get(base)
        if "." in n:
            v = (v or {}).get(n.split(".")[1])
        out[n] = v
    return out


def evaluate_understanding(planner: Planner, path: Path = DEV_SET) -> dict:
    """Read and score every prompt of the gold set at `path`.

    Returns `{"summary": {"prompts", "fields": {name: {"n", "correct", "accuracy", "recall"?}}, "false_positives",
    "false_positive_rate", "kind", "micro_accuracy", "macro_accuracy", "units", "latency_ms", "coverage", "engine",
    "errors", "fallbacks", "llm_usage"?, "home", ...}, "prompts": [per prompt: "id", "text", "kind",
    "predicted_kind", "error", "source", "fallback", "gold", "wrong", "false_positives", "predicted"]}`.
    A prompt whose reading raises is scored as a wrong reading (kind "error") and counted in `errors`."""
    items = load_gold(path)
    if not items:
        raise BadInput(f"{path} holds no gold lines.")
    which = engine(planner)
    lookup = _track_lookup(planner)
    planner.vocabulary()  # warm up: load catalogue, vectors and encoder before timing
    scores, details, times, llm_calls = [], [], [], []
    for item in items:
        t0 = time.perf_counter()
        result = None
        try:
            result = planner.understand(item["text"])
            reading, error = as_reading(result), None
        except Exception as e:  # noqa: BLE001 - a crash is a wrong reading, recorded
            reading, error = Reading(kind="error"), f"{type(e).__name__}: {e}"
        source, fallback = getattr(result, "source", None), getattr(result, "fallback", None)
        info = getattr(result, "llm", None)
        if info is not None:
            llm_calls.append(info.model_dump() if hasattr(info, "model_dump") else dict(info))
        times.append(time.perf_counter() - t0)
        s = score_prompt(item, reading, track_lookup=lookup)
        scores.append(s)
        wrong = [k for k, ok in s.fields.items() if not ok]
        fps = [k for k, bad in s.false_positives.items() if bad]
        details.append({
            "id": item["id"], "text": item["text"], "kind": item["kind"], "predicted_kind": reading.kind,
            "error": error, "source": source, "fallback": fallback, "gold": item["gold"], "wrong": wrong,
            "false_positives": fps, "predicted": _predicted(reading, sorted({*wrong, *fps})),
        })
    summary = aggregate(scores)
    times.sort()
    summary["latency_ms"] = {"p50": 1000 * times[len(times) // 2], "max": 1000 * times[-1]}
    summary["coverage"] = coverage(items)
    summary["engine"] = which
    summary["errors"] = sum(1 for d in details if d["error"])
    summary["fallbacks"] = sum(1 for d in details if d["fallback"])
    if llm_calls:
        summary["llm_usage"] = {
            "calls": len(llm_calls),
            "seconds": round(sum(c.get("seconds") or 0 for c in llm_calls), 2),
            "input_tokens": sum(c.get("input_tokens") or 0 for c in llm_calls),
            "output_tokens": sum(c.get("output_tokens") or 0 for c in llm_calls),
        }
    summary["home"] = str(planner.settings.home)
    return {"summary": summary, "prompts": details}


def misreadings(prompts: list[dict]) -> list[str]:
    """Lines naming every prompt read wrong (of `evaluate_understanding(...)["prompts"]`): each wrong field with
    the gold and the reading, each false positive with its default, and any error."""
    lines = []
    for d in prompts:
        if d["wrong"] or d["false_positives"] or d["kind"] != d["predicted_kind"]:
            lines.append(f"{d['id']} [{d['kind']}->{d['predicted_kind']}] {d['text']}")
            for k in d["wrong"]:
                g = d["gold"].get(k.split(".")[0])
                g = g.get(k.split(".")[1]) if isinstance(g, dict) and "." in k else g
                lines.append(f"    wrong {k}: gold {json.dumps(g, ensure_ascii=False)} "
                             f"got {json.dumps(d['predicted'].get(k), ensure_ascii=False)}")
            for k in d["false_positives"]:
                lines.append(f"    false positive {k}: {json.dumps(d['predicted'].get(k), ensure_ascii=False)} "
                             f"(default {DEFAULTS.get(k)})")
            if d["error"]:
                lines.append(f"    error: {d['error']}")
    return lines
