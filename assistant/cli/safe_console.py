"""The CLI's one way to put text on a terminal (see `assistant.model.display` for what is made safe and why).

Every line the CLI prints goes through a `SafeConsole` (or `print_json` for --json output): untrusted text (a
catalogue's names and titles, tags, histories, prompts, LLM answers, error messages) is never parsed as Rich markup
or emoji codes, never auto-highlighted, and reaches the terminal only through `visible` (controls and escape sequences
shown as `\\x1b`, overlong text shortened). Renderers shorten each untrusted field with `field`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from assistant.model.display import BLOCK_CHARS, FIELD_CHARS, is_visible, json_text, visible


class SafeConsole(Console):
    """A Rich console for untrusted text: no markup, no emoji codes, no highlighting; every character it draws has
    passed `visible` (so a `[/]`, a `[link=...]` or an ESC in a name is shown as typed, never obeyed)."""

    def __init__(self, **kwargs: Any):
        kwargs.update(markup=False, emoji=False, highlight=False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs.update(markup=False, emoji=False, highlight=False)
        return super().render_str(visible(text, BLOCK_CHARS, lines=True), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for seg in super().render(renderable, options):
            if seg.control is None and not is_visible(seg.text):
                yield Segment(visible(seg.text, None, lines=True), seg.style)
            else:
                yield seg


def field(value: Any, limit: int = FIELD_CHARS, style: str = "") -> Text:
    """One untrusted field (a title, an artist, a reason) as display text: escaped and shortened to `limit`."""
    return Text(visible("" if value is None else value, limit), style=style)


def note(console: Console, label: str, message: Any, style: str = "yellow") -> None:
    """`label: message` on one line, the label styled, the message as plain text."""
    console.print(Text(f"{label}: ", style=style) + Text(visible(message, BLOCK_CHARS, lines=True)), soft_wrap=True)


def print_json(obj: Any) -> None:
    """--json output: exact JSON (the same values), with no raw control or bidi code point."""
    sys.stdout.write(json_text(obj) + "\n")


def say(text: Any = "") -> None:
    """One plain line on stdout (a fixed-width table row, a misreading), shown through `visible`."""
    sys.stdout.write(visible(text, None, lines=True) + "\n")


class VisibleFormatter(logging.Formatter):
    """Log records on a terminal: a warning quoting an LLM server's error or a file's line is shown through `visible`."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record), BLOCK_CHARS, lines=True)


def log_to_stderr(level: int = logging.WARNING) -> None:
    """Warnings on stderr as Python shows them by default (the message alone), made safe by `VisibleFormatter`."""
    handler = logging.StreamHandler()
    handler.setFormatter(VisibleFormatter("%(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
