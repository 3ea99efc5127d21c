"""Walking a music folder safely: regular files only, nothing outside the folder, every skip reported.

`audio_files(root, tally)` lists the audio files under `root` (by extension, hidden names skipped);
`regular_files` any regular files (a folder's fingerprint). It never opens a
file, and never follows a symlinked folder (so a symlink loop cannot trap it). A file symlink is taken only when
it leads to a regular file inside `root`. FIFOs, devices, sockets, symlinks out of the folder or into a loop,
empty files, files over `MAX_AUDIO_BYTES`, unreadable files and folders are skipped and counted in `tally`
(when given) with a reason. The walk is iterative, so a very deep folder cannot exhaust the stack.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from retrieval.importers.report import Tally

AUDIO_EXTENSIONS = (".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav")
MAX_AUDIO_BYTES = 8 << 30  # 8 GiB: above a three-hour 24-bit/192 kHz FLAC; bigger is not one track
MAX_DEPTH = 64  # folders below this are not walked (reported)

NOT_REGULAR = "not a regular file (FIFO, device or socket; skipped)"
OUTSIDE = "symlink leading out of the folder (skipped)"
BROKEN_LINK = "broken symlink or symlink loop (skipped)"
LINKED_FOLDER = "symlinked folder (not followed)"
EMPTY = "empty file (0 bytes)"
TOO_BIG = f"file larger than {MAX_AUDIO_BYTES >> 30} GB (not one track; skipped)"
NO_ACCESS = "cannot read: permission denied"
BAD_FOLDER = "folder cannot be read (skipped)"
TOO_DEEP = f"folder nested deeper than {MAX_DEPTH} levels (skipped)"


@dataclass(frozen=True)
class FoundFile:
    """A regular file found under the root."""

    path: Path  # as found under the root (what reports show)
    target: str  # the regular file it is, symlinks resolved (what is opened)
    size: int
    mtime_ns: int


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _check(entry: os.DirEntry, root: str, real_root: str, tally: Tally | None) -> FoundFile | None:
    """The entry as an FoundFile, or None (the reason noted in `tally`)."""
    def skip(reason: str) -> None:
        if tally is not None:
            tally.reject(reason, os.path.relpath(entry.path, root))

    try:
        target = entry.path
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not _inside(target, real_root):
                return skip(OUTSIDE)
        st = os.stat(target)
    except OSError:  # ELOOP, ENOENT, ENAMETOOLONG: nothing usable there
        return skip(BROKEN_LINK)
    if not stat.S_ISREG(st.st_mode):
        return skip(NOT_REGULAR)
    if st.st_size == 0:
        return skip(EMPTY)
    if st.st_size > MAX_AUDIO_BYTES:
        return skip(TOO_BIG)
    if not os.access(target, os.R_OK):
        return skip(NO_ACCESS)
    return FoundFile(Path(entry.path), target, st.st_size, st.st_mtime_ns)


def audio_files(root: Path, tally: Tally | None = None) -> list[FoundFile]:
    """The audio files under `root`, recursively, in a stable order (see the module docstring)."""
    return regular_files(root, tally, AUDIO_EXTENSIONS)


def regular_files(root: Path, tally: Tally | None = None, extensions: tuple[str, ...] | None = None) -> list[FoundFile]:
    """The regular files under `root` whose names end with one of `extensions` (any name when None), walked and
    checked as `audio_files` does."""
    real_root = os.path.realpath(root)
    found: list[FoundFile] = []
    stack: list[tuple[str, int]] = [(str(root), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if tally is not None:
                tally.reject(BAD_FOLDER, os.path.relpath(folder, root))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError:
                is_dir = is_link = False
            if is_dir:
                subfolders.append(entry.path)
            elif is_link and os.path.isdir(entry.path):
                if tally is not None:
                    tally.reject(LINKED_FOLDER, os.path.relpath(entry.path, root))
            elif extensions is None or entry.name.lower().endswith(extensions):
                item = _check(entry, str(root), real_root, tally)
                if item is not None:
                    found.append(item)
        if depth >= MAX_DEPTH and subfolders:
            if tally is not None:
                tally.reject(TOO_DEEP, os.path.relpath(subfolders[0], root))
            continue
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))
    return found
