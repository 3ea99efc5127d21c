"""Rich rendering of playlists, reports and catalogue summaries (plain text when not a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from assistant.cli.safe_console import field
from assistant.model.display import visible
from assistant.model.formatting import track_time
from assistant.model.playlist import Playlist


def number_or_unknown(x, fmt: str) -> str:
    """A number in `fmt`, or "?" when it is unknown."""
    return "?" if x is None else format(x, fmt)


def render_playlist(console: Console, pl: Playlist) -> None:
    c = pl.constraints
    head = f"Playlist for: '{visible(c.prompt)}'" if c.prompt else "Playlist"
    if pl.catalogue:
        head += f"  [{visible(pl.catalogue)}]"
    if pl.listener:
        head += f"  (personalised for {visible(pl.listener)})"
    table = Table(title=Text(head), title_justify="left", show_lines=False)
    for col, just in (("#", "right"), ("Title", "left"), ("Artist", "left"), ("Year", "right"), ("BPM", "right"),
                      ("Energy", "right"), ("Time", "right"), ("Why", "left")):
        table.add_column(col, justify=just, overflow="fold")
    for i, e in enumerate(pl.tracks, 1):
        t = e.track
        year = t.year if t.year is not None else (f"{t.decade}s" if t.decade else None)
        table.add_row(str(i), field(t.title), field(t.artist), number_or_unknown(year, ""), number_or_unknown(t.tempo, ".0f"),
                      number_or_unknown(t.energy, ".2f"), track_time(t.duration_ms), field(e.why, 400))
    console.print(table)
    console.print(f"{len(pl.tracks)} tracks, {pl.total_ms / 60000:.1f} minutes")
    render_understood(console, pl)
    console.print(Text("Constraint report: ") + (Text("all satisfied", style="green") if pl.report.satisfied
                                                 else Text("not all satisfied", style="red")))
    for ch in pl.report.checks:
        mark = Text("ok  ", style="green") if ch.satisfied else Text("FAIL", style="red")
        console.print(Text("  ") + mark + Text(" ") + field(f"{ch.constraint}: {ch.detail}", 600))


def render_understood(console: Console, pl: Playlist) -> None:
    c = pl.constraints
    bits = []
    if c.genres:
        bits.append("genres " + ", ".join(c.genres))
    if c.moods:
        bits.append("mood " + ", ".join(c.moods))
    if c.years:
        bits.append(f"years {c.years.describe()}")
    if c.tempo:
        bits.append(f"tempo {c.tempo.describe('BPM')}")
    targets = c.targets.items()
    if targets:
        bits.append(", ".join(f"{k} ~{v:.2f}" for k, v in targets))
    if c.exclude_artists:
        bits.append("not " + ", ".join(c.exclude_artists))
    if c.seed_artists:
        bits.append("like " + ", ".join(c.seed_artists))
    if c.include_artists:
        bits.append("only " + ", ".join(c.include_artists))
    if c.explicit != "allow":
        bits.append(f"explicit: {c.explicit}")
    if c.activities:
        bits.append("for " + ", ".join(c.activities))
    if c.concepts:
        bits.append("occasion/mood: " + ", ".join(c.concepts))
    if c.feature_ranges.items():
        bits.append(", ".join(f"{k} {r.describe()}" for k, r in c.feature_ranges.items()))
    if c.subject:
        bits.append(f"about {c.subject}")
    if c.title_words:
        bits.append("titles with " + ", ".join(repr(w) for w in c.title_words))
    if c.covers_of:
        bits.append("covers of " + ", ".join(c.covers_of))
    if c.era != "any":
        bits.append({"new": "new releases", "newer": "newer than the seeds", "older": "older than the seeds"}[c.era])
    if c.familiarity != "any":
        bits.append({"favourites": "your favourites", "new_to_me": "new to you"}[c.familiarity])
    works = [("like", c.seed_works), ("include", c.include_works), ("not", c.exclude_works)]
    bits += [f"{word} " + ", ".join(w.describe() for w in ws) for word, ws in works if ws]
    if c.popularity != "any":
        bits.append(c.popularity.replace("_", " "))
    if c.ordering.arc != "any" or c.ordering.smooth:
        bits.append(" ".join(x for x in [f"{c.ordering.arc} energy" if c.ordering.arc != "any" else "",
                                         "smooth transitions" if c.ordering.smooth else ""] if x))
    if bits:
        console.print(field("Understood: " + "; ".join(bits), 2000))
    u = pl.understanding or {}
    llm = u.get("llm")
    if llm:
        tokens = "/".join(str(llm.get(k)) for k in ("input_tokens", "output_tokens") if llm.get(k) is not None)
        console.print(field(f"Read by {llm['provider']}:{llm['model']} with the offline parser's cross-check "
                           f"({llm['seconds']:.1f} s" + (f", {tokens} tokens" if tokens else "") + ")"))
    for line in u.get("disagreements") or []:
        console.print(field(f"Cross-check: {line}", 600))
    for note in c.notes:
        console.print(field(f"Note: {note}", 600))


def render_info(console: Console, info: dict) -> None:
    table = Table(title="Active catalogue", title_justify="left", show_header=False)
    table.add_column("field")
    table.add_column("value")
    for k in ("label", "generated", "tracks", "artists", "genres", "years", "with_genres", "with_year", "with_popularity",
              "doubtful_dates", "doubtful_genres", "index", "home", "listeners"):
        v = info.get(k)
        if isinstance(v, list):
            v = ", ".join(map(str, v)) if k == "listeners" else "-".join(map(str, v))
        table.add_row(k.replace("_", " "), field(f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v),
                                                 1000))
    console.print(table)
