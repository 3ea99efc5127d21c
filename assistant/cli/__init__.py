"""`segue`: the terminal door. Parses arguments, calls one entry point of the app, renders the result."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from assistant.compose import Segue, build
from assistant.cli.errors import door
from assistant.model.errors import NoPlaylist
from assistant.cli.render import render_info, render_playlist

app = typer.Typer(help="Segue: an offline AI playlist maker. Start with `segue demo`.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
catalog_app = typer.Typer(help="Import and inspect the active catalogue.", no_args_is_help=True)
history_app = typer.Typer(help="Import listening histories (Spotify, Last.fm, ListenBrainz).", no_args_is_help=True)
eval_app = typer.Typer(help="Offline evaluations on public data.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(history_app, name="history")
app.add_typer(eval_app, name="eval")

out = Console()
err = Console(stderr=True)

DEMO_PROMPT = "45 minutes of upbeat 90s rock for a road trip, no Nirvana"


def _door():
    """Domain errors become one clear line and exit code 2; never a traceback for those."""
    return door(err)


def _app() -> Segue:
    return build()


@contextmanager
def _progress_bar(enabled: bool = True):
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@app.command()
def playlist(
    prompt: Annotated[str, typer.Argument(help="What you want, e.g. \"45 minutes of upbeat 90s rock, no Nirvana\"")],
    user: Annotated[Optional[str], typer.Option("--user", "-u", help="Personalise with this listener's history")] = None,
    minutes: Annotated[Optional[float], typer.Option(help="Length in minutes (overrides the prompt)")] = None,
    tracks: Annotated[Optional[int], typer.Option(help="Number of tracks (overrides the prompt)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: constraints, tracks, report, understanding")] = False,
) -> None:
    """Make a checked playlist from a prompt. Exit 0: every constraint holds; 1: a constraint could not be met, or
    Segue asks a question back or declines (not a music request); 2: an error."""
    with _door():
        segue = _app()
        with _progress_bar(enabled=not as_json) as progress:
            segue.library(progress=progress)
        try:
            pl = segue.playlist(prompt, user=user, minutes=minutes, tracks=tracks)
        except NoPlaylist as no:
            _print_no_playlist(no.reading, as_json)
            raise typer.Exit(1) from None
        if pl.understanding and pl.understanding.get("fallback") and not as_json:
            err.print(f"[yellow]note:[/] {pl.understanding['fallback']}", highlight=False)
        if as_json:
            print(json.dumps(pl.to_json(), indent=2, ensure_ascii=False))
        else:
            render_playlist(out, pl)
        raise typer.Exit(0 if pl.report.satisfied else 1)


def _print_no_playlist(reading, as_json: bool) -> None:
    if as_json:
        body = {"kind": reading.kind, "constraints": None, "tracks": [], "report": None,
                "clarification": reading.clarification.model_dump() if reading.clarification else None,
                "refusal": reading.refusal.model_dump() if reading.refusal else None,
                "understanding": reading.summary()}
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return
    if reading.fallback:
        err.print(f"[yellow]note:[/] {reading.fallback}", highlight=False)
    out.print(reading.refusal.message if reading.refusal else reading.clarification.question, highlight=False)


@app.command()
def understand(
    prompt: Annotated[str, typer.Argument(help="A request, e.g. \"something like Radiohead's Kid A, nothing after 2005\"")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole reading as JSON")] = False,
) -> None:
    """Show how Segue reads a request (constraints, or a question back, or a refusal) without making a playlist."""
    with _door():
        reading = _app().understand(prompt)
        if as_json:
            print(json.dumps(reading.model_dump(mode="json"), indent=2, ensure_ascii=False))
            return
        if reading.kind != "playlist":
            _print_no_playlist(reading, False)
            return
        if reading.fallback:
            err.print(f"[yellow]note:[/] {reading.fallback}", highlight=False)
        shown = reading.constraints.model_dump(mode="json", exclude_defaults=True)
        shown.pop("prompt", None)
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        llm = f"{reading.llm.provider}:{reading.llm.model}, {reading.llm.seconds:.2f} s" if reading.llm else "none"
        err.print(f"read by: {reading.source} (LLM: {llm}); {reading.seconds * 1000:.0f} ms in all", highlight=False)


@app.command()
def demo(
    prompt: Annotated[str, typer.Argument(help="Prompt for the demo playlist")] = DEMO_PROMPT,
    user: Annotated[str, typer.Option("--user", "-u", help="Demo listener: alex, sam, riley or jordan")] = "alex",
) -> None:
    """Install the generated demo catalogue and its demo listeners, then print a demo playlist."""
    with _door():
        segue = _app()
        with _progress_bar() as progress:
            info = segue.install_demo(progress=progress)
        err.print(f"{info['label']}; demo listeners: {', '.join(info['listeners'])}")
        try:
            pl = segue.playlist(prompt, user=user)
        except NoPlaylist as no:
            _print_no_playlist(no.reading, False)
            raise typer.Exit(1) from None
        render_playlist(out, pl)


@catalog_app.command("import")
def catalog_import(
    path: Annotated[Path, typer.Argument(help="catalog.csv(.gz) in Segue's layout, a Spotify-API CSV "
                                               "(TidyTuesday/Kaggle), a JSONL file, or a folder of audio files")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON")] = False,
) -> None:
    """Import a catalogue and build its vectors and index (re-importing the same file is a no-op)."""
    with _door():
        segue = _app()
        with _progress_bar(enabled=not as_json) as progress:
            result = segue.import_catalogue(path, progress=progress)
        if as_json:
            print(json.dumps(result, indent=2))
            return
        out.print(result["message"])
        rep = result.get("report") or {}
        if rep:
            out.print(f"rows read {rep.get('rows_read', '?'):,}, kept {rep.get('kept', '?'):,}")
            for reason, n in (rep.get("rejected") or {}).items():
                out.print(f"  rejected {n:,}: {reason}")
            for reason, n in (rep.get("fixed") or {}).items():
                out.print(f"  fixed {n:,}: {reason}")


@catalog_app.command("info")
def catalog_info(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Summarise the active catalogue."""
    with _door():
        info = _app().catalogue_info()
        if as_json:
            print(json.dumps(info, indent=2))
        else:
            render_info(out, info)


