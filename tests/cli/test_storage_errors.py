"""The CLI's storage faults on tiny data: an OS error of a full or read-only disk is one line and exit 2 (any
other error still propagates), and `segue doctor` checks, backs up and recovers a tiny home in-process."""

from __future__ import annotations

import errno
import json
import os
import sqlite3

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from assistant.cli import app
from assistant.cli.errors import handle_errors


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_disk_is_one_line_and_exit_2(code):
    err = Console(stderr=True, record=True, width=300)
    with pytest.raises(typer.Exit) as done, handle_errors(err):
        raise OSError(code, os.strerror(code), "/home/x/vectors/k.tmp/text.npy")
    said = err.export_text().strip()
    assert done.value.exit_code == 2 and said.startswith("error: Cannot write /home/x/vectors/k.tmp/text.npy")
    assert len(said.splitlines()) == 1


def test_other_errors_still_propagate():
    with pytest.raises(FileNotFoundError), handle_errors(Console(stderr=True)):
        raise FileNotFoundError(errno.ENOENT, "No such file", "x")


def _tiny_home(root):
    from retrieval.store import Stores

    stores = Stores(root / "segue.db")
    for i in range(60):
        stores.sessions().create(f"s{i}", "alex", "t", json.dumps({"pad": "x" * 400}))
    stores.close()
    with sqlite3.connect(root / "segue.db") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def test_doctor_checks_backs_up_and_recovers_a_tiny_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    _tiny_home(home)
    monkeypatch.setenv("SEGUE_HOME", str(home))
    runner = CliRunner()
    ok = runner.invoke(app, ["doctor", "--backup"])
    assert ok.exit_code == 0, ok.output
    assert "backup:" in ok.output and "intact (schema 3; 1 listeners, 60 sessions)" in ok.output
    assert len(list((home / "backups").glob("segue-doctor-*.db"))) == 1
    with open(home / "segue.db", "r+b") as f:  # a table page overwritten
        f.seek(6 * 4096)
        f.write(os.urandom(4096))
    bad = runner.invoke(app, ["doctor"])
    assert bad.exit_code == 2 and "damaged" in bad.output and "segue doctor --recover" in bad.output
    fixed = runner.invoke(app, ["doctor", "--recover"])
    assert fixed.exit_code == 0, fixed.output
    assert "recover: rebuilt" in fixed.output and list(home.glob("segue.db.damaged-*"))
    os.chmod(home, 0o755)
    loose = runner.invoke(app, ["doctor"])
    assert loose.exit_code == 2 and "doctor --fix" in loose.output
    assert runner.invoke(app, ["doctor", "--fix"]).exit_code == 0 and os.stat(home).st_mode & 0o777 == 0o700
