"""The limits every catalogue reader keeps, so no file can hold an import in memory or time without end.

A line (or CSV field) over `MAX_LINE_CHARS` is read past in pieces and rejected; a catalogue of more than
`MAX_ROWS` rows or `MAX_LINES` physical lines is refused (`too_big`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from retrieval.importers.report import CatalogueImportError, Tally, shown

MAX_LINE_CHARS = 1 << 20  # a longer line (or CSV field) is rejected, never held whole in memory
LONG_LINE = f"line longer than {MAX_LINE_CHARS >> 20} MB (skipped)"
MAX_ROWS = 2_000_000  # an import holds every track in memory (~4 KB each): more is refused, not an OOM kill
MAX_LINES = 2 * MAX_ROWS  # physical lines read, blank or not (a gzip of empty lines is no catalogue either)


def too_big(path: Path) -> CatalogueImportError:
    return CatalogueImportError(
        f"{shown(path)}: more than {MAX_ROWS:,} rows (or {MAX_LINES:,} lines); Segue imports at most "
        f"{MAX_ROWS:,} tracks. Split the catalogue or keep the part you listen to.")


def bounded_lines(fh: io.TextIOBase, tally: Tally, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The lines of `fh`; a line over `limit` characters is read past in pieces, rejected in `tally` and given as
    an empty line (so line numbers still count)."""
    number = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            while (rest := fh.readline(limit)) and not rest.endswith("\n"):
                pass
            tally.reject(LONG_LINE, f"line {number}")
            line = "\n"
        yield line
