"""quick_exit.now: flushes the consoles, runs the atexit handlers, then ends with sys.exit's status."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import ROOT


def run(code_arg: str, requested: bool = True):
    script = ("import atexit, sys\n"
              "from assistant.cli import quick_exit\n"
              "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
              "sys.stdout.write('unflushed output')\n"
              f"{'quick_exit.request()' if requested else ''}\n"
              "try:\n"
              f"    sys.exit({code_arg})\n"
              "except SystemExit as done:\n"
              "    if quick_exit.requested():\n"
              "        quick_exit.now(done.code)\n"
              "    raise\n")
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("code_arg", "status"), [("None", 0), ("0", 0), ("1", 1), ("3", 3), ("'bad thing'", 1)])
def test_status_output_and_atexit_are_kept(code_arg, status):
    p = run(code_arg)
    assert p.returncode == status
    assert p.stdout == "unflushed output"
    assert p.stderr.splitlines()[-1] == "atexit ran"
    if code_arg == "'bad thing'":
        assert "bad thing" in p.stderr


def test_without_a_request_the_normal_exit_happens():
    p = run("2", requested=False)
    assert (p.returncode, p.stdout, p.stderr.strip()) == (2, "unflushed output", "atexit ran")
