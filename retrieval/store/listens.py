"""The listens store: one SQLite file (WAL) under SEGUE_HOME.

Schema changes are an ordered list of migrations (`MIGRATIONS`); the database records how many
it has applied in `PRAGMA user_version`. Add a new tuple of statements at the end, never edit
an old one. Every write runs in one transaction.
"""

from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from retrieval.errors import DOCTOR, NotReady, StorageCorrupt, StorageError, storage_error
from retrieval.importers.history import Listen
from retrieval.store.guard import check_intact, connect, is_damaged, private_file

MIGRATIONS: list[tuple[str, ...]] = [
    (  # 1: listeners, imports and listens
        """CREATE TABLE listeners (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
            source_key TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            UNIQUE (listener_id, source_key))""",
        """CREATE TABLE listens (
            id INTEGER PRIMARY KEY,
            listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
            import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
            ts INTEGER NOT NULL,
            track_id TEXT,
            artist TEXT NOT NULL,
            title TEXT NOT NULL,
            album TEXT,
            source_track_id TEXT,
            ms_played INTEGER,
            skipped INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL)""",
        "CREATE UNIQUE INDEX listens_unique ON listens (listener_id, ts, artist, title)",
        "CREATE INDEX listens_import ON listens (import_id)",
    ),
    (  # 2: multi-turn sessions (one JSON document each, compare-and-swap on revision) and track feedback;
        # both point at listeners by id like listens do, so deleting a listener takes their sessions and
        # feedback with it; deleting a session keeps its feedback (a taste signal) with session_id NULL.
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            listener_id INTEGER REFERENCES listeners(id) ON DELETE CASCADE,
            title TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            revision INTEGER NOT NULL CHECK (revision >= 1),
            doc TEXT NOT NULL)""",
        "CREATE INDEX sessions_updated ON sessions (updated)",
        "CREATE INDEX sessions_listener_updated ON sessions (listener_id, updated)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
            track_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('like', 'dislike', 'skip')),
            session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
            at TEXT NOT NULL)""",
        "CREATE INDEX feedback_listener_at ON feedback (listener_id, at)",
        "CREATE INDEX feedback_session ON feedback (session_id)",
    ),
    (  # 3: API tokens for the web server, stored as sha256 hex digests (never the token itself); deleting a
        # listener takes their tokens with it.
        """CREATE TABLE tokens (
            id INTEGER PRIMARY KEY,
            listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL)""",
        "CREATE INDEX tokens_listener ON tokens (listener_id)",
    ),
]

_NAME = re.compile(r"[\w.\-]{1,64}")


class StoreError(NotReady):
    """The store file cannot be used; the message says what to do."""


class StoredListen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ts: datetime
    track_id: str | None  # catalogue track id, None when the listen matched no track
    artist: str
    title: str
    album: str | None = None
    ms_played: int | None = None
    skipped: bool = False
    source: str = ""


def default_store_path() -> Path:
    """$SEGUE_HOME/segue.db, else the platform's user data folder."""
    home = os.environ.get("SEGUE_HOME")
    if not home:
        from platformdirs import user_data_dir

        home = user_data_dir("segue", appauthor=False)
    return Path(home).expanduser() / "segue.db"


_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})  # scripts whose letters pass for one another
# letters that look like a Latin one (after casefold), for `listener_skeleton`
_LOOKALIKES = str.maketrans({**dict(zip("аеорсухіјѕԁԛԝһкмнтвз", "aeopcyxijsdqwhkmhtb3", strict=True)),  # Cyrillic
                             **dict(zip("αορνικτυχεϲ", "aopvikluxec", strict=True)), "0": "o", "1": "l"})  # Greek


