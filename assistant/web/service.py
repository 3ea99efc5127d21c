"""The web API's service layer: one listener's calls on the chat service, mapped to the `/v1` models.

A route (`assistant.web.routers`) parses a request and calls one method of `Api`; `Api` scopes every session to
its owner (another listener's session is "not found", exactly like an unknown one) and turns `TurnResult`s and
sessions into `TurnOut`/`SessionOut`; `assistant.web.problems` maps the error tree to HTTP statuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from assistant.conversation import Chat, Session, TurnResult
from assistant.model.errors import BadInput, Conflict, NotFound
from assistant.planning import Planner
from assistant.web.schemas import (
    CurrentOut,
    DiffOut,
    MoveOut,
    PlaylistOut,
    SessionOut,
    SessionRow,
    TrackOut,
    TrackRef,
    TurnOut,
    TurnRow,
    UsageOut,
    VersionRow,
)
from assistant.web.shared import ReadCache


@dataclass(frozen=True)
class Listener:
    """Who is calling. In single-user mode (no tokens) the local listener also owns sessions made without one."""

    name: str
    single_user: bool = False

    def owns(self, owner: str | None) -> bool:
        return owner == self.name or (self.single_user and owner is None)


class NotYours(NotFound):
    """A session (or show) that does not exist for this listener (unknown, or someone else's: never told apart)."""

    def __init__(self, session_id: str, kind: str = "session"):
        self.session_id = session_id
        hint = ("List yours with GET /v1/sessions, or start one with POST /v1/chat and no session_id."
                if kind == "session" else "Make one with POST /v1/sessions/{id}/dj.")
        super().__init__(f"There is no {kind} {session_id!r} for you. {hint}")


class NotNow(Conflict):
    """A well-formed request the session's state cannot take (no playlist yet, no track 40, no version 7): 409."""


def _state(call, *args):
    """Run a session operation; its BadInput is about the session's state, not the request's form."""
    try:
        return call(*args)
    except BadInput as e:
        raise NotNow(str(e)) from None


class Api:
    """One listener's view of the chat service (create one per request: it is cheap)."""

    def __init__(self, planner: Planner, me: Listener, cache: ReadCache | None = None, shows=None):
        self.planner, self.me, self.chat, self.cache = planner, me, Chat(planner), cache
        self.shows = shows  # the app's `ShowQueue`: renders wait their turn in it

    # -- sessions -----------------------------------------------------------------------------------
    def owned(self, session_id: str) -> tuple[Session, int]:
        session, revision = self.chat.load(session_id)
        if not self.me.owns(session.listener):
            raise NotYours(session_id)
        return session, revision

    def new_session(self) -> str:
        return self.chat.start(listener=self.me.name).id

    def sessions(self, limit: int) -> list[SessionRow]:
        rows = self.chat.sessions(None if self.me.single_user else self.me.name, limit=limit if not
                                  self.me.single_user else 10 * limit)
        rows = [r for r in rows if self.me.owns(r["listener"])][:limit]
        out = []
        for r in rows:
            doc, _ = self.chat.store.get(r["id"])
            versions = len(json.loads(doc).get("versions", []))
            out.append(SessionRow(id=r["id"], title=r["title"], created=r["created"], updated=r["updated"],
                                  versions=versions))
        return out

    def session(self, session_id: str) -> bytes:
        """The session as `SessionOut` JSON, rendered once per revision."""
        doc, revision = self.chat.store.get(session_id)
        key = (session_id, revision)
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None:
            owner, body = hit
            if not self.me.owns(owner):
                raise NotYours(session_id)
            return body
        session = Session.model_validate_json(doc)
        if not self.me.owns(session.listener):
            raise NotYours(session_id)
        out = SessionOut(
            id=session.id, title=session.title or (session.turns[0].text[:60] if session.turns else ""),
            listener=session.listener,
            turns=[TurnRow(n=t.n, text=t.text, reply=t.reply, version=t.version) for t in session.turns],
            versions=[VersionRow(n=v.n, track_ids=v.track_ids, diff=v.diff.model_dump(mode="json"),
                                 satisfied=v.satisfied) for v in session.versions],
            cursor=session.cursor, current=self.current(session))
        body = out.model_dump_json().encode()
        if self.cache is not None:
            self.cache.put(key, (session.listener, body))
        return body

    def delete(self, session_id: str) -> None:
        self.owned(session_id)
        self.chat.delete(session_id)

    # -- turns --------------------------------------------------------------------------------------
    def open(self, session_id: str | None, message: str) -> str:
        """Check a chat message and the session it is for (a new one for you when None); returns the id."""
        limit = self.planner.settings.max_prompt_chars
        if len(message) > limit:
            raise BadInput(f"The message is {len(message):,} characters; the limit is {limit:,}. Shorten it to the "
                           "essentials (genre, mood, era, length).")
        if not message.strip():
            raise BadInput("The message is empty. Say what you want, e.g. \"an hour of chill electronic for coding\".")
        if session_id is None:
            return self.new_session()
        self.owned(session_id)
        return session_id

    def say(self, session_id: str | None, message: str, progress=None) -> TurnOut:
        """One chat turn; `session_id` must come from `open` when streaming (it is checked again here)."""
        sid = self.open(session_id, message)
        return self.turn(self.chat.say(sid, message, progress=progress))

    def step(self, session_id: str, word: str) -> TurnOut:
        """undo / redo: the edit parser reads them as cursor moves."""
        session, _ = self.owned(session_id)
        if session.current is None:
            raise NotNow(f"There is no playlist to {word} yet: ask for one first (POST /v1/chat).")
        return self.turn(self.chat.say(session_id, word))

    def feedback(self, session_id: str, position: int, kind: str) -> TurnOut:
        self.owned(session_id)
        return self.turn(_state(self.chat.feedback, session_id, position, kind))

    def export(self, session_id: str, fmt: str, version: int | None) -> str:
        self.owned(session_id)
        return _state(self.chat.export, session_id, fmt, version)

    # -- the DJ: shows live in <home>/shows/<show_id>/ (links/NNN.wav, script.json, owner.json) ------------
    def make_show(self, session_id: str, every: int, voice: str | None, keep: int = 10) -> dict:
        """Render a DJ show of the version shown (sequenced, links written and spoken) when its turn comes in the
        app's `ShowQueue`; keeps your last `keep` shows within SEGUE_DJ_STORE_MB (the oldest are deleted)."""
        from contextlib import nullcontext

        session, _ = self.owned(session_id)
        if session.current is None:
            raise NotNow("There is no playlist yet, so there is nothing to play: ask for one first (POST /v1/chat).")
        with self.shows.turn(self.me.name) if self.shows is not None else nullcontext():
            return self._make_show(session_id, every, voice, keep)

    def _make_show(self, session_id: str, every: int, voice: str | None, keep: int) -> dict:
        import uuid

        from assistant.dj import render_show, speaker_for

        session, _ = self.owned(session_id)
        v = session.current
        if v is None:
            raise NotNow("There is no playlist yet, so there is nothing to play: ask for one first (POST /v1/chat).")
        show_id = uuid.uuid4().hex[:12]
        out = self._shows() / show_id
        try:
            show = render_show(self.planner, self.chat.tracks(v), prompt=v.constraints.prompt, constraints=v.constraints,
                               listener=self.planner.listeners.known(session.listener), every=every, out_dir=out,
                               speaker=speaker_for(voice) if voice else None, locked=v.locked)
        except BaseException:
            import shutil

            shutil.rmtree(out, ignore_errors=True)
            raise
        (out / "owner.json").write_text(json.dumps({"listener": session.listener, "session_id": session.id}))
        self._prune(keep, int(self.planner.settings.dj_store_mb * 1024 * 1024), show_id)
        links = [{"n": x.n, "after_position": x.after_position, "kind": x.kind, "text": x.text,
                  "audio_url": f"/v1/shows/{show_id}/links/{x.n}.wav"} for x in show.links]
        return {"show_id": show_id, "links": links, "score": show.score.model_dump(mode="json"), "notes": show.notes}

    def show_file(self, show_id: str, name: str, label: str):
        """A file of one of your shows (script.json, links/NNN.wav); NotYours otherwise."""
        folder = self._shows() / show_id
        try:
            owner = json.loads((folder / "owner.json").read_text())["listener"]
        except (OSError, ValueError, KeyError):
            raise NotYours(show_id, "show") from None
        if not self.me.owns(owner):
            raise NotYours(show_id, "show")
        path = folder / name
        if not path.is_file():
            raise NotFound(f"Show {show_id!r} has no {label}; its script lists the links it has.")
        return path

    def _shows(self):
        return self.planner.catalogue.home.root / "shows"

    def _prune(self, keep: int, max_bytes: int, newest: str) -> None:
        """Delete your oldest shows until `keep` are left within `max_bytes` (the show just made always stays)."""
        import shutil

        mine = []
        for d in self._shows().iterdir() if self._shows().is_dir() else []:
            try:
                if self.me.owns(json.loads((d / "owner.json").read_text())["listener"]):
                    size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
                    mine.append((d.name == newest, d.stat().st_mtime, size, d))
            except (OSError, ValueError, KeyError):
                continue
        used = 0
        for i, (_, _, size, d) in enumerate(sorted(mine, key=lambda x: (x[0], x[1]), reverse=True)):
            used += size
            if i > 0 and (i >= keep or used > max_bytes):
                shutil.rmtree(d, ignore_errors=True)
                used -= size

    # -- mapping ------------------------------------------------------------------------------------
    def turn(self, result: TurnResult) -> TurnOut:
        current = self.current(result.session, tracks=result.tracks or None, understanding=result.understanding)
        return TurnOut(reply=result.reply, **dict(current))

    def current(self, session: Session, tracks=None, understanding: dict | None = None) -> CurrentOut:
        v = session.current
        usage = _usage(understanding)
        if v is None:
            return CurrentOut(session_id=session.id, constraints=None, diff=None, report=None, usage=usage,
                              playlist=PlaylistOut(version=0, versions=len(session.versions), can_undo=False,
                                                   can_redo=session.can_redo, total_ms=0))
        tracks = tracks if tracks is not None and len(tracks) == len(v.track_ids) else self.chat.tracks(v)
        locked = set(v.locked)
        rows = [TrackOut(position=i, track_id=t.track_id, title=t.title, artist=t.artist, album=t.album, year=t.year,
                         tempo=t.tempo, energy=t.energy, duration_ms=t.duration_ms, why=v.why.get(t.track_id, ""),
                         locked=t.track_id in locked) for i, t in enumerate(tracks, 1)]
        playlist = PlaylistOut(version=v.n, versions=len(session.versions), can_undo=session.can_undo,
                               can_redo=session.can_redo, total_ms=sum(t.duration_ms or 0 for t in tracks), tracks=rows)
        from assistant.model.constraints import Report

        return CurrentOut(session_id=session.id, constraints=v.constraints, playlist=playlist, diff=self._diff(v.diff),
                          report=Report(satisfied=v.satisfied, checks=v.report), usage=usage)

    def _diff(self, d) -> DiffOut:
        cat = self.planner.library().catalogue

        def ref(tid: str) -> dict:
            row = cat.row_of(tid)
            if row is None:
                return {"track_id": tid, "title": "(not in the catalogue)", "artist": ""}
            return {"track_id": tid, "title": cat.titles[row], "artist": cat.artists[row]}

        return DiffOut(added=[TrackRef(**ref(t)) for t in d.added], removed=[TrackRef(**ref(t)) for t in d.removed],
                       moved=[MoveOut(**ref(m.track_id), before=m.before, after=m.after) for m in d.moved],
                       constraints=list(d.constraints), kept=d.kept)


def _usage(understanding: dict | None) -> UsageOut:
    if not understanding:
        return UsageOut(source="edit")
    llm = understanding.get("llm") or {}
    return UsageOut(source=understanding.get("source") or "offline", provider=llm.get("provider"),
                    model=llm.get("model"), seconds=float(understanding.get("seconds") or 0.0),
                    input_tokens=llm.get("input_tokens"), output_tokens=llm.get("output_tokens"),
                    fallback=understanding.get("fallback"))
