"""`segue dj`: build a set from a prompt, sequence it, write and speak the links, then play or render the show."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from assistant.cli.errors import handle_errors
from assistant.cli.safe_console import SafeConsole, field


def dj(
    prompt: Annotated[str | None, typer.Argument(help="What to play, e.g. \"rainy afternoon jazz, about 40 "
                                                         "minutes\" (asked for when left out on a terminal)")] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Personalise with this listener's history; "
                                                "likes and skips are saved to it")] = None,
    voice: Annotated[str | None, typer.Option(help="espeak[:en-gb] (default), piper (optional extra), "
                                                 "openai[:nova]")] = None,
    every: Annotated[int | None, typer.Option(min=1, max=50, help="A link after every N tracks (default 3)")] = None,
    play: Annotated[bool, typer.Option("--play", help="Play the show (the default)")] = False,
    render: Annotated[Path | None, typer.Option("--render", help="Write the show to this folder instead: "
                                                   "links/*.wav, show.m3u8, script.json")] = None,
    speed: Annotated[float, typer.Option(min=0.1, max=100000, help="Clock speed while playing: 60 = a minute per "
                                         "second (audio is only played at 1)")] = 1.0,
    persona: Annotated[str | None, typer.Option(help="radio, late-night, club, critic, or your own words "
                                                   "(used when an LLM writes the lines)")] = None,
    minutes: Annotated[float | None, typer.Option(help="Length in minutes (overrides the prompt)")] = None,
    tracks: Annotated[int | None, typer.Option(help="Number of tracks (overrides the prompt)")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Write the links from templates even with an LLM")] = False,
) -> None:
    """The DJ: a sequenced set with spoken links. Plays it (typed commands while it runs: skip, like, more energy,
    who is this?, quieter, stop talking, quit), or with --render writes it to a folder."""
    from assistant.compose import build
    from assistant.dj import render_show, speaker_for
    from assistant.model.errors import BadInput, NoPlaylist

    console = SafeConsole(soft_wrap=True)
    err = SafeConsole(stderr=True, soft_wrap=True)
    with handle_errors(err):
        if play and render is not None:
            raise BadInput("Choose --play or --render DIR, not both.")
        if not prompt:
            if not sys.stdin.isatty():
                raise BadInput("Give a prompt, e.g. segue dj \"rainy afternoon jazz, about 40 minutes\".")
            prompt = input("What should I play? ").strip()
        app = build()
        settings = app.settings
        every = every or settings.dj_every
        speaker = speaker_for(voice or settings.dj_voice)
        err.print(Text("Loading the catalogue..."))
        app.catalogue.library()
        try:
            pl = app.planner.playlist(prompt, user=user, minutes=minutes, tracks=tracks)
        except NoPlaylist as no:
            r = no.reading
            console.print(field(r.refusal.message if r.refusal else r.clarification.question, 2000))
            raise typer.Exit(1) from None
        if pl.understanding and pl.understanding.get("fallback"):
            err.print(field(f"note: {pl.understanding['fallback']}", 2000))
        out_dir = render if render is not None else Path(tempfile.mkdtemp(prefix="segue-dj-"))
        show = render_show(app.planner, pl.tracks, prompt=prompt, constraints=pl.constraints, listener=user, every=every,
                           speaker=speaker, out_dir=out_dir, persona=persona, use_llm=False if no_llm else None)
        for note in show.notes:
            err.print(field(f"note: {note}", 2000))
        if render is not None:
            _summary(console, show, out_dir)
            return
        _live(app.planner, show, pl, out_dir, speaker, user=user, every=show.every, speed=speed)


def _summary(console: Console, show, out_dir: Path) -> None:
    label = f" ({show.catalogue})" if show.catalogue else ""
    console.print(Text("Show for ") + field(repr(show.prompt)) + field(label) + Text(f": {len(show.tracks)} tracks, {len(show.links)} links, "
                       f"voice {show.voice}"))
    for item in show.running_order():
        if item["type"] == "link":
            console.print(field(f"  DJ [{item['kind']}] {item['text']}", 1000))
        else:
            console.print(field(f"  {item['position']:>2}. {item['label']}", 500))
    a, b = show.input_score, show.score
    console.print(Text(f"Transition score (ranked -> sequenced): overall {a.overall:.3f} -> {b.overall:.3f}; "
                       f"compatible keys {_pct(a.key_compatible)} -> {_pct(b.key_compatible)}; mean BPM step "
                       f"{_num(a.mean_bpm_step)} -> {_num(b.mean_bpm_step)}; arc fit ({b.arc}) {a.arc_fit:.3f} -> "
                       f"{b.arc_fit:.3f}"))
    audio = sum(x.seconds for x in show.links)
    console.print(Text(f"Wrote {out_dir}/links/*.wav ({len(show.links)} files, {audio:.1f} s of speech), "
                       f"{out_dir}/show.m3u8, {out_dir}/script.json in {show.seconds.get('all', 0):.2f} s"))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _live(planner, show, pl, out_dir: Path, speaker, *, user: str | None, every: int, speed: float) -> None:
    from assistant.dj import Player, Studio, history_for, occasion, request_words

    c = pl.constraints
    lib = planner.library()
    studio = Studio(speaker, out_dir, request=request_words(show.prompt) or (c.theme or ""),
                    occasion_text=occasion(c.theme, c.activities, c.moods, c.genres),
                    history=history_for(planner.listeners, user), generated=lib.catalogue.generated, listener=user, every=every)
    studio.count = max((x.n for x in show.links), default=0)
    for link in show.links:
        studio.writer.note(link.text)
    in_show = set(show.track_ids)
    pool = [lib.catalogue.track(r) for r in pl.candidate_rows[:300] if lib.catalogue.ids[r] not in in_show]
    feedback = None
    if user:
        store = planner.listeners.stores.sessions()

        def feedback(kind: str, track_id: str) -> None:
            store.add_feedback(user, track_id, kind)
            planner.listeners.forget_taste(user)

    player = Player(show, [p.track for p in pl.tracks], studio, speed=speed, pool=pool, feedback=feedback,
                    max_per_artist=c.max_per_artist or planner.settings.default_max_per_artist)
    player.run()
