"""What only the SQLite store does: its schema version, WAL, files that are not (or not yet) Segue stores, and
where it lives. Listeners and listens as every store keeps them are in test_store_contract.py."""

from __future__ import annotations

import sqlite3

import pytest

from retrieval.errors import StorageCorrupt
from retrieval.store.listens import MIGRATIONS, Store, StoreError, default_store_path
from tests.retrieval.test_store_contract import _listens


def test_schema_version_and_wal(tmp_path):
    path = tmp_path / "home" / "segue.db"
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.add_listens("alex", _listens(5), ["id0", None, "id2", None, "id4"], "a.json") == 5
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    with Store(path) as s:  # migrations not re-applied on reopening
        assert s.schema_version == len(MIGRATIONS) and s.listeners() == ["alex"]


def test_bad_or_newer_files_give_store_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageCorrupt, match="segue doctor"):
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
