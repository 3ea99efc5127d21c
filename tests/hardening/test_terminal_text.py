"""Issue 13, item 6: untrusted text on a terminal. A name `[/]` must not crash the CLI, `[link=...]` must not become a
link, a 200 KB name must not take minutes, and escape sequences from tags or histories must not reach the terminal.

The generated family sends text full of markup brackets, control characters, escape sequences and bidi overrides
through the display mechanism (`visible` and `SafeConsole`, plain and in tables); the literal cases go through the
real `segue` (subprocesses over a tiny home whose catalogue and history carry them)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.table import Table

from assistant.cli.safe_console import SafeConsole, field
from assistant.model.display import json_text, visible

AREA = "terminal"
HOSTILE = {
    "close tag": "[/]",
    "link markup": "[link=http://x]Evil[/link]",
    "style markup": "[bold red on white]Loud[/]",
    "emoji code": ":pile_of_poo: Band",
    "clear screen": "Clear\x1b[2J\x1b[H Band",
    "title escape": "Title\x1b]0;pwned\x07 Band",
    "hyperlink escape": "\x1b]8;;http://evil.example\x1b\\Click\x1b]8;;\x1b\\",
    "8-bit CSI": "Csi\x9b31m Band",
    "bidi override": "Abc\u202etxt.exe",
    "backspaces": "Good\x08\x08\x08\x08Evil",
}
# what may never reach a terminal raw: C0 but \t \n, DEL, C1, bidi controls
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours (only on a terminal)


def shown(*renderables, width: int = 100) -> str:
    buf = io.StringIO()
    console = SafeConsole(file=buf, width=width, force_terminal=True, color_system="standard")
    for r in renderables:
        console.print(r)
    return SGR.sub("", buf.getvalue())


def test_literal_cases_through_the_console(fuzz_tally):
    for case, text in {**HOSTILE, "200 KB name": "N" * 200_000}.items():
        t0 = time.perf_counter()
        table = Table("Title", "Artist")
        table.add_row(field(text), text)
        try:
            out = shown(text, field(text), table)
        except Exception as e:  # noqa: BLE001 - recorded, then failed below
            fuzz_tally.add(AREA, f"console: {case}", "traceback", error=repr(e)[:200])
            raise
        seconds = time.perf_counter() - t0
        outcome = "hang" if seconds > 2 else "ok"
        fuzz_tally.add(AREA, f"console: {case}", outcome, seconds=round(seconds, 3))
        assert outcome == "ok" and not RAW.search(out) and "\x1b" not in out, (case, out[:300])
        if case in ("close tag", "link markup", "style markup", "emoji code"):
            assert text in out  # shown as typed
    assert fuzz_tally.counts(AREA)["traceback"] == 0


PIECES = ["[/]", "[link=http://x]", "[bold]", "[/link]", ":smile:", "\x1b[", "\x1b]8;;", "\x1b\\", "\x07", "\x9b",
          "\u202e", "\u2066", "\u2028", "\x00", "\r", "\x7f", "\x85", "\n", "\t", "[", "]", "/", "="]
hostile_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(st.characters(max_codepoint=0x3000), max_size=8)),
                        max_size=40).map("".join)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text)
def test_generated_text_is_shown_never_obeyed(fuzz_tally, text):
    try:
        v = visible(text, None, lines=True)
        one_line = visible(text)
        out = shown(text, field(text, 1000), Table("x").add_row(text) or "")
        back = json.loads(json_text({"t": text}))["t"]
    except Exception as e:  # noqa: BLE001
        fuzz_tally.add(AREA, f"generated: {text[:60]!r}", "traceback", error=repr(e)[:200])
        raise
    fuzz_tally.add(AREA, "generated text through visible/SafeConsole/json_text", "ok")
    assert not RAW.search(v) and "\x1b" not in out and not RAW.search(out)
    assert "\n" not in one_line and "\t" not in one_line and len(one_line) <= 6 * 200 + 30
    assert back == text  # --json stays exact
    if not RAW.search(text):
        assert v == text  # ordinary text (markup brackets included) is unchanged


# -- the real CLI ----------------------------------------------------------------------------------------------
SEGUE = [sys.executable, "-m", "assistant.cli"]


def _run(fuzz_tally, case: str, args, home, stdin: str | None = None, bound: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="160")
    t0 = time.perf_counter()
    try:
        p = subprocess.run(SEGUE + args, capture_output=True, text=True, env=env, timeout=bound, input=stdin)
    except subprocess.TimeoutExpired:
        fuzz_tally.add(AREA, f"cli: {case}", "hang", seconds=bound)
        raise
    seconds = round(time.perf_counter() - t0, 2)
    both = p.stdout + p.stderr
    outcome = ("traceback" if "Traceback" in p.stderr else "ok" if p.returncode in (0, 1) else
               "refused" if p.returncode == 2 else "traceback")
    fuzz_tally.add(AREA, f"cli: {case}", outcome, seconds=seconds, exit=p.returncode,
                   raw_escapes=len(RAW.findall(both)))
    assert outcome != "traceback", p.stderr[-2000:]
    assert not RAW.search(both), (case, [m for m in RAW.findall(both)][:5], both[:2000])
    return p


@pytest.mark.integration
def test_hostile_names_through_the_real_cli(fuzz_tally, tmp_path):
    home, src = tmp_path / "home", tmp_path / "cat.jsonl"
    names = list(HOSTILE.values()) + ["N" * 200_000]
    rows = [{"track_id": f"id{i}", "title": f"{names[i % len(names)]} Song {i}" if i % 2 else f"Song {i}",
             "artist": names[i % len(names)] if i < 40 else f"Artist {i}", "year": 1980 + i % 40,
             "genres": ["rock", HOSTILE["title escape"]] if i % 3 == 0 else ["rock", "indie rock"],
             "duration_ms": 200000 + i * 1000, "energy": 0.3 + (i % 6) / 10, "valence": 0.5, "tempo": 90 + i % 50}
            for i in range(120)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    p = _run(fuzz_tally, "catalog import of hostile names (incl. a 200 KB artist)", ["catalog", "import", str(src)],
             home, bound=240)
    assert p.returncode == 0
    fuzz_tally.measure(AREA, import_200kb_name_seconds=fuzz_tally.cases[AREA][-1]["seconds"])
    _run(fuzz_tally, "catalog info", ["catalog", "info"], home)
    p = _run(fuzz_tally, "playlist table with hostile names", ["playlist", "rock songs", "--tracks", "30"], home)
    assert "[/]" in p.stdout and "[link=http://x]Evil[/link]" in p.stdout and "\\x1b" in p.stdout
    p = _run(fuzz_tally, "playlist --json with hostile names", ["playlist", "rock songs", "--tracks", "30", "--json"],
             home)
    artists = {t["artist"] for t in json.loads(p.stdout)["tracks"]}
    assert artists & set(HOSTILE.values())  # exact values back from the JSON
    _run(fuzz_tally, "understand a hostile prompt", ["understand", "[/] [link=http://x]rock[/link] \x1b[2J now"], home)
    _run(fuzz_tally, "error message with escapes", ["eval", "playlists", str(tmp_path / "x\x1b[2J[/].jsonl")], home)
    hist = tmp_path / "Streaming_History_Audio_2024.json"
    hist.write_text(json.dumps([{"ts": f"2024-01-0{1 + i % 9}T10:00:00Z", "ms_played": 200000, "reason_end": "trackdone",
                                 "master_metadata_track_name": f"Tune\x1b[31m{i}\u202e",
                                 "master_metadata_album_artist_name": n[:1000]} for i, n in enumerate(names * 3)]))
    _run(fuzz_tally, "history import with escapes in names", ["history", "import", str(hist), "--user", "eve"], home)
    _run(fuzz_tally, "chat turns and /sessions", ["chat"], home, stdin="rock songs\n/why 1\n/sessions\n/export m3u8\n")
    out = tmp_path / "show"
    _run(fuzz_tally, "dj --render with hostile names", ["dj", "rock songs", "--tracks", "6", "--render", str(out)],
         home, bound=240)
    counts = fuzz_tally.counts(AREA)
    assert counts["traceback"] == 0 and counts["hang"] == 0
