"""What every command shares: the two consoles (safe for untrusted text: `assistant.cli.safe_console`), the
services, and a progress bar on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from assistant.cli.safe_console import SafeConsole, field, note, print_json, say
from assistant.compose import Services, build
from assistant.model.display import visible

__all__ = ["SafeConsole", "err", "field", "note", "out", "print_json", "progress_bar", "say", "services"]

out = SafeConsole()
err = SafeConsole(stderr=True)


def services() -> Services:
    """The real parts, wired from the environment's settings (each command builds its own)."""
    return build()


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator:
    """A callback `(stage, done, total)` drawing one bar per stage on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(visible(stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
