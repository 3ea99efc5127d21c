"""Apply follow-up edits to a playlist version: change what the edit names, keep the rest.

`apply_edits` is pure over its inputs (a `Version`, the library, a taste profile): it makes one `EditState` for
the turn and hands each edit to its handler (`edit_handlers.HANDLERS`, a table from edit-op type to handler).
Each edit updates the constraints, drops only the tracks it names or that now break a hard constraint (locked
tracks too, and then it says so), keeps every other track in place and re-plans only the gaps with
`make_playlist` (kept tracks pinned through `include_tracks`, every track shown this turn excluded so new picks
are new). An edit that can't be honoured changes nothing and says why. `step` runs a turn on a `Session`
(undo/redo move its cursor; a change adds a version).
"""

from __future__ import annotations

from assistant.conversation.edit_handlers import HANDLERS
from assistant.conversation.edit_state import EditRefused, EditState
from assistant.conversation.edits import EditOp, Explain, History, Outcome, StartOver, describe
from assistant.conversation.session import Session, Version, add_version, redo, undo
from assistant.model.constraints import Check, Constraints, Report

__all__ = ["apply_edits", "step"]


def apply_edits(ops: list[EditOp], version: Version, library, taste=None, *, default_tracks: int = 20,
                default_max_per_artist: int = 2, vocab=None) -> Outcome:
    """Apply `ops` in order to `version`. `vocab` (a `Vocabulary`) is needed only to read a start-over
    request given as words; positions in every op refer to `version` as the listener saw it."""
    state = EditState(version, library, taste, default_tracks, default_max_per_artist, vocab)
    honoured, refused, answers = [], [], []
    for op in ops:
        saved = (state.c, list(state.ids), list(state.locked), dict(state.why))
        try:
            msg = HANDLERS[type(op)](state, op)
        except EditRefused as e:
            state.c, state.ids, state.locked, state.why = saved
            refused.append(f"{describe(op)}: {e}")
            continue
        state.seen.update(state.ids)
        (answers if isinstance(op, Explain) else honoured).append(msg)
    changed = state.ids != version.track_ids or state.locked != version.locked or state.c != version.constraints
    why = {i: state.why.get(i, "") for i in state.ids}
    return Outcome(constraints=state.c, track_ids=state.ids, locked=state.locked, why=why, honoured=honoured,
                   refused=refused, answers=answers, report=state.report(), changed=changed)


def step(session: Session, ops: list[EditOp], library, taste=None, **params) -> tuple[Session, Outcome | None]:
    """Run one turn on a session: undo/redo move the cursor; the other edits (in runs between them) apply to the
    current version and add a version when they change it. Returns the session and an outcome describing the
    version now shown (None when there is none)."""
    said: dict[str, list[str]] = {"honoured": [], "refused": [], "answers": []}
    start, batch = session.current, []
    for op in [*ops, None]:
        if batch and (op is None or isinstance(op, History)):
            if session.current is None and not isinstance(batch[0], StartOver):
                said["refused"].append("there is no playlist to edit yet: ask for one first")
            else:
                out = apply_edits(batch, session.current or Version(n=1, constraints=Constraints()), library, taste, **params)
                for k in said:
                    said[k] += getattr(out, k)
                if out.changed:
                    session = add_version(session, out.constraints, out.track_ids, locked=out.locked, why=out.why,
                                          satisfied=out.report.satisfied, report=[c.model_dump() for c in out.report.checks])
            batch = []
        if isinstance(op, History):
            if not (session.can_undo if op.op == "undo" else session.can_redo):
                said["refused"].append(f"{op.op}: nothing to {op.op}")
                continue
            session = (undo if op.op == "undo" else redo)(session)
            said["honoured"].append(f"{op.op}: now showing version {session.cursor}")
        elif op is not None:
            batch.append(op)
    v = session.current
    if v is None:
        return session, None
    report = Report(satisfied=v.satisfied, checks=[Check.model_validate(c) for c in v.report])
    return session, Outcome(constraints=v.constraints, track_ids=v.track_ids, locked=v.locked, why=v.why, report=report,
                            changed=v != start, **said)
