"""`segue eval playlists|conversations|queries|understanding|edits`: the offline evaluations (`assistant.eval`).

playlists, conversations and queries read a public data set given on the command line; understanding and edits
read the project's own gold sets (`assistant/eval/data`) unless `--data` names another file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from assistant.cli.errors import handle_errors
from assistant.cli.terminal import err, out, print_json, progress_bar, say, services

eval_app = typer.Typer(help="Offline evaluations on public data and on the gold sets.", no_args_is_help=True)


@eval_app.command("playlists")
def eval_playlists(
    file: Annotated[Path, typer.Argument(help="playlists JSONL(.gz): {playlist_id, title, track_ids}")],
    history_half: Annotated[bool, typer.Option("--history-half", help="First half of each playlist is the listener's history")] = False,
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N playlists")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"n", "metrics": {...}, "baseline": {...}}')] = False,
) -> None:
    """R-precision, NDCG@100 and recall@100 of playlists made from titles, beside a BM25 baseline (catalogue from
    SEGUE_HOME)."""
    from assistant.eval import evaluate_playlists

    with handle_errors(err):
        result = evaluate_playlists(services().planner, file, history_half=history_half, limit=limit)
        if as_json:
            print_json({"n": result["n"], "metrics": result["metrics"], "baseline": result["baseline"]})
        else:
            out.print(f"{result['n']} playlists, {'title + half history' if history_half else 'title only'}")
            out.print(f"  {'':12s} {'Segue':>7s} {'BM25':>7s}")
            for k, v in result["metrics"].items():
                out.print(f"  {k:12s} {v:7.4f} {result['baseline'][k]:7.4f}")
            out.print("BM25: the title over titles, artists, albums and genres" + (", after the history's own artists"
                      if history_half else ""), highlight=False)


@eval_app.command("conversations")
def eval_conversations(
    file: Annotated[Path, typer.Argument(help="CPCD conversations JSONL(.gz): {conversation_id, turns: [{user, liked, "
                                             "disliked}], goal}")],
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N conversations")] = None,
    no_feedback: Annotated[bool, typer.Option("--no-feedback", help="Ignore the listener's liked and disliked tracks")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Replay multi-turn conversations in one session each: R-precision and recall@100 after every turn, beside a
    BM25 baseline over the user turns so far (catalogue from SEGUE_HOME)."""
    from rich import box
    from rich.table import Table

    from assistant.eval import conversations_summary, evaluate_conversations

    with handle_errors(err):
        with progress_bar(enabled=not as_json) as progress:
            result = evaluate_conversations(services().planner, file, limit=limit, use_feedback=not no_feedback, progress=progress)
        if as_json:
            print_json(conversations_summary(result))
            return
        out.print(f"{result['n']} conversations, {result['skipped']} skipped (no goal track in the catalogue); "
                  f"feedback {'on' if result['use_feedback'] else 'off'}; {result['seconds']:.0f} s", highlight=False)
        table = Table("turn", "n", "R-prec", "R@100", "new n", "new R-prec", "new R@100", "BM25 R-prec", "BM25 R@100",
                      "BM25 new R@100", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
        rows = list(zip(result["per_turn"], result["baseline"]["per_turn"]))
        rows.append(({"turn": "last", **result["last"]}, result["baseline"]["last"]))
        for ours, bm25 in rows:
            table.add_row(str(ours["turn"]), str(ours["n"]), f"{ours['r_precision']:.4f}", f"{ours['recall@100']:.4f}",
                          str(ours["new"]["n"]), f"{ours['new']['r_precision']:.4f}", f"{ours['new']['recall@100']:.4f}",
                          f"{bm25['r_precision']:.4f}", f"{bm25['recall@100']:.4f}", f"{bm25['new']['recall@100']:.4f}")
        out.print(table)
        out.print("R@100: recall@100. new: the goal tracks not liked yet, on the ranking without the tracks already "
                  "liked. last: each conversation's last turn. BM25: the user turns so far, no feedback.", highlight=False)


@eval_app.command("queries")
def eval_queries(
    file: Annotated[Path, typer.Argument(help="queries JSONL(.gz): {text, entities: [{mention, type, name}]}")],
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N queries")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Precision, recall and F1 of the artists and works extracted from requests (catalogue from SEGUE_HOME)."""
    from assistant.eval import evaluate_queries, index_for_home, queries_summary
    from assistant.model.errors import BadInput

    with handle_errors(err):
        if not file.exists():
            raise BadInput(f"{file} does not exist.")
        result = evaluate_queries(file, index_for_home(services().catalogue.home), limit=limit)
        if as_json:
            print_json(queries_summary(result))
        else:
            out.print(f"{result['n']} queries, {result['seconds']:.2f} s")
            out.print(f"  {'':8s} {'precision':>9s} {'recall':>9s} {'f1':>9s}")
            for kind in ("artist", "work"):
                m = result[kind]
                out.print(f"  {kind:8s} {m['precision']:9.4f} {m['recall']:9.4f} {m['f1']:9.4f}")



@eval_app.command("understanding")
def eval_understanding(
    data: Annotated[Path | None, typer.Option("--data", help="gold prompt set (JSONL; default: the dev set in "
                                                                 "assistant/eval/data/understanding.jsonl)")] = None,
    llm: Annotated[bool, typer.Option("--llm", help="Read with the LLM configured in the settings (SEGUE_LLM, "
                                                    "SEGUE_LLM_BASE_URL, OPENAI_API_KEY); without it the run is "
                                                    "offline whatever the environment says")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="Also print every wrong field and false positive")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of the table")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the summary and every prompt's reading "
                                                                   "to this JSON file")] = None,
) -> None:
    """Field accuracy of request understanding on a gold prompt set: per field, false positives on hard fields,
    kind (playlist / clarify / refuse), micro and macro accuracy (catalogue from SEGUE_HOME)."""
    from assistant.eval import DEV_SET, evaluate_understanding, misreadings, offline_planner, require_llm

    with handle_errors(err):
        planner = services().planner
        planner = require_llm(planner) if llm else offline_planner(planner)
        result = evaluate_understanding(planner, data or DEV_SET)
        if as_json:
            print_json(result["summary"])
        else:
            if errors:
                say("\n".join([*misreadings(result["prompts"]), ""]))
            _print_understanding_table(result["summary"])
        _write(out_file, result)


