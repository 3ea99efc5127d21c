"""The web API on a real uvicorn server (127.0.0.1, a free port) over a copy of the demo home: the whole
conversation over HTTP, streaming, exports, history uploads, tokens, bounds (413, 422, 429) and errors as
problem details with no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET

import httpx
import pytest

from assistant.model.playlist_files import read_jspf, read_m3u8, read_xspf
from tests.web.live_server import copy_home, live_server

PROBLEM = "application/problem+json"
pytestmark = pytest.mark.integration  # live uvicorn servers, and `segue serve` / `segue users` subprocesses


@pytest.fixture(scope="module")
def api(demo_home, encoder, tmp_path_factory):
    """A token server (rate limit off) with two listeners: ana and ben."""
    home = copy_home(demo_home, tmp_path_factory.mktemp("api") / "home")
    with live_server(home, encoder, users=("ana", "ben"), rate_per_minute=0, rate_per_address=0,
                     auth_failures_per_minute=0) as (url, tokens, services):
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['ana']}"}, timeout=60) as c:
            c.tokens, c.services = tokens, services
            yield c


def is_problem(r: httpx.Response, status: int, *words: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status
    assert "Traceback" not in r.text and 'File "' not in r.text
    for w in words:
        assert w.lower() in body["detail"].lower(), body["detail"]
    return body


def turn(c, message, session_id=None) -> dict:
    r = c.post("/v1/chat", json={"session_id": session_id, "message": message})
    assert r.status_code == 200, r.text
    return r.json()


def test_health_and_docs(api):
    h = api.get("/healthz", headers={"Authorization": ""}).json()  # no token needed
    assert h["status"] == "ok" and h["tracks"] == 12_000 and "generated" in h["catalogue"].lower()
    assert h["llm"] == "offline" and h["auth"] == "tokens"
    schema = api.get("/openapi.json").json()
    for path in ("/v1/chat", "/v1/chat/stream", "/v1/sessions", "/v1/sessions/{session_id}", "/v1/history",
                 "/v1/sessions/{session_id}/undo", "/v1/sessions/{session_id}/redo",
                 "/v1/sessions/{session_id}/feedback",
                 "/v1/sessions/{session_id}/playlist.m3u8", "/v1/sessions/{session_id}/playlist.xspf",
                 "/v1/sessions/{session_id}/playlist.jspf"):
        assert path in schema["paths"], path
    chat = schema["paths"]["/v1/chat"]["post"]
    assert chat["responses"]["404"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    message = schema["components"]["schemas"]["ChatIn"]["properties"]["message"]
    assert message["maxLength"] == 5000  # the configured limit is what the schema states
    assert schema["paths"]["/v1/sessions/{session_id}/playlist.xspf"]["get"]["responses"]["200"]["content"] == {
        "application/xspf+xml": {"schema": {"type": "string"}}}
    assert "swagger" in api.get("/docs").text.lower()


def test_a_whole_conversation_over_http(api):
    t1 = turn(api, "an hour of chill electronic for coding")
    sid, pl = t1["session_id"], t1["playlist"]
    assert pl["version"] == 1 and pl["versions"] == 1 and not pl["can_undo"] and not pl["can_redo"]
    assert abs(pl["total_ms"] / 60000 - 60) <= 3 and t1["constraints"]["length"]["minutes"] == 60
    first = pl["tracks"][0]
    assert set(first) == {"position", "track_id", "title", "artist", "album", "year", "tempo", "energy", "duration_ms",
                          "why", "locked"} and first["position"] == 1 and first["why"]
    assert t1["report"]["checks"] and t1["usage"]["source"] == "offline" and t1["diff"]["added"]

    t2 = turn(api, "no more than one song per artist", sid)
    assert t2["session_id"] == sid and t2["playlist"]["version"] == 2 and t2["playlist"]["can_undo"]
    artists = [t["artist"] for t in t2["playlist"]["tracks"]]
    assert len(artists) == len(set(artists)) and t2["constraints"]["max_per_artist"] == 1
    assert any(c.startswith("max_per_artist") for c in t2["diff"]["constraints"])
    removed = t2["diff"]["removed"]
    assert removed and all(r["title"] and r["artist"] for r in removed)  # names, not just ids

    t3 = api.post(f"/v1/sessions/{sid}/undo").json()
    assert t3["playlist"]["version"] == 1 and t3["playlist"]["can_redo"]
    assert [t["track_id"] for t in t3["playlist"]["tracks"]] == [t["track_id"] for t in pl["tracks"]]
    t4 = api.post(f"/v1/sessions/{sid}/redo").json()
    assert t4["playlist"]["version"] == 2 and not t4["playlist"]["can_redo"]

    liked = t4["playlist"]["tracks"][2]
    fb = api.post(f"/v1/sessions/{sid}/feedback", json={"position": 3, "kind": "like"}).json()
    assert "Liked" in fb["reply"] and liked["title"] in fb["reply"]
    from retrieval.store.sessions import SessionStore

    stored = SessionStore(api.services.listeners.store()).feedback("ana")
    assert (stored[-1]["track_id"], stored[-1]["kind"], stored[-1]["session_id"]) == (liked["track_id"], "like", sid)

    s = api.get(f"/v1/sessions/{sid}").json()
    assert s["id"] == sid and s["listener"] == "ana" and s["cursor"] == 2 and s["title"].startswith("an hour")
    assert [t["text"] for t in s["turns"]] == ["an hour of chill electronic for coding",
                                              "no more than one song per artist", "undo", "redo", "/like 3"]
    assert [v["n"] for v in s["versions"]] == [1, 2] and s["versions"][1]["track_ids"] == [
        t["track_id"] for t in t2["playlist"]["tracks"]]
    assert "reply" not in s["current"] and s["current"]["playlist"] == t4["playlist"]
    rows = api.get("/v1/sessions").json()["sessions"]
    assert rows[0]["id"] == sid and rows[0]["versions"] == 2

    # exports, with their content types, read back by Segue's own readers
    r = api.get(f"/v1/sessions/{sid}/playlist.m3u8")
    assert r.headers["content-type"].startswith("audio/x-mpegurl") and "attachment" in r.headers["content-disposition"]
    assert [e["title"] for e in read_m3u8(r.text)] == [t["title"] for t in t4["playlist"]["tracks"]]
    r = api.get(f"/v1/sessions/{sid}/playlist.xspf", params={"version": 1})
    assert r.headers["content-type"].startswith("application/xspf+xml") and ET.fromstring(r.content) is not None
    assert [e["title"] for e in read_xspf(r.text)["tracks"]] == [t["title"] for t in pl["tracks"]]
    r = api.get(f"/v1/sessions/{sid}/playlist.jspf")
    assert r.headers["content-type"].startswith("application/json")
    assert len(read_jspf(r.text)["tracks"]) == len(t4["playlist"]["tracks"])
    is_problem(api.get(f"/v1/sessions/{sid}/playlist.jspf", params={"version": 9}), 409, "no version 9")

    assert api.delete(f"/v1/sessions/{sid}").status_code == 204
    is_problem(api.get(f"/v1/sessions/{sid}"), 404, "GET /v1/sessions")
    assert sid not in [r["id"] for r in api.get("/v1/sessions").json()["sessions"]]


def test_streaming_reports_progress_then_the_same_result(api):
    with api.stream("POST", "/v1/chat/stream", json={"message": "20 upbeat house songs"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [(b.split("\n")[0].removeprefix("event: "), json.loads(b.split("\n")[1].removeprefix("data: ")))
              for b in text.strip().split("\n\n")]
    kinds = [k for k, _ in events]
    assert kinds[0] == "progress" and kinds[-1] == "result" and kinds.count("result") == 1
    assert [d["stage"] for k, d in events if k == "progress"] == ["received", "making the playlist", "saving"]
    result = events[-1][1]
    assert len(result["playlist"]["tracks"]) == 20 and result["reply"].startswith("Here are 20 tracks")
    again = api.get(f"/v1/sessions/{result['session_id']}").json()["current"]
    assert again["playlist"] == result["playlist"]
    is_problem(api.post("/v1/chat/stream", json={"session_id": "nope", "message": "hi"}), 404)  # before streaming


def test_tokens_are_required_and_checked(api):
    r = api.get("/v1/sessions", headers={"Authorization": ""})
    is_problem(r, 401, "Authorization: Bearer")
    assert r.headers["www-authenticate"] == "Bearer"
    is_problem(api.get("/v1/sessions", headers={"Authorization": "Bearer sg_not-a-token"}), 401, "not valid")
    from assistant.web.tokens import Users, digest

    token = Users(api.services.stores).add("carol")
    ok = api.get("/v1/sessions", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json() == {"sessions": []}
    hashes = [r[0] for r in api.services.listeners.store()._db.execute("SELECT token_hash FROM tokens")]
    assert digest(token) in hashes and token not in hashes  # stored hashed, never as it is
    Users(api.services.stores).remove("carol")
    is_problem(api.get("/v1/sessions", headers={"Authorization": f"Bearer {token}"}), 401)


def test_bad_requests_get_problem_details(api):
    sid = turn(api, "music")["session_id"]  # a question back, no playlist yet
    assert api.get(f"/v1/sessions/{sid}").json()["current"]["playlist"]["version"] == 0
    is_problem(api.post(f"/v1/sessions/{sid}/undo"), 409, "no playlist")
    is_problem(api.get(f"/v1/sessions/{sid}/playlist.m3u8"), 409, "no playlist")
    sid = turn(api, "20 chill jazz songs")["session_id"]
    is_problem(api.post(f"/v1/sessions/{sid}/feedback", json={"position": 40, "kind": "skip"}), 409, "no track 40")
    is_problem(api.post(f"/v1/sessions/{sid}/feedback", json={"position": 1, "kind": "love"}), 422, "kind")
    is_problem(api.post("/v1/chat", json={"message": "   "}), 422, "message")
    is_problem(api.post("/v1/chat", json={"message": "jazz", "extra": 1}), 422, "extra")
    is_problem(api.post("/v1/chat", json={"message": "x" * 5001}), 422, "5000")
    is_problem(api.post("/v1/chat", content=b"{not json", headers={"Content-Type": "application/json"}), 422)
    is_problem(api.get("/v1/sessions/bad id!"), 422, "session_id")
    is_problem(api.get("/v1/nothing-here"), 404, "/docs")
    r = api.put(f"/v1/sessions/{sid}")
    is_problem(r, 405)
    assert r.headers["allow"] == "DELETE, GET"


def test_a_broken_session_is_a_500_problem_without_a_traceback(api):
    sid = turn(api, "20 chill jazz songs")["session_id"]
    with api.services.listeners.store()._db as db:  # damage the stored document behind the server's back
        db.execute("UPDATE sessions SET doc = ?, revision = revision + 1 WHERE id = ?", ('{"id": 3}', sid))
    body = is_problem(api.get(f"/v1/sessions/{sid}"), 500, "try again")
    assert body["title"] == "Internal server error"


def test_history_upload(api, demo_home, tmp_path):
    src = next((demo_home / "demo" / "histories" / "sam").glob("*.json"))
    records = json.loads(src.read_text())[:300]
    body = json.dumps(records).encode()
    r = api.post("/v1/history", files={"file": ("Streaming_History_Audio_2024.json", body, "application/json")})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["user"] == "ana" and out["read"]["format"] == "spotify-extended" and out["read"]["read"] == 300
    assert out["read"]["source"] == "Streaming_History_Audio_2024.json" and out["match"]["matched"] > 250
    assert out["stored"] > 250 and len(api.services.listeners.store().listens("ana")) == out["stored"]
    again = api.post("/v1/history", files={"file": ("again.json", body)}, data={"format": "spotify-extended"})
    assert again.status_code == 200 and len(api.services.listeners.store().listens("ana")) == out["stored"]  # same file: no dupes
    bad = is_problem(api.post("/v1/history", files={"file": ("notes.txt", b"hello")}), 422, "notes.txt",
                     "not valid JSON")
    assert "/tmp" not in bad["detail"] and "segue-upload" not in bad["detail"]
    is_problem(api.post("/v1/history", files={"file": ("h.json", body)}, data={"format": "lastfm"}), 422,
               "spotify-extended", "not lastfm")
    import io
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Streaming_History_Audio_2024.json", b" " * (210 * 1024 * 1024))  # 210 MiB of spaces, ~200 KiB
    is_problem(api.post("/v1/history", files={"file": ("export.zip", bomb.getvalue())}), 413, "unpacks to")
    is_problem(api.post("/v1/history", files={"file": ("..", b"PK\x05\x06" + b"\0" * 18)}), 422)  # odd name, bad zip


def test_concurrent_requests_are_served_and_edits_serialised(api):
    sid = turn(api, "an hour of chill electronic for coding")["session_id"]
    edits: list[int] = []
    news: list[int] = []

    def edit(text):
        r = api.post("/v1/chat", json={"session_id": sid, "message": text})
        edits.append(r.status_code)
        if r.status_code != 200:
            is_problem(r, 409, "another turn")

    def new(text):
        news.append(api.post("/v1/chat", json={"message": text}).status_code)

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("less ambient", "make it 30 minutes", "more house")]
    threads += [threading.Thread(target=new, args=(t,)) for t in ("sad acoustic songs", "90s hip hop", "disco")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert news == [200, 200, 200] and set(edits) <= {200, 409} and 200 in edits
    s = api.get(f"/v1/sessions/{sid}").json()
    assert len(s["turns"]) == 1 + edits.count(200)  # a refused edit left nothing behind


def test_dj_show_script_and_audio(api):
    import io
    import wave

    sid = turn(api, "20 upbeat house songs")["session_id"]
    r = api.post(f"/v1/sessions/{sid}/dj", json={"every": 5, "voice": "espeak:en-gb"})
    assert r.status_code == 200, r.text
    show = r.json()
    links = show["links"]
    assert [x["after_position"] for x in links] == [0, 5, 10, 15, 20] and links[0]["kind"] == "intro"
    assert all(x["text"] and x["audio_url"] == f"/v1/shows/{show['show_id']}/links/{x['n']}.wav" for x in links)
    assert 0 <= show["score"]["overall"] <= 1
    script = api.get(f"/v1/shows/{show['show_id']}/script").json()
    assert script["listener"] == "ana" and len(script["tracks"]) == 20 and script["voice"] == "espeak:en-gb"
    assert [x["text"] for x in script["links"]] == [x["text"] for x in links]
    wav = api.get(links[1]["audio_url"])
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav" and wav.content[:4] == b"RIFF"
    with wave.open(io.BytesIO(wav.content)) as w:
        assert w.getnframes() / w.getframerate() > 1.0  # real speech, not an empty file
    is_problem(api.get(f"/v1/shows/{show['show_id']}/links/99.wav"), 404, "no link 99")
    is_problem(api.post(f"/v1/sessions/{sid}/dj", json={"voice": "piper:/etc/passwd"}), 422, "voice")
    empty = turn(api, "music")["session_id"]
    is_problem(api.post(f"/v1/sessions/{empty}/dj", json={}), 409, "no playlist")


@pytest.fixture(scope="module")
def tight(demo_home, encoder, tmp_path_factory):
    """A server with small bounds: 2 KiB bodies, 4 KiB uploads, 200-character prompts, 5 requests a minute."""
    home = copy_home(demo_home, tmp_path_factory.mktemp("tight") / "home")
    with live_server(home, encoder, users=("dan", "eve"), rate_per_minute=5, max_body_bytes=2048,
                     upload_max_bytes=4096, max_prompt_chars=200) as (url, tokens, services):
        yield url, tokens


def test_bounds_413_422_429(tight):
    url, tokens = tight
    dan = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['dan']}"}, timeout=60)
    eve = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['eve']}"}, timeout=60)
    with dan, eve:
        is_problem(dan.post("/v1/chat", json={"message": "x" * 3000}), 413, "2,048 bytes")

        def chunks():
            yield b'{"message": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}'

        is_problem(dan.post("/v1/chat", content=chunks(), headers={"Content-Type": "application/json"}), 413)
        is_problem(dan.post("/v1/history", files={"file": ("h.json", b"[" + b" " * 80_000 + b"]")}), 413, "upload")
        is_problem(dan.post("/v1/chat", json={"message": "y" * 201}), 422, "200")
        codes = [dan.get("/v1/sessions").status_code for _ in range(6)]
        assert codes[:4] == [200] * 4 and codes[-1] == 429, codes  # 5 a minute, then refused
        r = dan.get("/v1/sessions")
        is_problem(r, 429, "5 a minute")
        assert 1 <= int(r.headers["retry-after"]) <= 12
        assert eve.get("/v1/sessions").status_code == 200  # per listener: eve is not slowed by dan
        assert dan.get("/healthz").status_code == 200  # health is not rate limited


def test_single_user_mode(demo_home, encoder, tmp_path):
    home = copy_home(demo_home, tmp_path / "home")
    with live_server(home, encoder, auth="none", user="alex") as (url, _, segue):
        with httpx.Client(base_url=url, timeout=60) as c:
            assert c.get("/healthz").json()["auth"] == "none"
            t = c.post("/v1/chat", json={"message": "20 songs for a workout"}).json()
            s = c.get(f"/v1/sessions/{t['session_id']}").json()
            assert s["listener"] == "alex"  # the local listener: SEGUE_USER, personalised by alex's history
            page = c.get("/")
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_a_silent_llm_is_bounded_by_its_timeout(demo_home, encoder, tmp_path):
    """An LLM server that accepts and never answers (a real socket on loopback): the turn falls back to the
    offline parser after SEGUE_LLM_TIMEOUT and still answers 200, saying so."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])  # read nothing, answer nothing
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    home = copy_home(demo_home, tmp_path / "home")
    base = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
    try:
        with live_server(home, encoder, auth="none", llm="qwen", llm_base_url=base, llm_timeout=1.0) as (url, _, _):
            with httpx.Client(base_url=url, timeout=60) as c:
                assert c.get("/healthz").json()["llm"].endswith(":qwen")
                t0 = time.monotonic()
                r = c.post("/v1/chat", json={"message": "20 chill jazz songs"})
                elapsed = time.monotonic() - t0
        assert r.status_code == 200 and len(r.json()["playlist"]["tracks"]) == 20
        usage = r.json()["usage"]
        assert usage["source"] == "offline" and usage["fallback"], usage
        print(f"\nsilent LLM: {elapsed:.1f} s, fallback: {usage['fallback']}")
        assert elapsed < 8, elapsed  # one try and one retry of 1 s each, not a hang
    finally:
        stop.set()
        for s in held:
            s.close()
        silent.close()


