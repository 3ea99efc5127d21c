"""DJ shows of a session's playlist: sequenced for flow, with spoken links (espeak-ng) as WAV files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, Response

from assistant.web.deps import CallerApi, SessionId, ShowId
from assistant.web.problems import problem_responses
from assistant.web.schemas import DJIn, ShowOut, whole

router = APIRouter(tags=["dj"])
SCRIPT = {200: {"content": {"application/json": {"schema": {"type": "object"}}},
                "description": "script.json: the running order, every link with its facts, the scores"}}
SPOKEN = {200: {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}},
                "description": "The link, spoken (16-bit PCM WAV)"}}
LinkNumber = Annotated[whole(1, 999), Path(description="Link number, from 1")]


@router.post("/v1/sessions/{session_id}/dj", response_model=ShowOut, responses=problem_responses(404, 409, 413))
def make_show(body: DJIn, session_id: SessionId, api: CallerApi):
    """A DJ show of the version shown: the set sequenced for flow, a spoken link every N tracks. A show plays at most
    SEGUE_DJ_MAX_TRACKS tracks with at most SEGUE_DJ_MAX_LINKS links (`notes` says what was cut). Shows are rendered
    one at a time per listener (429 with Retry-After while yours is being made) in a line of bounded length (503
    with Retry-After when it is full); you keep your last 10 shows within SEGUE_DJ_STORE_MB."""
    return ShowOut(**api.make_show(session_id, body.every, body.voice))


@router.get("/v1/shows/{show_id}/script", responses={**SCRIPT, **problem_responses(404)}, response_class=Response)
def show_script(show_id: ShowId, api: CallerApi):
    """The show's script: running order, links (text, facts, audio file), transition scores."""
    return FileResponse(api.show_file(show_id, "script.json", "script"), media_type="application/json")


@router.get("/v1/shows/{show_id}/links/{n}.wav", responses={**SPOKEN, **problem_responses(404)},
            response_class=Response)
def show_link(show_id: ShowId, n: LinkNumber, api: CallerApi):
    """One spoken link of the show."""
    return FileResponse(api.show_file(show_id, f"links/{n:03d}.wav", f"link {n}"), media_type="audio/wav")
