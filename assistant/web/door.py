"""The server's front door, one ASGI middleware before everything else (`FrontDoor`):

- Host: single-user mode answers only 127.0.0.1, localhost and [::1] on the port it listens on, so a page on
  another name that resolves to 127.0.0.1 (DNS rebinding) is refused (421); tokens mode answers the names it is
  configured with (SEGUE_ALLOWED_HOSTS), by default the address it listens on.
- Cross-site requests: in single-user mode no token guards the API, so a request that changes something (POST,
  PUT, PATCH, DELETE) sent by a browser from another origin is refused (403): its Origin, else its Referer, and
  its Sec-Fetch-Site must all say it comes from the page itself. Clients that are not browsers send none of them.
- A rate limit per client address on /v1, whoever the caller is and whatever token they send (429 with
  Retry-After). Failed authentication and each listener are limited after the token is read (`assistant.web.deps`).
- Security headers on every response: a Content-Security-Policy without inline code (the API docs page gets the
  hashes of its own inline code), no framing, nosniff, no referrer.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from assistant.web.problems import problem
from assistant.web.shared import RateLimiter

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})
ANY = frozenset({"*"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs", "/redoc"})  # FastAPI's doc pages: their inline code is allowed by its hash
DOCS_CDN = "https://cdn.jsdelivr.net"
HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin")]


def allowed_hosts(configured: Iterable[str], bound: str | None) -> frozenset[str]:
    """The host names tokens mode answers: the configured ones, else the bound address (with its loopback
    aliases). {"*"}: any (configured so, or bound to every interface with nothing configured)."""
    names = {h.strip().lower().rstrip(".").strip("[]") for h in configured if h.strip()}
    if not names:
        if bound is None or bound in ANY_ADDRESS:
            return ANY
        names = {bound.lower().strip("[]")}
    if "*" in names:
        return ANY
    return frozenset(names | LOOPBACK) if names & LOOPBACK else frozenset(names)


def split_host(value: str, scheme: str = "http") -> tuple[str, int] | None:
    """(name, port) of a Host header or an origin's netloc; None when it cannot be read."""
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return None
    return ((parts.hostname or "").rstrip("."), port) if parts.hostname else None


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an Origin or Referer value; None for `null` or anything unreadable."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return parts.scheme, parts.hostname.rstrip("."), parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None


class FrontDoor:
    """ASGI middleware: Host allow-list, cross-site refusal (single-user), a per-address rate limit, security
    headers. `hosts` (tokens mode; see `allowed_hosts`) None: the address of the listening socket."""

    def __init__(self, app, single_user: bool, hosts: frozenset[str] | None, per_address: RateLimiter):
        self.app, self.single_user, self.hosts, self.per_address = app, single_user, hosts, per_address

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = self.with_headers(scope, send)
        refusal = self.refusal(scope)
        if refusal is not None:
            return await refusal(scope, receive, send)
        return await self.app(scope, receive, send)

    # -- checks -----------------------------------------------------------------------------------------------
    def refusal(self, scope):
        """The problem response that refuses this request, or None to let it in."""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        server = scope.get("server") or ("", None)
        host = split_host(headers.get("host", ""), scope.get("scheme", "http"))
        if not self.host_ok(host, server):
            return problem(421, f"This server does not answer to the host name {headers.get('host', '(none)')!r}. "
                           + ("Open it as http://127.0.0.1:PORT/ (single-user mode)." if self.single_user else
                              "Use a name listed in SEGUE_ALLOWED_HOSTS."), title="Misdirected request")
        if self.single_user and scope["method"] not in SAFE_METHODS and not self.same_origin(headers, server):
            return problem(403, "Cross-site request refused: in single-user mode only the Segue page itself (or a "
                           "client that is not a browser) may change things.", title="Forbidden")
        if scope["path"].startswith("/v1"):
            address = (scope.get("client") or ("?",))[0]
            wait = self.per_address.take(address)
            if wait:
                seconds = str(math.ceil(wait))
                return problem(429, f"Too many requests from {address}. Try again in {seconds} s.",
                               headers={"Retry-After": seconds})
        return None

    def host_ok(self, host: tuple[str, int] | None, server: tuple) -> bool:
        if host is None:
            return False
        name, port = host[0].lower(), host[1]
        if self.single_user:
            return name in LOOPBACK and (server[1] is None or port == server[1])
        hosts = allowed_hosts((), server[0]) if self.hosts is None else self.hosts
        return hosts == ANY or name in hosts

    def same_origin(self, headers: dict, server: tuple) -> bool:
        """Whether a state-changing request may go ahead in single-user mode: no browser sign says another
        origin sent it, and a form-like body comes only from the page itself."""
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        sent = headers.get("origin") or headers.get("referer")
        if sent is not None:
            origin = origin_of(sent)
            return origin is not None and origin[1].lower() in LOOPBACK and origin[2] == server[1]
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        return not (kind in FORM_TYPES and site is not None)  # a browser's form with no origin at all

    # -- security headers -------------------------------------------------------------------------------------
    def with_headers(self, scope, send):
        """`send` that adds the security headers to the response (the docs pages' CSP names their inline code)."""
        if scope["path"] in DOCS_PATHS:
            return self.docs_headers(send)

        async def sending(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS,
                                      (b"content-security-policy", PAGE_CSP.encode())]
            await send(message)

        return sending

    def docs_headers(self, send):
        start, body = None, []

        async def sending(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            html = b"".join(body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            start["headers"] = [*headers, (b"content-length", str(len(html)).encode()), *HEADERS,
                                (b"content-security-policy", docs_csp(html).encode())]
            await send(start)
            await send({"type": "http.response.body", "body": html})

        return sending


def docs_csp(html: bytes) -> str:
    """A CSP for FastAPI's doc pages: their scripts and styles from the CDN they name, their inline code by hash."""
    def hashes(tag: str) -> str:
        found = re.findall(rb"<%s>(.*?)</%s>" % (tag.encode(), tag.encode()), html, re.S)
        return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(code).digest()).decode()}'" for code in found)

    return (f"default-src 'self'; script-src 'self' {DOCS_CDN} {hashes('script')}".rstrip() + f"; style-src 'self' "
            f"{DOCS_CDN} {hashes('style')}".rstrip() + "; img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
