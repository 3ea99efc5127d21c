"""The isolation matrix: two listeners with tokens x every endpoint. Another listener's session (or show) is
"not found", exactly like an unknown id, its data never appears in the answer, and nothing of it changes."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.live_server import copy_home, live_server

# Every operation on a listener's resource, as (method, path template, request kwargs).
MATRIX = [
    ("GET", "/v1/sessions/{sid}", {}),
    ("DELETE", "/v1/sessions/{sid}", {}),
    ("POST", "/v1/sessions/{sid}/undo", {}),
    ("POST", "/v1/sessions/{sid}/redo", {}),
    ("POST", "/v1/sessions/{sid}/feedback", {"json": {"position": 1, "kind": "dislike"}}),
    ("GET", "/v1/sessions/{sid}/playlist.m3u8", {}),
    ("GET", "/v1/sessions/{sid}/playlist.xspf", {"params": {"version": 1}}),
    ("GET", "/v1/sessions/{sid}/playlist.jspf", {}),
    ("POST", "/v1/chat", {"json": {"session_id": "{sid}", "message": "less ambient"}}),
    ("POST", "/v1/chat/stream", {"json": {"session_id": "{sid}", "message": "more house"}}),
    ("POST", "/v1/sessions/{sid}/dj", {"json": {"every": 3}}),
    ("GET", "/v1/shows/{show}/script", {}),
    ("GET", "/v1/shows/{show}/links/{n}.wav", {}),
]


@pytest.fixture(scope="module")
def two(demo_home, encoder, tmp_path_factory):
    home = copy_home(demo_home, tmp_path_factory.mktemp("isolation") / "home")
    with live_server(home, encoder, users=("ana", "ben"), rate_per_minute=0, rate_per_address=0,
                     auth_failures_per_minute=0) as (url, tokens, services):
        clients = {name: httpx.Client(base_url=url, headers={"Authorization": f"Bearer {t}"}, timeout=120)
                   for name, t in tokens.items()}
        owned = {}
        for name, c in clients.items():
            r = c.post("/v1/chat", json={"message": "an hour of chill electronic for coding"})
            assert r.status_code == 200, r.text
            sid = r.json()["session_id"]
            edit = c.post("/v1/chat", json={"session_id": sid, "message": "no more than one song per artist"})
            assert edit.is_success
            assert c.post(f"/v1/sessions/{sid}/undo").is_success  # so redo has something to do
            session = c.get(f"/v1/sessions/{sid}").json()  # read once: the render is cached
            show = None
            if dj_routes(c):
                made = c.post(f"/v1/sessions/{sid}/dj", json={"every": 5})
                assert made.status_code == 200, made.text
                show = made.json()["show_id"]
            owned[name] = {"sid": sid, "session": session, "show": show}
        yield clients, owned, services
        for c in clients.values():
            c.close()


def dj_routes(client) -> bool:
    return "/v1/sessions/{session_id}/dj" in client.get("/openapi.json").json()["paths"]


def secrets_of(data: dict) -> list[str]:
    """Strings that would give a session away: its id, title, track ids and titles."""
    s = data["session"]
    tracks = s["current"]["playlist"]["tracks"]
    return [data["sid"], s["title"]] + [t["track_id"] for t in tracks] + [t["title"] for t in tracks]


def request(client, method, template, kwargs, sid, show):
    def fill(v):
        if not isinstance(v, str):
            return v
        return v.replace("{sid}", sid).replace("{show}", show or "none").replace("{n}", "1")

    kw = {k: ({kk: fill(vv) for kk, vv in v.items()} if isinstance(v, dict) else v) for k, v in kwargs.items()}
    return client.request(method, fill(template), **kw)


def test_every_resource_endpoint_is_in_the_matrix(two):
    clients, _, _ = two
    paths = clients["ana"].get("/openapi.json").json()["paths"]
    covered = {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p, _ in MATRIX}
    for path, ops in paths.items():
        if "{" in path:
            for method in ops:
                assert (method.upper(), re.sub(r"\{\w+\}", "{}", path)) in covered, f"{method} {path} not in the matrix"


@pytest.mark.parametrize("me,other", [("ana", "ben"), ("ben", "ana")])
def test_another_listeners_resources_are_not_found(two, me, other):
    clients, owned, _ = two
    c, theirs = clients[me], owned[other]
    before = clients[other].get(f"/v1/sessions/{theirs['sid']}").json()
    has_dj = dj_routes(c)
    for method, template, kwargs in MATRIX:
        if ("/dj" in template or "/shows/" in template) and not has_dj:
            continue
        if "{show}" in template and theirs["show"] is None:
            continue
        r = request(c, method, template, kwargs, theirs["sid"], theirs["show"])
        label = f"{me} -> {other}: {method} {template}"
        assert r.status_code == 404, f"{label}: {r.status_code} {r.text[:200]}"
        assert r.headers["content-type"].startswith("application/problem+json"), label
        for secret in secrets_of(theirs)[1:]:
            assert secret not in r.text, f"{label} leaked {secret!r}"
        # the same answer as for an id that does not exist: no way to tell "someone else's" from "none"
        unknown = request(c, method, template, kwargs, "0000000000", "000000000000")
        assert unknown.status_code == 404 and unknown.json()["title"] == r.json()["title"], label
        assert r.json()["detail"].replace(theirs["sid"], "ID").replace(str(theirs["show"]), "ID") == \
            unknown.json()["detail"].replace("000000000000", "ID").replace("0000000000", "ID"), label
    after = clients[other].get(f"/v1/sessions/{theirs['sid']}").json()
    assert after == before  # nothing of theirs changed: no turn, no feedback, not deleted
    listed = [s["id"] for s in c.get("/v1/sessions").json()["sessions"]]
    assert theirs["sid"] not in listed and owned[me]["sid"] in listed


def test_history_and_feedback_stay_with_their_listener(two):
    import json

    from retrieval.store.sessions import SessionStore

    clients, owned, services = two
    store = services.listeners.store()
    ana_listens = len(store.listens("ana"))
    body = json.dumps([{"ts": "2024-05-01T10:00:00Z", "ms_played": 200000, "master_metadata_track_name": "Anything",
                        "master_metadata_album_artist_name": "Someone", "spotify_track_uri": None}]).encode()
    r = clients["ben"].post("/v1/history", files={"file": ("Streaming_History_Audio_2024.json", body)})
    assert r.status_code == 200 and r.json()["user"] == "ben" and r.json()["stored"] == 1
    assert len(store.listens("ben")) == 1 and len(store.listens("ana")) == ana_listens
    sid = owned["ana"]["sid"]
    liked = owned["ana"]["session"]["current"]["playlist"]["tracks"][1]["track_id"]
    assert clients["ana"].post(f"/v1/sessions/{sid}/feedback", json={"position": 2, "kind": "like"}).status_code == 200
    assert liked in [f["track_id"] for f in SessionStore(store).feedback("ana") if f["kind"] == "like"]
    assert sid not in [f["session_id"] for f in SessionStore(store).feedback("ben")]
