"""What every command shares: the two consoles, the services, and a progress bar on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from assistant.compose import Services, build

out = Console()
err = Console(stderr=True)


def services() -> Services:
    """The real parts, wired from the environment's settings (each command builds its own)."""
    return build()


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator:
    """A callback `(stage, done, total)` drawing one bar per stage on stderr, or None when disabled."""
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
