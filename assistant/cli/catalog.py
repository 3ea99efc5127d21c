"""`segue catalog import|info|demo`: the active catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.errors import handle_errors
from assistant.cli.render import render_info
from assistant.cli.terminal import err, field, out, print_json, progress_bar, services
from assistant.compose import install_demo

catalog_app = typer.Typer(help="Import and inspect the active catalogue.", no_args_is_help=True)


@catalog_app.command("import")
def catalog_import(
    path: Annotated[Path, typer.Argument(help="catalog.csv(.gz) in Segue's layout, a Spotify-API CSV "
                                               "(TidyTuesday/Kaggle), a JSONL file, or a folder of audio files")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON")] = False,
) -> None:
    """Import a catalogue and build its vectors and index (re-importing the same file is a no-op)."""
    with handle_errors(err):
        app = services()
        with progress_bar(enabled=not as_json) as progress:
            result = app.catalogue.import_catalogue(path, progress=progress)
        if as_json:
            print_json(result)
            return
        out.print(field(result["message"], 2000))
        rep = result.get("report") or {}
        if rep:
            out.print(f"rows read {rep.get('rows_read', '?'):,}, kept {rep.get('kept', '?'):,}")
            examples = rep.get("examples") or {}
            for title in ("rejected", "fixed"):
                for reason, n in (rep.get(title) or {}).items():
                    refs = ", ".join(examples.get(reason) or [])
                    out.print(field(f"  {title} {n:,}: {reason}" + (f" (e.g. {refs})" if refs else ""), 1000))


@catalog_app.command("info")
def catalog_info(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Summarise the active catalogue."""
    with handle_errors(err):
        app = services()
        info = {**app.catalogue.info(), "listeners": app.listeners.names()}
        if as_json:
            print_json(info)
        else:
            render_info(out, info)


@catalog_app.command("demo")
def catalog_demo(tracks: Annotated[int, typer.Option(help="How many fictional tracks to generate")] = 12_000) -> None:
    """Install the generated demo catalogue (fictional artists) and demo listeners."""
    with handle_errors(err):
        with progress_bar() as progress:
            info = install_demo(services(), n_tracks=tracks, progress=progress)
        out.print(field(f"{info['label']}; demo listeners: {', '.join(info['listeners'])}", 1000))

