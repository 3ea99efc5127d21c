"""`segue chat` (the terminal conversation) and `segue export` (a session's playlist as a file)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from assistant.cli.errors import handle_errors
from assistant.cli.safe_console import SafeConsole, field
from assistant.model.display import visible
from assistant.model.errors import SegueError, StorageError, storage_error


def chat(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Personalise with this listener's history")] = None,
    session: Annotated[str | None, typer.Option("--session", "-s", help="Resume this session (see /sessions)")] = None,
) -> None:
    """A multi-turn conversation: ask for a playlist, then refine it ("less ambient", "/undo", "/why 3").
    Reads stdin line by line, so it is scriptable: `printf 'chill jazz\\n/export xspf\\n' | segue chat`."""
    from assistant.cli.chat_render import HELP
    from assistant.compose import build
    from assistant.conversation import Chat

    console = SafeConsole()
    tty = sys.stdin.isatty()
    with handle_errors(SafeConsole(stderr=True)):
        app = build()
        chat_ = Chat(app.planner)
        if session:
            s, _ = chat_.load(session)
            console.print(Text(f"Resumed session {s.id} ({len(s.turns)} turns, version {s.cursor}). /help for help."))
            if s.current is not None:
                _show_current(console, chat_, s)
        else:
            s = chat_.start(listener=user or app.settings.user)
            console.print(Text(f"Session {s.id}. Say what you want to hear; /help for help, /quit to leave."))
    sid = s.id
    while True:
        try:
            line = input("you> " if tty else "")
        except (EOFError, KeyboardInterrupt):
            break
        line = line.strip()
        if not line:
            continue
        if not tty:
            console.print(Text("you> ") + field(line, 2000))
        if line in ("/quit", "/exit", "/q"):
            break
        try:
            if not _command(console, chat_, sid, line, HELP):
                _turn(console, chat_, chat_.say(sid, line))
        except Exception as exc:  # noqa: BLE001 - a failed turn is reported; the session is unchanged
            exc = storage_error(exc) or exc
            if not isinstance(exc, SegueError):
                raise
            if isinstance(exc, StorageError):  # the disk cannot take the session: stop (one line, exit 2)
                with handle_errors(SafeConsole(stderr=True)):
                    raise exc from None
            console.print(Text("error: ") + field(str(exc), 2000))
    console.print(Text(f"Bye. Resume with: segue chat --session {sid}" if chat_.is_stored(sid) else "Bye."))


def _turn(console: Console, chat_, result) -> None:
    from assistant.cli.chat_render import render_turn

    names = {t.track_id: f"{t.artist} - {t.title}" for t in result.tracks}
    if result.diff is not None and result.diff.removed:
        cat = chat_.planner.library().catalogue
        for tid in result.diff.removed:
            row = cat.row_of(tid)
            if row is not None:
                names[tid] = f"{cat.artists[row]} - {cat.titles[row]}"
    render_turn(console, result, names)


def _show_current(console: Console, chat_, s) -> None:
    from assistant.conversation import TurnResult

    _turn(console, chat_, TurnResult(session=s, reply=f"Version {s.cursor}:", tracks=chat_.tracks(s.current),
                                     changed=True))


def _command(console: Console, chat_, sid: str, line: str, help_text: str) -> bool:
    """Handle a /command; False when `line` is not one (it is then a turn)."""
    if not line.startswith("/"):
        return False
    word, _, rest = line[1:].partition(" ")
    word, rest = word.lower(), rest.strip()
    if word == "help":
        console.print(Text(help_text))
    elif word in ("undo", "redo"):
        _turn(console, chat_, chat_.say(sid, word))
    elif word == "why":
        _turn(console, chat_, chat_.say(sid, f"why is track {_one(rest)} here"))
    elif word in ("lock", "unlock"):
        nums = re.findall(r"\d+", rest)
        if not nums:
            raise SegueError(f"/{word} needs track numbers, e.g. /{word} 3 or /{word} 1 2")
        _turn(console, chat_, chat_.say(sid, f"{word} {' and '.join(nums)}"))
    elif word in ("like", "dislike", "skip"):
        console.print(field(chat_.feedback(sid, _one(rest), word).reply, 2000))
    elif word == "export":
        fmt, _, target = rest.partition(" ")
        if not fmt:
            raise SegueError("/export needs a format: m3u8, xspf or jspf (and optionally a file name)")
        text = chat_.export(sid, fmt)
        if target.strip():
            from assistant.model.playlist_files import write_export

            path = write_export(text, Path(target.strip()).expanduser())
            console.print(field(f"Wrote {path}", 1000))
        else:
            console.print(Text(text), soft_wrap=True)
    elif word == "sessions":
        rows = chat_.sessions()
        for r in rows:
            console.print(field(f"{r['id']}  {r['updated'][:16]}  {visible(r['listener'] or '-')}  {visible(r['title'])}",
                                1000))
        if not rows:
            console.print(Text("No sessions yet."))
    else:
        raise SegueError(f"unknown command /{word}; /help lists them")
    return True


def _one(rest: str) -> int:
    m = re.search(r"\d+", rest)
    if not m:
        raise SegueError("give a track number, e.g. /why 3")
    return int(m.group(0))


def export(
    session: Annotated[str, typer.Argument(help="Session id (see `segue chat` then /sessions)")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="m3u8, xspf or jspf")],
    version: Annotated[int | None, typer.Option("--version", "-v", help="Playlist version (default: current)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout)")] = None,
) -> None:
    """Export a session's playlist as M3U8, XSPF or JSPF."""
    from assistant.compose import build
    from assistant.conversation import Chat
    from assistant.model.playlist_files import write_export

    with handle_errors(SafeConsole(stderr=True)):
        text = Chat(build().planner).export(session, fmt, version)
        if output is not None:
            write_export(text, output)
            SafeConsole(stderr=True).print(field(f"Wrote {output}", 1000))
        else:
            text = text if text.endswith("\n") else text + "\n"  # the file itself, byte for byte when piped
            sys.stdout.write(visible(text, None, lines=True) if sys.stdout.isatty() else text)
