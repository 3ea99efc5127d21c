"""The app factory: `create_app(services)` wires the middlewares (the front door outermost: `door`), the problem
handlers, the routers, the start-up warm-up and the OpenAPI schema (errors documented as problem details) around
built services."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from functools import partial
from typing import Literal

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi

from assistant.compose import Services
from assistant.planning.service import Planner
from assistant.web.deps import AppState
from assistant.web.door import SAFE_METHODS, FrontDoor, allowed_hosts
from assistant.web.middleware import BodyLimit, CatchAll
from assistant.web.problems import PROBLEM, add_problem_handlers, as_problem_content
from assistant.web.routers import chat, health, history, sessions, shows

log = logging.getLogger("segue.server")
DESCRIPTION = ("An offline AI playlist maker and DJ. Errors are problem details (RFC 9457) whose `detail` says what "
               "to do.")


def create_app(services: Services, auth: Literal["tokens", "none"] = "none", local_name: str | None = None,
               bound: str | None = None) -> FastAPI:
    """The app over built services (`assistant.compose.build`). auth="none" is single-user mode (127.0.0.1 only).
    `bound`: the --host the server listens on, the host name tokens mode answers by default (see `door`)."""
    settings = services.settings
    app = FastAPI(title="Segue", version="1", lifespan=lifespan, description=DESCRIPTION)
    state = app.state.segue = AppState.of(services, auth, local_name)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.upload_max_bytes)
    app.add_middleware(CatchAll)
    hosts = allowed_hosts(settings.allowed_hosts, bound) if settings.allowed_hosts or bound else None
    app.add_middleware(FrontDoor, single_user=auth == "none", hosts=hosts, per_address=state.per_address)
    add_problem_handlers(app)
    app.include_router(health.router)
    if health.PAGE.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=health.PAGE), name="static")
    app.include_router(chat.router(settings.max_prompt_chars))
    app.include_router(sessions.router)
    app.include_router(history.router)
    app.include_router(shows.router)
    app.openapi = partial(openapi, app)
    return app


@asynccontextmanager
async def lifespan(app: FastAPI):
    services = app.state.segue.services
    await run_in_threadpool(warm_up, services.planner)
    yield
    services.close()


def openapi(app: FastAPI) -> dict:
    """The app's OpenAPI schema, made once, with error responses documented as application/problem+json."""
    if app.openapi_schema is None:
        app.openapi_schema = door_responses(as_problem_content(get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes)))
    return app.openapi_schema


def door_responses(schema: dict) -> dict:
    """The front door's refusals in every operation: 421 (a Host the server does not answer) and, for those that
    change something, 403 (a browser's cross-site request in single-user mode)."""
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for ops in schema.get("paths", {}).values():
        for method, op in ops.items():
            op["responses"].setdefault("421", {"description": "Misdirected request", "content": problem})
            if method.upper() not in SAFE_METHODS:
                op["responses"].setdefault("403", {"description": "Forbidden", "content": problem})
    return schema


def warm_up(planner: Planner) -> None:
    """Load the catalogue, vectors, index and vocabulary once, and (offline) run one request through so the
    first listener does not pay for lazily built indexes."""
    try:
        planner.library()
        planner.vocabulary()
        if planner.llm() is None:
            planner.playlist("an hour of chill electronic for coding")
    except Exception as exc:  # noqa: BLE001 - start anyway; requests say what is missing (503 with the fix)
        log.warning("warm-up: %s", exc)
