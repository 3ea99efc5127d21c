"""A conversation about one playlist: turns, the constraint state, playlist versions with diffs, undo/redo.

Pure data and pure functions over it; storing sessions is `retrieval.store.sessions` (SQLite). A version is an
immutable snapshot (constraints + ordered track ids + locked ids + a diff against the version before it);
undo and redo only move `cursor`, so undo restores an earlier version exactly. A new edit after an undo
drops the redo branch, as editors do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from assistant.model.base import StrictModel
from assistant.model.constraints import Constraints

__all__ = ["Diff", "Session", "TrackMove", "Turn", "Version", "add_turn", "add_version", "describe_changes", "diff",
           "redo", "undo"]


class TrackMove(StrictModel):
    """A track kept from the previous version at another position (not the edit op `edits.Move`)."""

    track_id: str
    before: int = Field(description="1-based position in the previous version")
    after: int = Field(description="1-based position in this version")


class Diff(StrictModel):
    """What changed from the previous version: tracks added, removed, moved, and constraint fields changed."""

    added: list[str] = Field(default_factory=list, description="Track ids new in this version")
    removed: list[str] = Field(default_factory=list, description="Track ids gone from this version")
    moved: list[TrackMove] = Field(default_factory=list, description="Tracks kept but at another position")
    constraints: list[str] = Field(default_factory=list, description="Changed constraint fields, in words")
    kept: int = Field(default=0, description="Tracks of the previous version still here")

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.constraints)


class Version(StrictModel):
    """One playlist version: everything needed to show it again exactly."""

    n: int = Field(ge=1, description="Version number, from 1")
    constraints: Constraints
    track_ids: list[str] = Field(default_factory=list, description="The playlist, in order")
    locked: list[str] = Field(default_factory=list, description="Track ids edits must keep")
    why: dict[str, str] = Field(default_factory=dict, description="Track id -> why it is here")
    diff: Diff = Field(default_factory=Diff)
    satisfied: bool = True
    report: list[dict] = Field(default_factory=list, description="The constraint report's checks")


class Turn(StrictModel):
    """One exchange: what the listener said, what Segue did and answered."""

    n: int = Field(ge=1)
    text: str
    reply: str = ""
    edits: list[dict] = Field(default_factory=list, description="The edit operations, as JSON")
    version: int | None = Field(default=None, description="The version this turn produced or showed")
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Session(StrictModel):
    """A conversation: turns, versions and the cursor (the version shown)."""

    id: str
    listener: str | None = None
    title: str = ""
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    turns: list[Turn] = Field(default_factory=list)
    versions: list[Version] = Field(default_factory=list)
    cursor: int = Field(default=0, description="Number of the current version (0: none yet)")

    @property
    def current(self) -> Version | None:
        return self.versions[self.cursor - 1] if self.cursor else None

    @property
    def can_undo(self) -> bool:
        return self.cursor > 1

    @property
    def can_redo(self) -> bool:
        return self.cursor < len(self.versions)


def diff(before: Version | None, track_ids: list[str], constraints: Constraints) -> Diff:
    """The diff of a new playlist (`track_ids`, `constraints`) against `before`."""
    if before is None:
        return Diff(added=list(track_ids), constraints=describe_changes(None, constraints))
    old_pos = {t: i + 1 for i, t in enumerate(before.track_ids)}
    new_pos = {t: i + 1 for i, t in enumerate(track_ids)}
    added = [t for t in track_ids if t not in old_pos]
    removed = [t for t in before.track_ids if t not in new_pos]
    kept = [t for t in track_ids if t in old_pos]
    # a kept track "moved" when its order among the kept tracks changed
    old_order = [t for t in before.track_ids if t in new_pos]
    moved = [TrackMove(track_id=t, before=old_pos[t], after=new_pos[t])
             for i, t in enumerate(kept) if old_order[i] != t]
    return Diff(added=added, removed=removed, moved=moved, kept=len(kept),
                constraints=describe_changes(before.constraints, constraints))


_IGNORED = {"prompt", "notes"}


def describe_changes(before: Constraints | None, after: Constraints) -> list[str]:
    """Constraint fields that differ, in words: 'max_per_artist: none -> 2'."""
    a = after.model_dump(mode="json", exclude=_IGNORED)
    b = before.model_dump(mode="json", exclude=_IGNORED) if before is not None else Constraints().model_dump(
        mode="json", exclude=_IGNORED)
    out = []
    for key in a:
        if a[key] != b.get(key):
            out.append(f"{key}: {_short(b.get(key))} -> {_short(a[key])}")
    return out


def _short(value) -> str:
    if value in (None, [], {}, ""):
        return "none"
    if isinstance(value, dict):
        inner = {k: v for k, v in value.items() if v not in (None, [], {}, False, "any")}
        return ", ".join(f"{k} {v}" for k, v in inner.items()) or "none"
    if isinstance(value, list):
        return ", ".join(v if isinstance(v, str) else str(v) for v in value)
    return str(value)


def add_version(session: Session, constraints: Constraints, track_ids: list[str], *, locked: list[str] | None = None,
                why: dict[str, str] | None = None, satisfied: bool = True, report: list[dict] | None = None) -> Session:
    """A new session with one more version after the cursor (any redo branch is dropped)."""
    kept = session.versions[:session.cursor]
    prev = kept[-1] if kept else None
    v = Version(n=len(kept) + 1, constraints=constraints, track_ids=list(track_ids),
                locked=list(locked if locked is not None else (prev.locked if prev else [])),
                why=dict(why or {}), diff=diff(prev, track_ids, constraints), satisfied=satisfied,
                report=list(report or []))
    return session.model_copy(update={"versions": kept + [v], "cursor": v.n})


def undo(session: Session) -> Session:
    if not session.can_undo:
        raise ValueError("nothing to undo")
    return session.model_copy(update={"cursor": session.cursor - 1})


def redo(session: Session) -> Session:
    if not session.can_redo:
        raise ValueError("nothing to redo")
    return session.model_copy(update={"cursor": session.cursor + 1})


def add_turn(session: Session, text: str, reply: str, edits: list[dict] | None = None) -> Session:
    turn = Turn(n=len(session.turns) + 1, text=text, reply=reply, edits=list(edits or []),
                version=session.cursor or None)
    return session.model_copy(update={"turns": session.turns + [turn]})

