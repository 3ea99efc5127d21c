"""Segue's one error tree. Every error a listener can act on is a `SegueError`; its kind says what went wrong.

The doors map the kinds, and nothing else, in one place each: the CLI prints any `SegueError` as one line and
exits 2 (`assistant.cli.errors`); the web answers a problem response whose status comes from the kind
(`assistant.web.problems`). Lower layers raise the most specific kind; messages say what to do next.

    SegueError
    ├── BadInput    the request or a file given cannot be used (malformed, empty, too long)
    ├── NotReady    something must be set up first (a catalogue, a listener, a voice)
    ├── NotFound    the thing asked for does not exist (for this listener)
    ├── Conflict    well-formed, but the current state cannot take it (a racing edit, no track 40)
    └── StorageError  the home cannot be written or read: StorageFull (disk full), StorageUnavailable
                      (read-only, permissions, I/O), StorageCorrupt (a damaged database: `segue doctor`)
"""

from __future__ import annotations

import errno
import re
import sqlite3


class SegueError(Exception):
    """An error a listener can act on. `str(e)` is shown as it is; no traceback."""


class BadInput(SegueError):
    """The request itself, or a file it names, cannot be used (empty, too long, malformed)."""


class NotReady(SegueError):
    """Something must be set up first (a catalogue, a listener, a voice)."""


class NotFound(SegueError):
    """Nothing there; the message says where to look."""


class Conflict(SegueError):
    """A well-formed request the current state cannot take (a turn racing another, a version that is gone)."""


class StorageError(SegueError):
    """The data home cannot be written or read (disk full, read-only, I/O error, damaged database). Nothing was
    half-written: the operation was rolled back. The CLI shows it as one line (exit 2); the web answers 507/503."""


class StorageFull(StorageError):
    """No space left on the device (or over quota) where the home lives; retry once space is freed."""


class StorageUnavailable(StorageError):
    """The home is read-only, not permitted, or failing I/O; retry once it is writable again."""


class StorageCorrupt(StorageError):
    """The database file is damaged; writes are refused until `segue doctor --recover` has repaired it."""


_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_UNAVAILABLE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
_FREE_SPACE = "Free some space there (or set SEGUE_HOME to a folder on a disk with room) and try again."
_WRITABLE = "Make it writable again (a read-only mount, file permissions, a failing disk) and try again."
DOCTOR = "Run `segue doctor` to check it, then `segue doctor --recover` to keep what is readable."


def storage_error(exc: BaseException, where: object = "the Segue home") -> StorageError | None:
    """The `StorageError` an OS or SQLite error stands for (None when it is not a storage failure): the one
    classification used by the store's connection and by the doors for files written in the home."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        place = str(exc.filename or where).replace("\n", "\\n").replace("\r", "\\r")  # one line, whatever the name
        reason = exc.strerror or str(exc)
        if exc.errno is None and _SHORT_WRITE.search(str(exc)):  # numpy's np.save/tofile on a full disk
            return StorageFull(f"Cannot write {place}: the disk is full ({exc}). {_FREE_SPACE}")
        if exc.errno in _FULL_ERRNOS:
            return StorageFull(f"Cannot write {place}: {reason}. {_FREE_SPACE}")
        if exc.errno in _UNAVAILABLE_ERRNOS:
            return StorageUnavailable(f"Cannot write {place}: {reason}. {_WRITABLE}")
        return None
    if not isinstance(exc, sqlite3.Error):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or "database or disk is full" in str(exc):
        return StorageFull(f"The database {where} cannot grow: the disk is full ({exc}). {_FREE_SPACE}")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc):
        return StorageCorrupt(f"The database {where} is damaged ({exc}). {DOCTOR}")
    if name.startswith("SQLITE_IOERR") and _nearly_full(where):  # a WAL or -shm that could not grow
        return StorageFull(f"The database {where} cannot grow: the disk is full ({exc}). {_FREE_SPACE}")
    if name.startswith(("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return StorageUnavailable(f"The database {where} cannot be written ({exc}). {_WRITABLE}")
    return None


def _nearly_full(where: object) -> bool:
    """Whether the disk holding `where` (a path) has less than 256 KiB left."""
    import shutil
    from pathlib import Path

    try:
        return shutil.disk_usage(Path(str(where)).parent).free < 256 * 1024
    except (OSError, ValueError):
        return False
