"""Multi-turn sessions and track feedback, kept in the store's SQLite file (`retrieval.store.listens`).

A session is stored as one JSON document (the assistant serialises its `Session`; this layer never imports
`assistant`) plus plain columns to list and find it: listener, title, created, updated and `revision`.
A session is one aggregate that is always read and written whole, so one row with one revision is the
simplest thing that makes a save atomic; splitting turns and versions into tables would teach this layer the
assistant's types and turn one compare-and-swap into several writes.

Concurrency: `save` is a compare-and-swap in one transaction. The caller passes the revision it read; the
UPDATE matches only if the row still has it, and bumps it. Two turns racing on the same session are
serialised (SQLite's write lock, `BEGIN IMMEDIATE`) and the loser gets `SessionConflict` with nothing
written: edits are serialised or rejected, never interleaved. One `SessionStore` (one `Store`, one
connection) per thread or process, as with `Store`.

Portability: the SQL is plain (no `INSERT OR ...`, no RETURNING, no SQLite functions) and every statement is
in `_SQL`, the one place that spells placeholders (`?`). A PostgreSQL backend for several server processes
would implement the same methods with: its own connection (a psycopg pool) and `BEGIN` (READ COMMITTED is
enough) instead of `BEGIN IMMEDIATE`; `%s` for `?` in `_SQL`; its own DDL for migration 2 (`BIGINT GENERATED
ALWAYS AS IDENTITY` for feedback.id, `timestamptz` for the times, optionally `jsonb` for doc); `RETURNING id`
for `lastrowid` in `add_feedback`. The compare-and-swap works unchanged there: a concurrent UPDATE waits on
the row lock, re-checks `revision = expected` against the committed row, matches nothing and so raises
`SessionConflict`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from retrieval.errors import Conflict, NotFound
from retrieval.store.listens import Store, StoreError, check_listener_name

KINDS = ("like", "dislike", "skip")
_SEE_SESSIONS = "See your sessions with `segue chat`, then `/sessions`."

_SQL = {
    "ensure_listener": "INSERT INTO listeners (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    "listener_id": "SELECT id FROM listeners WHERE name = ?",
    "create": "INSERT INTO sessions (id, listener_id, title, created, updated, revision, doc) "
              "VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO NOTHING",
    "get": "SELECT doc, revision FROM sessions WHERE id = ?",
    "revision": "SELECT revision FROM sessions WHERE id = ?",
    "cas": "UPDATE sessions SET doc = ?, title = COALESCE(?, title), updated = ?, revision = revision + 1 "
           "WHERE id = ? AND revision = ?",
    "list": "SELECT s.id, l.name, s.title, s.created, s.updated, s.revision FROM sessions s "
            "LEFT JOIN listeners l ON l.id = s.listener_id ORDER BY s.updated DESC, s.id DESC LIMIT ?",
    "list_for": "SELECT s.id, l.name, s.title, s.created, s.updated, s.revision FROM sessions s "
                "JOIN listeners l ON l.id = s.listener_id WHERE l.name = ? "
                "ORDER BY s.updated DESC, s.id DESC LIMIT ?",
    "delete": "DELETE FROM sessions WHERE id = ?",
    "add_feedback": "INSERT INTO feedback (listener_id, track_id, kind, session_id, at) VALUES (?, ?, ?, ?, ?)",
    "feedback": "SELECT f.id, l.name, f.track_id, f.kind, f.session_id, f.at FROM feedback f "
                "JOIN listeners l ON l.id = f.listener_id WHERE l.name = ? ORDER BY f.at, f.id",
}


class SessionError(StoreError):
    """A session cannot be read or written as asked; the message says what to do."""


class SessionNotFound(SessionError, NotFound):
    def __init__(self, session_id: str):
        self.session_id = session_id
        super().__init__(f"There is no session {session_id!r}. {_SEE_SESSIONS}")


class SessionExists(SessionError, Conflict):
    def __init__(self, session_id: str):
        self.session_id = session_id
        super().__init__(f"A session {session_id!r} already exists; pick another id. {_SEE_SESSIONS}")


class SessionConflict(SessionError, Conflict):
    """Another writer saved the session after it was read; nothing was written."""

    def __init__(self, session_id: str, expected: int, actual: int):
        self.session_id, self.expected, self.actual = session_id, expected, actual
        super().__init__(f"This session was changed by another turn; reload it and try again (session "
                         f"{session_id!r} is at revision {actual}, this edit was made on revision {expected}).")


def _stamp(at: datetime | str | None = None) -> str:
    """An ISO-8601 UTC time with microseconds (so text order is time order); naive datetimes are UTC."""
    if at is None:
        at = datetime.now(UTC)
    elif isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise ValueError(f"Time {at!r} is not ISO 8601; use e.g. '2024-05-01T12:00:00+00:00'.") from None
    if not isinstance(at, datetime):
        raise TypeError(f"Time {at!r} must be a datetime or an ISO 8601 string.")
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _check_id(session_id: str) -> str:
    if (not isinstance(session_id, str) or not 0 < len(session_id) <= 128 or session_id.strip() != session_id
            or not session_id.isprintable()):
        raise ValueError(f"Session id {session_id!r} is not allowed: use 1-128 printable characters without "
                         "spaces at the ends (for example 'road-trip-1').")
    return session_id


def _check_doc(doc: str) -> str:
    try:
        ok = isinstance(doc, str) and isinstance(json.loads(doc), dict)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("A session document must be a JSON object as text (e.g. Session.model_dump_json()).")
    return doc


class SessionStore:
    """Sessions and feedback over an open `Store` (its connection, transactions and migrations)."""

    def __init__(self, store: Store):
        self._store = store

    # -- plumbing: the only places that touch the connection -----------------------------
    def _read(self, name: str, params: tuple = ()) -> list[tuple]:
        return self._store._db.execute(_SQL[name], params).fetchall()

    @staticmethod
    def _run(db: Any, name: str, params: tuple = ()) -> Any:
        return db.execute(_SQL[name], params)

    def _listener_id(self, db: Any, listener: str | None) -> int | None:
        if listener is None:
            return None
        check_listener_name(listener)
        self._run(db, "ensure_listener", (listener, _stamp()))
        return int(self._run(db, "listener_id", (listener,)).fetchone()[0])

    # -- sessions -------------------------------------------------------------------------
    def create(self, session_id: str, listener: str | None, title: str, doc: str) -> int:
        """Store a new session at revision 1 (returned); an existing id raises `SessionExists`."""
        _check_id(session_id)
        _check_doc(doc)
        now = _stamp()
        with self._store._tx() as db:
            lid = self._listener_id(db, listener)
            if self._run(db, "create", (session_id, lid, title or "", now, now, doc)).rowcount != 1:
                raise SessionExists(session_id)
        return 1

    def get(self, session_id: str) -> tuple[str, int]:
        """(doc, revision) of a session; pass the revision back to `save`."""
        rows = self._read("get", (_check_id(session_id),))
        if not rows:
            raise SessionNotFound(session_id)
        return rows[0][0], int(rows[0][1])

    def save(self, session_id: str, doc: str, expected_revision: int, *, title: str | None = None) -> int:
        """Replace the document if the stored revision is still `expected_revision`; returns the new revision.

        Raises `SessionConflict` (nothing written) when another writer saved first, `SessionNotFound` when the
        session is gone. `title`, when given, replaces the title in the same write.
        """
        _check_id(session_id)
        _check_doc(doc)
        if isinstance(expected_revision, bool) or not isinstance(expected_revision, int) or expected_revision < 1:
            raise ValueError(f"expected_revision must be the revision `get` returned (>= 1), not {expected_revision!r}")
        with self._store._tx() as db:
            cur = self._run(db, "cas", (doc, title, _stamp(), session_id, expected_revision))
            if cur.rowcount != 1:
                row = self._run(db, "revision", (session_id,)).fetchone()
                if row is None:
                    raise SessionNotFound(session_id)
                raise SessionConflict(session_id, expected_revision, int(row[0]))
        return expected_revision + 1

    def list(self, listener: str | None = None, limit: int = 50) -> list[dict]:
        """Sessions, most recently updated first: dicts of id, listener, title, created, updated, revision."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive number of sessions, not {limit!r}")
        if listener is None:
            rows = self._read("list", (limit,))
        else:
            rows = self._read("list_for", (check_listener_name(listener), limit))
        keys = ("id", "listener", "title", "created", "updated", "revision")
        return [dict(zip(keys, r)) for r in rows]

    def delete(self, session_id: str) -> None:
        """Delete a session (its feedback stays, detached); an unknown id raises `SessionNotFound`."""
        _check_id(session_id)
        with self._store._tx() as db:
            if self._run(db, "delete", (session_id,)).rowcount != 1:
                raise SessionNotFound(session_id)

    # -- feedback -------------------------------------------------------------------------
    def add_feedback(self, listener: str, track_id: str, kind: str, session_id: str | None = None,
                     at: datetime | str | None = None) -> int:
        """Record that `listener` liked, disliked or skipped a track (optionally during a session); returns its id."""
        check_listener_name(listener)
        if kind not in KINDS:
            raise ValueError(f"Feedback kind {kind!r} is not one of {', '.join(KINDS)}.")
        if not isinstance(track_id, str) or not track_id:
            raise ValueError("track_id must be a catalogue track id (a non-empty string).")
        when = _stamp(at)
        with self._store._tx() as db:
            if session_id is not None and self._run(db, "revision", (_check_id(session_id),)).fetchone() is None:
                raise SessionNotFound(session_id)
            lid = self._listener_id(db, listener)
            cur = self._run(db, "add_feedback", (lid, track_id, kind, session_id, when))
            return int(cur.lastrowid)

    def feedback(self, listener: str) -> list[dict]:
        """A listener's feedback, oldest first: dicts of id, listener, track_id, kind, session_id, at."""
        rows = self._read("feedback", (check_listener_name(listener),))
        keys = ("id", "listener", "track_id", "kind", "session_id", "at")
        return [dict(zip(keys, r)) for r in rows]
