"""Liveness (`/healthz`, no token needed, not rate limited) and the web page at `/`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from assistant.web.deps import State
from assistant.web.schemas import HealthOut, Problem

PAGE = Path(__file__).resolve().parents[3] / "web"  # the page's files (index.html, *.js, style.css)

router = APIRouter()


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": Problem}}, tags=["health"])
def healthz(state: State):
    """Liveness and what is loaded: tracks, catalogue label, the LLM (or offline) and the access mode."""
    planner = state.services.planner
    info = planner.library().catalogue
    llm = planner.llm()
    return HealthOut(status="ok", tracks=len(info), catalogue=info.meta.get("label", ""), auth=state.auth,
                     llm=f"{llm.provider}:{llm.model}" if llm is not None else "offline")


@router.get("/", include_in_schema=False)
def index():
    page = PAGE / "index.html"
    if page.is_file():
        return FileResponse(page, media_type="text/html")
    return HTMLResponse("<p>Segue's API is running; the web page is not installed. See <a href=/docs>/docs</a>."
                        "</p>")
