"""Rich rendering for `segue chat`: the constraint panel, the playlist, and each turn's diff (plain when piped)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.cli.render import number_or_unknown
from assistant.cli.safe_console import field
from assistant.conversation import TurnResult
from assistant.model.constraints import Constraints
from assistant.model.formatting import track_time

HELP = """Say what you want ("an hour of chill electronic for coding"), then refine it:
  "no more than two songs per artist", "less ambient, more house", "make it 90 minutes",
  "remove track 3", "move 5 to the top", "swap the second half to jazz", "start over: 90s hip hop"
Commands:
  /undo  /redo          step back or forward between playlist versions
  /why N                why track N is here
  /like N  /dislike N  /skip N   feedback; it steers later turns and is kept with your history
  /lock N [M ...]       keep these tracks through later edits (/unlock N to release)
  /export FORMAT [FILE] m3u8, xspf or jspf (printed, or written to FILE)
  /sessions             your sessions (resume one with `segue chat --session ID`)
  /help  /quit"""


def constraint_panel(c: Constraints) -> list[str]:
    """What Segue believes the listener wants, one line per constraint that is set."""
    lines = []
    if c.genres:
        lines.append("genres: " + ", ".join(c.genres))
    if c.exclude_genres:
        lines.append("not genres: " + ", ".join(c.exclude_genres))
    if c.avoid_genres:
        lines.append("less: " + ", ".join(c.avoid_genres))
    if c.moods or c.activities:
        lines.append("mood: " + ", ".join(c.moods + c.activities))
    if c.years:
        lines.append(f"years: {c.years.describe()}")
    if c.tempo:
        lines.append(f"tempo: {c.tempo.describe('BPM')}")
    if c.targets.items():
        lines.append("feel: " + ", ".join(f"{k} ~{v:.2f}" for k, v in c.targets.items()))
    for label, names in (("only", c.include_artists), ("not", c.exclude_artists), ("like", c.seed_artists)):
        if names:
            lines.append(f"{label}: " + ", ".join(names))
    if c.max_per_artist:
        lines.append(f"at most {c.max_per_artist} per artist")
    if c.length.minutes:
        lines.append(f"length: {c.length.minutes:g} minutes")
    elif c.length.tracks:
        lines.append(f"length: {c.length.tracks} tracks")
    if c.explicit != "allow":
        lines.append(f"explicit: {c.explicit}")
    return lines


def render_turn(console: Console, r: TurnResult, names: dict[str, str]) -> None:
    """The reply, then (when the playlist changed) the diff, the constraint panel and the playlist."""
    console.print(field(r.reply, 4000))
    v = r.version
    if v is None or not r.changed:
        return
    d = v.diff
    if v.n > 1 or d.constraints:
        console.print(Text(f"-- version {v.n}: +{len(d.added)} -{len(d.removed)} moved {len(d.moved)}, "
                           f"kept {d.kept} --"))
        for t in d.added:
            console.print(field(f"  + {names.get(t, t)}", 400))
        for t in d.removed:
            console.print(field(f"  - {names.get(t, t)}", 400))
        for m in d.moved:
            console.print(field(f"  ~ {names.get(m.track_id, m.track_id)}: {m.before} -> {m.after}", 400))
        for line in d.constraints:
            console.print(field(f"  * {line}", 400))
    console.print(field("Constraints: " + ("; ".join(constraint_panel(v.constraints)) or "none"), 2000))
    table = Table(show_lines=False, title=Text(f"Version {v.n}"), title_justify="left")
    for col, just in (("#", "right"), ("Title", "left"), ("Artist", "left"), ("Year", "right"), ("BPM", "right"),
                      ("Time", "right"), ("", "left")):
        table.add_column(col, justify=just, overflow="fold")
    locked = set(v.locked)
    for i, t in enumerate(r.tracks, 1):
        table.add_row(str(i), field(t.title), field(t.artist), number_or_unknown(t.year, ""), number_or_unknown(t.tempo, ".0f"),
                      track_time(t.duration_ms), "locked" if t.track_id in locked else "")
    console.print(table)
    total = sum(t.duration_ms or 0 for t in r.tracks) / 60000
    bad = [c for c in v.report if not c.get("satisfied")]
    console.print(field(f"{len(r.tracks)} tracks, {total:.1f} minutes; report: "
                        + ("all satisfied" if not bad else "; ".join(f"{c['constraint']}: {c['detail']}" for c in bad)),
                        2000))
