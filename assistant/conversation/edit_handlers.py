"""One handler per kind of edit: `handler(state, op) -> str` changes the `EditState` and says what it did.

`HANDLERS` maps each edit-op type (`edits.py`) to its handler; `apply.apply_edits` looks an op's handler up there.
A handler raises `EditRefused` when the edit can't be honoured (the turn then keeps the state from before it).
'more/less X' swaps only the tracks that fit X worst for tracks that fit it better; 'more like' swaps in (or adds)
tracks like a track or an artist; removals and filters are hard constraints (what breaks them goes, the gaps are
refilled); move and reorder change the order only; explain changes nothing; start over makes a new playlist.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable

import numpy as np

from assistant.conversation.edit_state import TOLERANCE, EditRefused, EditState
from assistant.conversation.edits import (
    AddLike,
    CapArtist,
    EditOp,
    Explain,
    History,
    Lock,
    MoreLess,
    Move,
    Remove,
    Reorder,
    ReplaceSection,
    SetFilter,
    SetLength,
    SetYears,
    StartOver,
    describe,
)
from assistant.model.constraints import FeatureTargets, Length, Ordering, Range
from assistant.planning import check_constraints, make_playlist, pool_facts, resolve_works
from assistant.understanding import MOOD_KEYS, MOODS, OPPOSITES, dedupe, genre_key, parse, targets_for

SHIFT_SHARE = 0.2  # more/less of a feature or mood swaps this share of the playlist (the worst fits), at least 2
MORE_GENRE_SHARE = 0.25  # more of a genre swaps in this share
LIKE_POOL = 12  # 'more like X' picks come from the allowed tracks most like X: this many per pick (at least 60)

__all__ = ["HANDLERS", "EditHandler"]


def more_or_less(state: EditState, op: MoreLess) -> str:
    """'less grunge', 'more upbeat', 'faster': swap the tracks that fit worst for ones that fit better."""
    rows, c = state.rows(state.ids), state.c
    if op.genre:
        terms = state.terms(op.genre)
        has = state.genre_mask(terms)
        mine = has[rows]
        if op.op == "more":
            non = [i for i in state.unlocked() if not mine[i]]
            if mine.all():
                raise EditRefused(f"every track is already {op.genre}")
            state.c = c.model_copy(update={"genres": dedupe(c.genres + terms[:1]),
                                           "avoid_genres": [g for g in c.avoid_genres if g not in terms]})
            return state.swap(non[::-1][:max(1, round(len(rows) * MORE_GENRE_SHARE))], has, f"of {op.genre}")
        if not mine.any():
            raise EditRefused(f"there is no {op.genre} in the playlist")
        purity = [sum(g in terms for g in state.cat.genres[r]) / max(1, len(state.cat.genres[r])) for r in rows]
        drop = sorted((i for i in state.unlocked() if mine[i]), key=lambda i: (-purity[i], -i))
        state.c = c.model_copy(update={"genres": [g for g in c.genres if g not in terms],
                                       "avoid_genres": dedupe(c.avoid_genres + terms)})
        n = int(mine.sum())
        return state.swap(drop[:n - n // 2], ~has, f"without {op.genre}") + f" ({op.genre} was {n} of {len(rows)})"
    if op.mood and MOOD_KEYS.get(genre_key(op.mood)) not in MOODS:
        raise EditRefused(f"can't tell what '{op.mood}' sounds like")
    fit = state.fit(op)
    cur = np.nan_to_num(fit[rows], nan=-np.inf)
    drop = sorted(state.unlocked(), key=lambda i: (cur[i], -i))[:max(2, math.ceil(len(rows) * SHIFT_SHARE))]
    if op.feature and op.feature != "tempo":
        mean = float(np.nanmean(np.asarray(state.cat.column(op.feature))[rows]))
        target = round(min(1.0, max(0.0, mean + (0.15 if op.op == "more" else -0.15))), 3)
        state.c = c.model_copy(update={"targets": c.targets.model_copy(update={op.feature: target})})
    elif op.mood:
        mood = MOOD_KEYS[genre_key(op.mood)]
        steer = targets_for([mood if op.op == "more" else OPPOSITES.get(mood, "")]).model_dump(exclude_none=True)
        moods = dedupe(c.moods + [mood]) if op.op == "more" else [m for m in c.moods if m != mood]
        targets = FeatureTargets(**{**c.targets.model_dump(), **steer})
        state.c = c.model_copy(update={"moods": moods, "targets": targets})
    accept = np.nan_to_num(fit, nan=-np.inf) > float(np.nanmean(fit[rows]))
    return state.swap(drop, accept, f"with {op.op} {op.feature or op.mood}")


def _nearest(sims: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """The `k` allowed rows with the highest similarity, as a mask (all allowed rows when there are fewer)."""
    out = np.zeros(len(sims), dtype=bool)
    rows = np.flatnonzero(allowed)
    out[rows[np.argsort(-sims[rows], kind="stable")[:k]]] = True
    return out


def add_like(state: EditState, op: AddLike) -> str:
    """'more like track 2', 'add 5 like Radiohead': tracks that sound like one (swapped in, or added)."""
    if op.own:
        return _add_own_tracks(state, op)
    c, seed = state.c, None
    if op.track is not None:
        seed, what = state.ids[state.at(op.track)], f"track {op.track}"
        vec = np.asarray(state.lib.items[state.cat.row_of(seed)], dtype=np.float32)
        state.c = c.model_copy(update={"seed_tracks": dedupe(c.seed_tracks + [seed])})
    else:
        found = state.artist(op.artist)
        if found is None:
            raise EditRefused(f"no {op.artist} in this catalogue")
        what, vec = found[0], state.lib.item_mean(found[1][:200])
        state.c = c.model_copy(update={"seed_artists": dedupe(c.seed_artists + [what])})
    sims, allowed = np.asarray(state.lib.items @ vec, dtype=np.float64), state.allowed()
    if op.artist is not None and op.track is None:
        allowed = allowed.copy()
        allowed[found[1]] = False  # 'more like Radiohead' is others that sound like them ('more Radiohead' is theirs)
    accept = _nearest(sims, allowed, max(60, LIKE_POOL * op.count))
    if not op.grow:
        cur = sims[state.rows(state.ids)]
        drop = sorted((i for i in state.unlocked() if state.ids[i] != seed), key=lambda i: cur[i])[:op.count]
        return state.swap(drop, accept, f"like {what}")
    minutes = state.c.length.minutes
    state.c = state.c.model_copy(update={"length": Length(tracks=len(state.ids) + op.count)})
    n = state.fill(state.ids + [None] * op.count, accept=accept)
    if n == 0:
        raise EditRefused(f"no other tracks like {what} pass the playlist's constraints")
    state.c = state.c.model_copy(update={"length": Length(minutes=round(state.minutes(state.ids), 1)) if minutes
                                         else Length(tracks=len(state.ids))})
    return f"added {n} tracks like {what}"


def _add_own_tracks(state: EditState, op: AddLike) -> str:
    """'more Radiohead', 'add 3 Radiohead songs': the artist's own tracks. A default per-artist limit is raised
    for them (and said); a limit the listener set is kept and the edit refused when it leaves no room."""
    found = state.artist(op.artist)
    if found is None:
        raise EditRefused(f"no {op.artist} in this catalogue")
    name, artist_rows = found
    c, notes = state.c, []
    if name.casefold() in {a.casefold() for a in c.exclude_artists}:
        c = c.model_copy(update={"exclude_artists": [a for a in c.exclude_artists if a.casefold() != name.casefold()]})
        notes.append(f"{name} is no longer excluded")
    if c.include_artists and name.casefold() not in {a.casefold() for a in c.include_artists}:
        c = c.model_copy(update={"include_artists": c.include_artists + [name]})
    # remembered as a seed too: later refills keep leaning towards them (and their sound)
    c = c.model_copy(update={"seed_artists": dedupe(c.seed_artists + [name])})
    state.c = c
    have = sum(state.cat.artists[state.cat.row_of(t)].casefold() == name.casefold() for t in state.ids)
    cap = state.cap()
    if cap is not None and have + op.count > cap:
        if c.max_per_artist is not None:
            if have >= cap:
                raise EditRefused(f"the playlist allows {cap} per artist and has {have} by {name}: "
                                  f"raise the limit first (e.g. 'up to {have + op.count} per artist')")
        else:
            state.c = c = c.model_copy(update={"max_per_artist": have + op.count})
            notes.append(f"raised the per-artist limit to {have + op.count} for this")
    accept = np.zeros(len(state.cat), dtype=bool)
    accept[artist_rows] = True
    ok = state.allowed() & accept
    ok[state.rows(sorted(state.seen))] = False
    if not ok.any():
        raise EditRefused(f"no other tracks by {name} pass the playlist's constraints in this catalogue")
    if op.grow:
        minutes = c.length.minutes
        state.c = c.model_copy(update={"length": Length(tracks=len(state.ids) + op.count)})
        n = state.fill(state.ids + [None] * op.count, accept=accept)
        state.c = state.c.model_copy(update={"length": Length(minutes=round(state.minutes(state.ids), 1)) if minutes
                                             else Length(tracks=len(state.ids))})
        msg = f"added {n} tracks by {name}"
    else:
        vec = state.lib.item_mean(artist_rows[:200])
        cur = np.asarray(state.lib.items[state.rows(state.ids)] @ vec, dtype=np.float64)
        mine = {i for i, t in enumerate(state.ids)
                if state.cat.artists[state.cat.row_of(t)].casefold() == name.casefold()}
        drop = sorted((i for i in state.unlocked() if i not in mine), key=lambda i: cur[i])[:op.count]
        if not drop:
            raise EditRefused("every track it would replace is locked")
        n = state.fill([None if i in set(drop) else t for i, t in enumerate(state.ids)], accept=accept)
        msg = f"swapped {len(drop)} tracks for {n} by {name}"
    if n == 0:
        raise EditRefused(f"no other tracks by {name} fit the playlist's constraints")
    return "; ".join([msg] + notes)


def remove(state: EditState, op: Remove) -> str:
    """'remove track 3', 'no more Nirvana': out, and kept out (a hard constraint); the gaps are refilled."""
    c = state.c
    idx = sorted({state.at(k) for k in op.positions} | {state.ids.index(i) for i in op.track_ids if i in state.ids})
    for i in idx:
        if state.ids[i] in state.locked:
            raise EditRefused(f"track {state.original.index(state.ids[i]) + 1} is locked: unlock it first")
    upd: dict = {"exclude_tracks": dedupe(c.exclude_tracks + [state.ids[i] for i in idx] + op.track_ids)}
    if op.artist:
        name = (state.artist(op.artist) or (op.artist,))[0]
        upd["exclude_artists"] = dedupe(c.exclude_artists + [name])
        upd["include_artists"] = [a for a in c.include_artists if a.casefold() != name.casefold()]
    if op.genre:
        term = state.terms(op.genre)[0]
        upd.update(exclude_genres=dedupe(c.exclude_genres + [term]), genres=[g for g in c.genres if g != term])
    return state.hard(describe(op), upd)


def cap_artist(state: EditState, op: CapArtist) -> str:
    """'at most two per artist': a hard constraint."""
    return state.hard(describe(op), {"max_per_artist": op.max_per_artist})


def set_filter(state: EditState, op: SetFilter) -> str:
    """'clean only', 'around 120 bpm': hard filters."""
    return state.hard(describe(op), {k: getattr(op, k) for k in ("explicit", "tempo", "track_minutes")
                                     if getattr(op, k) is not None})


def set_years(state: EditState, op: SetYears) -> str:
    """'nothing before 1990': release years (an open end keeps the current bound)."""
    old = state.c.years or Range()
    lo, hi = (op.min if op.min is not None else old.min), (op.max if op.max is not None else old.max)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = op.min, op.max
    # the year a playlist's name pointed at goes with the old years
    years = Range(min=lo, max=hi)
    return state.hard(f"years {years.describe()}", {"years": years, "prefer_year": None})


def set_length(state: EditState, op: SetLength) -> str:
    """'make it an hour', '20 songs': trim from the end (locked tracks stay) or fill up."""
    locked = [i for i in state.ids if i in state.locked]
    if op.tracks is not None and len(locked) > op.tracks:
        raise EditRefused(f"{len(locked)} tracks are locked: unlock some to make it {op.tracks}")
    if op.minutes is not None and state.minutes(locked) > op.minutes * (1 + TOLERANCE):
        raise EditRefused(f"the locked tracks alone run {state.minutes(locked):.0f} minutes")
    too_long = (lambda: len(state.ids) > op.tracks) if op.tracks else \
        (lambda: state.minutes(state.ids) > op.minutes * (1 + TOLERANCE))
    while too_long():
        state.ids.pop(max(state.unlocked()))
    state.c = state.c.model_copy(update={"length": Length(minutes=op.minutes, tracks=op.tracks)})
    n = state.fill(state.ids + [None] * max(0, (op.tracks or 0) - len(state.ids)))
    return f"{describe(op)}: now {len(state.ids)} tracks, {state.minutes(state.ids):.0f} minutes ({n} new)"


def move(state: EditState, op: Move) -> str:
    """'move 4 to the top': one track to another position."""
    i = state.at(op.track)
    if op.to > len(state.ids):
        raise EditRefused(f"position {op.to} doesn't exist: the playlist has {len(state.ids)}")
    state.ids.insert(op.to - 1, state.ids.pop(i))
    return f"moved {state.name(state.ids[op.to - 1])} to {op.to}"


def reorder(state: EditState, op: Reorder) -> str:
    """'build up the energy', 'shuffle': the same tracks in a new order (a shuffle is seeded by the set)."""
    energy = np.nan_to_num(state.cat.column("energy")[state.rows(state.ids)], nan=0.5)
    order = [state.ids[i] for i in np.argsort(energy, kind="stable")]
    if op.by == "energy_falling":
        order = order[::-1]
    elif op.by == "energy_peak":
        order = order[0::2] + order[1::2][::-1]
    elif op.by == "shuffle":
        order = list(state.ids)
        random.Random(hashlib.sha256("|".join(state.ids).encode()).hexdigest()).shuffle(order)
    state.ids = order
    arc = {"energy_rising": "rising", "energy_falling": "falling", "energy_peak": "peak"}.get(op.by, "any")
    state.c = state.c.model_copy(update={"ordering": Ordering(arc=arc, smooth=state.c.ordering.smooth)})
    return describe(op)


def replace_section(state: EditState, op: ReplaceSection) -> str:
    """'swap the second half to jazz': new tracks of a genre or mood in positions start..end."""
    if op.end > len(state.ids):
        raise EditRefused(f"track {op.end} doesn't exist: the playlist has {len(state.ids)}")
    genres = [state.terms(g)[0] for g in op.genres]
    moods = [m for m in (MOOD_KEYS.get(genre_key(x)) for x in op.moods) if m in MOODS]
    if not genres and not moods:
        raise EditRefused(f"no {op.request or 'such music'} in this catalogue")
    what = ", ".join(op.genres + moods)
    if genres:
        accept = state.genre_mask([t for g in op.genres for t in state.terms(g)])
    else:
        fit = state.fit(MoreLess(op="more", mood=moods[0]))
        accept = np.nan_to_num(fit, nan=-np.inf) > np.nanmedian(fit)
    plan = state.c.model_copy(update={"genres": dedupe(genres), "moods": moods, "theme": op.request or what,
                                      "seed_artists": [], "seed_tracks": [],
                                      "targets": targets_for(moods) if moods else state.c.targets})
    drop = [i for i in range(op.start - 1, op.end) if state.ids[i] not in state.locked]
    state.c = state.c.model_copy(update={"notes": dedupe(state.c.notes + [f"tracks {op.start}-{op.end}: {what}"])})
    return f"tracks {op.start}-{op.end}: " + state.swap(drop, accept, f"of {what}", plan)


def lock(state: EditState, op: Lock) -> str:
    """'lock 1 and 2': locked tracks stay through later edits (unless a hard constraint rules them out)."""
    if op.op == "lock" and len(set(op.positions)) > len(state.original):
        raise EditRefused(f"can't lock more tracks than the playlist holds ({len(state.original)})")
    ids = [state.ids[state.at(k)] for k in op.positions]
    state.locked = dedupe(state.locked + ids) if op.op == "lock" else [i for i in state.locked if i not in ids]
    return f"{op.op}ed " + ", ".join(state.name(i) for i in ids)


def explain(state: EditState, op: Explain) -> str:
    """'why is track 4 here?': its facts, why it was picked, the constraints it meets; changes nothing."""
    tid = state.ids[state.at(op.track)]
    t = state.cat.track(state.cat.row_of(tid))
    facts = [str(t.year or t.decade or "year unknown"), ", ".join(t.genres[:3]) or "no genre tags",
             f"energy {t.energy:.2f}" if t.energy is not None else "", f"{t.tempo:.0f} BPM" if t.tempo else ""]
    checks = check_constraints(state.c, [t], pool_facts(state.lib, state.c, state.allowed(), [], []), None).checks
    held = [ch.constraint for ch in checks if ch.satisfied and not ch.constraint.startswith(("length", "include"))]
    text = f"Track {op.track}, '{t.title}' by {t.artist} ({'; '.join(f for f in facts if f)}): " \
           f"{state.why.get(tid) or 'it fits the request'}."
    return text + (f" It meets {', '.join(held)}." if held else "") + (" It is locked." if tid in state.locked else "")


def start_over(state: EditState, op: StartOver) -> str:
    """'start over: 90s hip hop': a fresh playlist for the new request."""
    c = op.constraints
    if c is None and op.request.strip() and state.vocab is not None:
        c = parse(op.request, state.vocab)
    if c is None:
        raise EditRefused("say what the new playlist should be, e.g. 'start over: 90s hip hop'")
    c, missing = resolve_works(c, state.lib)
    pl = make_playlist(c, state.lib, state.taste, missing_works=missing, **state.params)
    state.c, state.ids, state.locked = pl.constraints, [e.track.track_id for e in pl.tracks], []
    state.why = {e.track.track_id: e.why for e in pl.tracks}
    return f"started over: {op.request or 'a new request'} ({len(state.ids)} tracks)"


def history(state: EditState, op: History) -> str:
    """Undo and redo are not edits of a version: `apply.step` runs them on the session."""
    raise EditRefused("undo and redo move between versions: run them on the session (conversation.step)")


EditHandler = Callable[[EditState, EditOp], str]

HANDLERS: dict[type, EditHandler] = {
    MoreLess: more_or_less,
    AddLike: add_like,
    Remove: remove,
    CapArtist: cap_artist,
    SetLength: set_length,
    SetYears: set_years,
    SetFilter: set_filter,
    Move: move,
    Reorder: reorder,
    ReplaceSection: replace_section,
    Lock: lock,
    Explain: explain,
    StartOver: start_over,
    History: history,
}
