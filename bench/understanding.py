"""Field-level accuracy of request understanding on the gold prompt set.

Usage:
    SEGUE_HOME=/tmp/segue-real .venv/bin/python bench/understanding.py
    .venv/bin/python bench/understanding.py --home /tmp/segue-real [--llm] [--json OUT] [--errors]

Runs every prompt of bench/data/understanding.jsonl through `app.planner.understand(text)` against the
catalogue in the data home (a `Constraints`, or an `Understanding` with `.kind`/`.constraints`;
`bench/understanding_score.as_reading` accepts both), then prints, per field, over the prompts
whose gold mentions it, the share read right; the false-positive rate on hard fields the prompt
does not mention; whole-request kind accuracy (playlist / clarify / refuse); and the micro
accuracy over all scored fields. Writes JSON (summary + per-prompt details) to
bench/results/understanding.json. Matching rules: bench/understanding_score.py and
bench/data/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATA = ROOT / "bench" / "data" / "understanding.jsonl"
RESULTS = ROOT / "bench" / "results" / "understanding.json"

from understanding_score import (
    DEFAULTS,
    Reading,
    aggregate,
    as_reading,
    coverage,
    load_gold,
    score_prompt,
)


def _configure(app, llm: bool) -> str:
    """Offline unless --llm (an OPENAI_API_KEY in the environment must not switch the LLM on silently);
    with --llm, the LLM configured in Settings (SEGUE_LLM, SEGUE_LLM_BASE_URL, OPENAI_API_KEY) must exist."""
    if not hasattr(app, "llm"):
        if llm:
            raise SystemExit("--llm: this build has no LLM path (app.llm).")
        return "offline"
    if not llm:
        app.llm = lambda: None  # this instance only
        return "offline"
    model = app.planner.llm()
    if model is None:
        raise SystemExit("--llm: no LLM configured. Set SEGUE_LLM (e.g. openai:gpt-4o-mini or ollama:qwen2.5), "
                         "SEGUE_LLM_BASE_URL for a local OpenAI-compatible server, or OPENAI_API_KEY.")
    return f"{getattr(model, 'provider', '?')}:{getattr(model, 'model', '?')}"


def _track_lookup(app):
    """id -> {title, artist} for track ids the parser grounded works to (seed_tracks, exclude_tracks)."""
    try:
        cat = app.planner.library().catalogue
    except Exception:  # noqa: BLE001 - no catalogue: ids stay unresolved
        return None

    def lookup(track_id: str) -> dict | None:
        row = cat.row_of(track_id)
        return None if row is None else {"title": cat.titles[row], "artist": cat.artists[row]}

    return lookup


def _predicted(reading, names) -> dict:
    out = {}
    for n in names:
        base = n.split(".")[0]
        v = reading.get(base)
        if "." in n:
            v = (v or {}).get(n.split(".")[1])
        out[n] = v
    return out


def run(home: str | None, llm: bool, data: Path) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.compose import build
    from assistant.model.settings import Settings

    items = load_gold(data)
    app = build(Settings(home=home) if home else Settings())
    engine = _configure(app, llm)
    lookup = _track_lookup(app)
    app.planner.vocabulary()  # warm up: load catalogue, vectors and encoder before timing
    scores, details, times, llm_calls = [], [], [], []
    for item in items:
        t0 = time.perf_counter()
        result = None
        try:
            result = app.planner.understand(item["text"])
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
            "error": error, "source": source, "fallback": fallback, "gold": item["gold"], "wrong": wrong, "false_positives": fps,
            "predicted": _predicted(reading, sorted({*wrong, *fps})),
        })
    app.close()
    summary = aggregate(scores)
    times.sort()
    summary["latency_ms"] = {"p50": 1000 * times[len(times) // 2], "max": 1000 * times[-1]}
    summary["coverage"] = coverage(items)
    summary["engine"] = engine
    summary["errors"] = sum(1 for d in details if d["error"])
    summary["fallbacks"] = sum(1 for d in details if d["fallback"])
    if llm_calls:
        summary["llm_usage"] = {
            "calls": len(llm_calls),
            "seconds": round(sum(c.get("seconds") or 0 for c in llm_calls), 2),
            "input_tokens": sum(c.get("input_tokens") or 0 for c in llm_calls),
            "output_tokens": sum(c.get("output_tokens") or 0 for c in llm_calls),
        }
    summary["home"] = str(home or Settings().home)
    return {"summary": summary, "prompts": details}


def print_table(summary: dict) -> None:
    f = summary["fields"]
    print(f"{'field':<26}{'n':>5}{'accuracy':>10}{'recall':>9}")
    for k, v in f.items():
        rec = f"{v['recall']:.2f}" if "recall" in v else ""
        print(f"{k:<26}{v['n']:>5}{v['accuracy']:>10.2f}{rec:>9}")
    print("-" * 50)
    print(f"{'micro accuracy (fields)':<26}{summary['units']:>5}{summary['micro_accuracy']:>10.3f}")
    print(f"{'macro accuracy (fields)':<26}{len(f):>5}{summary['macro_accuracy']:>10.3f}")
    k = summary["kind"]
    print(f"{'kind':<26}{k['n']:>5}{k['accuracy']:>10.2f}")
    for kind, v in k["by_gold_kind"].items():
        print(f"{'  kind=' + kind:<26}{v['n']:>5}{v['accuracy']:>10.2f}")
    print(f"{'micro accuracy (+kind)':<26}{summary['units'] + k['n']:>5}{summary['micro_accuracy_with_kind']:>10.3f}")
    print()
    print(f"{'false positives (hard)':<26}{'n':>5}{'rate':>10}")
    for name, v in summary["false_positives"].items():
        print(f"{name:<26}{v['n']:>5}{v['rate']:>10.2f}")
    total = sum(v["n"] for v in summary["false_positives"].values())
    print(f"{'all hard fields':<26}{total:>5}{summary['false_positive_rate']:>10.3f}"
          f"   ({summary['prompts_with_false_positive']} prompts with at least one)")
    lat = summary.get("latency_ms")
    if lat:
        print(f"\nengine {summary.get('engine')}: understand p50 {lat['p50']:.1f} ms, max {lat['max']:.1f} ms; "
              f"{summary.get('errors', 0)} errors, {summary.get('fallbacks', 0)} LLM fallbacks")
    if summary.get("llm_usage"):
        u = summary["llm_usage"]
        print(f"LLM: {u['calls']} readings, {u['seconds']} s, {u['input_tokens']} input / {u['output_tokens']} output tokens")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default=None, help="SEGUE_HOME holding the catalogue (default: settings / SEGUE_HOME)")
    ap.add_argument("--llm", action="store_true",
                    help="understand with the LLM configured in Settings (SEGUE_LLM / SEGUE_LLM_BASE_URL / OPENAI_API_KEY); "
                         "without it the run is offline whatever the environment says")
    ap.add_argument("--json", type=Path, default=RESULTS, help=f"where to write results (default {RESULTS.relative_to(ROOT)})")
    ap.add_argument("--data", type=Path, default=DATA, help="gold prompt set (JSONL)")
    ap.add_argument("--errors", action="store_true", help="print every wrong field and false positive per prompt")
    args = ap.parse_args(argv)
    out = run(args.home, args.llm, args.data)
    if args.errors:
        for d in out["prompts"]:
            if d["wrong"] or d["false_positives"] or d["kind"] != d["predicted_kind"]:
                print(f"{d['id']} [{d['kind']}->{d['predicted_kind']}] {d['text']}")
                for k in d["wrong"]:
                    g = d["gold"].get(k.split(".")[0])
                    g = g.get(k.split(".")[1]) if isinstance(g, dict) and "." in k else g
                    print(f"    wrong {k}: gold {json.dumps(g, ensure_ascii=False)} got {json.dumps(d['predicted'].get(k), ensure_ascii=False)}")
                for k in d["false_positives"]:
                    print(f"    false positive {k}: {json.dumps(d['predicted'].get(k), ensure_ascii=False)} (default {DEFAULTS.get(k)})")
                if d["error"]:
                    print(f"    error: {d['error']}")
        print()
    print_table(out["summary"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
