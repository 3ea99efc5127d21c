"""API tokens of the web server's listeners, kept in the store's SQLite file (table `tokens`, migration 3).

Only a token's sha256 hex digest is stored. This layer stores and finds digests; making tokens and comparing
them is `assistant.web.tokens`. One `TokenStore` (one `Store`, one connection) per thread, as with `Store`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from retrieval.store.listens import Store, check_listener_name

_SQL = {
    "ensure_listener": "INSERT INTO listeners (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    "listener_id": "SELECT id FROM listeners WHERE name = ?",
    "add": "INSERT INTO tokens (listener_id, token_hash, created_at) VALUES (?, ?, ?)",
    "find": "SELECT l.name, t.token_hash FROM tokens t JOIN listeners l ON l.id = t.listener_id WHERE t.token_hash = ?",
    "list": "SELECT l.name, COUNT(t.id), MIN(t.created_at), MAX(t.created_at) FROM tokens t "
            "JOIN listeners l ON l.id = t.listener_id GROUP BY l.name ORDER BY l.name",
    "remove": "DELETE FROM tokens WHERE listener_id = (SELECT id FROM listeners WHERE name = ?)",
    "count": "SELECT COUNT(*) FROM tokens",
}


class TokenStore:
    """Token digests per listener over an open `Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, listener: str, token_hash: str) -> None:
        """Store a digest for `listener` (created when new); a listener may hold several tokens."""
        check_listener_name(listener)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._store._tx() as db:
            db.execute(_SQL["ensure_listener"], (listener, now))
            lid = int(db.execute(_SQL["listener_id"], (listener,)).fetchone()[0])
            db.execute(_SQL["add"], (lid, token_hash, now))

    def find(self, token_hash: str) -> tuple[str, str] | None:
        """(listener, stored digest) for a digest, or None."""
        row = self._store._db.execute(_SQL["find"], (token_hash,)).fetchone()
        return (row[0], row[1]) if row else None

    def list(self) -> list[dict]:
        """Listeners holding tokens: dicts of listener, tokens, first, last (creation times)."""
        rows = self._store._db.execute(_SQL["list"]).fetchall()
        return [{"listener": r[0], "tokens": int(r[1]), "first": r[2], "last": r[3]} for r in rows]

    def remove(self, listener: str) -> int:
        """Revoke every token of `listener` (their sessions and history stay); returns how many went."""
        check_listener_name(listener)
        with self._store._tx() as db:
            return int(db.execute(_SQL["remove"], (listener,)).rowcount)

    def count(self) -> int:
        return int(self._store._db.execute(_SQL["count"]).fetchone()[0])
