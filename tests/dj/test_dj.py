"""The DJ show on the demo catalogue: render_show's files, facts traced to the catalogue, the CLI, and a spoken
session driven through a pseudo-terminal where "skip" and "more energy" change what plays next."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from assistant.dj import check_line, more_energy, parse_command, render_show, spoken_title, wav_rms, wav_seconds
from assistant.model.playlist_files import read_m3u8
from tests.paths import ROOT

SEGUE = [str(ROOT / ".venv" / "bin" / "segue")] if (ROOT / ".venv" / "bin" / "segue").exists() else \
    [sys.executable, "-m", "assistant.cli"]
PROMPT = "an hour of chill electronic for coding"


@pytest.fixture(scope="module")
def dj_home(demo_home, tmp_path_factory) -> Path:
    """A copy of the demo home: the DJ's likes and skips must not change the other tests' listeners."""
    home = tmp_path_factory.mktemp("dj-home")
    for name in ("catalog", "vectors", "index", "demo"):
        if (demo_home / name).exists():
            shutil.copytree(demo_home / name, home / name)
    src, dst = sqlite3.connect(demo_home / "segue.db"), sqlite3.connect(home / "segue.db")
    src.backup(dst)
    src.close()
    dst.close()
    return home


@pytest.fixture(scope="module")
def app(dj_home, encoder):
    from assistant.compose import build
    from assistant.model.settings import Settings

    a = build(Settings(home=dj_home), encoder=encoder)
    yield a
    a.close()


@pytest.fixture(scope="module")
def rendered(app, tmp_path_factory):
    pl = app.planner.playlist(PROMPT, user="alex")
    out = tmp_path_factory.mktemp("show")
    show = render_show(app.planner, pl.tracks, prompt=PROMPT, constraints=pl.constraints, listener="alex", every=2,
                       out_dir=out, use_llm=False)
    return show, pl, out


def test_render_writes_one_real_wav_per_link(rendered):
    show, _, out = rendered
    wavs = sorted(p.name for p in (out / "links").glob("*.wav"))
    assert wavs == sorted(Path(x.wav).name for x in show.links)
    for link in show.links:
        path = out / link.wav
        assert wav_rms(path) > 0.02, link.wav
        per_word = wav_seconds(path) / len(link.text.split())
        assert 0.15 < per_word < 1.2, (link.text, per_word)
        assert link.seconds == pytest.approx(wav_seconds(path), abs=0.01)


def test_links_are_placed_every_n_tracks_with_intro_and_outro(rendered):
    show, pl, _ = rendered
    n = len(show.tracks)
    assert [x.after_position for x in show.links] == [0, *range(2, n, 2), n]
    assert show.links[0].kind == "intro" and show.links[-1].kind == "outro"
    assert Counter(show.track_ids) == Counter(t.track.track_id for t in pl.tracks)
    assert show.input_track_ids == [t.track.track_id for t in pl.tracks]


def test_sequenced_order_scores_better_than_the_ranked_order(rendered):
    show, _, _ = rendered
    assert show.score.overall > show.input_score.overall
    assert show.score.key_compatible >= show.input_score.key_compatible


def test_cue_sheet_interleaves_links_and_tracks(rendered):
    show, _, out = rendered
    text = (out / "show.m3u8").read_text()
    assert text.startswith("#EXTM3U\n")
    entries = read_m3u8(text)
    links = [e for e in entries if e["artist"] == "Segue DJ"]
    tracks = [e for e in entries if e["artist"] != "Segue DJ"]
    assert [e["location"] for e in links] == [x.wav for x in show.links]
    assert [(e["artist"], e["title"]) for e in tracks] == [(t.artist, t.title) for t in show.tracks]
    assert entries[0]["location"] == "links/001.wav" and entries[-1]["location"] == show.links[-1].wav
    for t, e in zip(show.tracks, tracks):
        assert re.search(rf"^#EXTINF:\d+,{re.escape(t.artist)} - {re.escape(t.title)}$", text, re.M)
        assert abs(e["seconds"] - t.seconds) <= 1


def test_script_lines_trace_to_catalogue_facts(rendered, app):
    show, _, out = rendered
    script = json.loads((out / "script.json").read_text())
    assert script["track_ids"] == show.track_ids and len(script["links"]) == len(show.links)
    assert script["running_order"][0]["type"] == "link"
    cat = app.planner.library().catalogue
    ordered = [cat.track(cat.row_of(t)) for t in show.track_ids]
    for link in script["links"]:
        assert check_line(link["text"], link["facts"]).ok, link["text"]
        facts = link["facts"]
        if "up_next" in facts:
            t = ordered[link["after_position"]]
            up = facts["up_next"]
            assert (up["artist"], up["title"]) == (t.artist, spoken_title(t.title))
            for key in ("year", "chart_peak", "chart_weeks"):
                assert up.get(key) in (None, getattr(t, key))
            if "popularity" in up:
                assert up["popularity"] == round(t.popularity)
            if "album" in up:
                assert up["album"] == spoken_title(t.album)
        if "just_played" in facts:
            t = ordered[link["after_position"] - 1]
            assert facts["just_played"] == {"title": spoken_title(t.title), "artist": t.artist}
    assert script["generated"] is True and "generated demo catalogue" in script["links"][0]["text"]


def test_personal_links_come_from_the_listeners_plays(rendered, app):
    show, _, _ = rendered
    personal = [x for x in show.links if x.kind == "personal"]
    assert personal
    listens = [x for x in app.listeners.store().listens("alex") if not x.skipped]
    for link in personal:
        up = link.facts["up_next"]
        if "plays" in up:
            tid = show.track_ids[link.after_position]
            assert up["plays"] == sum(1 for x in listens if x.track_id == tid)
        if "artist_plays" in up:
            assert up["artist_plays"] == sum(1 for x in listens if x.artist.casefold() == up["artist"].casefold())


def test_render_from_track_ids_keeps_locked_positions(app, tmp_path):
    pl = app.planner.playlist("20 upbeat funk songs")
    ids = [t.track.track_id for t in pl.tracks]
    show = render_show(app.planner, ids, prompt="20 upbeat funk songs", every=5, out_dir=tmp_path, locked=[ids[0], ids[9]],
                       use_llm=False)
    assert show.track_ids[0] == ids[0] and show.track_ids[9] == ids[9]
    assert sorted(show.track_ids) == sorted(ids)
    assert (tmp_path / "show.m3u8").exists() and (tmp_path / "script.json").exists()


def test_unknown_track_ids_are_refused(app, tmp_path):
    from assistant.model.errors import BadInput

    with pytest.raises(BadInput, match="not in the catalogue"):
        render_show(app.planner, ["no-such-track"], out_dir=tmp_path)


def test_more_energy_lifts_what_comes_next(app):
    pl = app.planner.playlist("slow ambient for sleeping")
    tracks = [t.track for t in pl.tracks]
    cat = app.planner.library().catalogue
    pool = [cat.track(r) for r in pl.candidate_rows[:300]]
    current, upcoming = tracks[0], tracks[1:8]
    new = more_energy(current, upcoming, pool, played=[current.track_id], max_per_artist=2)
    assert len(new) == len(upcoming)
    assert current.track_id not in {t.track_id for t in new}
    assert new[0].energy > current.energy
    assert sum(t.energy for t in new) / len(new) > sum(t.energy for t in upcoming) / len(upcoming)
    assert max(Counter(t.artist for t in new).values()) <= 2


@pytest.mark.parametrize("typed,cmd", [("skip", "skip"), ("next", "skip"), ("More energy!", "energy"),
                                       ("who is this?", "who"), ("Who's this", "who"), ("quieter DJ", "quieter"),
                                       ("stop talking", "silent"), ("quit", "quit"), ("like", "like"),
                                       ("talk again", "talk"), ("play some polka", None)])
def test_typed_commands(typed, cmd):
    assert parse_command(typed) == cmd


def test_player_plays_local_files_through_a_player_process(app, rendered, tmp_path):
    """Tracks with a local file go to the player process (no sound card here: a stand-in process that lasts a
    twentieth of the WAV it is given); links play before tracks, never with them; skip and quit end it at once."""
    import io
    import threading
    import time

    from assistant.dj import Player, Studio
    from assistant.dj.speech import EspeakSpeaker

    _, pl, _ = rendered
    song = EspeakSpeaker().say_to_wav("This stands in for a song. " * 12, tmp_path / "song.wav")
    tracks = [t.track.model_copy(update={"path": str(song)}) for t in pl.tracks[:3]]
    small = render_show(app.planner, tracks, prompt=PROMPT, every=1, out_dir=tmp_path / "show", use_llm=False)
    log = tmp_path / "played.log"
    stand_in = [sys.executable, "-c", "import sys, time, wave; w = wave.open(sys.argv[1]); "
                f"log = open({str(log)!r}, 'a', buffering=1); log.write('start ' + sys.argv[1] + '\\n'); "
                "time.sleep(w.getnframes() / w.getframerate() / 20); log.write('end ' + sys.argv[1] + '\\n')"]
    r, w = os.pipe()
    studio = Studio(EspeakSpeaker(), tmp_path / "show", every=1)
    studio.count = len(small.links)
    out = io.StringIO()
    player = Player(small, tracks, studio, speed=1, players={"wav": stand_in, "any": stand_in},
                    stdin=os.fdopen(r, "r"), out=out)

    def started(n: int) -> bool:
        return log.exists() and log.read_text().count(f"start {song}") >= n

    def typist():
        for n, cmd in ((1, b"skip\n"), (2, b"quit\n")):
            while not started(n):
                time.sleep(0.02)
            time.sleep(0.2)
            os.write(w, cmd)

    threading.Thread(target=typist, daemon=True).start()
    session = player.run()
    events = log.read_text().split("\n")
    first = [e.split(" ", 1)[1] for e in events if e.startswith("start")]
    assert first[0].endswith("links/001.wav") and first[1] == str(song)  # the intro, then track 1
    assert first[2].endswith(".wav") and "/links/" in first[2] and first[3] == str(song)  # a link, then track 2
    assert f"end {song}" not in events  # both plays of the song were cut short (skip, quit)
    assert events.index(f"end {first[0]}") < events.index(f"start {song}")  # the intro ended before the track
    assert session.skipped == [small.track_ids[0]] and session.quit and player.proc is None
    assert "skipped." in out.getvalue()


def _env(home: Path) -> dict:
    return dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")


def test_cli_render(dj_home, tmp_path):
    out = tmp_path / "show"
    r = subprocess.run(SEGUE + ["dj", "rainy afternoon jazz, about 40 minutes", "--render", str(out), "--every", "2", "--no-llm"],
                       capture_output=True, text=True, env=_env(dj_home), timeout=180)
    assert r.returncode == 0, r.stderr
    assert "Transition score (ranked -> sequenced)" in r.stdout and "DJ [intro]" in r.stdout
    assert (out / "show.m3u8").exists() and json.loads((out / "script.json").read_text())["links"]
    assert list((out / "links").glob("*.wav"))


def test_cli_errors_are_one_clear_line(dj_home, tmp_path):
    r = subprocess.run(SEGUE + ["dj", "jazz", "--play", "--render", str(tmp_path)], capture_output=True, text=True,
                       env=_env(dj_home), timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "--play or --render" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run(SEGUE + ["dj", "--voice", "nope"], capture_output=True, text=True, env=_env(dj_home),
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "Give a prompt" in r.stderr


def test_spoken_session_through_a_pty(dj_home, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(SEGUE[0], SEGUE[1:] + ["dj", PROMPT, "--user", "alex", "--tracks", "10", "--every", "2", "--no-llm",
                                                 "--speed", "60"],
                          env=_env(dj_home), encoding="utf-8", timeout=90, dimensions=(50, 200))
    transcript = tmp_path / "session.txt"
    child.logfile_read = transcript.open("w")
    try:
        child.expect(r"DJ: (Hello|Good|Welcome)")
        child.expect(r"\[1/10\] ")
        child.sendline("who is this?")
        child.expect(r"DJ \(after this track\): ")
        child.expect(r"\[2/10\] ([^\r\n]+?)  0:00")
        skipped = child.match.group(1)
        child.sendline("skip")
        child.expect("skipped.")
        child.expect(r"\[3/10\] ")
        child.sendline("more energy")
        child.expect(r"next up after this one: ([^\r\n]+?) \(energy ([\d.]+), was ([^\r\n]+?) at ([\d.]+)\)")
        new, new_e, was, was_e = child.match.groups()
        assert new != was and float(new_e) > float(was_e)
        child.expect(r"DJ: [^\r\n]*(energy|notch)")  # said before the next track, not over the current one
        child.expect(r"\[4/10\] ([^\r\n]+?)  0:00")
        assert child.match.group(1).startswith(new)  # then " (year)"
        child.sendline("like")
        child.expect("liked")
        child.sendline("stop talking")
        child.expect("no more talking")
        child.expect(r"\[5/10\] ")
        before_quit = child.before
        child.sendline("quit")
        child.expect("Show over: ")
        child.expect(pexpect.EOF)
    finally:
        child.logfile_read.close()
        child.close()
    assert child.exitstatus == 0
    assert "DJ: " not in before_quit  # no link after "stop talking"
    from retrieval.store.listens import Store
    from retrieval.store.sessions import SessionStore

    with Store(dj_home / "segue.db") as store:
        kinds = [(f["kind"], f["track_id"]) for f in SessionStore(store).feedback("alex")][-2:]
    assert [k for k, _ in kinds] == ["skip", "like"]
    log = transcript.read_text()
    assert skipped in log and new in log
