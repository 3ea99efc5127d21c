"""`SafeConsole`: untrusted text printed as typed (never markup, never an escape sequence), fast at any length."""

from __future__ import annotations

import io
import re
import time

from rich.table import Table
from rich.text import Text

from assistant.cli.safe_console import SafeConsole, field, note


def printed(*renderables, terminal: bool = True) -> str:
    buf = io.StringIO()
    console = SafeConsole(file=buf, width=120, force_terminal=terminal, color_system="standard" if terminal else None)
    for r in renderables:
        console.print(r)
    return buf.getvalue()


def test_markup_is_shown_not_obeyed():
    out = printed("[/]", "[link=http://x]click[/link]", "[bold red]x[/]", ":thumbs_up:", terminal=False)
    assert out.splitlines() == ["[/]", "[link=http://x]click[/link]", "[bold red]x[/]", ":thumbs_up:"]
    assert "\x1b]8;" not in printed("[link=http://x]click[/link]")  # no hyperlink escape on a terminal either


def test_escape_sequences_in_strings_text_and_table_cells_are_escaped():
    table = Table("title")
    table.add_row(Text("cell\x1b[2J"))
    table.add_row("str\x1b]0;pwned\x07")
    out = printed("a\x1b[31mb", Text("c\x9bd\u202ee"), table, field("f\x1bg"))
    assert "\\x1b[31mb" in out and "c\\x9bd\\u202ee" in out and "cell\\x1b[2J" in out and "f\\x1bg" in out
    assert "\x9b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", out)  # the only escapes left are Rich's own colours


def test_a_200_kb_field_prints_fast_and_short():
    t0 = time.perf_counter()
    out = printed(field("x" * 200_000), "y" * 200_000, terminal=False)
    assert time.perf_counter() - t0 < 2
    assert "(+199,800 chars)" in out and len(out) < 25_000


def test_note_styles_the_label_only():
    out = printed_note = io.StringIO()
    note(SafeConsole(file=printed_note, width=80), "note", "[red]x[/] \x1b")
    assert out.getvalue() == "note: [red]x[/] \\x1b\n"


def test_log_records_are_shown_through_visible():
    import logging

    from assistant.cli.safe_console import VisibleFormatter

    record = logging.LogRecord("segue", logging.WARNING, __file__, 1, "LLM failed: %s", ("\x1b]0;pwned\x07 [/]",), None)
    assert VisibleFormatter("%(message)s").format(record) == "LLM failed: \\x1b]0;pwned\\x07 [/]"
