"""Storage faults on tiny data: the one classification (`retrieval.errors.storage_error`), the store's guarded
connection under real SQLite errors (SQLITE_FULL from `max_page_count`, SQLITE_READONLY from `query_only`, a
damaged file), recovery, backups before migrations and a private home."""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.errors import (
    SegueError,
    StorageCorrupt,
    StorageError,
    StorageFull,
    StorageUnavailable,
    storage_error,
)
from retrieval.home import Home
from retrieval.store import Stores
from retrieval.store.guard import is_damaged
from retrieval.store.listens import MIGRATIONS, Store
from retrieval.store.repair import check, recover


def _doc(i: int = 0) -> str:
    return json.dumps({"i": i, "pad": "x" * 300})


@pytest.mark.parametrize(("code", "kind"), [(errno.ENOSPC, StorageFull), (errno.EDQUOT, StorageFull),
                                            (errno.EROFS, StorageUnavailable), (errno.EACCES, StorageUnavailable),
                                            (errno.EIO, StorageUnavailable), (errno.ENOENT, None),
                                            (errno.EINVAL, None)])
def test_os_errors_are_classified_by_errno(code, kind):
    err = OSError(code, os.strerror(code), "/home/x/catalog.tmp/a.npy")
    mapped = storage_error(err)
    if kind is None:
        assert mapped is None
    else:
        assert type(mapped) is kind and isinstance(mapped, SegueError) and "catalog.tmp/a.npy" in str(mapped)
        assert "\n" not in str(mapped)
    short = storage_error(OSError("599808 requested and 8160 written"))  # numpy's np.save on a full disk
    assert isinstance(short, StorageFull) and "disk is full" in str(short)
    assert storage_error(ValueError("no")) is None and storage_error(sqlite3.IntegrityError("UNIQUE")) is None


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(sorted(errno.errorcode)) | st.none(), name=st.text(max_size=30) | st.none())
def test_any_os_error_is_classified_without_failing(code, name):
    err = OSError(code, os.strerror(code) if code else "?", name) if code else OSError("?")
    mapped = storage_error(err)
    storage = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
    assert (mapped is not None) == (code in storage)
    if mapped is not None:
        assert isinstance(mapped, StorageFull if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else StorageUnavailable)
        assert "\n" not in str(mapped)


def test_a_full_database_refuses_the_write_keeps_what_was_committed_and_recovers_without_reopening(tmp_path):
    s = Stores(tmp_path / "segue.db").sessions()
    for i in range(5):
        s.create(f"s{i}", "alex", "t", _doc(i))
    db = s._store._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # the real SQLITE_FULL path: the file may not grow
    with pytest.raises(StorageFull, match="disk is full") as full:
        for i in range(5, 400):
            s.create(f"s{i}", "alex", "t", _doc(i))
    assert "\n" not in str(full.value) and "Free some space" in str(full.value)
    stored = len(s.list(limit=1000))
    assert stored >= 5 and all(s.get(r["id"])[0] for r in s.list(limit=1000))  # every committed row whole
    db.execute("PRAGMA max_page_count = 1073741823")  # space is back: the same connection writes again
    s.create("after", "alex", "t", _doc())
    assert len(s.list(limit=1000)) == stored + 1


def test_a_read_only_database_is_unavailable_not_a_traceback(tmp_path):
    store = Store(tmp_path / "segue.db")
    store.ensure_listener("alex")
    store._db.execute("PRAGMA query_only = ON")  # SQLITE_READONLY on every write, as on a read-only mount
    with pytest.raises(StorageUnavailable, match="cannot be written"):
        store.ensure_listener("sam")
    assert store.listeners() == ["alex"]  # reads still work
    store._db.execute("PRAGMA query_only = OFF")
    store.ensure_listener("sam")
    assert store.listeners() == ["alex", "sam"]


def _damage(path, pages: list[int]) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(path, "r+b") as f:
        for p in pages:
            f.seek(p * 4096)
            f.write(os.urandom(4096))


def _filled(path, n: int = 200) -> None:
    stores = Stores(path)
    s = stores.sessions()
    for i in range(n):
        s.create(f"s{i}", f"l{i % 5}", "t", _doc(i))
    stores.close()


def test_a_damaged_file_is_refused_then_recovered(tmp_path):
    path = tmp_path / "segue.db"
    _filled(path)
    _damage(path, [4, 9])
    with pytest.raises(StorageCorrupt, match="segue doctor") as bad:
        Store(path)
    assert "\n" not in str(bad.value) and is_damaged(path)
    done = recover(path)
    assert check(path) == ["ok"] and not is_damaged(path)
    assert 150 <= done["kept"]["sessions"] <= 200 and os.path.exists(done["aside"])  # the damaged copy kept aside
    with Store(path) as store:
        store.ensure_listener("new")  # writes are allowed again
        assert "new" in store.listeners()