def _print_understanding_table(summary: dict) -> None:
    f = summary["fields"]
    say(f"{'field':<26}{'n':>5}{'accuracy':>10}{'recall':>9}")
    for k, v in f.items():
        rec = f"{v['recall']:.2f}" if "recall" in v else ""
        say(f"{k:<26}{v['n']:>5}{v['accuracy']:>10.2f}{rec:>9}")
    say("-" * 50)
    say(f"{'micro accuracy (fields)':<26}{summary['units']:>5}{summary['micro_accuracy']:>10.3f}")
    say(f"{'macro accuracy (fields)':<26}{len(f):>5}{summary['macro_accuracy']:>10.3f}")
    k = summary["kind"]
    say(f"{'kind':<26}{k['n']:>5}{k['accuracy']:>10.2f}")
    for kind, v in k["by_gold_kind"].items():
        say(f"{'  kind=' + kind:<26}{v['n']:>5}{v['accuracy']:>10.2f}")
    say(f"{'micro accuracy (+kind)':<26}{summary['units'] + k['n']:>5}{summary['micro_accuracy_with_kind']:>10.3f}")
    say()
    say(f"{'false positives (hard)':<26}{'n':>5}{'rate':>10}")
    for name, v in summary["false_positives"].items():
        say(f"{name:<26}{v['n']:>5}{v['rate']:>10.2f}")
    total = sum(v["n"] for v in summary["false_positives"].values())
    say(f"{'all hard fields':<26}{total:>5}{summary['false_positive_rate']:>10.3f}"
          f"   ({summary['prompts_with_false_positive']} prompts with at least one)")
    lat = summary.get("latency_ms")
    if lat:
        say(f"\nengine {summary.get('engine')}: understand p50 {lat['p50']:.1f} ms, max {lat['max']:.1f} ms; "
              f"{summary.get('errors', 0)} errors, {summary.get('fallbacks', 0)} LLM fallbacks")
    if summary.get("llm_usage"):
        u = summary["llm_usage"]
        say(f"LLM: {u['calls']} readings, {u['seconds']} s, {u['input_tokens']} input / {u['output_tokens']} "
              "output tokens")


