"""Segue's web server: a thin FastAPI app over the assistant (`segue serve`).

Each endpoint parses a request, makes one call on `assistant.web.service.Api` (one listener's view of the chat service)
and returns its model; domain errors become problem details (`application/problem+json`) with a message a person
can act on, and no traceback ever reaches a client. The catalogue, vectors and index load once, at start-up.

Access: with tokens, every request carries `Authorization: Bearer <token>` (`segue users add NAME`) and sees only
its listener's sessions; without (single-user mode, 127.0.0.1 only) every request is the local listener.
"""

import asyncio
import json
import logging
import math
import tempfile
import zipfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import Depends, FastAPI, File, Form, Path as PathParam, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from assistant.web.problems import problem_for
from assistant.web.service import Api, Listener, RateLimiter, ReadCache
from assistant.web.schemas import (SESSION_ID, SHOW_ID, DJIn, FeedbackIn, HealthOut, HistoryOut, Problem, SessionOut,
                                  SessionsOut, ShowOut, TurnOut, chat_in)
from assistant.compose import Services
from assistant.model.errors import BadInput, SegueError, kind_of
from assistant.planning import Planner

log = logging.getLogger("segue.server")
WEB = Path(__file__).resolve().parent / "web"
EXPORTS = {"m3u8": "audio/x-mpegurl", "xspf": "application/xspf+xml", "jspf": "application/json"}
SSE_EVENT = {"type": "object", "required": ["event", "data"], "properties": {
    "event": {"type": "string", "enum": ["progress", "result", "error"]},
    "data": {"type": "string", "description": "JSON: {stage} for progress, a TurnOut for result, a problem for error"}}}
PROBLEM = "application/problem+json"
SID = PathParam(pattern=SESSION_ID, description="A session id (from POST /v1/chat or GET /v1/sessions)")
_TITLES = {400: "Bad request", 401: "Unauthorized", 404: "Not found", 405: "Method not allowed", 409: "Conflict",
           413: "Content too large", 422: "Unprocessable request", 429: "Too many requests", 503: "Not ready"}


