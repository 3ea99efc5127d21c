"""`segue eval playlists|conversations|queries`: the offline evaluations on public data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli.errors import handle_errors
from assistant.cli.terminal import err, out, progress_bar, services

eval_app = typer.Typer(help="Offline evaluations on public data.", no_args_is_help=True)


@eval_app.command("playlists")
def eval_playlists(
    file: Annotated[Path, typer.Argument(help="playlists JSONL(.gz): {playlist_id, title, track_ids}")],
    history_half: Annotated[bool, typer.Option("--history-half", help="First half of each playlist is the listener's history")] = False,
    limit: Annotated[Optional[int], typer.Option(help="Evaluate only the first N playlists")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"n", "metrics": {...}, "baseline": {...}}')] = False,
) -> None:
    """R-precision, NDCG@100 and recall@100 of playlists made from titles, beside a BM25 baseline (catalogue from
    SEGUE_HOME)."""
    from assistant.eval.playlists import evaluate_playlists

    with handle_errors(err):
        result = evaluate_playlists(services().planner, file, history_half=history_half, limit=limit)
        if as_json:
            print(json.dumps({"n": result["n"], "metrics": result["metrics"], "baseline": result["baseline"]}, indent=2))
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
    limit: Annotated[Optional[int], typer.Option(help="Evaluate only the first N conversations")] = None,
    no_feedback: Annotated[bool, typer.Option("--no-feedback", help="Ignore the listener's liked and disliked tracks")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Replay multi-turn conversations in one session each: R-precision and recall@100 after every turn, beside a
    BM25 baseline over the user turns so far (catalogue from SEGUE_HOME)."""
    from rich import box
    from rich.table import Table

    from assistant.eval.conversations import evaluate_conversations, summary

    with handle_errors(err):
        with progress_bar(enabled=not as_json) as progress:
            result = evaluate_conversations(services().planner, file, limit=limit, use_feedback=not no_feedback, progress=progress)
        if as_json:
            print(json.dumps(summary(result), indent=2))
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
    limit: Annotated[Optional[int], typer.Option(help="Evaluate only the first N queries")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Precision, recall and F1 of the artists and works extracted from requests (catalogue from SEGUE_HOME)."""
    from assistant.model.errors import BadInput
    from assistant.eval.queries import evaluate_queries, index_for_home, summary

    with handle_errors(err):
        if not file.exists():
            raise BadInput(f"{file} does not exist.")
        result = evaluate_queries(file, index_for_home(services().catalogue.home), limit=limit)
        if as_json:
            print(json.dumps(summary(result), indent=2))
        else:
            out.print(f"{result['n']} queries, {result['seconds']:.2f} s")
            out.print(f"  {'':8s} {'precision':>9s} {'recall':>9s} {'f1':>9s}")
            for kind in ("artist", "work"):
                m = result[kind]
                out.print(f"  {kind:8s} {m['precision']:9.4f} {m['recall']:9.4f} {m['f1']:9.4f}")

