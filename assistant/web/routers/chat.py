"""One chat turn, answered whole (`POST /v1/chat`) or as server-sent events (`POST /v1/chat/stream`).

The body model states the configured message limit (`schemas.chat_in(SEGUE_MAX_PROMPT_CHARS)`), so these routes
are registered per app by `router(max_prompt_chars)`: the route functions are the module's own, each seen by
FastAPI with its `body` typed as that app's model.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from assistant.web.deps import CallerApi, State
from assistant.web.problems import error_response, problem_responses
from assistant.web.responses import json_response, sse_event
from assistant.web.schemas import ChatIn, TurnOut, chat_in

SSE_EVENT = {"type": "object", "required": ["event", "data"], "properties": {
    "event": {"type": "string", "enum": ["progress", "result", "error"]},
    "data": {"type": "string", "description": "JSON: {stage} for progress, a TurnOut for result, a problem for error"}}}
STREAMED = {"content": {"text/event-stream": {"schema": SSE_EVENT}}, "description": "`event: progress` lines, then "
            "`event: result` (a TurnOut) or `event: error` (a problem)"}


def chat(body: ChatIn, api: CallerApi):
    """One turn. No session_id: a new session for you (the message is the request). With one: an edit."""
    return json_response(api.say(body.session_id, body.message))


async def chat_stream(body: ChatIn, api: CallerApi, state: State):
    """The same turn as server-sent events: progress stages, then the same result as POST /v1/chat."""
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
        yield sse_event("progress", {"stage": "received", "session_id": sid})
        turn = asyncio.ensure_future(run_in_threadpool(work))  # the turn runs on even if the client leaves
        state.running.add(turn)
        turn.add_done_callback(state.running.discard)
        while True:
            kind, data = await queue.get()
            yield sse_event(kind, data)
            if kind != "progress":
                return

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def router(max_prompt_chars: int) -> APIRouter:
    """The chat routes of an app whose messages are at most `max_prompt_chars` long."""
    body = chat_in(max_prompt_chars)
    routes = APIRouter(tags=["chat"])
    routes.add_api_route("/v1/chat", with_body(chat, body), methods=["POST"], response_model=TurnOut,
                         responses=problem_responses(404, 409, 413))
    routes.add_api_route("/v1/chat/stream", with_body(chat_stream, body), methods=["POST"],
                         responses={200: STREAMED, **problem_responses(404, 409, 413)})
    return routes


def with_body(endpoint, model: type[ChatIn]):
    """`endpoint` as FastAPI should read it when its `body` is `model`: the same function (name, docstring, sync
    or async), under a signature that names `model` instead of `ChatIn`."""
    signature = inspect.signature(endpoint, eval_str=True)
    typed = functools.update_wrapper(functools.partial(endpoint), endpoint)
    typed.__signature__ = signature.replace(parameters=[
        p.replace(annotation=model) if p.name == "body" else p for p in signature.parameters.values()])
    return typed
