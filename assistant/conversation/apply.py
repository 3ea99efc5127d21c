"""Apply follow-up edits to a playlist version: change what the edit names, keep the rest.

`apply_edits` is pure over its inputs (a `Version`, the library, a taste profile): each edit updates the
constraints, drops only the tracks it names or that now break a hard constraint (locked tracks too, and then it
says so), keeps every other track in place and re-plans only the gaps with `make_playlist` (kept tracks pinned
through `include_tracks`, every track shown this turn excluded so new picks are new). 'more/less X' swaps only
the tracks that fit X worst for tracks that fit it better; move and reorder change order only; explain changes
nothing. An edit that can't be honoured changes nothing and says why. `step` runs a turn on a `Session`
(undo/redo move its cursor; a change adds a version).
"""

from __future__ import annotations

import hashlib
import math
import random

import numpy as np
from assistant.planning.checks import check
from assistant.model.constraints import Check, Constraints, FeatureTargets, Length, Ordering, Range, Report
from assistant.conversation.edits import (AddLike, CapArtist, EditOp, Explain, History, Lock, MoreLess, Move, Outcome, Remove,
                             Reorder, ReplaceSection, SetFilter, SetLength, SetYears, StartOver, describe)
from assistant.understanding import MOOD_KEYS, MOODS, OPPOSITES, dedupe, genre_key, targets_for
from assistant.planning.planner import _pool_facts, make_playlist
from assistant.conversation.edit_state import TOLERANCE, EditState, Refused
from assistant.conversation.session import Session, Version, add_version, redo, undo

SHIFT_SHARE = 0.2  # more/less of a feature or mood swaps this share of the playlist (the worst fits), at least 2
MORE_GENRE_SHARE = 0.25  # more of a genre swaps in this share
LIKE_QUANTILE = 0.9  # 'more like X' picks come from the allowed tracks most like X (the top 10%)

__all__ = ["Refused", "apply_edits", "step"]


def apply_edits(ops: list[EditOp], version: Version, library, taste=None, *, default_tracks: int = 20,
                default_max_per_artist: int = 2, vocab=None) -> Outcome:
    """Apply `ops` in order to `version`. `vocab` (a `grounding.Vocabulary`) is needed only to read a start-over
    request given as words; positions in every op refer to `version` as the listener saw it."""
    t = _Turn(version, library, taste, default_tracks, default_max_per_artist, vocab)
    honoured, refused, answers = [], [], []
    for op in ops:
        saved = (t.c, list(t.ids), list(t.locked), dict(t.why))
        try:
            if isinstance(op, History):
                raise Refused("undo and redo move between versions: run them on the session (refine.step)")
            msg = getattr(t, f"do_{type(op).__name__}")(op)
        except Refused as e:
            t.c, t.ids, t.locked, t.why = saved
            refused.append(f"{describe(op)}: {e}")
            continue
        t.seen.update(t.ids)
        (answers if isinstance(op, Explain) else honoured).append(msg)
    changed = t.ids != version.track_ids or t.locked != version.locked or t.c != version.constraints
    return Outcome(constraints=t.c, track_ids=t.ids, locked=t.locked, why={i: t.why.get(i, "") for i in t.ids},
                   honoured=honoured, refused=refused, answers=answers, report=t.report(), changed=changed)


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


