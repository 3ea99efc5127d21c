"""Sessions and feedback in what only the SQLite store does: its schema's constraints, concurrent writers in
separate processes, migration of an older file, and a real kill -9 in the middle of a stream of saves. What
every store does with sessions (create, compare-and-swap, list, feedback, racing threads) is in
test_store_contract.py.

This file is also the worker script for the process tests: `python test_sessions_store.py MODE DB ...`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import retrieval.store.listens as store_module
from retrieval.importers.history import Listen
from retrieval.store.listens import MIGRATIONS, Store
from retrieval.store.sessions import SessionConflict, SessionNotFound, SessionStore

SESSIONS_MIGRATION = next(i for i, m in enumerate(MIGRATIONS) if any("CREATE TABLE sessions" in s for s in m))
PAD = "x" * 20_000  # a multi-page document, so a kill can land inside a write


def _doc(**fields) -> str:
    return json.dumps(fields)


# -- workers (also run in child processes) ----------------------------------------------------------------
def _increment(path: Path, who: str, cycles: int, go: Path) -> int:
    """`cycles` read-modify-write increments of the 'counter' session once `go` exists, retrying on conflict;
    returns the number of conflicts."""
    conflicts = 0
    with Store(path) as store:
        sessions = SessionStore(store)
        print("ready", flush=True)
        deadline = time.monotonic() + 10
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        done = 0
        while done < cycles:
            doc, rev = sessions.get("counter")
            data = json.loads(doc)
            data["n"] += 1
            data["log"].append(who)
            time.sleep(random.uniform(0, 0.002))  # widen the read-to-write window
            try:
                sessions.save("counter", json.dumps(data), rev)
                done += 1
            except SessionConflict:
                conflicts += 1
    return conflicts


def _save_forever(path: Path) -> None:
    """Save revision after revision of session 'k' (doc n == revision), printing each committed n."""
    with Store(path) as store:
        sessions = SessionStore(store)
        try:
            rev = sessions.get("k")[1]
        except SessionNotFound:
            rev = sessions.create("k", "alex", "kill test", _doc(n=1, pad=PAD))
            print(rev, flush=True)
        while True:
            rev = sessions.save("k", _doc(n=rev + 1, pad=PAD), rev)
            print(rev, flush=True)


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, bufsize=1)


# -- the schema ---------------------------------------------------------------------------------------------
def test_feedback_schema_refuses_other_kinds_and_goes_with_its_listener(tmp_path):
    with Store(tmp_path / "s.db") as store:
        s = SessionStore(store)
        s.create("a", "alex", "t", _doc())
        s.add_feedback("alex", "t2", "dislike", session_id="a")
        s.add_feedback("alex", "t1", "like")
        s.add_feedback("alex", "t3", "skip")
        s.add_feedback("riley", "t1", "like")
    raw = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):  # the schema itself refuses other kinds
        raw.execute("INSERT INTO feedback (listener_id, track_id, kind, at) VALUES (1, 't', 'love', 'x')")
    raw.execute("DELETE FROM listeners WHERE name = 'alex'")  # a listener's sessions and feedback go with them
    assert raw.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1
    assert raw.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    raw.close()


# -- concurrency ----------------------------------------------------------------------------------------
def _assert_counter(path: Path, who: tuple[str, str]) -> None:
    with Store(path) as store:
        doc, rev = SessionStore(store).get("counter")
    data = json.loads(doc)
    assert data["n"] == 100 and rev == 101  # no lost update: every save applied on top of the one before
    assert sorted(data["log"]) == sorted([who[0]] * 50 + [who[1]] * 50)


def _new_counter(path: Path) -> None:
    with Store(path) as store:
        SessionStore(store).create("counter", "alex", "counter", _doc(n=0, log=[]))


def test_two_processes_read_modify_write_without_lost_updates(tmp_path):
    path, go = tmp_path / "s.db", tmp_path / "go"
    _new_counter(path)
    procs = [_spawn("increment", str(path), who, str(go)) for who in ("p1", "p2")]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        go.touch()
        outs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0]
    _assert_counter(path, ("p1", "p2"))
    assert sum(int(o.split()[-1]) for o in outs) > 0  # each printed its conflicts: they raced, the losers retried


# -- migration ------------------------------------------------------------------------------------------
def test_older_database_is_upgraded_and_keeps_its_data(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    listens = [Listen(ts=t0 + timedelta(minutes=i), artist="A", title=f"S{i}", source="f") for i in range(3)]
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:SESSIONS_MIGRATION])
    with Store(path) as old:
        assert old.schema_version == SESSIONS_MIGRATION
        old.add_listens("alex", listens, ["t0", None, "t2"], "f.json")
    monkeypatch.undo()
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT name FROM sqlite_master WHERE name IN ('sessions', 'feedback')").fetchall() == []
    raw.close()

    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [x.title for x in store.listens("alex")] == ["S0", "S1", "S2"]
        assert store.sources("alex")[0][:2] == ("f.json", 3)
        s = SessionStore(store)
        s.create("a", "alex", "t", _doc(v=1))
        s.add_feedback("alex", "t0", "like", session_id="a")
        assert s.get("a")[1] == 1 and len(s.feedback("alex")) == 1
    with Store(path) as store:  # reopening applies nothing twice
        assert store.schema_version == len(MIGRATIONS) and SessionStore(store).get("a")[1] == 1
        assert store._db.execute("PRAGMA foreign_key_check").fetchall() == []


# -- crash ----------------------------------------------------------------------------------------------
def test_kill_9_mid_loop_leaves_last_committed_revision(tmp_path):
    path = tmp_path / "s.db"
    previous = 0
    for round_ in range(3):  # three kills, each resuming from what the last one left
        proc = _spawn("loop", str(path))
        target = previous + random.randint(30, 120)
        printed = []
        try:
            for line in proc.stdout:
                printed.append(int(line))
                if printed[-1] >= target:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            proc.wait(timeout=30)
            # committed and printed before the kill landed; read through the text buffer (communicate() with a
            # timeout reads the pipe's descriptor directly and would miss lines already buffered here)
            rest = proc.stdout.read()
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL, f"round {round_}: the writer ended before it was killed"
        printed += [int(x) for x in rest.splitlines() if x.strip().isdigit()]
        assert printed == list(range(printed[0], printed[-1] + 1)) and printed[0] == previous + 1

        raw = sqlite3.connect(path)
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.close()
        with Store(path) as store:
            doc, rev = SessionStore(store).get("k")
        data = json.loads(doc)
        assert data["n"] == rev and data["pad"] == PAD  # the document and its revision agree, nothing torn
        assert printed[-1] <= rev <= printed[-1] + 1  # every printed save is there; at most one unprinted
        previous = rev


if __name__ == "__main__":
    mode, db = sys.argv[1], Path(sys.argv[2])
    if mode == "increment":
        print(_increment(db, sys.argv[3], 50, Path(sys.argv[4])), flush=True)
    elif mode == "loop":
        _save_forever(db)
