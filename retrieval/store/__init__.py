"""The store: one SQLite file (WAL) in the data home, with numbered migrations.

    listens.py   listeners, their imported plays (`Store`: the connection and the migrations)
    sessions.py  chat sessions with every version, and track feedback (`SessionStore`)
    tokens.py    the web server's API tokens, as digests (`TokenStore`)
    guard.py     the guarded connection: disk full, read-only, I/O and damage become `StorageError`s
    backups.py   copies made with SQLite's backup API (before migrations, `segue doctor --backup`)
    repair.py    integrity checks and recovery of a damaged file (`segue doctor`)

`Stores` hands each thread its own connection (the server runs requests on a thread pool, and one connection's
transactions must never interleave across threads), and a new one when the file was replaced by a recovery.
"""

from __future__ import annotations

import threading
from pathlib import Path

from retrieval.store.listens import MIGRATIONS, Store, StoredListen, StoreError, check_listener_name
from retrieval.store.sessions import SessionConflict, SessionError, SessionExists, SessionNotFound, SessionStore
from retrieval.store.tokens import TokenStore

__all__ = ["MIGRATIONS", "SessionConflict", "SessionError", "SessionExists", "SessionNotFound", "SessionStore",
           "Store", "StoreError", "StoredListen", "Stores", "TokenStore", "check_listener_name"]


class Stores:
    """The calling thread's store and the views over it, opened on first use; `close()` closes them all."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._open: list[Store] = []
        self._lock = threading.Lock()

    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is not None and store.replaced():  # recovered by `segue doctor --recover`: use the new file
            with self._lock:
                self._open = [s for s in self._open if s is not store]
            store.close()
            store = self._local.store = None
        if store is None:
            store = self._local.store = Store(self.db_path)
            with self._lock:
                self._open.append(store)
        return store

    def sessions(self) -> SessionStore:
        return SessionStore(self.store())

    def tokens(self) -> TokenStore:
        return TokenStore(self.store())

    def close(self) -> None:
        with self._lock:
            open_, self._open = self._open, []
        for store in open_:
            store.close()
        self._local = threading.local()