@catalog_app.command("demo")
def catalog_demo(tracks: Annotated[int, typer.Option(help="How many fictional tracks to generate")] = 12_000) -> None:
    """Install the generated demo catalogue (fictional artists) and demo listeners."""
    with _door():
        with _progress_bar() as progress:
            info = _app().install_demo(n_tracks=tracks, progress=progress)
        out.print(f"{info['label']}; demo listeners: {', '.join(info['listeners'])}")


@history_app.command("import")
def history_import(
    path: Annotated[Path, typer.Argument(help="Spotify Streaming_History_Audio_*.json / endsong_*.json / "
                                               "StreamingHistory_music_*.json, Last.fm recent-tracks JSON, "
                                               "ListenBrainz listens, or a folder of them")],
    user: Annotated[str, typer.Option("--user", "-u", help="Listener name")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import a listening history for a listener and match it to the catalogue."""
    with _door():
        result = _app().import_history(path, user)
        if as_json:
            print(json.dumps(result, indent=2))
            return
        r, m = result["read"], result["match"]
        out.print(f"{user}: read {r['read']:,} plays, kept {r['kept']:,}; matched {m['matched']:,}, unmatched {m['unmatched']:,}")
        for reason, n in (r.get("skipped") or {}).items():
            out.print(f"  skipped {n:,}: {reason}")
        if m.get("unmatched_examples"):
            out.print("  not in the catalogue, e.g.: " + "; ".join(m["unmatched_examples"][:3]))


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

    with _door():
        result = evaluate_playlists(_app(), file, history_half=history_half, limit=limit)
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

    with _door():
        with _progress_bar(enabled=not as_json) as progress:
            result = evaluate_conversations(_app(), file, limit=limit, use_feedback=not no_feedback, progress=progress)
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

    with _door():
        if not file.exists():
            raise BadInput(f"{file} does not exist.")
        result = evaluate_queries(file, index_for_home(_app().home), limit=limit)
        if as_json:
            print(json.dumps(summary(result), indent=2))
        else:
            out.print(f"{result['n']} queries, {result['seconds']:.2f} s")
            out.print(f"  {'':8s} {'precision':>9s} {'recall':>9s} {'f1':>9s}")
            for kind in ("artist", "work"):
                m = result[kind]
                out.print(f"  {kind:8s} {m['precision']:9.4f} {m['recall']:9.4f} {m['f1']:9.4f}")


from assistant.cli.chat import chat as _chat, export as _export  # noqa: E402 - registered after the other commands

app.command("chat")(_chat)
app.command("export")(_export)

from assistant.cli.dj import dj as _dj  # noqa: E402

app.command("dj")(_dj)

from assistant.cli.serve import serve as _serve, users_app as _users_app  # noqa: E402

app.command("serve")(_serve)
app.add_typer(_users_app, name="users")


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
