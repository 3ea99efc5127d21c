"""`segue`: the terminal door. Each command parses its arguments, calls one service, and renders the result.

One module per command group (a new command goes in its own module, registered here):

    playlist.py  playlist, understand, demo      chat.py   chat, export (sessions)
    catalog.py   catalog import|info|demo        dj.py     dj (render or play a show)
    history.py   history import                  serve.py  serve, users add|list|remove
    eval.py      eval playlists|conversations|queries
    doctor.py    doctor (check the home, back up or recover segue.db)
    errors.py    the one place errors become a line on stderr and an exit code
    quick_exit.py  a finished read-only command leaves without the interpreter's teardown
    terminal.py  consoles, services, progress bar; render.py / chat_render.py draw playlists and turns
"""

from __future__ import annotations

import sys

import typer

from assistant.cli import quick_exit
from assistant.cli.catalog import catalog_app
from assistant.cli.chat import chat, export
from assistant.cli.dj import dj
from assistant.cli.doctor import doctor
from assistant.cli.eval import eval_app
from assistant.cli.history import history_app
from assistant.cli.playlist import demo, playlist, understand
from assistant.cli.safe_console import log_to_stderr
from assistant.cli.serve import serve, users_app

__all__ = ["app", "main"]

app = typer.Typer(help="Segue: an offline AI playlist maker. Start with `segue demo`.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.command()(playlist)
app.command()(understand)
app.command()(demo)
app.add_typer(catalog_app, name="catalog")
app.add_typer(history_app, name="history")
app.add_typer(eval_app, name="eval")
app.command("chat")(chat)
app.command("export")(export)
app.command("dj")(dj)
app.command("serve")(serve)
app.add_typer(users_app, name="users")
app.command("doctor")(doctor)


def main() -> None:
    log_to_stderr()
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)
    except SystemExit as done:
        if quick_exit.requested():
            quick_exit.now(done.code)
        raise