class Refused(Exception):
    """An HTTP-level refusal (auth, rate, size) carried to the problem handler with its headers."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        self.status, self.detail, self.headers = status, detail, headers or {}


def problem(status: int, detail: str, title: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title or _TITLES.get(status, "Error"), "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def errors(*codes: int) -> dict:
    return {c: {"model": Problem, "description": _TITLES.get(c, "Error")} for c in (400, 401, 422, 429, 503, *codes)}


class BodyLimit:
    """ASGI middleware: refuse request bodies over the limit (413) whether or not Content-Length is sent."""

    def __init__(self, app, limit: int, upload_limit: int):
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit + 65536 if scope["path"] == "/v1/history" else self.limit
        what = "upload" if scope["path"] == "/v1/history" else "request body"
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
                raise Refused(413, detail)
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


def create_app(services: Services, auth: Literal["tokens", "none"] = "none", local_name: str | None = None) -> FastAPI:
    """The app over a built `Segue` (`assistant.compose.build`). auth="none" is single-user mode (127.0.0.1 only)."""
    from assistant.web.tokens import Users, digest

    settings = services.settings
    me_local = Listener(name=local_name or settings.user or "local", single_user=True)
    limiter, cache, users = RateLimiter(settings.rate_per_minute), ReadCache(), Users(services.stores)
    ChatBody = chat_in(settings.max_prompt_chars)  # noqa: N806 - a model class
    running: set = set()  # streamed turns in flight (a reference keeps each task alive)
    bearer = HTTPBearer(auto_error=False, description="A listener's token from `segue users add NAME` (not needed "
                        "in single-user mode)")

    @asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(_warm_up, services.planner)
        yield
        services.close()

    app = FastAPI(title="Segue", version="1", lifespan=lifespan, description="An offline AI playlist maker and DJ. "
                  "Errors are problem details (RFC 9457) whose `detail` says what to do.")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.upload_max_bytes)
    app.add_middleware(CatchAll)

    def caller(cred: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Listener:
        if auth == "none":
            me, key = me_local, me_local.name
        else:
            name = users.listener(cred.credentials if cred else None)
            if name is None:
                raise Refused(401, "Send your API token as `Authorization: Bearer <token>` (make one with `segue "
                              "users add NAME`)." if cred is None else "That API token is not valid (revoked or "
                              "mistyped). Ask for a new one: `segue users add NAME`.", {"WWW-Authenticate": "Bearer"})
            me, key = Listener(name=name), digest(cred.credentials)
        wait = limiter.take(key)
        if wait:
            raise Refused(429, f"Too many requests: the limit is {limiter.rate} a minute. Try again in "
                          f"{math.ceil(wait)} s.", {"Retry-After": str(math.ceil(wait))})
        return me

    # -- errors: problem details, never a traceback --------------------------------------------------
    @app.exception_handler(Refused)
    async def _refused(request, exc: Refused):
        return problem(exc.status, exc.detail, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def _http(request, exc: HTTPException):
        detail = {404: f"There is nothing at {request.url.path}. The API is under /v1; see /docs.",
                  405: f"{request.method} is not allowed on {request.url.path}; see /docs.",
                  400: f"The request body could not be read ({exc.detail}); send JSON as /docs shows."}.get(
            exc.status_code, str(exc.detail))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # every method of every route at this path, not just the first route's
            from starlette.routing import Match

            methods = {m for r in app.routes if getattr(r, "methods", None)
                       and r.matches({**request.scope, "method": "GET"})[0] != Match.NONE for m in r.methods}
            headers["Allow"] = ", ".join(sorted(methods - {"HEAD"}))
        return problem(exc.status_code, detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        parts = []
        for e in exc.errors()[:5]:
            where = ".".join(str(x) for x in e.get("loc", ())[1:]) or "body"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return problem(422, "The request is not valid: " + "; ".join(parts) + ". See /docs for the request format.")

    async def _domain(request, exc: Exception):
        return error_response(exc)

    # domain errors (the whole tree) are answered here; anything else in CatchAll (logged, then a 500)
    app.add_exception_handler(SegueError, _domain)

    # -- health, page ----------------------------------------------------------------------------------
    @app.get("/healthz", response_model=HealthOut, responses={503: {"model": Problem}}, tags=["health"])
    def healthz():
        """Liveness and what is loaded: tracks, catalogue label, the LLM (or offline) and the access mode."""
        info = services.planner.library().catalogue
        llm = services.planner.llm()
        return HealthOut(status="ok", tracks=len(info), catalogue=info.meta.get("label", ""), auth=auth,
                         llm=f"{llm.provider}:{llm.model}" if llm is not None else "offline")

    @app.get("/", include_in_schema=False)
    def index():
        page = WEB / "index.html"
        if page.is_file():
            return FileResponse(page, media_type="text/html")
        return HTMLResponse("<p>Segue's API is running; the web page is not installed. See <a href=/docs>/docs</a>."
                            "</p>")

    if WEB.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=WEB), name="static")

    # -- chat ------------------------------------------------------------------------------------------
    @app.post("/v1/chat", response_model=TurnOut, responses=errors(404, 409, 413), tags=["chat"])
    def chat(body: ChatBody, me: Listener = Depends(caller)):
        """One turn. No session_id: a new session for you (the message is the request). With one: an edit."""
        return json_response(Api(services.planner, me).say(body.session_id, body.message))

    streamed = {"content": {"text/event-stream": {"schema": SSE_EVENT}}, "description": "`event: progress` lines, "
                "then `event: result` (a TurnOut) or `event: error` (a problem)"}

    @app.post("/v1/chat/stream", responses={200: streamed, **errors(404, 409, 413)}, tags=["chat"])
    async def chat_stream(body: ChatBody, me: Listener = Depends(caller)):
        """The same turn as server-sent events: progress stages, then the same result as POST /v1/chat."""
        api = Api(services.planner, me)
        sid = await run_in_threadpool(api.open, body.session_id, body.message)
        loop, queue = asyncio.get_running_loop(), asyncio.Queue()

        def work():
            tell = lambda stage: loop.call_soon_threadsafe(queue.put_nowait, ("progress", {"stage": stage}))  # noqa: E731
            try:
                out = ("result", api.say(sid, body.message, progress=tell).model_dump(mode="json"))
            except Exception as exc:  # noqa: BLE001 - reported as an error event
                out = ("error", json.loads(error_response(exc).body))
            loop.call_soon_threadsafe(queue.put_nowait, out)

        async def events():
            yield _sse("progress", {"stage": "received", "session_id": sid})
            turn = asyncio.ensure_future(run_in_threadpool(work))  # the turn runs on even if the client leaves
            running.add(turn)
            turn.add_done_callback(running.discard)
            while True:
                kind, data = await queue.get()
                yield _sse(kind, data)
                if kind != "progress":
                    return

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    # -- sessions ----------------------------------------------------------------------------------------
    @app.get("/v1/sessions", response_model=SessionsOut, responses=errors(), tags=["sessions"])
    def sessions(limit: int = Query(50, ge=1, le=200), me: Listener = Depends(caller)):
        """Your sessions, most recently updated first."""
        return SessionsOut(sessions=Api(services.planner, me).sessions(limit))

    @app.get("/v1/sessions/{session_id}", response_model=SessionOut, responses=errors(404), tags=["sessions"])
    def session(session_id: str = SID, me: Listener = Depends(caller)):
        """A session: its turns, every version (track ids, diff) and the version shown, in full."""
        return Response(Api(services.planner, me, cache).session(session_id), media_type="application/json")

    @app.delete("/v1/sessions/{session_id}", status_code=204, responses=errors(404), tags=["sessions"])
    def delete_session(session_id: str = SID, me: Listener = Depends(caller)):
        """Delete a session (likes and skips given in it still steer your taste)."""
        Api(services.planner, me).delete(session_id)
        return Response(status_code=204)

    @app.post("/v1/sessions/{session_id}/undo", response_model=TurnOut, responses=errors(404, 409), tags=["sessions"])
    def undo(session_id: str = SID, me: Listener = Depends(caller)):
        """Show the version before (nothing is lost: redo comes back)."""
        return json_response(Api(services.planner, me).step(session_id, "undo"))

    @app.post("/v1/sessions/{session_id}/redo", response_model=TurnOut, responses=errors(404, 409), tags=["sessions"])
    def redo(session_id: str = SID, me: Listener = Depends(caller)):
        """Show the version after an undo."""
        return json_response(Api(services.planner, me).step(session_id, "redo"))

    @app.post("/v1/sessions/{session_id}/feedback", response_model=TurnOut, responses=errors(404, 409, 413),
              tags=["sessions"])
    def feedback(body: FeedbackIn, session_id: str = SID, me: Listener = Depends(caller)):
        """Like, dislike or skip a track of the version shown; it is stored with your history at once."""
        return json_response(Api(services.planner, me).feedback(session_id, body.position, body.kind))

    for fmt, media in EXPORTS.items():
        _export_route(app, fmt, media, services.planner, caller)

    # -- history ---------------------------------------------------------------------------------------
    @app.post("/v1/history", response_model=HistoryOut, responses=errors(413), tags=["history"])
    def history(file: UploadFile = File(description="Spotify (extended or account data), Last.fm or ListenBrainz "
                                        "export: JSON, JSONL or a .zip of them"),
                format: Literal["spotify-extended", "spotify-account", "lastfm", "listenbrainz"] | None = Form(
                    None, description="Check the file is this format (default: detected)"),
                me: Listener = Depends(caller)):
        """Add a listening history to your taste (re-uploading the same file replaces what it brought)."""
        from retrieval.importers.history import detect_history_format

        name = "".join(c for c in Path(file.filename or "").name if c.isalnum() or c in "._-")[-100:].lstrip(".")
        name = name or "history.json"
        with tempfile.TemporaryDirectory(prefix="segue-upload-") as tmp:
            path = Path(tmp) / name
            with path.open("wb") as f:
                while chunk := file.file.read(1 << 20):
                    f.write(chunk)
            if zipfile.is_zipfile(path):  # a zip's members are read whole: bound what it unpacks to
                try:
                    with zipfile.ZipFile(path) as z:
                        unpacked = sum(i.file_size for i in z.infolist())
                except (zipfile.BadZipFile, OSError, ValueError):
                    raise BadInput(f"{name} looks like a zip but cannot be read; upload its JSON files.") from None
                if unpacked > 10 * settings.upload_max_bytes:
                    raise Refused(413, f"The zip unpacks to {unpacked:,} bytes; the limit is "
                                  f"{10 * settings.upload_max_bytes:,}. Upload its JSON files one by one.")
            try:
                if format is not None and (found := detect_history_format(path)) != format:
                    raise BadInput(f"The file looks like a {found} export, not {format}. Leave `format` out to "
                                   "detect it.")
                result = services.listeners.import_history(path, me.name)
            except Exception as exc:  # noqa: BLE001 - name the upload, not the server's temporary file
                if not isinstance(exc, SegueError):
                    raise
                raise kind_of(exc)(str(exc).replace(str(path), name).replace(tmp, "upload")) from None
        result["read"]["source"] = name
        return HistoryOut(**result)

    # -- the DJ ----------------------------------------------------------------------------------------
    _dj_routes(app, services.planner, caller)

    def openapi():
        if app.openapi_schema is None:
            app.openapi_schema = _problem_content(get_openapi(title=app.title, version=app.version,
                                                              description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi
    return app


def _export_route(app: FastAPI, fmt: str, media: str, planner: Planner, caller) -> None:
    @app.get(f"/v1/sessions/{{session_id}}/playlist.{fmt}", name=f"export_{fmt}", tags=["sessions"],
             responses={200: {"content": {media: {"schema": {"type": "object" if fmt == "jspf" else "string"}}},
                              "description": f"The playlist as {fmt}"},
                        **errors(404, 409)}, response_class=Response)
    def export(session_id: str = SID, version: int | None = Query(None, ge=1, le=100_000, description="Default: the "
               "version shown"), me: Listener = Depends(caller)):
        text = Api(planner, me).export(session_id, fmt, version)
        disposition = f'attachment; filename="segue-{session_id}{"-v%d" % version if version else ""}.{fmt}"'
        return Response(text, media_type=media, headers={"Content-Disposition": disposition})

    export.__doc__ = f"The playlist (a version of it) as {fmt.upper()}."


def _dj_routes(app: FastAPI, planner: Planner, caller) -> None:
    """DJ shows of a session's playlist: sequenced, with spoken links (espeak-ng) as WAV files."""
    show_id = PathParam(pattern=SHOW_ID, description="A show id (from POST /v1/sessions/{session_id}/dj)")

    @app.post("/v1/sessions/{session_id}/dj", response_model=ShowOut, responses=errors(404, 409, 413), tags=["dj"])
    def make_show(body: DJIn, session_id: str = SID, me: Listener = Depends(caller)):
        """A DJ show of the version shown: the set sequenced for flow, a spoken link every N tracks."""
        return ShowOut(**Api(planner, me).make_show(session_id, body.every, body.voice))

    @app.get("/v1/shows/{show_id}/script", responses={200: {"content": {"application/json": {"schema": {
        "type": "object"}}}, "description": "script.json: the running order, every link with its facts, the scores"},
        **errors(404)}, response_class=Response, tags=["dj"])
    def show_script(show_id: str = show_id, me: Listener = Depends(caller)):
        """The show's script: running order, links (text, facts, audio file), transition scores."""
        return FileResponse(Api(planner, me).show_file(show_id, "script.json", "script"), media_type="application/json")

    @app.get("/v1/shows/{show_id}/links/{n}.wav", responses={200: {"content": {"audio/wav": {"schema": {
        "type": "string", "format": "binary"}}}, "description": "The link, spoken (16-bit PCM WAV)"}, **errors(404)},
        response_class=Response, tags=["dj"])
    def show_link(show_id: str = show_id, n: int = PathParam(ge=1, le=999, description="Link number, from 1"),
                  me: Listener = Depends(caller)):
        """One spoken link of the show."""
        return FileResponse(Api(planner, me).show_file(show_id, f"links/{n:03d}.wav", f"link {n}"),
                            media_type="audio/wav")


def json_response(model) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def error_response(exc: BaseException) -> JSONResponse:
    if isinstance(exc, Refused):
        return problem(exc.status, exc.detail, headers=exc.headers)
    mapped = problem_for(exc)
    if mapped is not None:
        status, title, detail = mapped
        return problem(status, detail, title=title)
    log.error("unexpected error", exc_info=exc)
    return problem(500, "Something went wrong on the server; it was logged. Try again, and if it keeps happening "
                   "report it with what you sent.", title="Internal server error")


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _problem_content(schema: dict) -> dict:
    """Error responses are problem details: document them as application/problem+json."""
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    resp["content"] = {PROBLEM: content.pop("application/json")}
    return schema


def _warm_up(planner: Planner) -> None:
    """Load the catalogue, vectors, index and vocabulary once, and (offline) run one request through so the
    first listener does not pay for lazily built indexes."""
    try:
        planner.library()
        planner.vocabulary()
        if planner.llm() is None:
            planner.playlist("an hour of chill electronic for coding")
    except Exception as exc:  # noqa: BLE001 - start anyway; requests say what is missing (503 with the fix)
        log.warning("warm-up: %s", exc)
