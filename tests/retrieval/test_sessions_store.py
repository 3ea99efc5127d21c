"""Sessions and feedback in the SQLite store: CRUD, compare-and-swap, concurrent writers (threads and
processes), migration of an older file, and a real kill -9 in the middle of a stream of saves.

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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import retrieval.store.listens as store_module
from retrieval.importers.history import Listen
from retrieval.store.sessions import SessionConflict, SessionExists, SessionNotFound, SessionStore
from retrieval.store.listens import MIGRATIONS, Store, StoreError

SESSIONS_MIGRATION = next(i for i, m in enumerate(MIGRATIONS) if any("CREATE TABLE sessions" in s for s in m))
PAD = "x" * 20_000  # a multi-page document, so a kill can land inside a write


def _doc(**fields) -> str:
    return json.dumps(fields)


# -- workers (also run in child processes) ----------------------------------------------------------------
def _increment(path: Path, who: str, cycles: int, go: Path | threading.Barrier) -> int:
    """`cycles` read-modify-write increments of the 'counter' session, retrying on conflict; returns conflicts."""
    conflicts = 0
    with Store(path) as store:
        sessions = SessionStore(store)
        if isinstance(go, threading.Barrier):
            go.wait(timeout=10)
        else:
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


# -- basics ---------------------------------------------------------------------------------------------
def test_create_get_save_list_delete(tmp_path):
    with Store(tmp_path / "s.db") as store:
        s = SessionStore(store)
        assert s.create("a", "alex", "Road trip", _doc(id="a", turns=[])) == 1
        assert s.get("a") == (_doc(id="a", turns=[]), 1)
        assert s.save("a", _doc(id="a", turns=[1]), 1) == 2
        assert s.save("a", _doc(id="a", turns=[1, 2]), 2, title="Road trip, no Nirvana") == 3
        assert s.get("a") == (_doc(id="a", turns=[1, 2]), 3)
        assert "alex" in store.listeners()

        s.create("b", "sam", "", _doc(id="b"))
        s.create("c", None, "anonymous", _doc(id="c"))
        assert [x["id"] for x in s.list()] == ["c", "b", "a"]  # newest first
        s.save("a", _doc(id="a", turns=[1, 2, 3]), 3)  # an update moves it to the top
        listed = s.list()
        assert [x["id"] for x in listed] == ["a", "c", "b"]
        assert listed[0]["listener"] == "alex" and listed[0]["title"] == "Road trip, no Nirvana"
        assert listed[0]["revision"] == 4 and listed[0]["updated"] > listed[0]["created"]
        assert set(listed[0]) == {"id", "listener", "title", "created", "updated", "revision"}
        assert listed[1]["listener"] is None
        assert [x["id"] for x in s.list("sam")] == ["b"]
        assert s.list("nobody") == [] and [x["id"] for x in s.list(limit=1)] == ["a"]

        s.delete("b")
        assert [x["id"] for x in s.list()] == ["a", "c"]
        with pytest.raises(SessionNotFound):
            s.get("b")
    with Store(tmp_path / "s.db") as store:  # survives reopening
        assert SessionStore(store).get("a")[1] == 4


def test_errors_are_store_errors_with_clear_messages(tmp_path):
    from retrieval.errors import Conflict, NotFound, SegueError

    with Store(tmp_path / "s.db") as store:
        s = SessionStore(store)
        s.create("a", "alex", "t", _doc(v=1))
        with pytest.raises(SessionExists, match="already exists") as dup:
            s.create("a", "sam", "t", _doc(v=2))
        assert s.get("a") == (_doc(v=1), 1)  # the duplicate wrote nothing
        with pytest.raises(SessionNotFound, match=r"segue chat.*/sessions") as missing:
            s.get("nope")
        for call in (lambda: s.save("nope", _doc(), 1), lambda: s.delete("nope"),
                     lambda: s.add_feedback("alex", "t1", "like", session_id="nope")):
            with pytest.raises(SessionNotFound):
                call()
        with pytest.raises(SessionConflict, match="changed by another turn; reload it and try again") as conflict:
            s.save("a", _doc(v=3), 5)
        for err, kind in ((dup.value, Conflict), (missing.value, NotFound), (conflict.value, Conflict)):
            assert isinstance(err, StoreError) and isinstance(err, kind) and isinstance(err, SegueError)
        for bad in (lambda: s.create("b", "alex", "t", "not json"), lambda: s.create("b", "alex", "t", "[1]"),
                    lambda: s.create("", "alex", "t", _doc()), lambda: s.create("b", "bad name", "t", _doc()),
                    lambda: s.save("a", _doc(), 0), lambda: s.list(limit=0),
                    lambda: s.add_feedback("alex", "t1", "love"), lambda: s.add_feedback("alex", "", "like")):
            with pytest.raises(ValueError):
                bad()
        assert [x["id"] for x in s.list()] == ["a"] and s.get("a") == (_doc(v=1), 1)


def test_feedback(tmp_path):
    t0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    with Store(tmp_path / "s.db") as store:
        s = SessionStore(store)
        s.create("a", "alex", "t", _doc())
        assert s.feedback("alex") == []
        s.add_feedback("alex", "t2", "dislike", session_id="a", at=t0 + timedelta(minutes=1))
        s.add_feedback("alex", "t1", "like", at=t0)
        s.add_feedback("alex", "t3", "skip", at="2024-05-01T14:00:00+02:00")  # 12:00 UTC, after t1 by id
        s.add_feedback("riley", "t1", "like")  # a new listener is created, as imports do
        got = s.feedback("alex")
        assert [(f["track_id"], f["kind"], f["session_id"]) for f in got] == [
            ("t1", "like", None), ("t3", "skip", None), ("t2", "dislike", "a")]
        assert got[0]["at"] == "2024-05-01T12:00:00.000000+00:00" and got[0]["listener"] == "alex"
        assert set(got[0]) == {"id", "listener", "track_id", "kind", "session_id", "at"}
        assert [f["track_id"] for f in s.feedback("riley")] == ["t1"] and "riley" in store.listeners()
        s.delete("a")  # feedback outlives its session, detached
        assert [f["session_id"] for f in s.feedback("alex")] == [None, None, None]
    raw = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):  # the schema itself refuses other kinds
        raw.execute("INSERT INTO feedback (listener_id, track_id, kind, at) VALUES (1, 't', 'love', 'x')")
    raw.execute("DELETE FROM listeners WHERE name = 'alex'")  # a listener's sessions and feedback go with them
    assert raw.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1
    raw.close()


# -- concurrency ----------------------------------------------------------------------------------------
def test_stale_revision_from_another_handle_is_rejected(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as one, Store(path) as two:
        first, second = SessionStore(one), SessionStore(two)
        first.create("a", "alex", "t", _doc(v=0))
        rev1 = first.get("a")[1]
        rev2 = second.get("a")[1]
        assert rev1 == rev2 == 1
        assert first.save("a", _doc(v="first"), rev1) == 2
        with pytest.raises(SessionConflict) as err:
            second.save("a", _doc(v="second"), rev2)
        assert (err.value.expected, err.value.actual) == (1, 2)
        assert second.get("a") == (_doc(v="first"), 2) == first.get("a")
        rev = second.get("a")[1]  # reload and retry succeeds
        assert second.save("a", _doc(v="second"), rev) == 3 and first.get("a") == (_doc(v="second"), 3)


def _assert_counter(path: Path, who: tuple[str, str]) -> None:
    with Store(path) as store:
        doc, rev = SessionStore(store).get("counter")
    data = json.loads(doc)
    assert data["n"] == 100 and rev == 101  # no lost update: every save applied on top of the one before
    assert sorted(data["log"]) == sorted([who[0]] * 50 + [who[1]] * 50)


def _new_counter(path: Path) -> None:
    with Store(path) as store:
        SessionStore(store).create("counter", "alex", "counter", _doc(n=0, log=[]))


def test_two_threads_read_modify_write_without_lost_updates(tmp_path):
    path = tmp_path / "s.db"
    _new_counter(path)
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:  # each thread opens its own Store (one connection per thread)
        futures = [pool.submit(_increment, path, who, 50, barrier) for who in ("t1", "t2")]
        conflicts = [f.result(timeout=60) for f in futures]  # re-raises a worker's error
    _assert_counter(path, ("t1", "t2"))
    assert sum(conflicts) > 0  # the writers really raced, and the losers retried


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