def test_serve_and_users_commands(tmp_path):
    from assistant.cli.serve import access_mode
    from assistant.model.errors import BadInput

    assert access_mode("auto", "127.0.0.1", False) == "none" and access_mode("auto", "0.0.0.0", True) == "tokens"
    with pytest.raises(BadInput, match="127.0.0.1"):
        access_mode("auto", "0.0.0.0", False)
    with pytest.raises(BadInput, match="users add"):
        access_mode("tokens", "127.0.0.1", False)
    env = dict(os.environ, SEGUE_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    cli = [sys.executable, "-m", "assistant.cli"]
    p = subprocess.run(cli + ["serve", "--host", "0.0.0.0"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "only listen on 127.0.0.1" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run(cli + ["serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "segue catalog demo" in p.stderr  # no catalogue yet: says how to get one
    p = subprocess.run(cli + ["users", "add", "zoe"], env=env, capture_output=True, text=True, timeout=60)
    token = p.stdout.strip()
    assert p.returncode == 0 and token.startswith("sg_") and len(token) > 40 and "shown once" in p.stderr
    assert token.encode() not in (tmp_path / "segue.db").read_bytes()
    p = subprocess.run(cli + ["users", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert "zoe  1 token(s)" in p.stdout
    p = subprocess.run(cli + ["users", "remove", "zoe"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "Revoked 1" in p.stdout
    p = subprocess.run(cli + ["users", "add", "bad name"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "not allowed" in p.stderr
