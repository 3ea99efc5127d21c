"""`segue history import`: a listener's plays from Spotify, Last.fm or ListenBrainz exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.errors import handle_errors
from assistant.cli.terminal import err, field, out, print_json, services

history_app = typer.Typer(help="Import listening histories (Spotify, Last.fm, ListenBrainz).", no_args_is_help=True)


@history_app.command("import")
def history_import(
    path: Annotated[Path, typer.Argument(help="Spotify Streaming_History_Audio_*.json / endsong_*.json / "
                                               "StreamingHistory_music_*.json, Last.fm recent-tracks JSON, "
                                               "ListenBrainz listens, or a folder of them")],
    user: Annotated[str, typer.Option("--user", "-u", help="Listener name")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import a listening history for a listener and match it to the catalogue.

    A play with a wrong value is skipped (bad_record); a file laid out wrongly, or with no readable play, is refused."""
    with handle_errors(err):
        result = services().listeners.import_history(path, user)
        if as_json:
            print_json(result)
            return
        r, m = result["read"], result["match"]
        out.print(field(user) + f": read {r['read']:,} plays, kept {r['kept']:,}; matched {m['matched']:,}, unmatched {m['unmatched']:,}")
        for reason, n in (r.get("skipped") or {}).items():
            seen = "; ".join((r.get("examples") or {}).get(reason, []))
            out.print(field(f"  skipped {n:,}: {reason}" + (f" (e.g. {seen})" if seen else ""), 1000))
        if m.get("unmatched_examples"):
            out.print(field("  not in the catalogue, e.g.: " + "; ".join(field(x).plain for x in m["unmatched_examples"][:3]),
                            1000))

