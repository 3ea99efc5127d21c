"""Content fingerprints: re-importing the same catalogue or history is a no-op."""

from __future__ import annotations

import hashlib
from pathlib import Path

IMPORTER_VERSION = 1  # bump when importing the same file would give different tracks


def fingerprint(path: Path) -> str:
    """Content fingerprint of a file, or of a folder's files (names, sizes, mtimes)."""
    h = hashlib.sha256(f"importer-v{IMPORTER_VERSION}".encode())
    path = Path(path)
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    else:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:20]
