"""One small error vocabulary for the doors (CLI, later the server): every message says what to do next."""

from __future__ import annotations


class SegueError(Exception):
    """An error a listener can act on. `str(e)` is shown as it is; no traceback."""


class NotReady(SegueError):
    """Something must be set up first (a catalogue, a listener)."""


class BadInput(SegueError):
    """The request itself cannot be used (empty, too long, malformed)."""


class NoPlaylist(SegueError):
    """The request was understood as a question back (clarify) or a refusal; `reading` says which."""

    def __init__(self, reading):
        self.reading = reading
        message = reading.refusal.message if reading.refusal else reading.clarification.question
        super().__init__(message)


def as_segue_error(exc: BaseException) -> SegueError | None:
    """Translate the domain errors of lower layers; None when `exc` is not one of ours."""
    from retrieval.importers.history import HistoryImportError
    from retrieval.importers.catalogue import CatalogueImportError
    from retrieval.index import IndexFileError
    from retrieval.library import LibraryError
    from retrieval.store.listens import StoreError
    from retrieval.vectors import VectorsError

    from assistant.understanding import ParseError

    if isinstance(exc, SegueError):
        return exc
    if isinstance(exc, (ParseError, CatalogueImportError, HistoryImportError)):
        return BadInput(str(exc))
    if isinstance(exc, (LibraryError, IndexFileError, StoreError, VectorsError)):
        return NotReady(str(exc))
    return None
