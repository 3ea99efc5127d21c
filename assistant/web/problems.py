"""The web's one map from the error tree (`assistant.model.errors`) to problem responses (RFC 9457)."""

from __future__ import annotations

from retrieval.store.sessions import SessionNotFound

from assistant.model.errors import BadInput, Conflict, NotFound, NotReady, SegueError, kind_of
from assistant.web.service import NotYours

STATUS: dict[type[SegueError], tuple[int, str]] = {
    NotFound: (404, "Not found"),
    Conflict: (409, "Conflict"),
    BadInput: (422, "Unprocessable request"),
    NotReady: (503, "Not ready"),
    SegueError: (409, "Conflict"),  # any other domain error: the state cannot take the request as it is
}


def problem_for(exc: BaseException) -> tuple[int, str, str] | None:
    """(status, title, detail) for a domain error; None when `exc` is not one (the server answers 500)."""
    if not isinstance(exc, SegueError):
        return None
    status, title = STATUS[kind_of(exc)]
    detail = str(NotYours(exc.session_id)) if isinstance(exc, SessionNotFound) else str(exc)
    return status, title, detail
