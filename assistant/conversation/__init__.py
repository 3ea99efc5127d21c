"""Conversations about a playlist: follow-ups read as typed edits and applied to versions, with undo and redo.

    chat.py            `Chat`: sessions over a `Planner`; `say` runs one turn (the first makes the playlist, later
                       ones edit it) and returns a `TurnResult`; feedback and export
    session.py         `Session` (turns, versions, cursor), `Version`, `Diff`; add_version, undo, redo (pure)
    edits.py           the edit operations, one pydantic model per kind (`EditOp`), and the turn's `Outcome`
    read_offline.py    a follow-up in words -> edit ops, deterministic (`parse_edits`)
    read_llm.py        the same by the configured LLM, checked and grounded, falling back offline (`read_edits`)
    apply.py           `apply_edits` (ops on a version -> `Outcome`) and `step` (one turn on a session)
    edit_state.py      `EditState`: the playlist one turn edits, and the helpers handlers share; `EditRefused`
    edit_handlers.py   one handler per kind of edit, and `HANDLERS`: edit-op type -> handler

A new edit kind = an op model in edits.py (added to `EditOp`, and to `describe`), a reading in read_offline.py
(and, when the LLM may need a hint, a line in `ground`/`problems_of` of read_llm.py: the LLM reads the ops'
JSON schema), and a handler `(state, op) -> str` in edit_handlers.py registered in `HANDLERS`.
"""

from assistant.conversation.apply import apply_edits, step
from assistant.conversation.chat import GUEST, Chat, TurnResult
from assistant.conversation.edit_handlers import HANDLERS, EditHandler
from assistant.conversation.edit_state import EditRefused, EditState
from assistant.conversation.edits import (
                                          EDIT_LIST,
                                          AddLike,
                                          CapArtist,
                                          EditOp,
                                          Edits,
                                          Explain,
                                          History,
                                          Lock,
                                          MoreLess,
                                          Move,
                                          Outcome,
                                          Remove,
                                          Reorder,
                                          ReplaceSection,
                                          SetFilter,
                                          SetLength,
                                          SetYears,
                                          StartOver,
                                          describe,
)
from assistant.conversation.read_llm import EditReading, edit_schema, read_edits
from assistant.conversation.read_offline import START_OVER_PATTERN, parse_edits, positions
from assistant.conversation.session import Diff, Session, TrackMove, Turn, Version, add_turn, add_version, redo, undo

__all__ = ["EDIT_LIST", "GUEST", "HANDLERS", "START_OVER_PATTERN", "AddLike", "CapArtist", "Chat", "Diff", "EditHandler",
           "EditOp", "EditReading", "EditRefused", "EditState", "Edits", "Explain", "History", "Lock", "MoreLess",
           "Move", "Outcome", "Remove", "Reorder", "ReplaceSection", "Session", "SetFilter", "SetLength", "SetYears",
           "StartOver", "TrackMove", "Turn", "TurnResult", "Version", "add_turn", "add_version", "apply_edits",
           "describe", "edit_schema", "parse_edits", "positions", "read_edits", "redo", "step", "undo"]