@eval_app.command("edits")
def eval_edits(
    data: Annotated[Path | None, typer.Option("--data", help="edit set (JSONL; default: "
                                                                 "assistant/eval/data/edits.jsonl)")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Personalise the playlists for this listener")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of the table")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the summary and every edit's outcome to "
                                                                   "this JSON file")] = None,
) -> None:
    """Follow-up edits applied to real playlists: the share honoured (each checked by a rule written before any
    run) and the share of untouched tracks retained (catalogue from SEGUE_HOME)."""
    from assistant.eval import EDITS_SET, evaluate_edits

    with handle_errors(err):
        result = evaluate_edits(services().planner, data or EDITS_SET, user=user)
        if as_json:
            print_json(result["summary"])
        else:
            _print_edits_table(result)
        _write(out_file, result)


def _print_edits_table(result: dict) -> None:
    summary, results = result["summary"], result["results"]
    say(f"{'id':4} {'ok':3} {'kept':>5} {'sec':>5}  {'edit':38} {'ops':34} failures")
    for r in results:
        kept = f"{r['retained']:.0%}" if r["retained"] is not None else "-"
        say(f"{r['id']:4} {'yes' if r['honoured'] else 'NO':3} {kept:>5} {r['seconds']:5.1f}  {r['edit'][:38]:38} "
              f"{'; '.join(r['ops'])[:34]:34} {'; '.join(r['fails'])}")
    retained = (f"retained {summary['retained_mean']:.1%} on average (min {summary['retained_min']:.0%}) over "
                f"{summary['retained_n']} edits that should keep the rest" if summary["retained_n"]
                else "no edit names the tracks it may touch")
    say(f"\nhonoured {summary['honoured']:.1%} of {summary['n']} edits; {retained}; "
          f"{summary['seconds_mean']:.2f} s per edit; {summary['catalogue']}")


def _write(path: Path | None, result: dict) -> None:
    """The full result as JSON at `path` (folders made as needed), said on stderr; nothing without a path."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    err.print(Text(f"wrote {path}"), soft_wrap=True)


@eval_app.command("concepts")
def eval_concepts(
    data: Annotated[Path | None, typer.Option(help="Labelled phrasings JSONL: {text, concepts: [names]} "
                                                     "(default: assistant/eval/data/concept_phrasings.dev.jsonl)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Concept lookup (occasions, moods, activities, scenes) on labelled phrasings: top-1, precision/recall/F1,
    and 'no concept' on negatives. The names and genres a request holds are protected, as the parser does."""
    from assistant.eval.concepts import evaluate_concepts
    from assistant.eval.files import GOLD_DIR
    from assistant.understanding.entities import extract

    with handle_errors(err):
        vocab = services().planner.vocabulary()

        def protect(text: str) -> list[tuple[int, int]]:
            names = [(e.start, e.end) for e in extract(text, vocab.entities)] if vocab.entities is not None else []
            return vocab.genre_spans(text, min_words=1) + names

        result = evaluate_concepts(vocab.concepts, data or GOLD_DIR / "concept_phrasings.dev.jsonl", protect=protect)
        if as_json:
            print_json(result)
            return
        c, n = result["concepts"], result["no_concept"]
        out.print(Text(f"{result['n']} phrasings ({result['positives']} with a concept): top-1 {result['top1']:.3f}, "
                       f"exact {result['exact']:.3f}; concepts P {c['precision']:.3f} R {c['recall']:.3f} F1 {c['f1']:.3f}; "
                       f"no concept P {n['precision']:.3f} R {n['recall']:.3f}"))
        out.print(Text("top-1 by kind: " + ", ".join(f"{k} {v['top1']:.2f} (n={v['n']})" for k, v in result["by_kind"].items())))
