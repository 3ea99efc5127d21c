"""The store's SQLite connection, guarded: every SQLite storage failure leaves it as a `StorageError`.

`connect(path)` opens a connection whose `execute`, `executemany` and cursor reads turn SQLite's disk-full,
read-only, I/O and corruption errors into `retrieval.errors.StorageFull` / `StorageUnavailable` /
`StorageCorrupt` (one classification: `retrieval.errors.storage_error`), so no layer above sees `sqlite3` errors
from a failing disk. A database seen damaged is remembered for the process (`is_damaged`): the store refuses to
write into it until it is recovered (`segue doctor --recover`).

A new database file is created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retrieval.errors import StorageCorrupt, storage_error

_DAMAGED: set[str] = set()
_CHECKED: set[tuple] = set()  # (device, inode, size, mtime) of database files found intact by this process
_LOCK = threading.Lock()


@contextmanager
def guarded(path: Path) -> Iterator[None]:
    """Run SQLite calls on `path`; a storage failure is raised as its `StorageError`, others as they are."""
    try:
        yield
    except sqlite3.Error as err:
        mapped = storage_error(err, path)
        if mapped is None:
            raise
        if isinstance(mapped, StorageCorrupt):
            mark_damaged(path)
        raise mapped from None


def mark_damaged(path: Path) -> None:
    with _LOCK:
        _DAMAGED.add(str(Path(path).resolve()))


def forget_damaged(path: Path) -> None:
    """After a recovery the file at `path` is a new, intact database."""
    key = str(Path(path).resolve())
    with _LOCK:
        _DAMAGED.discard(key)
        _CHECKED.clear()


def is_damaged(path: Path) -> bool:
    return str(Path(path).resolve()) in _DAMAGED


class GuardedCursor(sqlite3.Cursor):
    def execute(self, *args):
        with guarded(self.connection.path):
            return super().execute(*args)

    def executemany(self, *args):
        with guarded(self.connection.path):
            return super().executemany(*args)

    def fetchone(self):
        with guarded(self.connection.path):
            return super().fetchone()

    def fetchmany(self, *args):
        with guarded(self.connection.path):
            return super().fetchmany(*args)

    def fetchall(self):
        with guarded(self.connection.path):
            return super().fetchall()

    def __next__(self):
        with guarded(self.connection.path):
            return super().__next__()


class GuardedConnection(sqlite3.Connection):
    """A connection to the database at `self.path` whose storage failures are `StorageError`s."""

    path: Path

    def cursor(self, factory=GuardedCursor):
        return super().cursor(factory)

    def execute(self, *args):  # the C method would bypass the cursor's guard
        with guarded(self.path):
            return self.cursor().execute(*args)

    def executemany(self, *args):
        with guarded(self.path):
            return self.cursor().executemany(*args)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 when it does not exist; make an existing one 0600."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if side.stat().st_mode & 0o077:
                side.chmod(0o600)
        except FileNotFoundError:
            pass


def connect(path: Path, timeout: float = 10) -> GuardedConnection:
    """Open `path` (autocommit: the store runs its own transactions); raises `StorageError`s."""
    path = Path(path)
    with guarded(path):
        db = sqlite3.connect(path, isolation_level=None, timeout=timeout, factory=GuardedConnection)
    db.path = path
    return db


def check_intact(db: GuardedConnection) -> None:
    """`PRAGMA quick_check` of the file (again only when it changed since this process last found it intact); a
    damaged file raises `StorageCorrupt`."""
    try:
        st = os.stat(db.path)
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _CHECKED and not is_damaged(db.path):
        return
    with guarded(db.path):
        rows = [r[0] for r in db.execute("PRAGMA quick_check(5)").fetchall()]
    if rows != ["ok"]:
        mark_damaged(db.path)
        found = " ".join(" ".join(rows).split())[:160]
        raise StorageCorrupt(f"The database {db.path} is damaged ({found}). Writes are refused so "
                             "nothing more is lost. Run `segue doctor` to check it, then `segue doctor --recover` "
                             "to keep what is readable.")
    with _LOCK:
        _DAMAGED.discard(str(Path(db.path).resolve()))  # repaired meanwhile (`segue doctor --recover`)
        if key is not None:
            _CHECKED.add(key)
