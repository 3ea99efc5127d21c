"""The store contract: listeners, listens, sessions with compare-and-swap revisions, feedback and tokens, as the
rest of Segue uses them (through `retrieval.store.Stores`: the calling thread's store, `.sessions()`,
`.tokens()`), run against every store implementation (DESIGN.md practice 17).

`open_stores` is parametrised over store factories. A factory takes a fresh temporary folder and returns a
function that opens one more handle (a `Stores`-like object: `store()`, `sessions()`, `tokens()`, `close()`)
onto the same, initially empty database. SQLite is the one implementation today; a PostgreSQL store is added
as a second factory in `FACTORIES` (e.g. a fresh schema per test), and every case below runs against it.

What only SQLite does (WAL, migrations of an older file, unreadable files, kill -9, several processes) is in
test_store.py and test_sessions_store.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retrieval.errors import Conflict, NotFound, SegueError
from retrieval.importers.history import Listen
from retrieval.store import SessionConflict, SessionExists, SessionNotFound, StoreError, Stores

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def sqlite_stores(folder: Path) -> Callable[[], Stores]:
    """The SQLite store: every handle is a `Stores` over one file, as `assistant.compose.build` makes it."""
    return lambda: Stores(folder / "home" / "segue.db")


FACTORIES = [pytest.param(sqlite_stores, id="sqlite")]


@pytest.fixture(params=FACTORIES)
def open_stores(request, tmp_path):
    """Opens handles onto one fresh database of the implementation under test; closes them all afterwards."""
    opened: list = []

    def open_() -> Stores:
        opened.append(request.param(tmp_path)())
        return opened[-1]

    yield open_
    for handle in opened:
        handle.close()


@pytest.fixture()
def stores(open_stores):
    return open_stores()


def _listens(n: int, offset: int = 0) -> list[Listen]:
    return [
        Listen(ts=T0 + timedelta(minutes=5 * (i + offset)), artist=f"Artist {(i + offset) % 3}",
               title=f"Song {i + offset}",
               album=None, track_id=None, ms_played=180000, skipped=(i % 4 == 3), source="f.json")
        for i in range(n)
    ]


def _doc(**fields) -> str:
    return json.dumps(fields)


# -- listeners and listens ----------------------------------------------------------------------------------------
def test_listens_round_trip_and_survive_reopening(open_stores):
    first = open_stores()
    assert first.store().add_listens("alex", _listens(5), ["id0", None, "id2", None, "id4"], "a.json") == 5
    first.close()
    store = open_stores().store()  # survives reopening
    assert store.listeners() == ["alex"]
    got = store.listens("alex")
    assert [x.track_id for x in got] == ["id0", None, "id2", None, "id4"]
    assert got[0].ts == T0 and got[0].ts.tzinfo is not None
    assert [x.skipped for x in got] == [False, False, False, True, False]
    assert got[1].artist == "Artist 1" and got[1].title == "Song 1" and got[1].ms_played == 180000


def test_reimport_same_source_replaces_never_duplicates(stores):
    s = stores.store()
    first = _listens(10)
    assert s.add_listens("alex", first, [None] * 10, "/exports/a.json") == 10
    assert s.add_listens("alex", first, [f"id{i}" for i in range(10)], "/exports/a.json") == 10
    got = s.listens("alex")
    assert len(got) == 10 and got[0].track_id == "id0"  # replaced with the newer matching
    # a changed file under the same key: the old rows go, the new ones come
    assert s.add_listens("alex", _listens(4), [None] * 4, "/exports/a.json") == 4
    assert len(s.listens("alex")) == 4
    # an overlapping export from another source adds only what is new
    assert s.add_listens("alex", _listens(6, offset=2), [None] * 6, "/exports/b.json") == 4
    assert len(s.listens("alex")) == 8
    assert [k for k, _, _ in s.sources("alex")] == ["/exports/a.json", "/exports/b.json"]
    # other listeners are separate
    assert s.add_listens("sam", _listens(3), [None] * 3, "/exports/a.json") == 3
    assert len(s.listens("alex")) == 8 and len(s.listens("sam")) == 3
    assert s.listeners() == ["alex", "sam"]
    assert s.listens("nobody") == []


def test_failed_import_rolls_back(stores):
    s = stores.store()
    s.add_listens("alex", _listens(3), [None] * 3, "a")

    broken = Listen.model_construct(ts=None, artist="x", title="y", album=None, track_id=None, ms_played=None,
                                    skipped=False, source="z")  # fails on the last row
    with pytest.raises(AttributeError):
        s.add_listens("alex", _listens(2, offset=50) + [broken], [None] * 3, "a")
    assert len(s.listens("alex")) == 3  # the earlier import of "a" is intact
    with pytest.raises(ValueError, match="one id"):
        s.add_listens("alex", _listens(2), [None], "a")


def test_listener_names_validated(stores):
    s = stores.store()
    assert s.ensure_listener("alex.b-2_x") == s.ensure_listener("alex.b-2_x")
    for bad in ["", "a b", "x" * 65, "../etc", "..", "semi;colon"]:
        with pytest.raises(ValueError, match="letters, digits"):
            s.ensure_listener(bad)
    with pytest.raises(ValueError):
        s.add_listens("bad name", _listens(1), [None], "k")
    assert s.listeners() == ["alex.b-2_x"]


# -- sessions -------------------------------------------------------------------------------------------------
def test_create_get_save_list_delete(open_stores):
    stores = open_stores()
    s = stores.sessions()
    assert s.create("a", "alex", "Road trip", _doc(id="a", turns=[])) == 1
    assert s.get("a") == (_doc(id="a", turns=[]), 1)
    assert s.save("a", _doc(id="a", turns=[1]), 1) == 2
    assert s.save("a", _doc(id="a", turns=[1, 2]), 2, title="Road trip, no Nirvana") == 3
    assert s.get("a") == (_doc(id="a", turns=[1, 2]), 3)
    assert "alex" in stores.store().listeners()

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
    stores.close()
    assert open_stores().sessions().get("a")[1] == 4  # survives reopening


def test_errors_are_store_errors_with_clear_messages(stores):
    s = stores.sessions()
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


def test_stale_revision_from_another_handle_is_rejected(open_stores):
    first, second = open_stores().sessions(), open_stores().sessions()
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


def test_two_threads_read_modify_write_without_lost_updates(stores):
    """Two threads share one `Stores` (as the server's request threads do): each gets its own handle, every
    save lands on top of the one before, and the losers of a race retry."""
    import random
    import time

    stores.sessions().create("counter", "alex", "counter", _doc(n=0, log=[]))
    barrier = threading.Barrier(2)

    def increment(who: str, cycles: int) -> int:
        sessions = stores.sessions()  # this thread's handle
        barrier.wait(timeout=10)
        conflicts = done = 0
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

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(increment, who, 50) for who in ("t1", "t2")]
        conflicts = [f.result(timeout=60) for f in futures]  # re-raises a worker's error
    doc, rev = stores.sessions().get("counter")
    data = json.loads(doc)
    assert data["n"] == 100 and rev == 101  # no lost update: every save applied on top of the one before
    assert sorted(data["log"]) == sorted(["t1"] * 50 + ["t2"] * 50)
    assert sum(conflicts) > 0  # the writers really raced, and the losers retried


def test_each_thread_gets_its_own_handle_and_sees_the_others_commits(stores):
    mine = stores.store()
    assert stores.store() is mine  # the same thread, the same handle
    seen: dict = {}

    def other():
        seen["store"] = stores.store()
        seen["created"] = stores.sessions().create("from-thread", "sam", "t", _doc(v=1))

    worker = threading.Thread(target=other)
    worker.start()
    worker.join(timeout=30)
    assert seen["created"] == 1 and seen["store"] is not mine
    assert stores.sessions().get("from-thread") == (_doc(v=1), 1)
    assert "sam" in mine.listeners()


# -- feedback -------------------------------------------------------------------------------------------------
def test_feedback(stores):
    s = stores.sessions()
    s.create("a", "alex", "t", _doc())
    assert s.feedback("alex") == []
    s.add_feedback("alex", "t2", "dislike", session_id="a", at=T0 + timedelta(minutes=1))
    s.add_feedback("alex", "t1", "like", at=T0)
    s.add_feedback("alex", "t3", "skip", at="2024-05-01T14:00:00+02:00")  # 12:00 UTC, after t1 by id
    s.add_feedback("riley", "t1", "like")  # a new listener is created, as imports do
    got = s.feedback("alex")
    assert [(f["track_id"], f["kind"], f["session_id"]) for f in got] == [
        ("t1", "like", None), ("t3", "skip", None), ("t2", "dislike", "a")]
    assert got[0]["at"] == "2024-05-01T12:00:00.000000+00:00" and got[0]["listener"] == "alex"
    assert set(got[0]) == {"id", "listener", "track_id", "kind", "session_id", "at"}
    assert [f["track_id"] for f in s.feedback("riley")] == ["t1"] and "riley" in stores.store().listeners()
    s.delete("a")  # feedback outlives its session, detached
    assert [f["session_id"] for f in s.feedback("alex")] == [None, None, None]


# -- tokens ---------------------------------------------------------------------------------------------------
def test_tokens_add_find_list_remove(open_stores):
    stores = open_stores()
    t = stores.tokens()
    assert t.count() == 0 and t.list() == [] and t.find("a" * 64) is None
    t.add("alex", "a" * 64)
    t.add("alex", "b" * 64)  # a listener may hold several tokens
    t.add("sam", "c" * 64)
    assert t.find("b" * 64) == ("alex", "b" * 64) and t.find("c" * 64) == ("sam", "c" * 64)
    assert t.find("d" * 64) is None
    assert "alex" in stores.store().listeners() and "sam" in stores.store().listeners()  # created when new
    listed = t.list()
    assert [(x["listener"], x["tokens"]) for x in listed] == [("alex", 2), ("sam", 1)]
    assert set(listed[0]) == {"listener", "tokens", "first", "last"} and listed[0]["first"] <= listed[0]["last"]
    assert t.count() == 3
    assert t.remove("alex") == 2 and t.remove("alex") == 0 and t.remove("nobody") == 0
    assert t.find("a" * 64) is None and t.count() == 1
    assert "alex" in stores.store().listeners()  # revoking tokens keeps the listener (and their history)
    stores.close()
    assert open_stores().tokens().find("c" * 64) == ("sam", "c" * 64)  # survives reopening


def test_tokens_refuse_bad_listener_names(stores):
    t = stores.tokens()
    for bad in ("", "a b", "../etc"):
        with pytest.raises(ValueError, match="letters, digits"):
            t.add(bad, "e" * 64)
        with pytest.raises(ValueError, match="letters, digits"):
            t.remove(bad)
    assert t.count() == 0 and stores.store().listeners() == []
