"""Read a user's catalogue into Tracks: Segue CSV, Spotify CSV exports, JSON lines, or a folder of audio.

    tracks, report = read_catalogue(Path("my_tracks.csv"))
    print(report.summary())

Bad rows never stop an import: they are rejected (or repaired to unknown) and counted in the report.
A file that is not a catalogue at all raises `CatalogueImportError` with a message saying what to do.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Callable
from pathlib import Path

from retrieval.importers.audio_files import AUDIO_EXTENSIONS, read_audio_folder
from retrieval.importers.report import CatalogueImportError, ImportReport, Tally, shown
from retrieval.importers.tabular import (
    EXPECTED_HINT,
    ColumnMap,
    pick_delimiter,
    read_csv,
    read_head,
    read_jsonl,
    sniff_encoding,
)
from retrieval.tracks import Track

__all__ = ["FORMATS", "CatalogueImportError", "ImportReport", "detect_format", "read_catalogue"]

FORMATS = ("segue-csv", "spotify-csv", "jsonl", "audio-folder")
SEGUE_COLUMNS = {"track_id", "title", "artist"}
WHAT_WORKS = (
    "Segue reads a CSV (plain or .gz) with a header row, JSON lines (one object per line), "
    "or a folder of audio files."
)


def _first_line(path: Path) -> str:
    try:
        head = read_head(path)
    except (OSError, EOFError, zlib.error) as exc:
        raise CatalogueImportError(f"{shown(path)}: cannot read it ({exc}). If it is a .gz file it may be damaged.") from exc
    if not head.strip():
        raise CatalogueImportError(f"{shown(path)}: the file is empty. {WHAT_WORKS}")
    text = head.decode(sniff_encoding(head), errors="replace").lstrip("\ufeff")
    control = sum(1 for ch in text if ch < " " and ch not in "\t\r\n") + text.count("\ufffd")
    if b"\x00" in head or control > max(8, len(text) // 100):
        raise CatalogueImportError(
            f"{shown(path)}: this is not a text catalogue (it looks binary). {WHAT_WORKS} "
            "Save spreadsheets as UTF-8 CSV."
        )
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    raise CatalogueImportError(f"{shown(path)}: the file is empty. {WHAT_WORKS}")


def detect_format(path: Path) -> str:
    """One of FORMATS, from the content (not the file name). Raises CatalogueImportError otherwise."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CatalogueImportError(f"{shown(path)}: no such file or folder. Check the path.")
    if path.is_dir():
        return "audio-folder"
    if not path.is_file():
        raise CatalogueImportError(f"{shown(path)}: not a regular file. {WHAT_WORKS}")
    if path.name.lower().endswith(AUDIO_EXTENSIONS):
        raise CatalogueImportError(f"{shown(path)}: a single audio file. Point at the folder that holds it instead.")
    line = _first_line(path)
    if line.startswith("{"):
        try:
            first = json.loads(line)
        except (ValueError, RecursionError):
            return "jsonl"  # the bad line is rejected and reported on import
        if isinstance(first, dict):
            cols = ColumnMap([str(k) for k in first], list(first))
            if cols.missing:
                raise CatalogueImportError(
                    f"{shown(path)}: the first JSON object has no {', '.join(cols.missing)} key. Each line needs "
                    f"{EXPECTED_HINT}; found keys: {', '.join(list(map(str, first))[:12])}."
                )
        return "jsonl"
    if line.startswith("["):
        raise CatalogueImportError(
            f"{shown(path)}: a JSON array, not JSON lines. Write one object per line, e.g. `jq -c '.[]' in.json > out.jsonl`."
        )
    delim = pick_delimiter(line)
    header = [c.strip() for c in next(csv.reader([line], delimiter=delim), [])]
    names = {c.lower() for c in header}
    if SEGUE_COLUMNS <= names:
        return "segue-csv"
    cols = ColumnMap(header, list(range(len(header))))
    if not cols.missing:
        return "spotify-csv"
    cells = ", ".join(shown(c[:40]) for c in header[:12]) or "nothing"
    raise CatalogueImportError(
        f"{shown(path)}: no recognisable header row. Expected CSV columns for {EXPECTED_HINT} "
        f"(Segue layout: track_id,title,artist,album,year,genres,...); the first line has: {cells}. "
        "Add or rename the header and try again."
    )


def read_catalogue(
    path: Path, progress: Callable[[int, int | None], None] | None = None
) -> tuple[list[Track], ImportReport]:
    """Read any supported catalogue. `progress(done, total or None)` is called every 1000 rows and at the end."""
    path = Path(path).expanduser()
    fmt = detect_format(path)
    tally = Tally()
    if fmt == "audio-folder":
        tracks, rows = read_audio_folder(path, tally, progress)
    elif fmt == "jsonl":
        tracks, rows = read_jsonl(path, tally, progress)
    else:
        tracks, rows = read_csv(path, fmt, tally, progress)
    return tracks, tally.report(str(path), fmt, rows, len(tracks))
