"""The live DJ session: plays a rendered show and takes typed requests while it runs.

Links and tracks play one after the other, never together. A track with a local audio file plays through an
available player (aplay/paplay for WAV, ffplay or mpv for anything); otherwise, and whenever the clock is
accelerated (`speed` > 1), the show runs on the clock and prints now-playing with the track time. Commands are
read from stdin between clock ticks without blocking (select): skip, like, more energy, who is this?, quieter
DJ, stop talking, talk again, quit. Each takes effect at the next sensible moment: skip and quit at once;
"more energy" re-plans the tracks after the current one (and re-writes their links); "who is this?" is shown
at once and spoken after the current track; "quieter DJ" halves the links to come, "stop talking" drops them.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from assistant.dj.show import Show, ShowLink, Studio, more_energy
from assistant.model.display import visible
from assistant.model.formatting import mm_ss
from retrieval.tracks import Track

TICK = 0.25  # real seconds between clock ticks (and command checks)
HELP = "Commands: skip, like, more energy, who is this?, quieter, stop talking, talk again, quit."
COMMANDS = (
    ("quit", r"(quit|exit|q|bye|stop( the)? (show|music))"),
    ("skip", r"(skip|next|skip (it|this|track|song)|s)"),
    ("like", r"(like|love|like (it|this)|love (it|this)|\+1)"),
    ("energy", r"((more|some|higher) energy|energy|more|pump it up|faster|turn it up|liven it up)"),
    ("who", r"(who|who is (this|it)|who's (this|that)|what is (this|it)|what's (this|playing)|who is that)"),
    ("quieter", r"(quieter( dj)?|talk less|less talk(ing)?|shorter)"),
    ("silent", r"(stop talking|no (more )?talking|shut up|silence|be quiet|quiet)"),
    ("talk", r"(talk( again| more)?|start talking|more talk(ing)?)"),
    ("help", r"(help|\?|h|commands)"),
)


def parse_command(text: str) -> str | None:
    """The command a typed line asks for, or None."""
    s = re.sub(r"[^\w\s'?+]", " ", text.lower()).strip()
    s = re.sub(r"\s+", " ", s).rstrip("?").strip() or ("?" if "?" in text else "")
    s = re.sub(r"^(please |dj |hey |can you |could you )+", "", s)
    s = re.sub(r"( please| dj)+$", "", s) if s not in ("quieter dj",) else s
    for name, pattern in COMMANDS:
        if re.fullmatch(pattern, s):
            return name
    return None


def find_players() -> dict[str, list[str]]:
    """Audio players that work here: {"wav": argv prefix, "any": argv prefix} (missing keys: none found)."""
    found: dict[str, list[str]] = {}
    if shutil.which("paplay") and _works(["pactl", "info"]):
        found["wav"] = ["paplay"]
    elif shutil.which("aplay") and _works(["aplay", "-l"], must_say=r"^card \d+:"):
        found["wav"] = ["aplay", "-q"]
    if shutil.which("ffplay"):
        found["any"] = ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"]
    elif shutil.which("mpv"):
        found["any"] = ["mpv", "--no-video", "--really-quiet"]
    if "wav" not in found and "any" in found:
        found["wav"] = found["any"]
    return found


def _works(argv: list[str], must_say: str | None = None) -> bool:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=3)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and (must_say is None or re.search(must_say, r.stdout, re.M) is not None)


class Clock:
    """Show time, optionally accelerated: at speed 60 a minute of show passes in a second."""

    def __init__(self, speed: float = 1.0):
        self.speed = max(float(speed), 0.001)

    def real(self, show_seconds: float) -> float:
        return show_seconds / self.speed


@dataclass
class ShowState:
    """What the live loop knows: the order, where it is, and what the listener asked."""

    tracks: list[Track]
    links: dict[int, list[ShowLink]]  # after_position -> links to speak there
    pool: list[Track] = field(default_factory=list)  # other candidates, for "more energy"
    position: int = 0  # tracks finished (or skipped) so far
    talking: bool = True
    played: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    liked: list[str] = field(default_factory=list)
    quit: bool = False


class Player:
    """Runs a show. `feedback(kind, track_id)` records likes and skips (e.g. in the listener's history)."""

    def __init__(self, show: Show, tracks: Sequence[Track], studio: Studio, *, speed: float = 1.0,
                 players: dict[str, list[str]] | None = None, pool: Sequence[Track] = (),
                 feedback: Callable[[str, str], None] | None = None, max_per_artist: int = 2,
                 stdin: TextIO | None = None, out: TextIO | None = None):
        by_id = {t.track_id: t for t in tracks}
        links: dict[int, list[ShowLink]] = {}
        for link in show.links:
            links.setdefault(link.after_position, []).append(link)
        self.state = ShowState(tracks=[by_id[i] for i in show.track_ids], links=links, pool=list(pool))
        self.show = show
        self.studio = studio
        self.clock = Clock(speed)
        self.players = players if players is not None else (find_players() if speed == 1 else {})
        self.feedback = feedback
        self.max_per_artist = max_per_artist
        self.stdin = stdin if stdin is not None else sys.stdin
        self.out = out if out is not None else sys.stdout
        self.stdin_open = True
        self.pending = ""  # typed text read but not yet a whole line
        self.inline = False  # a progress line is open (on a terminal it is rewritten in place)
        self.tty = bool(getattr(self.out, "isatty", lambda: False)())
        self.proc: subprocess.Popen | None = None

    # -- output and input --------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        """One line for the listener; names and lines in it are shown through `visible` (no escape sequence)."""
        if self.inline:
            self.out.write("\n")
            self.inline = False
        self.out.write(visible(text, 2000, lines=True) + "\n")
        self.out.flush()

    def progress(self, text: str) -> None:
        """A now-playing time line: rewritten in place on a terminal, one line each otherwise."""
        if self.tty:
            self.out.write("\r" + visible(text, 500))
            self.inline = True
            self.out.flush()
        else:
            self.say(text)

    def _commands(self, timeout: float) -> list[str]:
        """Lines typed within `timeout` seconds (never blocks longer). Reads the file descriptor itself, so two
        lines typed at once are both seen."""
        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            fd = None
        if fd is None:  # a plain text stream (tests): one line per call
            line = self.stdin.readline() if self.stdin_open else ""
            if line == "":
                self.stdin_open = False
                time.sleep(max(0.0, timeout))
            return [line.strip()] if line.strip() else []
        if not self.stdin_open:
            time.sleep(max(0.0, timeout))
            return []
        try:
            ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
            chunk = os.read(fd, 4096) if ready else None
        except (ValueError, OSError):
            chunk = b""
        if chunk is None:
            return []
        if chunk == b"":
            self.stdin_open = False  # end of input: the show goes on without commands
            return []
        self.pending += chunk.decode("utf-8", "replace")
        *lines, self.pending = self.pending.split("\n")
        return [x.strip() for x in lines if x.strip()]

    # -- the show --------------------------------------------------------------------------------
    def run(self) -> ShowState:
        s = self.state
        mode = "audio" if self.players else f"clock x{self.clock.speed:g}" if self.clock.speed != 1 else "clock"
        self.say(f"Segue DJ: {len(s.tracks)} tracks, {sum(len(v) for v in s.links.values())} links ({mode}). {HELP}")
        try:
            while not s.quit:
                self._links_at(s.position)
                if s.quit or s.position >= len(s.tracks):
                    break
                self._track(s.position)
                s.position += 1
        finally:
            self._stop_audio()  # also on Ctrl-C: no player process outlives the show
        self.say(f"Show over: {len(s.played)} played, {len(s.skipped)} skipped, {len(s.liked)} liked.")
        return s

    def _links_at(self, pos: int) -> None:
        while self.state.links.get(pos) and not self.state.quit:
            link = self.state.links[pos].pop(0)
            if not self.state.talking:
                continue
            self.say(f"DJ: {link.text}")
            self._play(self.studio.out_dir / link.wav, link.seconds, label=None)

    def _track(self, pos: int) -> None:
        t = self.state.tracks[pos]
        seconds = (t.duration_ms or 180_000) / 1000
        year = f" ({t.year})" if t.year else ""
        self.say(f"\u25b6 [{pos + 1}/{len(self.state.tracks)}] {t.artist} - {t.title}{year}  0:00 / {mm_ss(seconds)}")
        path = Path(t.path) if t.path and Path(t.path).is_file() else None
        done = self._play(path, seconds, label=t)
        if done == "skip":
            self.state.skipped.append(t.track_id)
            if self.feedback:
                self.feedback("skip", t.track_id)
            after = self.state.links.get(pos + 1, [])
            self.state.links[pos + 1] = [self.studio.without_backsell(x) if "just_played" in x.facts else x for x in after]
        elif done == "end":
            self.state.played.append(t.track_id)

    def _play(self, path: Path | None, seconds: float, label: Track | None) -> str:
        """Play a link (label None) or a track until it ends or a command stops it: 'end', 'skip' or 'quit'."""
        kind = "wav" if path is not None and path.suffix.lower() == ".wav" else "any"
        argv = self.players.get(kind) if path is not None else None
        if argv:
            try:
                self.proc = subprocess.Popen(argv + [str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
            except OSError:
                self.proc = None
        start = time.monotonic()
        last_shown = 0.0
        while True:
            elapsed = (time.monotonic() - start) * (1 if self.proc else self.clock.speed)
            if self.proc is not None and self.proc.poll() is not None:
                failed = self.proc.returncode != 0
                self.proc = None
                if not failed:
                    return "end"
                self.say(f"(the audio player failed on {path.name}; the rest runs on the clock)")
                self.players = {}
                start = time.monotonic() - elapsed / self.clock.speed
                continue
            if self.proc is None and elapsed >= seconds:
                return "end"
            step = 5 if self.tty else 60
            if label is not None and elapsed - last_shown >= step:
                last_shown = elapsed - elapsed % step
                self.progress(f"   {mm_ss(min(elapsed, seconds))} / {mm_ss(seconds)}  {label.artist} - {label.title}")
            wait = TICK if self.proc else min(TICK, self.clock.real(seconds - elapsed))
            for line in self._commands(wait):
                outcome = self._command(line, during_track=label is not None)
                if outcome in ("skip", "quit"):
                    self._stop_audio()
                    return outcome

    def _stop_audio(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    # -- commands --------------------------------------------------------------------------------
    def _command(self, line: str, during_track: bool) -> str | None:
        """Act on a typed line. During a link, "this" is the track just played and changes start with the next."""
        s = self.state
        cmd = parse_command(line)
        at = s.position if during_track else s.position - 1
        current = s.tracks[at] if 0 <= at < len(s.tracks) else None
        if cmd == "quit":
            s.quit = True
            self.say("DJ: quitting.")
            return "quit"
        if cmd == "skip":
            self.say("skipped." if during_track else "DJ: (link skipped)")
            return "skip"
        if cmd == "silent":
            s.talking = False
            self.say("DJ: OK, no more talking; just the music.")
            return None if during_track else "skip"
        if cmd == "talk":
            s.talking = True
            self.say("DJ: back on the mic between tracks.")
        elif cmd == "like" and current is not None:
            if current.track_id not in s.liked:
                s.liked.append(current.track_id)
            if self.feedback:
                self.feedback("like", current.track_id)
            self.say(f"\u2665 liked {current.artist} - {current.title}" + ("" if self.feedback else
                                                                          " (not saved: no --user)"))
        elif cmd == "who" and current is not None:
            link = self.studio.live(self.studio.about(current, at + 1))
            self.say(f"DJ{' (after this track)' if during_track else ''}: {link.text}")
            s.links.setdefault(at + 1, []).insert(0, link)
        elif cmd == "quieter":
            self._quieter()
        elif cmd == "energy" and current is not None:
            self._more_energy(current, at + 1)
        elif cmd == "help":
            self.say(HELP)
        elif cmd is None:
            self.say(f"? {line!r}: not a command. {HELP}")
        return None

    def _quieter(self) -> None:
        s = self.state
        self.studio.every *= 2
        kept = 0
        for pos in sorted(p for p in s.links if p > s.position):
            s.links[pos] = [x for x in s.links[pos] if x.kind in ("outro", "about")
                            or (x.kind != "intro" and pos % self.studio.every == 0)]
            kept += len(s.links[pos])
        self.say(f"DJ: I'll keep it short: a link every {self.studio.every} tracks from here ({kept} to come).")

    def _more_energy(self, current: Track, keep: int) -> None:
        """Re-plan the tracks from position `keep` on (the current track and those before stay)."""
        s = self.state
        upcoming = s.tracks[keep:]
        if not upcoming:
            self.say("DJ: this is the last track; nothing left to lift.")
            return
        was = upcoming[0]
        new = more_energy(current, upcoming, s.pool, played=s.played + s.skipped, max_per_artist=self.max_per_artist)
        s.tracks = s.tracks[:keep] + new
        for pos in [p for p in s.links if p >= keep]:  # the links ahead named the old tracks
            s.links[pos] = [x for x in s.links[pos] if x.kind == "about"]
        for plan in self.studio.plans(s.tracks):
            if plan.after_position > keep and plan.kind != "intro":
                s.links.setdefault(plan.after_position, []).append(self.studio.live(plan))
        if s.talking:
            s.links.setdefault(keep, []).append(self.studio.live(self.studio.request_link(new[0], keep)))
        e = f" (energy {new[0].energy:.2f}, was {was.artist} - {was.title} at {was.energy or 0:.2f})"
        self.say(f"DJ: more energy - next up after this one: {new[0].artist} - {new[0].title}{e}")
