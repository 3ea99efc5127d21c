"""A listening history uploaded to the caller's taste (`POST /v1/history`): Spotify, Last.fm or ListenBrainz."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile

from assistant.model.errors import BadInput, SegueError, kind_of
from assistant.web.deps import Caller, State
from assistant.web.problems import TooLarge, problem_responses
from assistant.web.schemas import HistoryOut

router = APIRouter(tags=["history"])
Upload = Annotated[UploadFile, File(description="Spotify (extended or account data), Last.fm or ListenBrainz export: "
                                    "JSON, JSONL or a .zip of them")]
Format = Annotated[Literal["spotify-extended", "spotify-account", "lastfm", "listenbrainz"] | None, Form(
    description="Check the file is this format (default: detected)")]


@router.post("/v1/history", response_model=HistoryOut, responses=problem_responses(413))
def history(file: Upload, state: State, me: Caller, format: Format = None):
    """Add a listening history to your taste (re-uploading the same file replaces what it brought)."""
    from retrieval.importers.history import detect_history_format

    upload_max = state.services.settings.upload_max_bytes
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
            if unpacked > 10 * upload_max:
                raise TooLarge(f"The zip unpacks to {unpacked:,} bytes; the limit is {10 * upload_max:,}. Upload "
                               "its JSON files one by one.")
        try:
            if format is not None and (found := detect_history_format(path)) != format:
                raise BadInput(f"The file looks like a {found} export, not {format}. Leave `format` out to detect "
                               "it.")
            result = state.services.listeners.import_history(path, me.name)
        except Exception as exc:  # noqa: BLE001 - name the upload, not the server's temporary file
            if not isinstance(exc, SegueError):
                raise
            raise kind_of(exc)(str(exc).replace(str(path), name).replace(tmp, "upload")) from None
    result["read"]["source"] = name
    return HistoryOut(**result)
