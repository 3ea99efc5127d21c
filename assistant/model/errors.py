"""The error tree every layer raises from (rooted in `retrieval.errors`), plus the assistant's own kinds.

`NoPlaylist` is not a failure: the request was read as a question back or a refusal, and the doors show it.
"""

from __future__ import annotations

from retrieval.errors import (
    BadInput,
    Conflict,
    NotFound,
    NotReady,
    SegueError,
    StorageCorrupt,
    StorageError,
    StorageFull,
    StorageUnavailable,
    storage_error,
)

__all__ = ["BadInput", "Conflict", "KINDS", "NoPlaylist", "NotFound", "NotReady", "SegueError", "StorageCorrupt",
           "StorageError", "StorageFull", "StorageUnavailable", "kind_of", "storage_error"]

KINDS: tuple[type[SegueError], ...] = (StorageFull, StorageError, NotFound, Conflict, BadInput, NotReady)  # most specific first


def kind_of(exc: SegueError) -> type[SegueError]:
    """The kind an error is (an error may be two: a missing session is a store error and not found; the first of
    `KINDS` wins), or `SegueError` itself."""
    return next((k for k in KINDS if isinstance(exc, k)), SegueError)


class NoPlaylist(SegueError):
    """The request was understood as a question back (clarify) or a refusal; `reading` says which."""

    def __init__(self, reading):
        self.reading = reading
        message = reading.refusal.message if reading.refusal else reading.clarification.question
        super().__init__(message)
