"""What routes are given (FastAPI dependencies): the app's state, the caller, an `Api` for the caller, and the
path parameters the routes share.

The caller is found from the bearer token (auth="tokens") or is the local listener (auth="none", single-user);
either way the request is then counted against the listener's rate limit (all their tokens together). A missing
or invalid token counts against the client address's failed-auth limit: past it, 429 instead of 401. Every /v1
request is also counted per client address by the front door (`assistant.web.door`). A new dependency goes here,
with an `Annotated` alias a route can name as a parameter type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.compose import Services
from assistant.web.problems import TooManyRequests, Unauthorized
from assistant.web.schemas import SESSION_ID, SHOW_ID
from assistant.web.service import Api, Listener
from assistant.web.shared import RateLimiter, ReadCache
from assistant.web.show_queue import ShowQueue
from assistant.web.tokens import Users


@dataclass
class AppState:
    """One app's state (`app.state.segue`), made by `create_app`."""

    services: Services
    auth: Literal["tokens", "none"]
    local: Listener  # who every request is in single-user mode (auth="none")
    users: Users
    limiter: RateLimiter  # per listener
    per_address: RateLimiter  # per client address, every /v1 request (counted by the front door)
    failed_auth: RateLimiter  # per client address, requests with a missing or invalid token
    cache: ReadCache = field(default_factory=ReadCache)
    running: set = field(default_factory=set)  # streamed turns in flight (a reference keeps each task alive)
    shows: ShowQueue = field(default_factory=ShowQueue)  # the line DJ shows wait in

    @classmethod
    def of(cls, services: Services, auth: Literal["tokens", "none"], local_name: str | None) -> AppState:
        settings = services.settings
        return cls(services=services, auth=auth, users=Users(services.stores, settings.max_tokens_per_listener),
                   local=Listener(name=local_name or settings.user or "local", single_user=True),
                   limiter=RateLimiter(settings.rate_per_minute), per_address=RateLimiter(settings.rate_per_address),
                   failed_auth=RateLimiter(settings.auth_failures_per_minute),
                   shows=ShowQueue(settings.dj_renders, settings.dj_queue))


async def app_state(request: Request) -> AppState:
    return request.app.state.segue


State = Annotated[AppState, Depends(app_state)]
bearer = HTTPBearer(auto_error=False, description="A listener's token from `segue users add NAME` (not needed "
                    "in single-user mode)")


def identify(request: Request, state: State,
             cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Listener:
    """The caller by their bearer token (401 without a valid one, counted against the client address), or the
    local listener in single-user mode. A plain `def`: the token is looked up in the request thread's store
    connection."""
    if state.auth == "none":
        return state.local
    name = state.users.listener(cred.credentials if cred else None)
    if name is None:
        wait = state.failed_auth.take(request.client.host if request.client else "?")
        if wait:
            raise TooManyRequests(f"Too many requests without a valid token from this address. Try again in "
                                  f"{math.ceil(wait)} s, with a token from `segue users add NAME`.",
                                  {"Retry-After": str(math.ceil(wait))})
        raise Unauthorized("Send your API token as `Authorization: Bearer <token>` (make one with `segue users add "
                           "NAME`)." if cred is None else "That API token is not valid (revoked or mistyped). Ask "
                           "for a new one: `segue users add NAME`.", {"WWW-Authenticate": "Bearer"})
    return Listener(name=name)


async def rate_limited(state: State, who: Annotated[Listener, Depends(identify)]) -> Listener:
    """The caller, once their listener's rate limit (all their tokens together) lets the request through (429
    with Retry-After otherwise)."""
    wait = state.limiter.take(who.name)
    if wait:
        raise TooManyRequests(f"Too many requests: the limit is {state.limiter.rate} a minute per listener. Try "
                              f"again in {math.ceil(wait)} s.", {"Retry-After": str(math.ceil(wait))})
    return who


Caller = Annotated[Listener, Depends(rate_limited)]


async def caller_api(state: State, me: Caller) -> Api:
    """The caller's view of the chat service, for this request."""
    return Api(state.services.planner, me, state.cache, shows=state.shows)


CallerApi = Annotated[Api, Depends(caller_api)]

SessionId = Annotated[str, Path(pattern=SESSION_ID, description="A session id (from POST /v1/chat or GET "
                                "/v1/sessions)")]
ShowId = Annotated[str, Path(pattern=SHOW_ID, description="A show id (from POST /v1/sessions/{session_id}/dj)")]
