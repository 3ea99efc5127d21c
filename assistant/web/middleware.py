"""The app's two ASGI middlewares: a request-body limit (413) and a last-resort catch of unexpected errors (500).
Both answer problem details (`assistant.web.problems`)."""

from __future__ import annotations

from assistant.web.problems import TooLarge, error_response, problem

UPLOAD_PATH = "/v1/history"  # the one route that takes an upload, with its own, larger limit


class BodyLimit:
    """ASGI middleware: refuse request bodies over the limit (413) whether or not Content-Length is sent."""

    def __init__(self, app, limit: int, upload_limit: int):
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit + 65536 if scope["path"] == UPLOAD_PATH else self.limit
        what = "upload" if scope["path"] == UPLOAD_PATH else "request body"
        detail = f"The {what} is larger than {limit:,} bytes, the server's limit. Send less" + (
            " (split the history into several files)." if what == "upload" else ".")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await problem(413, detail)(scope, receive, send)
        seen, refused = 0, False

        async def counted():  # a body sent without Content-Length (chunked) is counted as it comes
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                refused = True
                raise TooLarge(detail)
            return message

        async def guarded(message):  # the app may report the aborted read its own way: answer 413 instead
            if not refused:
                return await send(message)
            if message["type"] == "http.response.start":
                await problem(413, detail)(scope, receive, send)

        return await self.app(scope, counted, guarded)


class CatchAll:
    """ASGI middleware: an unexpected error becomes a logged 500 problem here, so the keep-alive connection stays
    usable (Starlette's handler for `Exception` re-raises to uvicorn, which then drops the connection and the
    client's next request on it fails with 'connection reset')."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - answered as a problem; logged in error_response
            if started:
                raise
            await error_response(exc)(scope, receive, send)
