"""Multi-turn sessions end to end: the chat service on the demo catalogue, `segue chat` piped (transcript) and on a
real pseudo-terminal, resuming after kill -9, concurrent turns, and `segue export`."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from assistant.conversation import Chat
from assistant.model.playlist_files import read_jspf, read_m3u8, read_xspf

SEGUE = [sys.executable, "-m", "assistant.cli"]
MUST_SHOW = ["an hour of chill electronic for coding", "no more than two songs per artist", "less ambient, more house"]


def env_for(home):
    return dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="160")


def artists_of(chat, version):
    return Counter(t.artist for t in chat.tracks(version))


def test_the_must_show_conversation(demo_app):
    chat = Chat(demo_app.planner)
    s = chat.start()
    r1 = chat.say(s.id, MUST_SHOW[0])
    v1 = r1.version
    assert v1.n == 1 and v1.constraints.length.minutes == 60 and r1.changed
    assert abs(sum(t.duration_ms for t in r1.tracks) / 60000 - 60) <= 3
    r2 = chat.say(s.id, MUST_SHOW[1])
    v2 = r2.version
    assert v2.n == 2 and v2.constraints.max_per_artist == 2
    assert any(line.startswith("max_per_artist") for line in v2.diff.constraints)
    assert max(artists_of(chat, v2).values()) <= 2
    r3 = chat.say(s.id, MUST_SHOW[2])
    v3 = r3.version
    assert v3.n == 3 and max(artists_of(chat, v3).values()) <= 2
    assert any(line.startswith("genres") for line in v3.diff.constraints)
    assert v3.diff.kept >= len(v2.track_ids) // 2  # the edit kept most of the playlist
    r4 = chat.say(s.id, "/undo".lstrip("/"))
    assert r4.version.n == 2 and r4.version == v2  # undo restores version 2 exactly
    doc = chat.export(s.id, "xspf")
    root = ET.fromstring(doc)
    assert root.tag == "{http://xspf.org/ns/0/}playlist" and root.get("version") == "1"
    back = read_xspf(doc)
    assert [t["title"] for t in back["tracks"]] == [t.title for t in chat.tracks(v2)]
    # the session persisted: a new service on the same store sees the same state
    again, revision = Chat(demo_app.planner).load(s.id)
    assert again.cursor == 2 and len(again.turns) == 4 and again.versions[2] == v3 and revision == 4  # stored by turn 1


def test_refused_and_unreadable_edits_change_nothing(demo_app):
    chat = Chat(demo_app.planner)
    s = chat.start()
    v1 = chat.say(s.id, "20 upbeat house songs").version
    r = chat.say(s.id, "remove track 99")
    assert r.version == v1 and r.refused and "99" in r.refused[0]
    r = chat.say(s.id, "blorp")
    assert r.version == v1 and "didn't catch" in r.reply
    r = chat.say(s.id, "why is track 3 here?")
    assert r.version == v1 and r.answers


def test_feedback_is_stored_and_steers_taste(demo_app):
    chat = Chat(demo_app.planner)
    s = chat.start(listener="fb-listener")
    v = chat.say(s.id, "20 chill jazz songs").version
    assert demo_app.listeners.taste("fb-listener") is None or True  # no history yet: taste may be empty
    chat.feedback(s.id, 1, "like")
    chat.feedback(s.id, 2, "skip")
    stored = chat.store.feedback("fb-listener")
    assert [(f["kind"], f["track_id"]) for f in stored] == [("like", v.track_ids[0]), ("skip", v.track_ids[1])]
    assert demo_app.listeners.taste("fb-listener") is not None  # the like built a taste at once
    with pytest.raises(Exception, match="no track 40"):
        chat.feedback(s.id, 40, "like")


def test_a_disliked_track_goes_and_its_place_is_refilled(demo_app):
    chat = Chat(demo_app.planner)
    s = chat.start(listener="dislike-listener")
    v = chat.say(s.id, "20 chill jazz songs").version
    r = chat.feedback(s.id, 3, "dislike")
    now = r.session.current
    assert v.track_ids[2] not in now.track_ids and len(now.track_ids) == 20 and now.n == v.n + 1
    assert "took it out" in r.reply and r.changed
    assert [f["kind"] for f in chat.store.feedback("dislike-listener")] == ["dislike"]
    assert chat.say(s.id, "undo").session.current.track_ids == v.track_ids  # and it can be undone
    kept = chat.feedback(s.id, 1, "like").session.current
    assert kept.track_ids == v.track_ids  # a like keeps the playlist as it is


def test_concurrent_turns_are_serialised_or_rejected(demo_app, demo_home, encoder):
    from assistant.compose import build
    from assistant.model.settings import Settings

    chat = Chat(demo_app.planner)
    s = chat.start()
    chat.say(s.id, "20 upbeat house songs")
    results, errors = [], []

    def turn(text):
        app = build(Settings(home=demo_home), encoder=encoder)
        try:
            results.append(Chat(app.planner).say(s.id, text))
        except Exception as e:  # noqa: BLE001 - the rejected turn
            errors.append(e)
        finally:
            app.close()

    threads = [threading.Thread(target=turn, args=(t,)) for t in ("only one song per artist", "make it 30 songs")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final, _ = Chat(demo_app.planner).load(s.id)
    assert len(results) + len(errors) == 2 and len(final.turns) == 1 + len(results)
    assert all("changed by another turn" in str(e) for e in errors)
    assert len(final.versions) == 1 + len(results)  # nothing interleaved: one version per committed turn


def test_piped_transcript(demo_home, tmp_path):
    out_file = tmp_path / "out.xspf"
    script = "\n".join(MUST_SHOW + ["/undo", "/why 2", "/like 1", f"/export xspf {out_file}", "/sessions", "/nope",
                                    "/quit"]) + "\n"
    p = subprocess.run(SEGUE + ["chat"], input=script, capture_output=True, text=True, env=env_for(demo_home),
                       timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "Traceback" not in out + p.stderr
    assert out.count("you> ") == 10  # every line echoed, plain text
    assert "-- version 2:" in out and "max_per_artist: none -> 2" in out and "-- version 3:" in out
    assert "undo: now showing version 2" in out
    assert "unknown command /nope" in out and "Liked " in out and f"Wrote {out_file}" in out
    assert "\x1b[" not in out  # no terminal escapes when piped
    sid = re.search(r"Session (\w+)\.", out).group(1)
    back = read_xspf(out_file.read_text())
    assert back["tracks"] and "(v2)" in back["title"]
    # `segue export` reads the same session, any version, any format
    for fmt, reader in (("m3u8", read_m3u8), ("jspf", read_jspf)):
        e = subprocess.run(SEGUE + ["export", sid, "--format", fmt, "--version", "3"], capture_output=True, text=True,
                           env=env_for(demo_home), timeout=120)
        assert e.returncode == 0, e.stderr
        parsed = reader(e.stdout)
        assert (parsed if fmt == "m3u8" else parsed["tracks"])
    e = subprocess.run(SEGUE + ["export", sid, "--format", "pls"], capture_output=True, text=True,
                       env=env_for(demo_home), timeout=120)
    assert e.returncode == 2 and "m3u8, xspf, jspf" in e.stderr and "Traceback" not in e.stderr


def _pty_session(home, args, lines, wait_for, timeout=120.0):
    """Run `segue` on a real pseudo-terminal; type `lines`, each after `wait_for` shows up; return the output."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(SEGUE + args, stdin=slave, stdout=slave, stderr=slave, env=env_for(home), close_fds=True)
    os.close(slave)
    seen, buf = 0, b""
    deadline = time.time() + timeout
    try:
        for line in [*lines, None]:
            while buf.count(wait_for) <= seen and time.time() < deadline:
                ready, _, _ = select.select([master], [], [], 0.5)
                if ready:
                    try:
                        buf += os.read(master, 65536)
                    except OSError:
                        break
            seen += 1
            if line is None:
                break
            os.write(master, line.encode() + b"\r")
        return proc, buf.decode(errors="replace")
    finally:
        os.close(master)


