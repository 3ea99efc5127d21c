"""The front door's parts on tiny data, in-process: host names, origins, the cross-site rule, the rate limiter's
bound, whole numbers, and the app answering through the door (TestClient over an empty home)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.web.door import ANY, FrontDoor, allowed_hosts, origin_of, split_host
from assistant.web.shared import RateLimiter


def test_allowed_hosts():
    assert allowed_hosts([], "127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert allowed_hosts([], "music.lan") == {"music.lan"}
    assert allowed_hosts([], "0.0.0.0") == ANY and allowed_hosts([], "::") == ANY and allowed_hosts([], None) == ANY
    assert allowed_hosts(["Music.LAN.", " "], "0.0.0.0") == {"music.lan"}
    assert allowed_hosts(["*"], "127.0.0.1") == ANY
    assert allowed_hosts(["[::1]"], None) == {"127.0.0.1", "localhost", "::1"}


def test_split_host_and_origin():
    assert split_host("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("LOCALHOST.") == ("localhost", 80) and split_host("x", "https") == ("x", 443)
    assert split_host("") is None and split_host("a:99999") is None and split_host("a:8x") is None
    assert origin_of("http://127.0.0.1:8000") == ("http", "127.0.0.1", 8000)
    assert origin_of("https://evil.example/page?x") == ("https", "evil.example", 443)
    assert origin_of("null") is None and origin_of("file:///etc") is None and origin_of("http://[") is None


@pytest.mark.parametrize("headers,ok", [
    ({}, True),  # not a browser
    ({"content-type": "multipart/form-data; boundary=x"}, True),  # curl -F
    ({"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"}, True),
    ({"origin": "http://localhost:8000"}, True),
    ({"referer": "http://127.0.0.1:8000/"}, True),
    ({"sec-fetch-site": "none"}, True),  # typed by the user
    ({"origin": "http://127.0.0.1:8001"}, False),
    ({"origin": "http://evil.example"}, False),
    ({"origin": "null"}, False),
    ({"referer": "http://evil.example/"}, False),
    ({"sec-fetch-site": "same-site"}, False),
    ({"sec-fetch-site": "cross-site"}, False),
    ({"sec-fetch-site": "same-origin", "content-type": "text/plain"}, False),  # a browser form with no origin
])
def test_same_origin_rule(headers, ok):
    door = FrontDoor(None, single_user=True, hosts=None, per_address=RateLimiter(0))
    assert door.same_origin(headers, ("127.0.0.1", 8000)) is ok


def test_rate_limiter_buckets_are_bounded_and_refill():
    limiter = RateLimiter(60, keys=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter.buckets) == 100
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    wait = limiter.take("a")
    assert 0 < wait <= 1.0 and limiter.wait("a") > 0 and limiter.wait("b") == 0
    assert RateLimiter(0).take("x") == 0.0


def test_whole_numbers():
    from pydantic import TypeAdapter, ValidationError

    from assistant.web.schemas import whole

    number = TypeAdapter(whole(1, 100))
    assert number.json_schema() == {"type": "integer", "minimum": 1, "maximum": 100}
    for good, value in (("12", 12), ("007", 7), (5, 5), (5.0, 5)):  # 5.0 is an integer in JSON Schema
        assert number.validate_python(good) == value
    for bad in ("1_0", "+1", "1.0", " 1", "-1", "１", "1e3", 1.5, True, "", "0", "101"):
        with pytest.raises(ValidationError):
            number.validate_python(bad)


def test_the_app_answers_through_the_door(tmp_path):
    from assistant.compose import build
    from assistant.model.settings import Settings
    from assistant.web import Users, create_app

    services = build(Settings(home=tmp_path / "home", rate_per_minute=3, auth_failures_per_minute=2))
    try:
        local = TestClient(create_app(services, auth="none"), base_url="http://127.0.0.1")
        assert local.get("/v1/sessions").status_code == 200
        assert local.get("/v1/sessions", headers={"Host": "evil.example"}).status_code == 421
        r = local.post("/v1/sessions/x/undo", headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and r.headers["x-frame-options"] == "DENY"
        docs = local.get("/docs")
        assert "'sha256-" in docs.headers["content-security-policy"]
        assert int(docs.headers["content-length"]) == len(docs.content)
        token = Users(services.stores).add("ana")
        remote = TestClient(create_app(services, auth="tokens", bound="music.lan"), base_url="http://music.lan")
        assert remote.get("/v1/sessions", headers={"Host": "other.lan"}).status_code == 421
        assert [remote.get("/v1/sessions").status_code for _ in range(3)] == [401, 401, 429]
        r = remote.get("/v1/sessions", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200  # the address's failures do not lock a valid token out
    finally:
        services.close()
