"""Segue's web API and page (`segue serve`): a FastAPI app over the built services.

Each route parses a request, makes one call on `Api` (one listener's view of the chat service) and returns its
model; errors become problem details (`application/problem+json`) with a detail a person can act on, and no
traceback ever reaches a client. Access: with tokens, every request carries `Authorization: Bearer <token>`
(`segue users add NAME`) and sees only its listener's sessions; without (single-user mode, 127.0.0.1 only) every
request is the local listener.

Where things go: a route in `routers/<area>.py`; what routes are given (caller, state) in `deps.py`; a request
or response model in `schemas.py`; an error's status in `problems.py`; the app's wiring in `app.py`; what a
listener's call does in `service.py`; API tokens in `tokens.py`.
"""

from typing import TYPE_CHECKING

from assistant.web.tokens import Users

if TYPE_CHECKING:
    from assistant.web.app import create_app

__all__ = ["Users", "create_app"]


def __getattr__(name: str):
    """`create_app` is imported when first asked for: it loads FastAPI, which `segue users` does not need."""
    if name == "create_app":
        from assistant.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