def test_real_terminal_and_resume_after_kill_9(demo_home):
    proc, out = _pty_session(demo_home, ["chat"], ["20 chill jazz songs", "only one song per artist"], b"you> ")
    try:
        assert "you> " in out and "Version 2" in out
    finally:
        proc.send_signal(signal.SIGKILL)  # between turns, as a crash would
        proc.wait(timeout=30)
    sid = re.search(r"Session (\w+)\.", out).group(1)
    resumed = subprocess.run(SEGUE + ["chat", "--session", sid], input="/quit\n", capture_output=True, text=True,
                             env=env_for(demo_home), timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resumed session {sid} (2 turns, version 2)" in resumed.stdout
    data = json.loads(subprocess.run(SEGUE + ["export", sid, "--format", "jspf"], capture_output=True, text=True,
                                     env=env_for(demo_home), timeout=120).stdout)
    artists = Counter(t["creator"] for t in data["playlist"]["track"])
    assert len(data["playlist"]["track"]) == 20 and max(artists.values()) == 1


def test_an_out_of_range_edit_is_a_clear_error_and_changes_nothing(demo_app):
    from assistant.model.errors import BadInput

    chat = Chat(demo_app.planner)
    s = chat.start()
    v1 = chat.say(s.id, "20 upbeat house songs").version
    with pytest.raises(BadInput, match="Nothing changed"):
        chat.say(s.id, "add 5000 songs")
    again, _ = chat.load(s.id)
    assert again.current == v1 and len(again.turns) == 1
    # a year is not a count: 'add 2022 songs' asks for songs of 2022
    r = chat.say(s.id, "add 2022 songs")
    assert "5000" not in r.reply and len(chat.load(s.id)[0].turns) == 2
