"""What a catalogue import did: rows read, kept, rejected and repaired, with example row references."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field

from retrieval.errors import BadInput

MAX_EXAMPLES = 3
MAX_SHOWN = 300  # characters of a name shown in a report or message


def shown(name: object) -> str:
    """A file name or value safe to print anywhere: undecodable bytes as \\xNN, control characters and lone
    surrogates escaped (so a newline or an escape sequence in a name cannot forge output), long names cut."""
    text = os.fsdecode(name) if isinstance(name, (bytes, os.PathLike)) else str(name)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no file name produced (e.g. from JSON)
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


class CatalogueImportError(BadInput):
    """A catalogue file or folder cannot be imported; the message says what to do instead."""


class ImportReport(BaseModel):
    """Summary of one import. `rejected` rows were dropped; `fixed` rows were kept with a value set unknown."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="The file or folder imported")
    format: str = Field(description="segue-csv, spotify-csv, jsonl or audio-folder")
    rows_read: int = Field(description="Data rows (or audio files) read")
    kept: int = Field(description="Tracks produced")
    rejected: dict[str, int] = Field(default_factory=dict, description="Reason -> rows dropped")
    fixed: dict[str, int] = Field(default_factory=dict, description="Reason -> rows kept with a value set unknown")
    examples: dict[str, list[str]] = Field(default_factory=dict, description="Reason -> up to 3 row references")

    def summary(self) -> str:
        """A few human-readable lines."""
        lines = [f"{self.source} ({self.format}): read {self.rows_read}, kept {self.kept}"]
        for title, counts in (("rejected", self.rejected), ("fixed", self.fixed)):
            for reason, n in sorted(counts.items(), key=lambda kv: -kv[1]):
                refs = ", ".join(self.examples.get(reason, []))
                lines.append(f"  {title}: {reason}: {n}" + (f" (e.g. {refs})" if refs else ""))
        return "\n".join(lines)


class Tally:
    """Counts reasons and keeps a few example references for each."""

    def __init__(self) -> None:
        self.rejected: dict[str, int] = {}
        self.fixed: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def _note(self, counts: dict[str, int], reason: str, ref: str) -> None:
        counts[reason] = counts.get(reason, 0) + 1
        refs = self.examples.setdefault(reason, [])
        if len(refs) < MAX_EXAMPLES:
            refs.append(shown(ref))

    def reject(self, reason: str, ref: str) -> None:
        self._note(self.rejected, reason, ref)

    def fix(self, reason: str, ref: str) -> None:
        self._note(self.fixed, reason, ref)

    def report(self, source: str, fmt: str, rows_read: int, kept: int) -> ImportReport:
        return ImportReport(
            source=source,
            format=fmt,
            rows_read=rows_read,
            kept=kept,
            rejected=dict(self.rejected),
            fixed=dict(self.fixed),
            examples={k: list(v) for k, v in self.examples.items()},
        )
