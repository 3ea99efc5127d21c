"""Backups of the store's database file: a consistent copy made with SQLite's online backup API, in
<home>/backups/ (0600), before each migration and on `segue doctor --backup`; the last `KEEP` of each kind stay."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from retrieval.errors import StorageError, storage_error
from retrieval.store.guard import private_file

KEEP = 3


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def backup_dir(path: Path) -> Path:
    return Path(path).parent / "backups"


def backup(path: Path, label: str = "backup", source: sqlite3.Connection | None = None) -> Path:
    """Copy the database at `path` (or the open `source` connection) into the backups folder; returns the copy."""
    folder = backup_dir(path)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        dst = folder / f"{Path(path).stem}-{label}-{stamp()}.db"
        private_file(dst)
        src = source or sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            with sqlite3.connect(dst) as out:
                src.backup(out)
            out.close()
        finally:
            if source is None:
                src.close()
    except (OSError, sqlite3.Error) as err:
        raise (storage_error(err, path) or StorageError(f"Could not back up {path}: {err}.")) from None
    for old in sorted(folder.glob(f"{Path(path).stem}-{label}-*.db"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return dst