class _Turn(EditState):
    """The edit operations, one method per op type (`do_<Op>`), over an `EditState`."""

    # --- the edits --------------------------------------------------------------------------------------------
    def do_MoreLess(self, op: MoreLess) -> str:
        rows, c = self.rows(self.ids), self.c
        if op.genre:
            terms = self.terms(op.genre)
            has = self.genre_mask(terms)
            mine = has[rows]
            if op.op == "more":
                non = [i for i in self.unlocked() if not mine[i]]
                if mine.all():
                    raise Refused(f"every track is already {op.genre}")
                self.c = c.model_copy(update={"genres": dedupe(c.genres + terms[:1]),
                                              "avoid_genres": [g for g in c.avoid_genres if g not in terms]})
                return self.swap(non[::-1][:max(1, round(len(rows) * MORE_GENRE_SHARE))], has, f"of {op.genre}")
            if not mine.any():
                raise Refused(f"there is no {op.genre} in the playlist")
            purity = [sum(g in terms for g in self.cat.genres[r]) / max(1, len(self.cat.genres[r])) for r in rows]
            drop = sorted((i for i in self.unlocked() if mine[i]), key=lambda i: (-purity[i], -i))
            self.c = c.model_copy(update={"genres": [g for g in c.genres if g not in terms],
                                          "avoid_genres": dedupe(c.avoid_genres + terms)})
            n = int(mine.sum())
            return self.swap(drop[:n - n // 2], ~has, f"without {op.genre}") + f" ({op.genre} was {n} of {len(rows)})"
        if op.mood and MOOD_KEYS.get(genre_key(op.mood)) not in MOODS:
            raise Refused(f"can't tell what '{op.mood}' sounds like")
        fit = self.fit(op)
        cur = np.nan_to_num(fit[rows], nan=-np.inf)
        drop = sorted(self.unlocked(), key=lambda i: (cur[i], -i))[:max(2, math.ceil(len(rows) * SHIFT_SHARE))]
        if op.feature and op.feature != "tempo":
            mean = float(np.nanmean(np.asarray(self.cat.column(op.feature))[rows]))
            target = round(min(1.0, max(0.0, mean + (0.15 if op.op == "more" else -0.15))), 3)
            self.c = c.model_copy(update={"targets": c.targets.model_copy(update={op.feature: target})})
        elif op.mood:
            mood = MOOD_KEYS[genre_key(op.mood)]
            steer = targets_for([mood if op.op == "more" else OPPOSITES.get(mood, "")]).model_dump(exclude_none=True)
            moods = dedupe(c.moods + [mood]) if op.op == "more" else [m for m in c.moods if m != mood]
            self.c = c.model_copy(update={"moods": moods, "targets": FeatureTargets(**{**c.targets.model_dump(), **steer})})
        accept = np.nan_to_num(fit, nan=-np.inf) > float(np.nanmean(fit[rows]))
        return self.swap(drop, accept, f"with {op.op} {op.feature or op.mood}")

    def do_AddLike(self, op: AddLike) -> str:
        if op.own:
            return self._add_own(op)
        c, seed = self.c, None
        if op.track is not None:
            seed, what = self.ids[self.at(op.track)], f"track {op.track}"
            vec = np.asarray(self.lib.items[self.cat.row_of(seed)], dtype=np.float32)
            self.c = c.model_copy(update={"seed_tracks": dedupe(c.seed_tracks + [seed])})
        else:
            found = self.artist(op.artist)
            if found is None:
                raise Refused(f"no {op.artist} in this catalogue")
            what, vec = found[0], self.lib.item_mean(found[1][:200])
            self.c = c.model_copy(update={"seed_artists": dedupe(c.seed_artists + [what])})
        sims, allowed = np.asarray(self.lib.items @ vec, dtype=np.float64), self.allowed()
        accept = sims >= np.quantile(sims[allowed], LIKE_QUANTILE) if allowed.any() else allowed
        if not op.grow:
            cur = sims[self.rows(self.ids)]
            return self.swap(sorted((i for i in self.unlocked() if self.ids[i] != seed), key=lambda i: cur[i])[:op.count],
                             accept, f"like {what}")
        minutes = self.c.length.minutes
        self.c = self.c.model_copy(update={"length": Length(tracks=len(self.ids) + op.count)})
        n = self.fill(self.ids + [None] * op.count, accept=accept)
        if n == 0:
            raise Refused(f"no other tracks like {what} pass the playlist's constraints")
        self.c = self.c.model_copy(update={"length": Length(minutes=round(self.minutes(self.ids), 1)) if minutes
                                           else Length(tracks=len(self.ids))})
        return f"added {n} tracks like {what}"

    def _add_own(self, op: AddLike) -> str:
        """'more Radiohead', 'add 3 Radiohead songs': the artist's own tracks. A default per-artist limit is raised
        for them (and said); a limit the listener set is kept and the edit refused when it leaves no room."""
        found = self.artist(op.artist)
        if found is None:
            raise Refused(f"no {op.artist} in this catalogue")
        name, artist_rows = found
        c, notes = self.c, []
        if name.casefold() in {a.casefold() for a in c.exclude_artists}:
            c = c.model_copy(update={"exclude_artists": [a for a in c.exclude_artists if a.casefold() != name.casefold()]})
            notes.append(f"{name} is no longer excluded")
        if c.include_artists and name.casefold() not in {a.casefold() for a in c.include_artists}:
            c = c.model_copy(update={"include_artists": c.include_artists + [name]})
        # remembered as a seed too: later refills keep leaning towards them (and their sound)
        c = c.model_copy(update={"seed_artists": dedupe(c.seed_artists + [name])})
        self.c = c
        have = sum(self.cat.artists[self.cat.row_of(t)].casefold() == name.casefold() for t in self.ids)
        cap = self.cap()
        if cap is not None and have + op.count > cap:
            if c.max_per_artist is not None:
                if have >= cap:
                    raise Refused(f"the playlist allows {cap} per artist and has {have} by {name}: "
                                  f"raise the limit first (e.g. 'up to {have + op.count} per artist')")
            else:
                self.c = c = c.model_copy(update={"max_per_artist": have + op.count})
                notes.append(f"raised the per-artist limit to {have + op.count} for this")
        accept = np.zeros(len(self.cat), dtype=bool)
        accept[artist_rows] = True
        ok = self.allowed() & accept
        ok[self.rows(sorted(self.seen))] = False
        if not ok.any():
            raise Refused(f"no other tracks by {name} pass the playlist's constraints in this catalogue")
        if op.grow:
            minutes = c.length.minutes
            self.c = c.model_copy(update={"length": Length(tracks=len(self.ids) + op.count)})
            n = self.fill(self.ids + [None] * op.count, accept=accept)
            self.c = self.c.model_copy(update={"length": Length(minutes=round(self.minutes(self.ids), 1)) if minutes
                                               else Length(tracks=len(self.ids))})
            msg = f"added {n} tracks by {name}"
        else:
            vec = self.lib.item_mean(artist_rows[:200])
            cur = np.asarray(self.lib.items[self.rows(self.ids)] @ vec, dtype=np.float64)
            mine = {i for i, t in enumerate(self.ids) if self.cat.artists[self.cat.row_of(t)].casefold() == name.casefold()}
            drop = sorted((i for i in self.unlocked() if i not in mine), key=lambda i: cur[i])[:op.count]
            if not drop:
                raise Refused("every track it would replace is locked")
            n = self.fill([None if i in set(drop) else t for i, t in enumerate(self.ids)], accept=accept)
            msg = f"swapped {len(drop)} tracks for {n} by {name}"
        if n == 0:
            raise Refused(f"no other tracks by {name} fit the playlist's constraints")
        return "; ".join([msg] + notes)

    def do_Remove(self, op: Remove) -> str:
        c = self.c
        idx = sorted({self.at(k) for k in op.positions} | {self.ids.index(i) for i in op.track_ids if i in self.ids})
        for i in idx:
            if self.ids[i] in self.locked:
                raise Refused(f"track {self.original.index(self.ids[i]) + 1} is locked: unlock it first")
        upd: dict = {"exclude_tracks": dedupe(c.exclude_tracks + [self.ids[i] for i in idx] + op.track_ids)}
        if op.artist:
            name = (self.artist(op.artist) or (op.artist,))[0]
            upd["exclude_artists"] = dedupe(c.exclude_artists + [name])
            upd["include_artists"] = [a for a in c.include_artists if a.casefold() != name.casefold()]
        if op.genre:
            term = self.terms(op.genre)[0]
            upd.update(exclude_genres=dedupe(c.exclude_genres + [term]), genres=[g for g in c.genres if g != term])
        return self.hard(describe(op), upd)

    def do_CapArtist(self, op: CapArtist) -> str:
        return self.hard(describe(op), {"max_per_artist": op.max_per_artist})

    def do_SetFilter(self, op: SetFilter) -> str:
        return self.hard(describe(op), {k: getattr(op, k) for k in ("explicit", "tempo", "track_minutes")
                                        if getattr(op, k) is not None})

    def do_SetYears(self, op: SetYears) -> str:
        old = self.c.years or Range()
        lo, hi = (op.min if op.min is not None else old.min), (op.max if op.max is not None else old.max)
        if lo is not None and hi is not None and lo > hi:
            lo, hi = op.min, op.max
        # the year a playlist's name pointed at goes with the old years
        return self.hard(f"years {Range(min=lo, max=hi).describe()}", {"years": Range(min=lo, max=hi), "prefer_year": None})

    def do_SetLength(self, op: SetLength) -> str:
        locked = [i for i in self.ids if i in self.locked]
        if op.tracks is not None and len(locked) > op.tracks:
            raise Refused(f"{len(locked)} tracks are locked: unlock some to make it {op.tracks}")
        if op.minutes is not None and self.minutes(locked) > op.minutes * (1 + TOLERANCE):
            raise Refused(f"the locked tracks alone run {self.minutes(locked):.0f} minutes")
        too_long = (lambda: len(self.ids) > op.tracks) if op.tracks else \
            (lambda: self.minutes(self.ids) > op.minutes * (1 + TOLERANCE))
        while too_long():
            self.ids.pop(max(self.unlocked()))
        self.c = self.c.model_copy(update={"length": Length(minutes=op.minutes, tracks=op.tracks)})
        n = self.fill(self.ids + [None] * max(0, (op.tracks or 0) - len(self.ids)))
        return f"{describe(op)}: now {len(self.ids)} tracks, {self.minutes(self.ids):.0f} minutes ({n} new)"

    def do_Move(self, op: Move) -> str:
        i = self.at(op.track)
        if op.to > len(self.ids):
            raise Refused(f"position {op.to} doesn't exist: the playlist has {len(self.ids)}")
        self.ids.insert(op.to - 1, self.ids.pop(i))
        return f"moved {self.name(self.ids[op.to - 1])} to {op.to}"

    def do_Reorder(self, op: Reorder) -> str:
        energy = np.nan_to_num(self.cat.column("energy")[self.rows(self.ids)], nan=0.5)
        order = [self.ids[i] for i in np.argsort(energy, kind="stable")]
        if op.by == "energy_falling":
            order = order[::-1]
        elif op.by == "energy_peak":
            order = order[0::2] + order[1::2][::-1]
        elif op.by == "shuffle":
            order = list(self.ids)
            random.Random(hashlib.sha256("|".join(self.ids).encode()).hexdigest()).shuffle(order)
        self.ids = order
        arc = {"energy_rising": "rising", "energy_falling": "falling", "energy_peak": "peak"}.get(op.by, "any")
        self.c = self.c.model_copy(update={"ordering": Ordering(arc=arc, smooth=self.c.ordering.smooth)})
        return describe(op)

    def do_ReplaceSection(self, op: ReplaceSection) -> str:
        if op.end > len(self.ids):
            raise Refused(f"track {op.end} doesn't exist: the playlist has {len(self.ids)}")
        genres = [self.terms(g)[0] for g in op.genres]
        moods = [m for m in (MOOD_KEYS.get(genre_key(x)) for x in op.moods) if m in MOODS]
        if not genres and not moods:
            raise Refused(f"no {op.request or 'such music'} in this catalogue")
        what = ", ".join(op.genres + moods)
        if genres:
            accept = self.genre_mask([t for g in op.genres for t in self.terms(g)])
        else:
            fit = self.fit(MoreLess(op="more", mood=moods[0]))
            accept = np.nan_to_num(fit, nan=-np.inf) > np.nanmedian(fit)
        plan = self.c.model_copy(update={"genres": dedupe(genres), "moods": moods, "theme": op.request or what,
                                         "seed_artists": [], "seed_tracks": [],
                                         "targets": targets_for(moods) if moods else self.c.targets})
        drop = [i for i in range(op.start - 1, op.end) if self.ids[i] not in self.locked]
        self.c = self.c.model_copy(update={"notes": dedupe(self.c.notes + [f"tracks {op.start}-{op.end}: {what}"])})
        return f"tracks {op.start}-{op.end}: " + self.swap(drop, accept, f"of {what}", plan)

    def do_Lock(self, op: Lock) -> str:
        if op.op == "lock" and len(set(op.positions)) > len(self.original):
            raise Refused(f"can't lock more tracks than the playlist holds ({len(self.original)})")
        ids = [self.ids[self.at(k)] for k in op.positions]
        self.locked = dedupe(self.locked + ids) if op.op == "lock" else [i for i in self.locked if i not in ids]
        return f"{op.op}ed " + ", ".join(self.name(i) for i in ids)

    def do_Explain(self, op: Explain) -> str:
        tid = self.ids[self.at(op.track)]
        t = self.cat.track(self.cat.row_of(tid))
        facts = [str(t.year or t.decade or "year unknown"), ", ".join(t.genres[:3]) or "no genre tags",
                 f"energy {t.energy:.2f}" if t.energy is not None else "", f"{t.tempo:.0f} BPM" if t.tempo else ""]
        checks = check(self.c, [t], _pool_facts(self.lib, self.c, self.allowed(), [], []), None).checks
        held = [ch.constraint for ch in checks if ch.satisfied and not ch.constraint.startswith(("length", "include"))]
        text = f"Track {op.track}, '{t.title}' by {t.artist} ({'; '.join(f for f in facts if f)}): " \
               f"{self.why.get(tid) or 'it fits the request'}."
        return text + (f" It meets {', '.join(held)}." if held else "") + (" It is locked." if tid in self.locked else "")

    def do_StartOver(self, op: StartOver) -> str:
        c = op.constraints
        if c is None and op.request.strip() and self.vocab is not None:
            from assistant.understanding import parse

            c = parse(op.request, self.vocab)
        if c is None:
            raise Refused("say what the new playlist should be, e.g. 'start over: 90s hip hop'")
        from assistant.planning.works import resolve_works

        c, missing = resolve_works(c, self.lib)
        pl = make_playlist(c, self.lib, self.taste, missing_works=missing, **self.params)
        self.c, self.ids, self.locked = pl.constraints, [e.track.track_id for e in pl.tracks], []
        self.why = {e.track.track_id: e.why for e in pl.tracks}
        return f"started over: {op.request or 'a new request'} ({len(self.ids)} tracks)"
