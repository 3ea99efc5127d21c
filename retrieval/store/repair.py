"""Checking and recovering the store's database file (what `segue doctor` uses; backups are `backups.py`).

    check(path)     `PRAGMA integrity_check`: ["ok"] or what is wrong
    recover(path)   for a damaged file: copy every row that can still be read into a new database with the current
                    schema (table by table, in rowid order, skipping past pages that cannot be read; a row whose
                    parent was lost gets a placeholder parent, e.g. listener 'recovered-7'), move the
                    damaged file (and its -wal/-shm) aside as segue.db.damaged-<time>, and put the new one in
                    its place. Like sqlite3's `.recover` but limited to Segue's own tables, so the result always
                    has the current schema and its constraints.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from retrieval.errors import StorageError, storage_error
from retrieval.store.backups import stamp
from retrieval.store.guard import forget_damaged

TABLES = ("listeners", "imports", "listens", "sessions", "feedback", "tokens")  # parents before children
_CHUNK = 500


def check(path: Path) -> list[str]:
    """What `PRAGMA integrity_check` says of the database at `path` (["ok"] when intact)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [r[0] for r in db.execute("PRAGMA integrity_check(20)").fetchall()]
        finally:
            db.close()
    except sqlite3.Error as err:
        return [str(err)]


def _rows(src: sqlite3.Connection, table: str) -> tuple[list[tuple], int]:
    """Every readable row of `table` (rowid first), in rowid order, and how many reads failed. Past a page that
    cannot be read, the next rowids are tried one by one, then further and further ahead."""
    rows: list[tuple] = []
    failures, after, step = 0, 0, 1
    scan = f"SELECT rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT {_CHUNK}"
    while after < 2**62 and failures < 1000:
        try:
            chunk = src.execute(scan, (after,)).fetchall()
        except sqlite3.Error:
            failures += 1
            found = _next_readable(src, table, after, step)
            if found is None:
                after, step = after + 64 * step, step * 4
                continue
            rows.append(found)
            after, step = found[0], 1
            continue
        if not chunk:
            break
        rows += chunk
        after, step = chunk[-1][0], 1
    return rows, failures


def _next_readable(src: sqlite3.Connection, table: str, after: int, step: int) -> tuple | None:
    """The first row readable by its rowid among the 64 rowids after `after` (`step` apart)."""
    for k in range(1, 65):
        try:
            row = src.execute(f"SELECT rowid, * FROM {table} WHERE rowid = ?", (after + k * step,)).fetchone()
        except sqlite3.Error:
            continue
        if row is not None:
            return row
    return None


def _reattach(out: sqlite3.Connection, kept: dict) -> int:
    """Give rows whose parent row was lost a placeholder parent (a listener 'recovered-<id>', an import
    'recovered'), detach feedback from a lost session; drop what still dangles. Returns how many rows were dropped."""
    for _ in range(3):
        dangling = out.execute("PRAGMA foreign_key_check").fetchall()
        if not dangling:
            return 0
        for table, rowid, parent, fkid in dangling:
            fk = next(f for f in out.execute(f"PRAGMA foreign_key_list({table})") if f[0] == fkid)
            value = out.execute(f"SELECT {fk[3]} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()[0]
            if parent == "listeners":
                out.execute("INSERT OR IGNORE INTO listeners (id, name, created_at) VALUES (?, ?, ?)",
                            (value, f"recovered-{value}", stamp()))
            elif parent == "imports":
                lid = out.execute(f"SELECT listener_id FROM {table} WHERE rowid = ?", (rowid,)).fetchone()[0]
                out.execute("INSERT OR IGNORE INTO imports (id, listener_id, source_key, imported_at) "
                            "VALUES (?, ?, ?, ?)", (value, lid, f"recovered-{value}", stamp()))
            else:  # a lost session: the feedback stays, detached (as when a session is deleted)
                out.execute(f"UPDATE {table} SET {fk[3]} = NULL WHERE rowid = ?", (rowid,))
    dangling = out.execute("PRAGMA foreign_key_check").fetchall()
    for table, rowid, *_ in dangling:
        out.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
        kept[table] -= 1
    return len(dangling)


def recover(path: Path) -> dict:
    """Rebuild the database at `path` from what can be read; returns {table: rows kept}, `aside` and `failed`."""
    from retrieval.store.listens import Store

    path = Path(path)
    stamp_ = stamp()
    fresh = path.with_name(f"{path.name}.recovering-{stamp_}")
    kept: dict = {}
    failed = 0
    src = None
    try:
        Store(fresh).close()  # the current schema
        out = sqlite3.connect(fresh, isolation_level=None)
        try:
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            names = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error:
            names = set()  # nothing readable at all: the new database starts empty
        out.execute("BEGIN")
        for table in TABLES:
            if table not in names:
                kept[table] = 0
                continue
            rows, fails = _rows(src, table)
            failed += fails
            columns = [r[1] for r in out.execute(f"PRAGMA table_info({table})")]
            try:
                have = [d[0] for d in src.execute(f"SELECT * FROM {table} LIMIT 0").description]
            except sqlite3.Error:
                have = columns
            common = [c for c in columns if c in have]
            at = [have.index(c) + 1 for c in common]
            sql = (f"INSERT OR IGNORE INTO {table} (rowid, {', '.join(common)}) "
                   f"VALUES (?, {', '.join('?' * len(common))})")
            before = out.total_changes
            out.executemany(sql, ((r[0], *(r[i] for i in at)) for r in rows))
            kept[table] = out.total_changes - before
        orphans = _reattach(out, kept)
        out.execute("COMMIT")
        out.close()
        if src is not None:
            src.close()
            src = None
        aside = path.with_name(f"{path.name}.damaged-{stamp_}")
        os.replace(path, aside)
        for side in ("-wal", "-shm"):
            if Path(f"{path}{side}").exists():
                os.replace(f"{path}{side}", f"{aside}{side}")
        os.replace(fresh, path)
    except (OSError, sqlite3.Error, StorageError) as err:
        if src is not None:
            src.close()
        for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
            leftover.unlink(missing_ok=True)
        raise (storage_error(err, path) or StorageError(f"Could not recover {path}: {err}.")) from None
    forget_damaged(path)
    return {"kept": kept, "aside": str(aside), "failed_reads": failed, "orphans_dropped": orphans}