def test_writes_are_refused_once_damage_is_seen(tmp_path):
    path = tmp_path / "segue.db"
    _filled(path, 50)
    store = Store(path)
    from retrieval.store.guard import mark_damaged

    mark_damaged(path)  # what a SQLITE_CORRUPT read does
    with pytest.raises(StorageCorrupt, match="will not write"):
        store.ensure_listener("x")
    store.close()
    recover(path)  # nothing is damaged: the rebuild keeps everything
    with Store(path) as again:
        assert len(again._db.execute("SELECT id FROM sessions").fetchall()) == 50


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=3, unique=True))
def test_any_damaged_pages_are_refused_or_harmless_and_recovery_always_gives_an_intact_file(tmp_path_factory, pages):
    path = tmp_path_factory.mktemp("damage") / "segue.db"
    _filled(path, 120)
    _damage(path, pages)
    try:
        with Store(path) as store:
            rows = store._db.execute("SELECT id, doc FROM sessions").fetchall()
        assert check(path) == ["ok"] or rows is not None  # a page no table uses: nothing to refuse
    except StorageError as err:
        assert isinstance(err, StorageCorrupt) and "segue doctor" in str(err)
    recover(path) if check(path) != ["ok"] else None
    assert check(path) == ["ok"]
    with Store(path) as store:
        store.ensure_listener("after")


def test_a_migration_is_preceded_by_a_private_backup(tmp_path):
    path = tmp_path / "segue.db"
    raw = sqlite3.connect(path)
    for stmt in MIGRATIONS[0]:
        raw.execute(stmt)
    raw.execute("INSERT INTO listeners (name, created_at) VALUES ('alex', 'now')")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
    copies = list((tmp_path / "backups").glob("segue-schema1-*.db"))
    assert len(copies) == 1 and stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    with sqlite3.connect(copies[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1
        assert old.execute("SELECT name FROM listeners").fetchall() == [("alex",)]


def _modes(root) -> dict[str, int]:
    out = {}
    for folder, _dirs, files in os.walk(root):
        for p in [folder] + [os.path.join(folder, f) for f in files]:
            out[p] = stat.S_IMODE(os.lstat(p).st_mode)
    return out


def test_a_new_home_is_private_under_umask_022(tmp_path):
    old = os.umask(0o022)
    try:
        home = Home(tmp_path / "home").open().ensure()
        stores = Stores(home.db_path)
        stores.sessions().create("a", "alex", "t", _doc())
        (home.root / "shows" / "x").mkdir(parents=True)
        (home.root / "shows" / "x" / "script.json").write_text("{}")
        modes = _modes(home.root)
        assert {"segue.db", "segue.db-wal", "segue.db-shm"} <= {os.path.basename(p) for p in modes}
        assert all(m == (0o700 if os.path.isdir(p) else 0o600) for p, m in modes.items()), modes
        stores.close()
    finally:
        os.umask(old)


def test_an_older_loose_home_is_tightened_once_and_says_so(tmp_path, caplog):
    old = os.umask(0o022)
    try:
        root = tmp_path / "home"
        (root / "catalog").mkdir(parents=True)
        (root / "catalog" / "manifest.json").write_text("{}")
        Store(root / "segue.db").close()
        os.chmod(root / "segue.db", 0o644)
        os.chmod(root, 0o755)
        with caplog.at_level(logging.WARNING, logger="segue"):
            Home(root).open()
            Home(root).open()
        said = [r.getMessage() for r in caplog.records if "private" in r.getMessage()]
        assert len(said) == 1 and "4 folders and files" in said[0]
        assert all(m in (0o700, 0o600) for m in _modes(root).values())
    finally:
        os.umask(old)


def test_a_running_process_moves_to_the_recovered_file_by_itself(tmp_path):
    path = tmp_path / "segue.db"
    _filled(path, 80)
    stores = Stores(path)  # e.g. the server, running on while the file is damaged and recovered
    assert len(stores.sessions().list(limit=500)) == 80
    _damage(path, [6])
    from retrieval.store.guard import mark_damaged

    mark_damaged(path)  # what its next SQLITE_CORRUPT read does
    with pytest.raises(StorageCorrupt):
        stores.sessions().create("x", "alex", "t", _doc())
    recover(path)  # `segue doctor --recover` in another process
    stores.sessions().create("x", "alex", "t", _doc())  # no restart: the next use opens the rebuilt file
    assert "x" in {r["id"] for r in stores.sessions().list(limit=500)}
    stores.close()
