"""The web's one map from errors to problem responses (RFC 9457, `application/problem+json`).

Every error a client sees goes through `error_response`: the domain's error tree (`assistant.model.errors`), the
web's own refusals (`Unauthorized`, `TooLarge`, `TooManyRequests`: raised before the domain is asked, with the
headers they need) and anything unexpected (logged, then a 500 without a traceback). Storage failures (a
`StorageError`, or an `OSError` from a full or read-only disk) are 507 when the disk is full and 503 with
Retry-After when the home is read-only or failing (a damaged database: 503 naming `segue doctor`), told without
the server's paths (they go to its log); nothing was half-written, so the same request can be retried once space
or write access is back (the server needs no restart). FastAPI's own errors (no
route, wrong method, a body that is not valid) are answered by the handlers here too. A new kind of error gets
its status in `STATUS`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.model.errors import (
    BadInput,
    Conflict,
    NotFound,
    NotReady,
    SegueError,
    StorageCorrupt,
    StorageError,
    StorageFull,
    kind_of,
    storage_error,
)
from assistant.web.schemas import Problem
from assistant.web.service import NotYours
from retrieval.store.sessions import SessionNotFound

log = logging.getLogger("segue.server")
PROBLEM = "application/problem+json"
METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")  # what a 405's Allow may list (HEAD goes unsaid)
TITLES = {400: "Bad request", 401: "Unauthorized", 404: "Not found", 405: "Method not allowed", 409: "Conflict",
          413: "Content too large", 422: "Unprocessable request", 429: "Too many requests", 503: "Not ready",
          507: "Insufficient storage"}
RETRY_STORAGE_S = 30  # Retry-After of a storage refusal: long enough for someone to free space or remount
STORAGE_DETAIL = {
    StorageFull: "The server's disk is full, so nothing was saved or changed. Try again in a while (the server's "
                 "operator must free some space; its log says where).",
    StorageCorrupt: "The server's database is damaged, so it will not write into it; nothing was changed. The "
                    "server's operator must run `segue doctor` (its log says more).",
    StorageError: "The server cannot write its data right now (its storage is read-only or failing), so nothing "
                  "was saved or changed. Try again in a while.",
}


class Refused(Exception):
    """A refusal at the HTTP level (web-only, not a domain error): its status comes from `STATUS`, its headers
    (WWW-Authenticate, Retry-After) go out with the problem."""

    def __init__(self, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.detail, self.headers = detail, headers or {}


class Unauthorized(Refused):
    """No API token, or one that is not valid."""


class TooLarge(Refused):
    """A request body, an upload or what a zip unpacks to is over the server's limit."""


class TooManyRequests(Refused):
    """The caller is over the rate limit (or already has a DJ show being made)."""


class Busy(Refused):
    """The server is at capacity for this kind of work (the DJ's line of shows is full): 503 with Retry-After."""


STATUS: dict[type[Exception], int] = {
    Unauthorized: 401,
    TooLarge: 413,
    TooManyRequests: 429,
    Busy: 503,
    StorageFull: 507,
    StorageError: 503,
    NotFound: 404,
    Conflict: 409,
    BadInput: 422,
    NotReady: 503,
    SegueError: 409,  # any other domain error: the state cannot take the request as it is
}


def status_of(exc: BaseException) -> int | None:
    """The status an error is answered with; None when it is not one Segue raises on purpose (a 500)."""
    return STATUS.get(kind_of(exc) if isinstance(exc, SegueError) else type(exc))


def problem(status: int, detail: str, title: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"), "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_response(exc: BaseException) -> JSONResponse:
    """The problem response for any error: mapped by `STATUS`, or a logged 500 that shows no traceback."""
    exc = storage_error(exc) or exc
    status = status_of(exc)
    if status is None:
        log.error("unexpected error", exc_info=exc)
        return problem(500, "Something went wrong on the server; it was logged. Try again, and if it keeps "
                       "happening report it with what you sent.", title="Internal server error")
    if isinstance(exc, Refused):
        return problem(status, exc.detail, headers=exc.headers)
    if isinstance(exc, StorageError):  # the full message (with the server's paths) goes to its log only
        log.warning("storage: %s", exc)
        kind = next(k for k in STORAGE_DETAIL if isinstance(exc, k))
        retry = {} if kind is StorageCorrupt else {"Retry-After": str(RETRY_STORAGE_S)}
        return problem(status, STORAGE_DETAIL[kind], title="Insufficient storage" if status == 507 else
                       "Storage unavailable", headers=retry)
    detail = str(NotYours(exc.session_id)) if isinstance(exc, SessionNotFound) else str(exc)
    return problem(status, detail)


def problem_responses(*codes: int) -> dict:
    """The OpenAPI `responses` of a route: the errors every route may answer (507: the disk is full), and `codes`."""
    return {c: {"model": Problem, "description": TITLES.get(c, "Error")} for c in (400, 401, 422, 429, 503, 507, *codes)}


def as_problem_content(schema: dict) -> dict:
    """Error responses are problem details: document them as application/problem+json in the OpenAPI schema."""
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    resp["content"] = {PROBLEM: content.pop("application/json")}
    return schema


# -- handlers: problem details, never a traceback ------------------------------------------------------------
async def answer_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


async def answer_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own refusals (no route, wrong method, unreadable body) with a detail that says what to do."""
    detail = {404: f"There is nothing at {request.url.path}. The API is under /v1; see /docs.",
              405: f"{request.method} is not allowed on {request.url.path}; see /docs.",
              400: f"The request body could not be read ({exc.detail}); send JSON as /docs shows."}.get(
        exc.status_code, str(exc.detail))
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:  # every method of every route at this path, not just the first route's
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem(exc.status_code, detail, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """The methods (but HEAD) some route answers at the request's path, in order. Asked of each top-level route,
    one method at a time: an included router is one entry of `app.routes` that matches for its routes."""
    from starlette.routing import Match, Mount

    return [m for m in METHODS if any(not isinstance(r, Mount) and r.matches({**request.scope, "method": m})[0]
                                      == Match.FULL for r in request.app.routes)]


async def answer_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request that does not match the schema: the first five problems, each with where it is."""
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(x) for x in e.get("loc", ())[1:]) or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return problem(422, "The request is not valid: " + "; ".join(parts) + ". See /docs for the request format.")


def add_problem_handlers(app: FastAPI) -> None:
    """Answer every error as a problem: the web's refusals and the domain's tree here; anything else in
    `assistant.web.middleware.CatchAll` (logged, then a 500)."""
    app.add_exception_handler(Refused, answer_error)
    app.add_exception_handler(HTTPException, answer_http_error)
    app.add_exception_handler(RequestValidationError, answer_invalid_request)
    app.add_exception_handler(SegueError, answer_error)
