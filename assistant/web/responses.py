"""How routes write what they return when it is not a plain response model: a model's JSON as it is, and one
server-sent event."""

from __future__ import annotations

import json

from fastapi.responses import Response
from pydantic import BaseModel


def json_response(model: BaseModel) -> Response:
    """The model's own JSON (no second validation against the route's response model)."""
    return Response(model.model_dump_json(), media_type="application/json")


def sse_event(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
