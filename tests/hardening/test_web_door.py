"""The web server's front door against a real uvicorn on 127.0.0.1 (issue 13, items 2, 8, 9, 10, 12): DNS
rebinding and cross-site posts refused in single-user mode, rate limits per address, per failed authentication
and per listener (not per token), a cap on tokens, slow-header and slow-body clients closed after their deadline
(real sockets, measured seconds), security headers, strict integers, confusable listener names and an invalid
SEGUE_USER. The homes are empty (no catalogue): the door is what is under test, not the planner."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import ROOT
from tests.web.live_server import live_server

pytestmark = pytest.mark.integration  # live uvicorn servers and `segue` subprocesses
AREA = "web"
_spec = importlib.util.spec_from_file_location("attack_web", ROOT / "bench" / "attack_web.py")
ATTACK = importlib.util.module_from_spec(_spec)  # the bench's client: the tests measure with what measured the server
_spec.loader.exec_module(ATTACK)
SECURITY_HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")
LAUNCH = "import sys; from assistant.cli import main; sys.argv[0] = 'segue'; main()"


def outcome(status: int) -> str:
    return "5xx" if status >= 500 else "refused" if status >= 400 else "ok"


def record(tally, case: str, r: httpx.Response, **measure) -> str:
    body = r.text
    if "Traceback" in body or 'File "' in body:
        return tally.add(AREA, case, "traceback", status=r.status_code)
    return tally.add(AREA, case, outcome(r.status_code), status=r.status_code, **measure)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """Single-user mode (no tokens), as `segue serve` runs it by default."""
    with live_server(tmp_path_factory.mktemp("single") / "home", None, auth="none") as (url, _, _):
        yield url


def raw(url: str, request: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send bytes as they are over a socket (no client library fixes the Host header); (status, whole answer)."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


# -- item 2: DNS rebinding (Host) and cross-site posts -------------------------------------------------------------
def test_dns_rebinding_hosts_are_refused(single, fuzz_tally):
    port = single.rsplit(":", 1)[1]
    refused = ["evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", "localhost:1",
               f"127.0.0.2:{port}", f"0.0.0.0:{port}", f"LOCALHOST.:{port}x", "", f"[::2]:{port}"]
    for host in refused:
        status, data = raw(single, f"GET /v1/sessions HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        fuzz_tally.add(AREA, f"host {host!r}", outcome(status), status=status)
        assert status in (400, 421), (host, data[:300])
        assert b"traceback" not in data.lower()
    status, _ = raw(single, b"GET /v1/sessions HTTP/1.0\r\n\r\n")  # no Host at all
    fuzz_tally.add(AREA, "no Host header (HTTP/1.0)", outcome(status), status=status)
    assert status == 421
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST.:{port}"):
        status, data = raw(single, f"GET /v1/sessions HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        fuzz_tally.add(AREA, f"host {host!r}", outcome(status), status=status)
        assert status == 200, (host, data[:300])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.from_regex(r"[a-z0-9.\-]{1,30}", fullmatch=True), port=st.integers(1, 65535))
def test_generated_hosts_only_loopback_on_our_port(single, fuzz_tally, name, port):
    ours = int(single.rsplit(":", 1)[1])
    r = httpx.get(single + "/v1/sessions", headers={"Host": f"{name}:{port}"}, timeout=10)
    record(fuzz_tally, f"generated host {name}:{port}", r)
    wanted = 200 if name.rstrip(".") in ("127.0.0.1", "localhost") and port == ours else 421
    assert r.status_code == wanted, (name, port, r.text)


CROSS_SITE = [  # (case, headers, content): each must be refused in single-user mode
    ("form post of a history from evil.example", {"Origin": "http://evil.example"}, "multipart"),
    ("urlencoded form from evil.example", {"Origin": "http://evil.example",
                                           "Content-Type": "application/x-www-form-urlencoded"}, b"message=hi"),
    ("text/plain chat from evil.example", {"Origin": "http://evil.example", "Content-Type": "text/plain"},
     b'{"message": "hi"}'),
    ("JSON from evil.example", {"Origin": "http://evil.example", "Content-Type": "application/json"},
     b'{"message": "hi"}'),
    ("Origin: null (sandboxed frame)", {"Origin": "null", "Content-Type": "text/plain"}, b"x"),
    ("another port on 127.0.0.1 (same site)", {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},
     "multipart"),
    ("Sec-Fetch-Site cross-site, no Origin", {"Sec-Fetch-Site": "cross-site"}, "multipart"),
    ("Referer evil.example, no Origin", {"Referer": "http://evil.example/page",
                                         "Content-Type": "application/x-www-form-urlencoded"}, b"a=b"),
    ("browser form with no origin", {"Sec-Fetch-Site": "same-origin", "Content-Type": "text/plain",
                                     "Referer": "http://evil.example/"}, b"x"),
]


@pytest.mark.parametrize("case,headers,content", CROSS_SITE, ids=[c[0] for c in CROSS_SITE])
def test_cross_site_posts_are_refused(single, fuzz_tally, case, headers, content):
    for path in ("/v1/history", "/v1/chat", "/v1/sessions/abc/undo"):
        kw = {"files": {"file": ("plays.json", b"[]")}} if content == "multipart" else {"content": content}
        r = httpx.post(single + path, headers=headers, timeout=10, **kw)
        record(fuzz_tally, f"{case} -> {path}", r)
        assert r.status_code == 403 and "Cross-site" in r.json()["detail"], (path, r.text)
    r = httpx.delete(single + "/v1/sessions/abc", headers=headers, timeout=10)
    record(fuzz_tally, f"{case} -> DELETE", r)
    assert r.status_code == 403


def test_the_page_and_plain_clients_still_post(single, fuzz_tally):
    port = single.rsplit(":", 1)[1]
    for case, headers in [("the page (same origin)", {"Origin": single, "Sec-Fetch-Site": "same-origin"}),
                          ("the page as localhost", {"Origin": f"http://localhost:{port}",
                                                     "Host": f"localhost:{port}"}),
                          ("curl (no browser headers)", {})]:
        r = httpx.post(single + "/v1/sessions/nothing-here/undo", headers=headers, timeout=10)
        record(fuzz_tally, f"{case}: undo of an unknown session", r)
        assert r.status_code == 404, r.text  # through the door; the session is not there
        r = httpx.post(single + "/v1/history", headers=headers, files={"file": ("h.json", b"not json")}, timeout=10)
        record(fuzz_tally, f"{case}: history upload", r)
        assert r.status_code not in (403, 421) and r.status_code < 500, r.text


# -- item 10: security headers ------------------------------------------------------------------------------------
def test_every_response_carries_the_security_headers(single, fuzz_tally):
    for path in ("/", "/static/app.js", "/healthz", "/v1/sessions", "/nowhere", "/openapi.json", "/docs"):
        r = httpx.get(single + path, timeout=30)
        missing = [h for h in SECURITY_HEADERS if h not in r.headers]
        fuzz_tally.add(AREA, f"security headers on GET {path}", "ok" if not missing else "refused",
                       status=r.status_code, missing=missing)
        assert not missing, (path, missing)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    r = httpx.get(single + "/v1/sessions", headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 421 and all(h in r.headers for h in SECURITY_HEADERS)  # refusals too


# -- item 8: rate limits ------------------------------------------------------------------------------------------
@contextmanager
def token_server(tmp_path, users=("ana",), **limits):
    with live_server(tmp_path / "home", None, users=users, **limits) as (url, tokens, services):
        yield url, tokens, services


def flood(url: str, n: int, headers_of) -> list[int]:
    with httpx.Client(base_url=url, timeout=30) as c:
        return [c.get("/v1/sessions", headers=headers_of(i)).status_code for i in range(n)]


def test_floods_without_a_valid_token_are_limited(tmp_path, fuzz_tally):
    with token_server(tmp_path, auth_failures_per_minute=30) as (url, tokens, _):
        began = time.monotonic()
        bad = flood(url, 200, lambda i: {"Authorization": f"Bearer sg_guess{i}"})
        none = flood(url, 100, lambda i: {})
        seconds = time.monotonic() - began
        good = flood(url, 5, lambda i: {"Authorization": f"Bearer {tokens['ana']}"})
    codes = bad + none
    for i, status in enumerate(codes):
        fuzz_tally.add(AREA, f"flood request {i} ({'invalid' if i < 200 else 'no'} token)", outcome(status),
                       status=status)
    passed = codes.count(401)
    fuzz_tally.measure(AREA, invalid_token_flood_401=passed, invalid_token_flood_429=codes.count(429),
                       invalid_token_flood_rps=round(len(codes) / seconds))
    assert set(codes) <= {401, 429}
    assert passed <= 30 + seconds / 2 + 1, passed  # 30 a minute from one address, then 429
    assert good == [200] * 5  # a valid token from the same address is not locked out


def test_three_tokens_of_one_listener_share_one_limit(tmp_path, fuzz_tally):
    with token_server(tmp_path, users=("ana", "ben"), rate_per_minute=20) as (url, tokens, svc):
        from assistant.web import Users

        held = [Users(svc.stores).add("ana") for _ in range(2)]
        three = [tokens["ana"], *held]
        codes = flood(url, 60, lambda i: {"Authorization": f"Bearer {three[i % 3]}"})
        ben = flood(url, 3, lambda i: {"Authorization": f"Bearer {tokens['ben']}"})
    allowed = codes.count(200)
    for i, status in enumerate(codes):
        fuzz_tally.add(AREA, f"listener with 3 tokens, request {i}", outcome(status), status=status)
    fuzz_tally.measure(AREA, three_tokens_allowed_of_60=allowed, three_tokens_limit_per_minute=20)
    assert 20 <= allowed <= 22 and set(codes) <= {200, 429}, codes  # one bucket of 20, not three
    assert ben == [200] * 3


def test_one_address_is_limited_whoever_it_claims_to_be(tmp_path, fuzz_tally):
    with token_server(tmp_path, users=("ana", "ben"), rate_per_minute=0, rate_per_address=40) as (url, tokens, _):
        names = ["ana", "ben"]
        codes = flood(url, 80, lambda i: {"Authorization": f"Bearer {tokens[names[i % 2]]}"})
        health = httpx.get(url + "/healthz", timeout=10).status_code
    for i, status in enumerate(codes):
        fuzz_tally.add(AREA, f"one address, two listeners, request {i}", outcome(status), status=status)
    assert 40 <= codes.count(200) <= 42 and set(codes) <= {200, 429}, codes
    assert health in (200, 503)  # not counted (503: the empty home has no catalogue)


def test_token_cap_per_listener(tmp_path, fuzz_tally):
    env = dict(os.environ, SEGUE_HOME=str(tmp_path / "home"), SEGUE_MAX_TOKENS_PER_LISTENER="2", PYTHONPATH=str(ROOT))
    runs = [subprocess.run([sys.executable, "-c", LAUNCH, "users", "add", "ana"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120) for _ in range(3)]
    for i, p in enumerate(runs):
        fuzz_tally.add(AREA, f"segue users add ana #{i + 1} (cap 2)", "traceback" if "Traceback" in p.stderr else
                       "ok" if p.returncode == 0 else "refused", exit=p.returncode)
    assert [p.returncode for p in runs] == [0, 0, 2]
    lines = runs[2].stderr.strip().splitlines()
    assert len(lines) == 1 and "already holds 2 tokens" in lines[0] and "segue users remove ana" in lines[0]


# -- item 9: read deadlines ---------------------------------------------------------------------------------------
HEADER_TIMEOUT, BODY_TIMEOUT = 1.5, 2.0


@pytest.fixture(scope="module")
def timed(tmp_path_factory):
    home = tmp_path_factory.mktemp("timed") / "home"
    with live_server(home, None, auth="none", header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT) as s:
        yield s[0]


def seconds_until_closed(url: str, first: bytes, drip: bytes, every: float, cap: float = 20.0) -> tuple[float, bytes]:
    """The slow client of bench/attack_web.py (the one that measured the server before and after) against `url`."""
    return ATTACK.slow_client(int(url.rsplit(":", 1)[1]), first, drip, every, cap)


SLOW = [  # (case, first bytes, drip, interval, deadline)
    ("slow headers (a header line every 0.3 s)", b"GET /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-a: b\r\n",
     0.3, HEADER_TIMEOUT),
    ("slow headers (a byte every 0.2 s)", b"GET / HTTP/1.1\r\n", b"X", 0.2, HEADER_TIMEOUT),
    ("connects and sends nothing", b"", b"", 0.5, HEADER_TIMEOUT),
    ("slow body (a byte every 0.3 s)", b"POST /v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
     b"application/json\r\nContent-Length: 1000\r\n\r\n{", b" ", 0.3, BODY_TIMEOUT),
    ("slow chunked body", b"POST /v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n", b"1\r\n \r\n", 0.3, BODY_TIMEOUT),
]


@pytest.mark.parametrize("case,first,drip,every,deadline", SLOW, ids=[c[0] for c in SLOW])
def test_slow_clients_are_closed_after_the_deadline(timed, fuzz_tally, case, first, drip, every, deadline):
    port = timed.rsplit(":", 1)[1]
    first = first.replace(b"Host: 127.0.0.1", f"Host: 127.0.0.1:{port}".encode())
    took, answer = seconds_until_closed(timed, first, drip, every)
    fuzz_tally.add(AREA, case, "refused" if took < deadline + 1.5 else "hang", closed_after_s=round(took, 2))
    fuzz_tally.measure(AREA, **{f"closed_after_s[{case}]": round(took, 2)})
    assert deadline - 0.2 <= took < deadline + 1.5, took
    assert b"Traceback" not in answer
    # a normal client on the same server is served meanwhile
    assert httpx.get(timed + "/v1/sessions", timeout=10).status_code == 200


# -- item 12: strict integers, listener names, SEGUE_USER ----------------------------------------------------------
BAD_INTS = ["1_0", "+1", "1.0", " 1", "1 ", "-1", "1e1", "0x10", "١", "１", "", "10000000000", "1,0"]


def test_integers_are_digits_only(single, fuzz_tally):
    for value in BAD_INTS:
        r = httpx.get(single + "/v1/sessions", params={"limit": value}, timeout=10)
        record(fuzz_tally, f"limit={value!r}", r)
        assert r.status_code == 422, (value, r.text)
        r = httpx.get(single + "/v1/sessions/abc/playlist.m3u8", params={"version": value}, timeout=10)
        record(fuzz_tally, f"version={value!r}", r)
        assert r.status_code == 422, (value, r.text)
        if value.strip() and "/" not in value:  # a path segment: the DJ link number
            r = httpx.get(single + f"/v1/shows/0123456789ab/links/{value}.wav", timeout=10)
            record(fuzz_tally, f"link number {value!r}", r)
            assert r.status_code == 422, (value, r.text)
    for body in ({"position": 1.5, "kind": "like"}, {"position": "+1", "kind": "like"}, {"position": True,
                                                                                          "kind": "like"}):
        r = httpx.post(single + "/v1/sessions/abc/feedback", json=body, timeout=10)
        record(fuzz_tally, f"feedback {body}", r)
        assert r.status_code == 422, r.text
    for value in ("10", "010", "200"):
        r = httpx.get(single + "/v1/sessions", params={"limit": value}, timeout=10)
        record(fuzz_tally, f"limit={value!r}", r)
        assert r.status_code == 200, r.text


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.text(alphabet=st.sampled_from("0123456789+-_. e１٣x"), min_size=0, max_size=6))
def test_generated_integers(single, fuzz_tally, value):
    r = httpx.get(single + "/v1/sessions", params={"limit": value}, timeout=10)
    record(fuzz_tally, f"generated limit={value!r}", r)
    good = value.isascii() and value.isdigit() and 1 <= int(value) <= 200
    assert r.status_code == (200 if good else 422), (value, r.text)


CONFUSABLE = ["аlex", "ａｌｅｘ", "ALEX", "Alex", "аlех", "αlex", "a1ex", "alеx"]  # beside an existing "alex"


def test_confusable_listener_names_are_refused(tmp_path, fuzz_tally):
    from assistant.compose import build
    from assistant.model.errors import BadInput
    from assistant.model.settings import Settings
    from assistant.web import Users

    services = build(Settings(home=tmp_path / "home"))
    try:
        users = Users(services.stores)
        users.add("alex")
        users.add("ахе")  # all Cyrillic: a name of its own
        for name in [*CONFUSABLE, "axe"]:
            try:
                users.add(name)
                got = "ok"
            except BadInput as e:
                got = "refused"
                assert str(e).count("\n") == 0 and name in str(e)
            fuzz_tally.add(AREA, f"users add {name!r} beside 'alex', 'ахе'", got)
            assert got == "refused", name
        assert [r["listener"] for r in users.list()] == ["alex", "ахе"]
    finally:
        services.close()


def test_an_invalid_segue_user_stops_the_server_at_once(tmp_path, fuzz_tally):
    for user in ("bad name", "аlex", "ａｌｅｘ", "x" * 65, "../etc"):
        env = dict(os.environ, SEGUE_HOME=str(tmp_path / "home"), SEGUE_USER=user, PYTHONPATH=str(ROOT))
        began = time.monotonic()
        p = subprocess.run([sys.executable, "-c", LAUNCH, "serve", "--port", "1"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
        took = time.monotonic() - began
        fuzz_tally.add(AREA, f"SEGUE_USER={user!r}", "traceback" if "Traceback" in p.stderr else
                       "refused" if p.returncode == 2 else "ok", exit=p.returncode, seconds=round(took, 1))
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 2 and len(lines) == 1 and "SEGUE_USER" in lines[0], p.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(alphabet=st.sampled_from("alexаеорсхαοѕＡａｌ1０._-日ひ "), min_size=1, max_size=8))
def test_generated_listener_names(fuzz_tally, name):
    import unicodedata

    from retrieval.store.listens import check_listener_name

    try:
        check_listener_name(name)
        got = "ok"
    except ValueError as e:
        got = "refused"
        assert "\n" not in str(e)
    fuzz_tally.add(AREA, f"generated listener name {name!r}", got)
    scripts = {unicodedata.name(c).split()[0] for c in name if c.isalpha()}
    mixed = len(scripts) > 1 and bool(scripts & {"LATIN", "CYRILLIC", "GREEK"})
    if got == "ok":  # nothing that passes mixes look-alike scripts or hides a compatibility form
        assert not mixed and unicodedata.normalize("NFKC", name) == name, name
