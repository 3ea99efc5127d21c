"""Content fingerprints: re-importing the same catalogue or history is a no-op."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

IMPORTER_VERSION = 1  # bump when importing the same file would give different tracks (kept at 1: history keys)


def fingerprint(path: Path) -> str:
    """Content fingerprint of a file, or of a folder's files (names, sizes, mtimes of the regular files inside it,
    walked safely by `folder.regular_files`)."""
    from retrieval.importers.folder import regular_files

    h = hashlib.sha256(f"importer-v{IMPORTER_VERSION}".encode())
    path = Path(path)
    if path.is_dir():
        for f in regular_files(path):
            name = os.fsencode(f.path.relative_to(path))
            h.update(name + f"\0{f.size}\0{f.mtime_ns}\n".encode())
    else:
        # opened without blocking and read only if regular: a FIFO or /dev/zero must not stall or loop forever
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NONBLOCK)) as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                from retrieval.errors import BadInput
                from retrieval.importers.report import shown

                raise BadInput(f"{shown(path)}: not a regular file (a FIFO, device or socket). Give a file or a folder.")
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:20]
