"""The SQLite listens store: migrations, listeners, idempotent imports, reopening."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from retrieval.importers.history import Listen
from retrieval.store.listens import MIGRATIONS, Store, StoreError, default_store_path

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def _listens(n: int, offset: int = 0) -> list[Listen]:
    return [
        Listen(ts=T0 + timedelta(minutes=5 * (i + offset)), artist=f"Artist {(i + offset) % 3}",
               title=f"Song {i + offset}",
               album=None, track_id=None, ms_played=180000, skipped=(i % 4 == 3), source="f.json")
        for i in range(n)
    ]


def test_schema_wal_and_reopen(tmp_path):
    path = tmp_path / "home" / "segue.db"
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.add_listens("alex", _listens(5), ["id0", None, "id2", None, "id4"], "a.json") == 5
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    with Store(path) as s:  # survives reopening; migrations not re-applied
        assert s.listeners() == ["alex"]
        got = s.listens("alex")
    assert [x.track_id for x in got] == ["id0", None, "id2", None, "id4"]
    assert got[0].ts == T0 and got[0].ts.tzinfo is not None
    assert [x.skipped for x in got] == [False, False, False, True, False]
    assert got[1].artist == "Artist 1" and got[1].title == "Song 1" and got[1].ms_played == 180000


def test_reimport_same_source_replaces_never_duplicates(tmp_path):
    with Store(tmp_path / "s.db") as s:
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


def test_failed_import_rolls_back(tmp_path):
    with Store(tmp_path / "s.db") as s:
        s.add_listens("alex", _listens(3), [None] * 3, "a")

        broken = Listen.model_construct(ts=None, artist="x", title="y", album=None, track_id=None, ms_played=None,
                                        skipped=False, source="z")  # fails on the last row
        with pytest.raises(AttributeError):
            s.add_listens("alex", _listens(2, offset=50) + [broken], [None] * 3, "a")
        assert len(s.listens("alex")) == 3  # the earlier import of "a" is intact
        with pytest.raises(ValueError, match="one id"):
            s.add_listens("alex", _listens(2), [None], "a")


def test_listener_names_validated(tmp_path):
    with Store(tmp_path / "s.db") as s:
        assert s.ensure_listener("alex.b-2_x") == s.ensure_listener("alex.b-2_x")
        for bad in ["", "a b", "x" * 65, "../etc", "..", "semi;colon"]:
            with pytest.raises(ValueError, match="letters, digits"):
                s.ensure_listener(bad)
        with pytest.raises(ValueError):
            s.add_listens("bad name", _listens(1), [None], "k")
        assert s.listeners() == ["alex.b-2_x"]


def test_bad_or_newer_files_give_store_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="Move it aside"):
        Store(junk)
    newer = tmp_path / "newer.db"
    raw = sqlite3.connect(newer)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.close()
    with pytest.raises(StoreError, match="newer Segue"):
        Store(newer)


def test_default_path_uses_segue_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_HOME", str(tmp_path / "h"))
    assert default_store_path() == tmp_path / "h" / "segue.db"
