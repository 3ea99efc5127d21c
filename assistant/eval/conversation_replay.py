"""Replaying a CPCD conversation (Conversational Playlist Curation Dataset) turn by turn.

Each conversation's USER turns are replayed in one `Session`, as a listener would type them:

* turn 1: the request is read (`Planner.constraints`: the offline reading, or the parser's when Segue would ask
  back) and planned (`make_playlist`) -> version 1;
* a later turn: `parse_edits` reads it as edits, run by `conversation.apply.step` ('no more Nirvana', 'make it
  calmer'). A turn that yields no edit, one the parser reads as a whole new request without saying 'start over'
  (CPCD listeners add to one playlist: "I'd love some Stormzy too"), or one whose edits change nothing is a
  *refinement*: its reading is merged into the constraints so far (`refine_constraints`: genres, moods,
  activities and named artists accumulate, newest first; named artists become references, not a hard 'only';
  years, tempo and feature targets are replaced when the turn gives them; exclusions accumulate; the length
  stays) and the playlist is re-planned. After edits, the turn's free words join the theme.
* the newest turn leads: a second plan of that turn's reading alone (`focus_constraints`; the artists it names
  are the only artists there) is interleaved with the plan of the whole conversation, in the ranking and, on a
  refinement, in the new picks of the playlist. A turn with nothing in it ('perfect', 'ok') asks for more of
  what was just liked (`echo_constraints`).

Feedback (`use_feedback`): the tracks a CPCD listener liked or disliked at a turn were their reaction to what
the assistant showed *after* that turn's words, so they steer only the later turns (`feedback_before`). Liked
catalogue tracks are kept (locked) at the top of the playlist and are the seed tracks of every later plan;
disliked tracks are excluded. A taste profile of them (`taste_from_feedback`, `replay(taste=True)`) is off:
it favours the liked artists, which CPCD listeners seldom ask for again (8% of the tracks liked later), and on
CPCD dev it moved the recall of new tracks by about 0.01 either way. Nothing else of the conversation is read
at prediction time: no goal, no assistant reply, no later turn.

Scored by `assistant.eval.conversations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from assistant.model.constraints import Constraints
from assistant.model.errors import BadInput

K = 100  # the ranking depth: the replay ranks this many candidates behind the playlist (recall@100 is scored)
LIKE_PLAYS = 3  # a like weighs as three plays in the taste profile; a dislike is a skip (as in chat sessions)


# -- feedback --------------------------------------------------------------------------------------------------
def catalogue_ids(tracks: list, catalogue) -> list[str]:
    """The catalogue ids of CPCD tracks that are in this catalogue, in order, once each."""
    out: list[str] = []
    for t in tracks or []:
        tid = t.get("catalog_id") if isinstance(t, dict) else None
        if tid and tid not in out and catalogue.row_of(tid) is not None:
            out.append(tid)
    return out


@dataclass
class Feedback:
    """What the listener said about tracks before a turn: liked and disliked catalogue ids, oldest first."""

    liked: list[str] = field(default_factory=list)
    disliked: list[str] = field(default_factory=list)
    liked_turn: dict[str, int] = field(default_factory=dict)  # id -> the turn it was liked at

    @property
    def empty(self) -> bool:
        return not (self.liked or self.disliked)


def feedback_before(conversation: dict, turn: int, catalogue) -> Feedback:
    """The liked/disliked catalogue tracks of turns 1..turn-1 (a turn's reactions follow its words). A track liked
    and later disliked (or the reverse) counts as its latest reaction. Reads nothing but those turns."""
    fb = Feedback()
    for n, t in enumerate(conversation["turns"][: max(0, turn - 1)], 1):
        for tid in catalogue_ids(t.get("liked"), catalogue):
            fb.disliked = [x for x in fb.disliked if x != tid]
            if tid not in fb.liked:
                fb.liked.append(tid)
                fb.liked_turn[tid] = n
        for tid in catalogue_ids(t.get("disliked"), catalogue):
            fb.liked = [x for x in fb.liked if x != tid]
            fb.liked_turn.pop(tid, None)
            if tid not in fb.disliked:
                fb.disliked.append(tid)
    return fb


# -- constraints across turns ----------------------------------------------------------------------------------
def _dedupe(items):
    from assistant.understanding import dedupe

    return dedupe(list(items))


def _works(*lists):
    seen, out = set(), []
    for w in (w for ws in lists for w in ws):
        key = (w.title.casefold(), (w.artist or "").casefold(), w.kind)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out


def refine_constraints(current: Constraints, new: Constraints) -> Constraints:
    """`current` refined by a follow-up's reading `new` (see the module docstring): what the listener adds
    accumulates (newest first), what they set anew replaces, the playlist's length stays."""
    named = new.seed_artists + new.include_artists
    # a follow-up naming artists adds them: every 'only these artists' becomes a reference
    seeds = _dedupe(named + current.seed_artists + (current.include_artists if named else []))
    theme = " ".join(x for x in (new.theme, current.theme) if x) or None
    defaults = Constraints()
    return current.model_copy(update={
        "prompt": " / ".join(x for x in (current.prompt, new.prompt) if x),
        "theme": theme,
        "genres": _dedupe(new.genres + current.genres),
        "moods": _dedupe(new.moods + current.moods),
        "activities": _dedupe(new.activities + current.activities),
        "exclude_genres": _dedupe(current.exclude_genres + new.exclude_genres),
        "years": new.years or current.years,
        "tempo": new.tempo or current.tempo,
        "track_minutes": new.track_minutes or current.track_minutes,
        "targets": current.targets.model_copy(update=new.targets.model_dump(exclude_none=True)),
        "explicit": new.explicit if new.explicit != "allow" else current.explicit,
        "include_artists": [] if named else current.include_artists,
        "exclude_artists": _dedupe(current.exclude_artists + new.exclude_artists),
        "exclude_tracks": _dedupe(current.exclude_tracks + new.exclude_tracks),
        "seed_artists": [a for a in seeds if a.casefold() not in {x.casefold() for x in new.exclude_artists}],
        "seed_tracks": _dedupe(new.seed_tracks + current.seed_tracks),
        "include_tracks": _dedupe(current.include_tracks + new.include_tracks),
        "seed_works": _works(new.seed_works, current.seed_works),
        "include_works": _works(current.include_works, new.include_works),
        "exclude_works": _works(current.exclude_works, new.exclude_works),
        "max_per_artist": new.max_per_artist or current.max_per_artist,
        "discovery": new.discovery if new.discovery != defaults.discovery else current.discovery,
        "popularity": new.popularity if new.popularity != "any" else current.popularity,
        "notes": _dedupe(current.notes + new.notes),
    })


def with_feedback(c: Constraints, fb: Feedback) -> Constraints:
    """`c` steered by feedback: the liked tracks are the references, the disliked ones are left out."""
    if fb.empty:
        return c
    return c.model_copy(update={
        "seed_tracks": _dedupe(fb.liked[::-1] + [t for t in c.seed_tracks if t not in fb.disliked]),
        "exclude_tracks": _dedupe(c.exclude_tracks + fb.disliked),
        "include_tracks": [t for t in c.include_tracks if t not in fb.disliked],
    })


def taste_from_feedback(fb: Feedback, library):
    """A taste profile from liked tracks (plays) and disliked ones (skips), or None without a like."""
    if not fb.liked:
        return None
    from retrieval.taste import build_taste

    cat = library.catalogue
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows, ts, skipped = [], [], []
    last = max(fb.liked_turn.values(), default=0)
    for tid in fb.liked:
        rows += [cat.row_of(tid)] * LIKE_PLAYS
        ts += [now - timedelta(days=last - fb.liked_turn.get(tid, last))] * LIKE_PLAYS
        skipped += [False] * LIKE_PLAYS
    for tid in fb.disliked:
        rows.append(cat.row_of(tid))
        ts.append(now)
        skipped.append(True)
    profile = build_taste(rows, ts, skipped, library.items, cat.artist_codes, now=now)
    return None if profile.empty else profile


# -- the replay ------------------------------------------------------------------------------------------------
@dataclass
class ReplayedTurn:
    """One replayed turn: what Segue would show after it, and how the turn was read."""

    turn: int
    ranked: list[str]  # the playlist, then the candidates behind it
    playlist: list[str]
    feedback: Feedback
    path: str  # "request", "edits" or "refinement"
    baseline: list[str] = field(default_factory=list)  # the BM25 ranking over the user turns so far
    # liked (locked) tracks the turn's edits dropped and the replay put back: `apply.step` drops locked tracks when
    # the per-artist cap binds on a fill, and enforces hard constraints on them
    dropped_locked: list[str] = field(default_factory=list)


def _reading(planner, text: str) -> Constraints:
    try:
        return planner.constraints(text)
    except BadInput:  # an empty or over-long turn reads as nothing new
        return Constraints(prompt=text[:200])


def _plan(planner, c: Constraints, taste, locked: list[str]):
    """Plan `c` (works resolved): (the playlist with the locked tracks first, the ranked candidates, the Playlist)."""
    from assistant.planning.planner import make_playlist
    from assistant.planning.works import resolve_works

    lib = planner.library()
    rc, missing = resolve_works(c, lib)
    s = planner.settings
    pl = make_playlist(rc, lib, taste, default_tracks=s.default_tracks, default_max_per_artist=s.default_max_per_artist,
                       missing_works=missing)
    picked = [e.track.track_id for e in pl.tracks]
    return _dedupe(locked + picked), [lib.catalogue.ids[r] for r in pl.candidate_rows], pl


def bm25_ranking(library, text: str, k: int = K) -> list[str]:
    """The baseline: the catalogue's k best BM25 matches for `text` (positive scores only)."""
    scores = library.lexical.scores(text)
    if scores is None:
        return []
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [library.catalogue.ids[int(r)] for r in top if scores[r] > 0]


def interleave(first: list[str], second: list[str]) -> list[str]:
    """Two rankings merged in turn, the first leading, each id once."""
    out: list[str] = []
    seen: set[str] = set()
    for i in range(max(len(first), len(second))):
        for r in (first, second):
            if i < len(r) and r[i] not in seen:
                seen.add(r[i])
                out.append(r[i])
    return out


def has_content(c: Constraints) -> bool:
    """Whether a reading asks for anything (a genre, mood, activity, artist, work, era or free words)."""
    return bool(c.genres or c.moods or c.activities or c.seed_artists or c.include_artists or c.theme
                or c.seed_works or c.include_works or c.years)


def focus_constraints(reading: Constraints, base: Constraints, library) -> Constraints:
    """The newest turn alone, within the conversation's exclusions and length. The artists it names (that the
    catalogue has) are the only artists, so 'some Stormzy too' ranks Stormzy's own tracks."""
    from assistant.planning.works import library_has_artist

    named = [a for a in _dedupe(reading.include_artists + reading.seed_artists) if library_has_artist(library, a)]
    update: dict = {"length": base.length, "exclude_artists": base.exclude_artists,
                    "exclude_genres": base.exclude_genres, "exclude_tracks": base.exclude_tracks}
    if named:
        update.update(include_artists=named, seed_artists=[], max_per_artist=None)
    return reading.model_copy(update=update)


def echo_constraints(fb: Feedback, base: Constraints, library) -> Constraints:
    """A turn with nothing new in it ('perfect', 'ok') asks for more of what was just liked: the newest turn's
    likes are the seed tracks and their artists the references, within the conversation's constraints."""
    cat = library.catalogue
    newest = max(fb.liked_turn.values())
    recent = [t for t in fb.liked if fb.liked_turn.get(t) == newest]
    artists = _dedupe(cat.artists[cat.row_of(t)] for t in recent)
    return base.model_copy(update={"seed_tracks": recent, "seed_artists": artists, "include_artists": [],
                                   "theme": None, "prompt": "", "seed_works": [], "include_works": []})


def _still_wanted(ids: list[str], c: Constraints, catalogue) -> list[str]:
    """The liked ids the listener has not since ruled out by name (an excluded track or artist). Other hard
    constraints do not drop a like: the listener liked the track with them in force (or they were misread)."""
    gone = {a.casefold() for a in c.exclude_artists}
    banned = set(c.exclude_tracks)
    return [t for t in ids if t not in banned and catalogue.artists[catalogue.row_of(t)].casefold() not in gone]


def replay(planner, conversation: dict, use_feedback: bool = True, *, edits: bool = True, focus: bool = True,
           taste: bool = False) -> list[ReplayedTurn]:
    """Replay one conversation's user turns in a session; one result per turn (see the module docstring).

    Reads `conversation["turns"]` only (never the goal). Ablations: `edits=False` reads every later turn as a
    refinement; `focus=False` ranks by the whole conversation's constraints alone; `taste=True` also plans with a
    taste profile of the feedback (it favours the liked artists, which CPCD listeners rarely ask for again)."""
    from assistant.conversation import START_OVER_PATTERN, parse_edits
    from assistant.conversation.apply import step
    from assistant.conversation.edits import StartOver
    from assistant.conversation.session import Session, add_version

    lib, vocab = planner.library(), planner.vocabulary()
    cat = lib.catalogue
    params = {"default_tracks": planner.settings.default_tracks,
              "default_max_per_artist": planner.settings.default_max_per_artist}
    session = Session(id=str(conversation.get("conversation_id") or "conversation"))
    base: Constraints | None = None  # what the listener asked for so far (feedback is added per turn)
    said: list[str] = []
    out: list[ReplayedTurn] = []
    for n, turn in enumerate(conversation["turns"], 1):
        text = turn["user"].strip()
        said.append(text)
        fb = feedback_before(conversation, n, cat) if use_feedback else Feedback()
        profile = taste_from_feedback(fb, lib) if taste else None
        locked = fb.liked[::-1]  # newest likes first
        reading = _reading(planner, text) if text else Constraints()
        path = "refinement"
        if base is None:
            path, base = "request", reading
        else:
            if not fb.empty:  # the listener's reactions as a version: the liked kept and locked, the disliked gone
                cur = session.current
                session = add_version(session, with_feedback(cur.constraints, fb),
                                      _dedupe(locked + [t for t in cur.track_ids if t not in fb.disliked]),
                                      locked=_dedupe(cur.locked + locked))
            try:
                ops = parse_edits(text, vocab, session.current) if text and edits else []
            except (ValueError, BadInput):  # an edit the parser rejects (a count over 1000): read as words
                ops = []
            fresh = any(isinstance(op, StartOver) for op in ops)
            if ops and (not fresh or START_OVER_PATTERN.match(text)):
                before = session.cursor
                session, outcome = step(session, ops, lib, profile, **params)
                if outcome is not None and session.cursor != before:
                    path, base = "edits", session.current.constraints
                    if not fresh:  # the turn's free words still say what the listener is after
                        base = base.model_copy(update={"theme": " ".join(x for x in (reading.theme, base.theme) if x)
                                                       or None})
            if path == "refinement":
                base = refine_constraints(base, reading)
        locked = _still_wanted(locked, with_feedback(base, fb), cat)  # a like does not outlast a later 'no X'
        playlist, cands, pl = _plan(planner, with_feedback(base, fb), profile, locked)
        dropped = []
        if path == "edits":  # the listener keeps their likes, even where apply.step dropped a locked one (see below)
            dropped = [t for t in locked if t not in session.current.track_ids]
            playlist = dropped + session.current.track_ids
        lead = None
        if focus and n > 1:
            lead = focus_constraints(reading, base, lib) if has_content(reading) else \
                echo_constraints(fb, base, lib) if fb.liked else None
        if lead is not None:  # the newest words (or, with none, the newest likes) lead the ranking
            lead_picks, lead_cands, _ = _plan(planner, with_feedback(lead, fb), profile, [])
            cands = interleave(lead_cands, cands)
            if path == "refinement":
                playlist = locked + [t for t in interleave(lead_picks, playlist) if t not in set(locked)][
                    : len(playlist) - len(locked)]
        if path != "edits":
            session = add_version(session, pl.constraints, playlist, locked=_dedupe(locked),
                                  satisfied=pl.report.satisfied)
        out.append(ReplayedTurn(turn=n, ranked=_dedupe(playlist + cands)[: K + len(playlist)], playlist=list(playlist),
                              feedback=fb, path=path, baseline=bm25_ranking(lib, " ".join(said)), dropped_locked=dropped))
    return out
