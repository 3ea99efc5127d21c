"""Per-row facts derived from a catalogue (the works index, chart facts, doubt), saved beside its index so that a
new process loads them instead of rebuilding them.

A saved set lives in `<index dir>/derived/<name>-<code key>.npz`: the index directory is already keyed by the
catalogue's content, the encoder and the library version, and the code key is a hash of the source files that
compute these facts, so editing that code rebuilds them rather than serving stale ones. Only numpy arrays are
stored (`allow_pickle=False`), strings as one UTF-8 blob and offsets: loading runs no code from the home. A damaged,
missing or mismatched file is ignored (the facts are built again); a read-only home only loses the saving. Saving
one removes the files older code saved under the same name. `prepare` builds and saves them all (at import).

Higher layers save what they derive from a catalogue the same way, under their own code key (`source_key` of their
files; e.g. `assistant.understanding.saved_vocabulary`), with arrays of any length (`load(..., rows=None)`); many
short strings load fastest packed by `pack_lines`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

# the modules whose code decides what is saved here (tracks: normalise_name; genres: the matrix doubt reads)
SOURCES = ("works", "charts", "doubt", "genres", "tracks", "derived")


@functools.cache
def code_key() -> str:
    here = Path(__file__).resolve().parent
    return source_key([here / f"{name}.py" for name in SOURCES])


def source_key(paths: Iterable[Path], extra: str = "") -> str:
    """A hash of the source files (and `extra`) that compute some saved facts: the code key of their files."""
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def path_for(directory: Path, name: str, key: str | None = None) -> Path:
    """Where `name` is saved: `key` is the code key of what computes it (default: this module's `code_key()`)."""
    return Path(directory) / "derived" / f"{name}-{key or code_key()}.npz"


def load(directory: Path | None, name: str, rows: int | None, key: str | None = None) -> dict[str, np.ndarray] | None:
    """The saved arrays of `name`, or None when absent, damaged or not `rows` long (every array is per row; None:
    arrays of any length, which the caller checks)."""
    if directory is None:
        return None
    try:
        with np.load(path_for(directory, name, key), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if rows is None:
        return arrays
    lengths = {len(v) for k, v in arrays.items() if not k.endswith(".blob") and not k.endswith(".offsets")}
    lengths |= {len(v) - 1 for k, v in arrays.items() if k.endswith(".offsets")}
    return arrays if lengths == {rows} else None


def save(directory: Path | None, name: str, arrays: dict[str, np.ndarray], key: str | None = None) -> None:
    """Write `arrays` atomically (a temporary file, then a rename); a failure only loses the saving."""
    if directory is None:
        return
    path = path_for(directory, name, key)
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


def pack_lines(name: str, strings: list[str]) -> dict[str, np.ndarray]:
    """Strings as `<name>.lines` (UTF-8 of the strings joined by newlines: one decode and one split to load, several
    times faster than offsets for short strings) and `<name>.count` (how many strings, how many bytes, then the
    positions of the strings that hold a newline: left empty in the lines, they are kept in `<name>.apart` as
    `pack_strings` does)."""
    apart = [i for i, s in enumerate(strings) if "\n" in s]
    joined = "\n".join("" if "\n" in s else s for s in strings) if apart else "\n".join(strings)
    data = joined.encode("utf-8", "surrogatepass")
    arrays = {f"{name}.lines": np.frombuffer(data, dtype=np.uint8),
              f"{name}.count": np.array([len(strings), len(data), *apart], dtype=np.int64)}
    if apart:
        arrays.update(pack_strings(f"{name}.apart", [strings[i] for i in apart]))
    return arrays


def unpack_lines(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    """The strings `pack_lines` packed; ValueError (or KeyError) when the arrays do not fit together."""
    count, size, *apart = arrays[f"{name}.count"].tolist()
    data = arrays[f"{name}.lines"]
    strings = data.tobytes().decode("utf-8", "surrogatepass").split("\n") if count else []
    if (len(strings) != count or len(data) != size or bool(apart) != (f"{name}.apart.offsets" in arrays)
            or apart and not 0 <= min(apart) <= max(apart) < count):
        raise ValueError(f"saved strings {name} are damaged")
    if apart:
        for i, s in zip(apart, unpack_strings(arrays, f"{name}.apart"), strict=True):
            strings[i] = s
    return strings


def prepare(library) -> None:
    """Build (or load) and save every derived fact of a loaded library, so no later command builds one."""
    library.works()
    library.charts()
    library.doubt()
