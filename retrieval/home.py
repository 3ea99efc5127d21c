"""The data home (SEGUE_HOME): where the active catalogue, vectors, indexes and the database live.

    <home>/catalog/            the active catalogue (columns + manifest)
    <home>/vectors/<key>/      vectors for one catalogue content (cache, memory-mapped)
    <home>/index/<key>/        combined item vectors and the FAISS index built on them
    <home>/segue.db            SQLite: listeners, listens, sessions, feedback, tokens (+ -wal, -shm)
    <home>/backups/            copies of segue.db (before a migration, `segue doctor --backup`)
    <home>/shows/              the web's rendered DJ shows

The home is private to its owner: `open()` makes its folders 0700 and its files 0600 (an older home made under
a looser umask is tightened once, and says so), and Segue's process writes with umask 077 from then on.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import StorageError, storage_error

log = logging.getLogger("segue")


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def catalog_dir(self) -> Path:
        return self.root / "catalog"

    @property
    def vectors_root(self) -> Path:
        return self.root / "vectors"

    def index_dir(self, key: str) -> Path:
        return self.root / "index" / key

    @property
    def db_path(self) -> Path:
        return self.root / "segue.db"

    @property
    def demo_dir(self) -> Path:
        return self.root / "demo"

    def ensure(self) -> Home:
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise (storage_error(err, self.root) or StorageError(f"Cannot make the Segue home {self.root}: {err}. "
                                                                 "Set SEGUE_HOME to a folder you can write.")) from None
        return self

    def open(self) -> Home:
        """Make the home private and keep it so: umask 077 for this process (new files 0600, folders 0700), and
        anything another user could read tightened (logged once: the next open finds nothing to change)."""
        os.umask(0o077)
        if self.root.exists():
            changed = self.make_private()
            if changed:
                log.warning("Made the Segue home %s private (it was readable by other users): %d folders and "
                            "files are now 0700/0600.", self.root, changed)
        return self

    def make_private(self) -> int:
        """Folders 0700 and files 0600 under the home (symlinks left alone); returns how many were changed."""
        changed = 0
        for folder, _dirs, files in os.walk(self.root):
            for name, mode in [(folder, 0o700)] + [(os.path.join(folder, f), 0o600) for f in files]:
                try:
                    st = os.lstat(name)
                    if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
                        continue
                    os.chmod(name, mode | (st.st_mode & 0o100 if mode == 0o600 else 0))
                    changed += 1
                except OSError:
                    continue  # a read-only or foreign file: reported by what later fails to use it
        return changed

    def has_catalogue(self) -> bool:
        return (self.catalog_dir / "manifest.json").exists()


def ensure_room(path: Path, nbytes: int) -> None:
    """Raise the disk's own OSError (ENOSPC, EROFS, ...) now if `nbytes` cannot be written at `path`: for writers
    that cannot report it themselves (espeak-ng writing a WAV in another process only goes quiet)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "posix_fallocate"):  # not on macOS: there only a read-only folder shows here
            os.posix_fallocate(fd, 0, nbytes)
    except OSError as err:
        if err.errno in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):  # a file system that cannot tell
            return
        raise OSError(err.errno, err.strerror, str(path)) from None
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
