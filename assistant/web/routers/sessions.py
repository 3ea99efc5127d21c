"""A listener's sessions: list, read, delete, undo and redo, feedback on a track, and the playlist exported as
M3U8, XSPF or JSPF (one route each)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.web.deps import CallerApi, SessionId
from assistant.web.problems import problem_responses
from assistant.web.responses import json_response
from assistant.web.schemas import FeedbackIn, SessionOut, SessionsOut, TurnOut, whole
from assistant.web.service import Api

router = APIRouter(tags=["sessions"])
Version = Annotated[whole(1, 100_000) | None, Query(description="Default: the version shown")]


@router.get("/v1/sessions", response_model=SessionsOut, responses=problem_responses())
def sessions(api: CallerApi, limit: Annotated[whole(1, 200), Query()] = 50):
    """Your sessions, most recently updated first."""
    return SessionsOut(sessions=api.sessions(limit))


@router.get("/v1/sessions/{session_id}", response_model=SessionOut, responses=problem_responses(404))
def session(session_id: SessionId, api: CallerApi):
    """A session: its turns, every version (track ids, diff) and the version shown, in full."""
    return Response(api.session(session_id), media_type="application/json")


@router.delete("/v1/sessions/{session_id}", status_code=204, responses=problem_responses(404))
def delete_session(session_id: SessionId, api: CallerApi):
    """Delete a session (likes and skips given in it still steer your taste)."""
    api.delete(session_id)
    return Response(status_code=204)


@router.post("/v1/sessions/{session_id}/undo", response_model=TurnOut, responses=problem_responses(404, 409))
def undo(session_id: SessionId, api: CallerApi):
    """Show the version before (nothing is lost: redo comes back)."""
    return json_response(api.step(session_id, "undo"))


@router.post("/v1/sessions/{session_id}/redo", response_model=TurnOut, responses=problem_responses(404, 409))
def redo(session_id: SessionId, api: CallerApi):
    """Show the version after an undo."""
    return json_response(api.step(session_id, "redo"))


@router.post("/v1/sessions/{session_id}/feedback", response_model=TurnOut,
             responses=problem_responses(404, 409, 413))
def feedback(body: FeedbackIn, session_id: SessionId, api: CallerApi):
    """Like, dislike or skip a track of the version shown; it is stored with your history at once."""
    return json_response(api.feedback(session_id, body.position, body.kind))


# -- exports: one route per format. No docstrings: a docstring becomes the operation's description in the
# OpenAPI schema, which these three have never had (their summary, "Export M3U8", says what they do).
def exported(fmt: str, media: str) -> dict:
    """A route's arguments for the playlist as `fmt`, served as `media`."""
    return {"path": f"/v1/sessions/{{session_id}}/playlist.{fmt}", "response_class": Response, "responses": {
        200: {"content": {media: {"schema": {"type": "object" if fmt == "jspf" else "string"}}},
              "description": f"The playlist as {fmt}"}, **problem_responses(404, 409)}}


def export_response(api: Api, session_id: str, fmt: str, media: str, version: int | None) -> Response:
    text = api.export(session_id, fmt, version)
    disposition = f'attachment; filename="segue-{session_id}{f"-v{version}" if version else ""}.{fmt}"'
    return Response(text, media_type=media, headers={"Content-Disposition": disposition})


@router.get(**exported("m3u8", "audio/x-mpegurl"))
def export_m3u8(session_id: SessionId, api: CallerApi, version: Version = None):
    return export_response(api, session_id, "m3u8", "audio/x-mpegurl", version)


@router.get(**exported("xspf", "application/xspf+xml"))
def export_xspf(session_id: SessionId, api: CallerApi, version: Version = None):
    return export_response(api, session_id, "xspf", "application/xspf+xml", version)


@router.get(**exported("jspf", "application/json"))
def export_jspf(session_id: SessionId, api: CallerApi, version: Version = None):
    return export_response(api, session_id, "jspf", "application/json", version)
