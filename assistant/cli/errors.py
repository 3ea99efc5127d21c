"""The command line's one place for errors: a domain error (any `SegueError`) becomes one plain line on stderr and exit code 2,
Ctrl-C exit 130; a disk that is full, read-only or failing while a file of the home is written (an `OSError` that
`storage_error` classifies) is a `StorageError` too; anything else is a bug and propagates. The message is printed as
text, never as Rich markup (a path like 'x[/bold].jsonl' is shown as it is, not parsed; an escape sequence in it is
shown, not obeyed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.text import Text

from assistant.model.display import BLOCK_CHARS, visible
from assistant.model.errors import SegueError, storage_error


@contextmanager
def handle_errors(err: Console) -> Iterator[None]:
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err.print(Text("Interrupted."))
        raise typer.Exit(130) from None
    except Exception as exc:  # noqa: BLE001 - translated below, re-raised when it is not ours
        exc = storage_error(exc) or exc
        if not isinstance(exc, SegueError):
            raise
        err.print(Text("error: ", style="bold red") + Text(visible(str(exc), BLOCK_CHARS, lines=True)), soft_wrap=True)
        raise typer.Exit(2) from None
