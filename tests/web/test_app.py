"""The app factory in-process (no uvicorn, no warm-up): each app states and enforces its own message limit, the
route functions stay as written, and importing the package's face builds nothing and loads no FastAPI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from tests.paths import ROOT

LOCAL = "http://127.0.0.1"  # single-user mode answers only loopback host names


@pytest.fixture()
def make_app(tmp_path):
    """Apps over empty homes (no catalogue: a request that passes validation is answered 503 Not ready)."""
    from assistant.compose import build
    from assistant.model.settings import Settings
    from assistant.web import create_app

    built = []

    def make(**settings):
        services = build(Settings(home=tmp_path / f"home-{len(built)}", **settings))
        built.append(services)
        return create_app(services, auth="none")

    yield make
    for services in built:
        services.close()


def test_two_apps_keep_their_own_message_limits(make_app):
    from assistant.web.routers import chat
    from assistant.web.schemas import ChatIn

    tight, roomy = make_app(max_prompt_chars=200), make_app(max_prompt_chars=300)
    for app, limit in ((tight, 200), (roomy, 300)):
        message = app.openapi()["components"]["schemas"]["ChatIn"]["properties"]["message"]
        assert message["maxLength"] == limit
    for path in ("/v1/chat", "/v1/chat/stream"):
        r = TestClient(tight, base_url=LOCAL).post(path, json={"message": "y" * 250})
        assert r.status_code == 422 and "at most 200 characters" in r.json()["detail"], r.text
    r = TestClient(roomy, base_url=LOCAL).post("/v1/chat", json={"message": "y" * 250})  # valid here: on to the planner
    assert r.status_code == 503 and r.json()["title"] == "Not ready", r.text
    r = TestClient(roomy, base_url=LOCAL).post("/v1/chat/stream", json={"message": "y" * 250})
    assert r.status_code == 200 and r.text.rstrip().split("\n")[-2] == "event: error" and "Not ready" in r.text
    assert chat.chat.__annotations__["body"] in ("ChatIn", ChatIn)  # the module's own function is not retyped


def test_405_lists_every_method_at_the_path(make_app):
    r = TestClient(make_app(), base_url=LOCAL).put("/v1/sessions/abc")
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, GET"
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_face_loads_no_fastapi_until_create_app_is_asked_for():
    code = ("import sys, assistant.web, assistant.web.tokens; assert 'fastapi' not in sys.modules; "
            "from assistant.web import Users, create_app; from server import create_app as same; "
            "assert same is create_app and 'fastapi' in sys.modules")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert p.returncode == 0, p.stderr
