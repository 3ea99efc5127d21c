"""uvicorn as Segue runs it (`segue serve`, the tests' live servers): its HTTP protocol with read deadlines.

uvicorn bounds only the idle time between requests (keep-alive). `TimedH11Protocol` adds two deadlines per
request: the headers must be in within `header_timeout` seconds of the request's first byte (or of the connection
opening), and the whole body within `body_timeout` seconds of the headers. A client past a deadline is closed (a
408 first when no request had started), so slow-header and slow-body connections cannot pile up.
"""

from __future__ import annotations

import asyncio

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
             b"content-length: 48\r\n\r\nThe request was not sent in time; send it whole.")


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for a request's headers and one for its body."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._phase = ""
        self._arm("headers", self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm("", None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.IDLE and self._phase != "headers":
            self._arm("headers", self.header_timeout)  # the next request on a kept-alive connection has begun
        elif state is h11.SEND_BODY and self._phase != "body":
            self._arm("body", self.body_timeout)
        elif state not in (h11.IDLE, h11.SEND_BODY):
            self._arm("", None)  # the request is in whole

    def _arm(self, phase: str, seconds: float | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._phase = phase
        self._deadline = self.loop.call_later(seconds, self._expired) if seconds is not None else None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._phase == "headers" and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(TIMED_OUT)
        self.logger.info("closed a connection from %s: its request %s took too long", self.client, self._phase)
        self.transport.close()


def server_config(app, host: str, port: int, header_timeout: float, body_timeout: float, **options) -> uvicorn.Config:
    """uvicorn's Config for `app` with the timed protocol (`options`: log_level, access_log, ...)."""
    protocol = type("SegueH11Protocol", (TimedH11Protocol,), {"header_timeout": header_timeout,
                                                              "body_timeout": body_timeout})
    return uvicorn.Config(app, host=host, port=port, http=protocol, **options)