def check_listener_name(name: str) -> str:
    """`name` when it may name a listener: 1-64 letters, digits, '-', '_' or '.', written in its NFKC form (not
    fullwidth or other compatibility letters) and not mixing Latin, Cyrillic or Greek with another script (a
    Cyrillic 'а' among Latin letters). ValueError saying what to write otherwise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or set(name) == {"."}:
        raise ValueError(
            f"Listener name {name!r} is not allowed: use 1-64 letters, digits, '-', '_' or '.' (for example 'alex')."
        )
    plain = unicodedata.normalize("NFKC", name)
    if plain != name:
        raise ValueError(f"Listener name {name!r} uses compatibility characters (fullwidth or styled letters); "
                         f"write it as {plain!r}.")
    scripts = {unicodedata.name(c, "?").split()[0] for c in name if c.isalpha()}
    if len(scripts) > 1 and scripts & _LOOKALIKE_SCRIPTS:
        raise ValueError(f"Listener name {name!r} mixes letters of several scripts ({', '.join(sorted(scripts))}), "
                         "so it could pass for another name; write it in one script.")
    return name


def listener_skeleton(name: str) -> str:
    """What a listener name looks like: casefolded, Cyrillic and Greek look-alikes (and 0, 1) read as the Latin
    letter they resemble. Two names with one skeleton are confusable."""
    return unicodedata.normalize("NFKC", name).casefold().translate(_LOOKALIKES)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """Listeners and their listens in SQLite. Use as a context manager or call close()."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            private_file(self.path)  # 0600 before SQLite opens it: its -wal and -shm get the same mode
        except OSError as err:
            raise (storage_error(err, self.path) or StoreError(
                f"Cannot open the store at {self.path}: {err}. Check the folder exists and is writable, "
                "or set SEGUE_HOME to another folder.")) from None
        # one connection per thread (the app keeps one Store per thread): sqlite3's own check turns any
        # connection shared across threads into a loud error instead of interleaved transactions
        self._db = connect(self.path)
        self._file = _identity(self.path)
        try:
            self._db.execute("PRAGMA busy_timeout = 10000")
            check_intact(self._db)
            self._db.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: a commit is atomic and survives a killed process; only an OS crash or power loss can
            # drop the last commits (never corrupt the file). It saves an fsync per write (~4 ms here).
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    # -- plumbing -----------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back (also when the disk fills up mid-way)."""
        if is_damaged(self.path):
            raise StorageCorrupt(f"The database {self.path} is damaged, so Segue will not write into it. {DOCTOR}")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"The store at {self.path} is busy ({err}); close other Segue windows and try "
                             "again.") from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite may have rolled back already (a full disk, an I/O error)
                try:
                    self._db.execute("ROLLBACK")
                except StorageError:
                    pass
            raise

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path} was written by a newer Segue (schema {version}); upgrade Segue to use it.")
        if 0 < version < len(MIGRATIONS):  # a copy to go back to if a migration goes wrong (the last 3 are kept)
            from retrieval.store.backups import backup

            backup(self.path, f"schema{version}", source=self._db)
        for i in range(version, len(MIGRATIONS)):
            with self._tx() as db:
                if int(db.execute("PRAGMA user_version").fetchone()[0]) != i:
                    continue  # another process migrated meanwhile
                for stmt in MIGRATIONS[i]:
                    db.execute(stmt)
                db.execute(f"PRAGMA user_version = {i + 1}")

    def replaced(self) -> bool:
        """Whether the file at `path` is no longer the one this connection opened (`segue doctor --recover`
        put a rebuilt database in its place): the caller should open a new `Store`."""
        return _identity(self.path) != self._file

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.ProgrammingError:  # another thread's connection (closed with its thread instead)
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- listeners ----------------------------------------------------------------------
    def _listener_id(self, name: str) -> int | None:
        row = self._db.execute("SELECT id FROM listeners WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def ensure_listener(self, name: str) -> int:
        """The listener's id, creating the listener if needed."""
        check_listener_name(name)
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO listeners (name, created_at) VALUES (?, ?)", (name, _now()))
        lid = self._listener_id(name)
        assert lid is not None
        return lid

    def listeners(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM listeners ORDER BY name")]

    # -- listens ------------------------------------------------------------------------
    def add_listens(self, listener: str, listens: Sequence[Listen], rows_track_ids: Sequence[str | None],
                    source_key: str) -> int:
        """Store listens from one source (e.g. a file's resolved path) for a listener, in one transaction.

        Importing the same `source_key` again replaces what it brought before; a listen already stored
        from another source (same time, artist and title) is not duplicated. Returns the number stored.
        """
        check_listener_name(listener)
        if len(listens) != len(rows_track_ids):
            raise ValueError(f"{len(listens)} listens but {len(rows_track_ids)} track ids; pass one id (or None) each")
        if not source_key:
            raise ValueError("source_key must be a non-empty string, e.g. the imported file's path")
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO listeners (name, created_at) VALUES (?, ?)", (listener, _now()))
            lid = db.execute("SELECT id FROM listeners WHERE name = ?", (listener,)).fetchone()[0]
            db.execute("DELETE FROM imports WHERE listener_id = ? AND source_key = ?", (lid, source_key))
            cur = db.execute("INSERT INTO imports (listener_id, source_key, imported_at) VALUES (?, ?, ?)",
                             (lid, source_key, _now()))
            import_id = cur.lastrowid
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO listens (listener_id, import_id, ts, track_id, artist, title, album, "
                "source_track_id, ms_played, skipped, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (lid, import_id, int(x.ts.timestamp()), tid, x.artist, x.title, x.album, x.track_id,
                     x.ms_played, int(x.skipped), x.source)
                    for x, tid in zip(listens, rows_track_ids)
                ),
            )
            n = db.total_changes - before
            db.execute("UPDATE imports SET n = ? WHERE id = ?", (n, import_id))
        return n

    def listens(self, listener: str) -> list[StoredListen]:
        """All listens of a listener, oldest first (an unknown listener has none)."""
        check_listener_name(listener)
        cur = self._db.execute(
            "SELECT l.ts, l.track_id, l.artist, l.title, l.album, l.ms_played, l.skipped, l.source FROM listens l "
            "JOIN listeners p ON p.id = l.listener_id WHERE p.name = ? ORDER BY l.ts, l.id",
            (listener,),
        )
        return [
            StoredListen(ts=datetime.fromtimestamp(ts, tz=UTC), track_id=tid, artist=a, title=t, album=al,
                         ms_played=ms, skipped=bool(sk), source=src)
            for ts, tid, a, t, al, ms, sk, src in cur
        ]

    def sources(self, listener: str) -> list[tuple[str, int, str]]:
        """(source_key, listens stored, imported_at) for each import of a listener."""
        check_listener_name(listener)
        cur = self._db.execute(
            "SELECT i.source_key, i.n, i.imported_at FROM imports i JOIN listeners p ON p.id = i.listener_id "
            "WHERE p.name = ? ORDER BY i.imported_at, i.id",
            (listener,),
        )
        return [(k, int(n), at) for k, n, at in cur]
