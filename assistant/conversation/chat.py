"""Multi-turn conversations about a playlist: the service behind `segue chat` (and later the web endpoint).

Each call loads the session, runs one turn, and saves it with a compare-and-swap on its revision, so a turn
is committed whole or not at all (a crash loses at most the turn in flight) and two turns racing on one
session are serialised or the later one is rejected with a clear message. The first turn makes a playlist
from the request; later turns are edits (`read_llm.read_edits` -> `apply.step`): undo/redo move between versions,
and like/dislike/skip are stored with the listener's history and steer their taste at once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from assistant.conversation.apply import step
from assistant.conversation.read_llm import read_edits
from assistant.conversation.session import Diff, Session, Version, add_turn, add_version
from assistant.model.constraints import Report
from assistant.model.errors import BadInput, NoPlaylist, SegueError
from assistant.model.playlist_files import export
from assistant.planning import Planner
from retrieval.store import SessionStore
from retrieval.tracks import Track

__all__ = ["GUEST", "Chat", "TurnResult"]

GUEST = "guest"


@dataclass
class TurnResult:
    """What one turn did: the reply, the version now shown, its tracks and diff, and what was refused."""

    session: Session
    reply: str
    tracks: list[Track] = field(default_factory=list)
    honoured: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    understanding: dict | None = None
    changed: bool = False
    ops: list[dict] = field(default_factory=list)  # the turn's edit operations, as JSON (stored with the turn)

    @property
    def version(self) -> Version | None:
        return self.session.current

    @property
    def diff(self) -> Diff | None:
        return self.version.diff if self.version else None

    @property
    def report(self) -> Report | None:
        v = self.version
        return Report(satisfied=v.satisfied, checks=v.report) if v else None


class Chat:
    """Sessions over one planner and its listeners. Methods take a session id and return a `TurnResult`."""

    def __init__(self, planner: Planner):
        self.planner = planner
        self.listeners = planner.listeners
        self._new: dict[str, Session] = {}  # sessions started here and not yet stored (no turn has succeeded)

    @property
    def store(self) -> SessionStore:
        """The sessions of the calling thread's store connection. Looked up on every use: a `Chat` made on one
        thread (the server's event loop) and used on others (its thread pool) must never share a connection,
        or concurrent requests interleave their reads and transactions."""
        return self.listeners.stores.sessions()

    # -- sessions ---------------------------------------------------------------------------------------
    def start(self, listener: str | None = None, title: str = "") -> Session:
        """A new session, stored with its first turn (one transaction): a first turn that fails leaves no trace."""
        session = Session(id=uuid.uuid4().hex[:10], listener=listener, title=title)
        self._new[session.id] = session
        return session

    def load(self, session_id: str) -> tuple[Session, int]:
        """A session and its stored revision (0: started here, not stored yet)."""
        if session_id in self._new:
            return self._new[session_id], 0
        doc, revision = self.store.get(session_id)
        return Session.model_validate_json(doc), revision

    def is_stored(self, session_id: str) -> bool:
        """False for a session started here whose first turn has not been stored (yet)."""
        return session_id not in self._new

    def sessions(self, listener: str | None = None, limit: int = 50) -> list[dict]:
        return self.store.list(listener=listener, limit=limit)

    def delete(self, session_id: str) -> None:
        """Delete a session (its feedback stays with the listener's taste); unknown ids raise SessionNotFound."""
        self.store.delete(session_id)

    def _save(self, session: Session, revision: int) -> None:
        title = session.title or (session.turns[0].text[:60] if session.turns else "")
        if revision == 0:  # the first turn: the session row and its first version in one write
            self.store.create(session.id, session.listener, title, session.model_dump_json())
            self._new.pop(session.id, None)
            return
        self.store.save(session.id, session.model_dump_json(), revision, title=title)

    # -- turns ------------------------------------------------------------------------------------------
    def say(self, session_id: str, text: str, progress=None) -> TurnResult:
        """One turn: the first makes the playlist, later ones edit it ("less ambient", "undo", "why is 4 here?").
        `progress(stage)`, when given, is called as the turn goes (the server streams it)."""
        if text is None or not text.strip():
            raise BadInput("Say what you want, e.g. \"an hour of chill electronic for coding\" or \"less ambient\".")
        tell = progress or (lambda stage: None)
        session, revision = self.load(session_id)
        if session.current is None:
            tell("making the playlist")
            result = self._first(session, text)
        else:
            tell("applying the edit")
            result = self._edit(session, text)
        tell("saving")
        result.session = add_turn(result.session, text, result.reply, edits=result.ops)
        self._save(result.session, revision)
        return result

    def _first(self, session: Session, text: str) -> TurnResult:
        try:
            pl = self.planner.playlist(text, user=self.listeners.known(session.listener))
        except NoPlaylist as no:
            r = no.reading
            reply = r.refusal.message if r.refusal else r.clarification.question
            return TurnResult(session=session, reply=reply, understanding=r.summary())
        ids = [t.track.track_id for t in pl.tracks]
        why = {t.track.track_id: t.why for t in pl.tracks}
        session = add_version(session, pl.constraints, ids, why=why, satisfied=pl.report.satisfied,
                              report=[c.model_dump() for c in pl.report.checks])
        reply = f"Here are {len(ids)} tracks, {pl.total_ms / 60000:.0f} minutes."
        if not pl.report.satisfied:
            reply += " Not every constraint could be met: see the report."
        return TurnResult(session=session, reply=reply, tracks=[t.track for t in pl.tracks],
                          understanding=pl.understanding, changed=True)

    def _edit(self, session: Session, text: str) -> TurnResult:
        planner = self.planner
        vocab = planner.vocabulary()
        reading = read_edits(text, vocab, session.current, planner.library().catalogue, planner.llm(),
                             timeout=planner.settings.llm_timeout)
        ops = reading.ops
        understanding = {"source": reading.source, "fallback": reading.fallback, **(reading.usage or {})}
        if not ops:
            return TurnResult(session=session, reply="I didn't catch an edit there, so nothing changed. Try e.g. "
                              "\"less ambient\", \"only two songs per artist\", \"make it an hour\", \"undo\" or /help.",
                              tracks=self.tracks(session.current), understanding=understanding)
        before = session.cursor
        session, out = step(session, ops, planner.library(), self._taste(session), vocab=vocab, **planner.defaults)
        said = (out.honoured + out.refused + out.answers) if out else ["nothing changed"]
        if reading.fallback:
            said = said + [reading.fallback]
        result = TurnResult(session=session, reply="; ".join(said) or "Done.", tracks=self.tracks(session.current),
                            honoured=out.honoured if out else [], refused=out.refused if out else [],
                            answers=out.answers if out else [], changed=session.cursor != before or bool(out and out.changed),
                            understanding=understanding, ops=[json.loads(op.model_dump_json()) for op in ops])
        return result

    def _taste(self, session: Session):
        """The taste of the session's listener when the store knows them (a history or earlier feedback): a new
        listener starts unpersonalised and their likes and skips build their taste."""
        return self.listeners.taste(self.listeners.known(session.listener or GUEST))

    # -- feedback, export --------------------------------------------------------------------------------
    def feedback(self, session_id: str, position: int, kind: str) -> TurnResult:
        """like / dislike / skip the track at `position` (1-based) of the version shown; stored at once."""
        session, revision = self.load(session_id)
        v = session.current
        if v is None:
            raise BadInput("There is no playlist yet: ask for one first.")
        if not 1 <= position <= len(v.track_ids):
            raise BadInput(f"There is no track {position}: the playlist has {len(v.track_ids)}.")
        track_id = v.track_ids[position - 1]
        listener = session.listener or self.planner.settings.user or GUEST
        self.store.add_feedback(listener, track_id, kind, session_id=session.id)
        self.listeners.forget_taste(listener)
        cat = self.planner.library().catalogue
        track = cat.track(cat.row_of(track_id))
        verb = {"like": "Liked", "dislike": "Disliked", "skip": "Skipped"}[kind]
        steer = "more like it" if kind == "like" else "less like it"
        reply = f"{verb} {track.artist} - {track.title}: later turns will lean {steer}."
        tracks = self.tracks(v)
        if kind == "dislike" and track_id not in v.locked:  # a disliked track goes at once, its place refilled
            from assistant.conversation.apply import step
            from assistant.conversation.edits import Remove

            planner = self.planner
            session, out = step(session, [Remove(positions=[position])], planner.library(), self._taste(session),
                                vocab=planner.vocabulary(), **planner.defaults)
            if out is not None and out.honoured:
                reply = f"{verb} {track.artist} - {track.title}: took it out, and later turns will lean {steer}."
                tracks = self.tracks(session.current)
        session = add_turn(session, f"/{kind} {position}", reply)
        self._save(session, revision)
        return TurnResult(session=session, reply=reply, tracks=tracks, changed=tracks != self.tracks(v))

    def export(self, session_id: str, fmt: str, version: int | None = None) -> str:
        session, _ = self.load(session_id)
        if not session.versions:
            raise BadInput("This session has no playlist yet, so there is nothing to export.")
        n = version or session.cursor
        if not 1 <= n <= len(session.versions):
            raise BadInput(f"There is no version {n}: this session has versions 1-{len(session.versions)}.")
        v = session.versions[n - 1]
        title = f"Segue: {session.title or (session.turns[0].text if session.turns else session.id)} (v{n})"
        try:
            return export(self.tracks(v), fmt, title, creator="Segue", annotation=v.constraints.prompt or None)
        except ValueError as e:
            raise BadInput(str(e)) from None

    def tracks(self, version: Version | None) -> list[Track]:
        if version is None:
            return []
        cat = self.planner.library().catalogue
        rows = [cat.row_of(t) for t in version.track_ids]
        missing = [t for t, r in zip(version.track_ids, rows) if r is None]
        if missing:
            raise SegueError(f"{len(missing)} tracks of this session are not in the active catalogue (was another "
                             "catalogue imported since?). Start a new session.")
        return [cat.track(r) for r in rows]
