"""Per-row facts derived from a catalogue (the works index, chart facts, doubt), saved beside its index so that a
new process loads them instead of rebuilding them.

A saved set lives in `<index dir>/derived/<name>-<code key>.npz`: the index directory is already keyed by the
catalogue's content, the encoder and the library version, and the code key is a hash of the source files that
compute these facts, so editing that code rebuilds them rather than serving stale ones. Only numpy arrays are
stored (`allow_pickle=False`), strings as one UTF-8 blob and offsets: loading runs no code from the home. A damaged,
missing or mismatched file is ignored (the facts are built again); a read-only home only loses the saving. Saving
one removes the files older code saved under the same name. `prepare` builds and saves them all (at import).
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

# the modules whose code decides what is saved here (tracks: normalise_name; genres: the matrix doubt reads)
SOURCES = ("works", "charts", "doubt", "genres", "tracks", "derived")


@functools.cache
def code_key() -> str:
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in SOURCES:
        h.update((here / f"{name}.py").read_bytes())
    return h.hexdigest()[:16]


def path_for(directory: Path, name: str) -> Path:
    return Path(directory) / "derived" / f"{name}-{code_key()}.npz"


def load(directory: Path | None, name: str, rows: int) -> dict[str, np.ndarray] | None:
    """The saved arrays of `name`, or None when absent, damaged or not `rows` long (every array is per row)."""
    if directory is None:
        return None
    try:
        with np.load(path_for(directory, name), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    lengths = {len(v) for k, v in arrays.items() if not k.endswith(".blob") and not k.endswith(".offsets")}
    lengths |= {len(v) - 1 for k, v in arrays.items() if k.endswith(".offsets")}
    return arrays if lengths == {rows} else None


def save(directory: Path | None, name: str, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` atomically (a temporary file, then a rename); a failure only loses the saving."""
    if directory is None:
        return
    path = path_for(directory, name)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(exist_ok=True)
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{name}-*.npz"):  # saved by older code: never read again
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def pack_strings(name: str, strings: list[str]) -> dict[str, np.ndarray]:
    """Strings as `<name>.blob` (UTF-8 bytes) and `<name>.offsets` (n + 1 int64), kept compact without pickle."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return {f"{name}.blob": np.frombuffer(b"".join(encoded), dtype=np.uint8), f"{name}.offsets": offsets}


def unpack_strings(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    blob = arrays[f"{name}.blob"].tobytes()
    offsets = arrays[f"{name}.offsets"].tolist()
    return [blob[a:b].decode("utf-8", "surrogatepass") for a, b in zip(offsets[:-1], offsets[1:])]


def prepare(library) -> None:
    """Build (or load) and save every derived fact of a loaded library, so no later command builds one."""
    library.works()
    library.charts()
    library.doubt()
