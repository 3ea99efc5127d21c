"""`segue playlist`, `segue understand` and `segue demo`: a prompt -> a checked playlist (or its reading)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli import quick_exit
from assistant.cli.errors import handle_errors
from assistant.cli.render import render_playlist
from assistant.cli.terminal import err, field, note, out, print_json, progress_bar, services
from assistant.compose import install_demo
from assistant.model.errors import NoPlaylist

DEMO_PROMPT = "45 minutes of upbeat 90s rock for a road trip, no Nirvana"


def playlist(
    prompt: Annotated[str, typer.Argument(help="What you want, e.g. \"45 minutes of upbeat 90s rock, no Nirvana\"")],
    user: Annotated[str | None, typer.Option("--user", "-u", help="Personalise with this listener's history")] = None,
    minutes: Annotated[float | None, typer.Option(help="Length in minutes (overrides the prompt)")] = None,
    tracks: Annotated[int | None, typer.Option(help="Number of tracks (overrides the prompt)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: constraints, tracks, report, understanding")] = False,
) -> None:
    """Make a checked playlist from a prompt. Exit 0: every constraint holds; 1: a constraint could not be met, or
    Segue asks a question back or declines (not a music request); 2: an error."""
    with handle_errors(err):
        app = services()
        with progress_bar(enabled=not as_json) as progress:
            app.catalogue.library(progress=progress)
        try:
            pl = app.planner.playlist(prompt, user=user, minutes=minutes, tracks=tracks)
        except NoPlaylist as no:
            print_no_playlist(no.reading, as_json)
            raise typer.Exit(1) from None
        if pl.understanding and pl.understanding.get("fallback") and not as_json:
            note(err, "note", pl.understanding["fallback"])
        if as_json:
            print_json(pl.to_json())
        else:
            render_playlist(out, pl)
        quick_exit.request()  # written to the console only: nothing to tear down
        raise typer.Exit(0 if pl.report.satisfied else 1)


def print_no_playlist(reading, as_json: bool) -> None:
    if as_json:
        body = {"kind": reading.kind, "constraints": None, "tracks": [], "report": None,
                "clarification": reading.clarification.model_dump() if reading.clarification else None,
                "refusal": reading.refusal.model_dump() if reading.refusal else None,
                "understanding": reading.summary()}
        print_json(body)
        return
    if reading.fallback:
        note(err, "note", reading.fallback)
    out.print(field(reading.refusal.message if reading.refusal else reading.clarification.question, 2000))


def understand(
    prompt: Annotated[str, typer.Argument(help="A request, e.g. \"something like Radiohead's Kid A, nothing after 2005\"")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole reading as JSON")] = False,
) -> None:
    """Show how Segue reads a request (constraints, or a question back, or a refusal) without making a playlist."""
    with handle_errors(err):
        reading = services().planner.understand(prompt)
        if as_json:
            print_json(reading.model_dump(mode="json"))
            return
        if reading.kind != "playlist":
            print_no_playlist(reading, False)
            return
        if reading.fallback:
            note(err, "note", reading.fallback)
        shown = reading.constraints.model_dump(mode="json", exclude_defaults=True)
        shown.pop("prompt", None)
        print_json(shown)
        llm = f"{reading.llm.provider}:{reading.llm.model}, {reading.llm.seconds:.2f} s" if reading.llm else "none"
        err.print(f"read by: {reading.source} (LLM: {llm}); {reading.seconds * 1000:.0f} ms in all")


def demo(
    prompt: Annotated[str, typer.Argument(help="Prompt for the demo playlist")] = DEMO_PROMPT,
    user: Annotated[str, typer.Option("--user", "-u", help="Demo listener: alex, sam, riley or jordan")] = "alex",
) -> None:
    """Install the generated demo catalogue and its demo listeners, then print a demo playlist."""
    with handle_errors(err):
        app = services()
        with progress_bar() as progress:
            info = install_demo(app, progress=progress)
        err.print(field(f"{info['label']}; demo listeners: {', '.join(info['listeners'])}", 1000))
        try:
            pl = app.planner.playlist(prompt, user=user)
        except NoPlaylist as no:
            print_no_playlist(no.reading, False)
            raise typer.Exit(1) from None
        render_playlist(out, pl)

