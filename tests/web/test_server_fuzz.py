"""Schemathesis against the live server's OpenAPI schema: thousands of generated requests (examples, boundary
and negative cases, random fuzzing, and stateful chains such as chat -> edit -> undo -> export -> delete) with
every check on (no 5xx, statuses, content types, headers and bodies as documented, auth not ignored, deleted
resources gone). The server's own tally of statuses must show no 5xx either."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.live_server import StatusTally, copy_home, live_server

CONFIG = """
generation.max-examples = {examples}

[[operations]]
include-path = "/v1/sessions/{{session_id}}/dj"
# every show is sequenced and spoken with espeak-ng (~1 s): fewer examples keep the run to a couple of minutes
generation.max-examples = 15

[[operations]]
include-path = "/v1/history"
# a history file's content cannot be stated in a schema: an unreadable upload is rightly a 422
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "413", "422", "429"]
"""
EXAMPLES = int(os.environ.get("SEGUE_FUZZ_EXAMPLES", "250"))  # per operation and phase
SEED = os.environ.get("SEGUE_FUZZ_SEED", "20260601")


@pytest.fixture(scope="module")
def fuzzed(demo_home, encoder, tmp_path_factory):
    home = copy_home(demo_home, tmp_path_factory.mktemp("fuzz") / "home")
    tally = {}

    def wrap(app):
        tally["app"] = StatusTally(app)
        return tally["app"]

    with live_server(home, encoder, users=("ana",), rate_per_minute=0, rate_per_address=0,
                     auth_failures_per_minute=0, wrap=wrap) as (url, tokens, _):
        yield url, tokens["ana"], tally["app"].counts


def test_schemathesis_finds_no_server_errors(fuzzed, tmp_path):
    url, token, statuses = fuzzed
    (tmp_path / "schemathesis.toml").write_text(CONFIG.format(examples=EXAMPLES))
    st = Path(sys.executable).with_name("schemathesis")
    cmd = [str(st), "--config-file", str(tmp_path / "schemathesis.toml"), "run", f"{url}/openapi.json",
           "-H", f"Authorization: Bearer {token}", "--seed", SEED, "-w", "1",
           "--report-junit-path", str(tmp_path / "junit.xml")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                       env=dict(os.environ, NO_COLOR="1"))
    summary = p.stdout[-3000:]
    assert p.returncode == 0, summary  # -w 1: with 2 workers schemathesis 4.32 can crash in hypothesis (ast.parse)
    m = re.search(r"(\d+) generated, (\d+) passed", p.stdout)
    assert m, summary
    generated = int(m.group(1))
    sent = sum(statuses.values())
    server_errors = {s: n for s, n in statuses.items() if s >= 500}
    print(f"\nschemathesis: {generated} test cases generated, {sent} requests served, "
          f"statuses {dict(sorted(statuses.items()))}")
    assert generated >= 2000 and sent >= 2000
    assert not server_errors, server_errors
    assert (tmp_path / "junit.xml").exists()
