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
import re

import numpy as np
from assistant.checks import check
from assistant.constraints import Check, Constraints, FeatureTargets, Length, Ordering, Range, Report
from assistant.edits import (AddLike, CapArtist, EditOp, Explain, History, Lock, MoreLess, Move, Remove, Reorder,
                             Outcome, ReplaceSection, SetFilter, SetLength, SetYears, StartOver, describe)
from assistant.grounding import genre_key
from assistant.lexicon import MOODS, OPPOSITES
from assistant.planner import _missing_artists, _pool_facts, filter_spec, make_playlist
from assistant.session import Session, Version, add_version, redo, undo
from assistant.words import MOOD_KEYS, dedupe, targets_for
from retrieval.filters import allowed_mask, artist_code_index

SHIFT_SHARE = 0.2  # more/less of a feature or mood swaps this share of the playlist (the worst fits), at least 2
MORE_GENRE_SHARE = 0.25  # more of a genre swaps in this share
LIKE_QUANTILE = 0.9  # 'more like X' picks come from the allowed tracks most like X (the top 10%)
TOLERANCE = 0.05  # a length in minutes holds within ±5% (as `checks.check_length`)


class Refused(Exception):
    """An edit that can't be honoured; the message says why."""


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


class _Turn:
    """The playlist being edited in one turn (constraints, tracks, locks, reasons) and what edits need to know."""

    def __init__(self, version: Version, library, taste, default_tracks: int, default_max_per_artist: int, vocab):
        c = version.constraints
        if c.length.minutes is None and c.length.tracks is None:
            c = c.model_copy(update={"length": Length(tracks=len(version.track_ids) or default_tracks)})
        self.lib, self.cat, self.taste, self.vocab = library, library.catalogue, taste, vocab
        # tracks a re-imported catalogue no longer has are dropped (their positions read as 'already removed')
        self.c, self.ids, self.why = c, [i for i in version.track_ids if self.cat.row_of(i) is not None], dict(version.why)
        self.locked = [i for i in version.locked if i in self.ids]
        self.params = {"default_tracks": default_tracks, "default_max_per_artist": default_max_per_artist}
        self.original, self.seen = list(version.track_ids), set(self.ids)

    # --- helpers ----------------------------------------------------------------------------------------------
    def rows(self, ids) -> np.ndarray:
        return np.asarray([self.cat.row_of(i) for i in ids], dtype=np.int64)

    def unlocked(self) -> list[int]:
        return [i for i, t in enumerate(self.ids) if t not in self.locked]

    def at(self, k: int) -> int:
        """The current index of the track the listener called number k."""
        if not 1 <= k <= len(self.original):
            raise Refused(f"track {k} doesn't exist: the playlist has {len(self.original)}")
        if self.original[k - 1] not in self.ids:
            raise Refused(f"track {k} was already removed")
        return self.ids.index(self.original[k - 1])

    def artist(self, name: str) -> tuple[str, np.ndarray] | None:
        """The catalogue's spelling of an artist and their rows, or None."""
        code = artist_code_index(self.cat).get(name.casefold())
        rows = np.flatnonzero(self.cat.artist_codes == code) if code is not None else None
        return None if rows is None else (self.cat.artists[int(rows[0])], rows)

    def name(self, tid: str) -> str:
        r = self.cat.row_of(tid)
        return f"'{self.cat.titles[r]}' by {self.cat.artists[r]}"

    def minutes(self, ids) -> float:
        return float(np.nansum(self.cat.column("duration_ms")[self.rows(ids)])) / 60000 if len(ids) else 0.0

    def terms(self, word: str) -> list[str]:
        """Catalogue genre terms for a genre word: the exact term first, then terms containing it as whole words."""
        key = genre_key(word)
        pat = re.compile(rf"(^|\s){re.escape(key)}(\s|$)")
        terms = sorted((t for t in self.lib.vectors.genre_terms if key and pat.search(genre_key(t))),
                       key=lambda t: genre_key(t) != key)
        if not terms:
            raise Refused(f"no {word} in this catalogue")
        return terms

    def genre_mask(self, terms: list[str]) -> np.ndarray:
        pos = {t: j for j, t in enumerate(self.lib.vectors.genre_terms)}
        return np.asarray(self.lib.genre_matrix().matrix[:, [pos[t] for t in terms]].sum(axis=1)).ravel() > 0

    def allowed(self) -> np.ndarray:
        ok = allowed_mask(self.cat, filter_spec(self.c))
        ok[self.rows([i for i in self.c.exclude_tracks if self.cat.row_of(i) is not None])] = False
        return ok

    def cap(self) -> int | None:
        default = None if self.c.include_artists else self.params["default_max_per_artist"]
        return self.c.max_per_artist if self.c.max_per_artist is not None else default

    def report(self) -> Report:
        facts = _pool_facts(self.lib, self.c, self.allowed(), _missing_artists(self.lib, self.c.include_artists), [])
        return check(self.c, self.cat.tracks(self.rows(self.ids)), facts, self.cap())

    def enforce(self, msgs: list[str]) -> list[str | None]:
        """The playlist with None where a track breaks a hard constraint now (locked tracks too: they are named)."""
        ok, cap, counts, drop = self.allowed()[self.rows(self.ids)], self.cap(), {}, set()
        for i in sorted(range(len(self.ids)), key=lambda i: (self.ids[i] not in self.locked, i)):  # locked first
            a = self.cat.artists[self.cat.row_of(self.ids[i])].casefold()
            counts[a] = counts.get(a, 0) + 1
            if not ok[i] or (cap is not None and counts[a] > cap):
                drop.add(i)
        for i in sorted(drop):
            if self.ids[i] in self.locked:
                msgs.append(f"{self.name(self.ids[i])} was locked but breaks the new constraint: removed it")
                self.locked.remove(self.ids[i])
        return [None if i in drop else t for i, t in enumerate(self.ids)]

    def fill(self, slots: list[str | None], plan: Constraints | None = None, accept: np.ndarray | None = None) -> int:
        """Fill the gaps (None) in `slots` with new picks, every other track staying in place; extra picks (a length
        in minutes) go after the last gap, missing ones close it. `accept` limits what new picks may be."""
        kept, minutes = [t for t in slots if t], self.c.length.minutes
        if len(kept) == len(slots) and (minutes is None or abs(self.minutes(kept) - minutes) <= TOLERANCE * minutes):
            self.ids = kept
            return 0
        base = plan or self.c
        pc = base.model_copy(update={
            "include_tracks": dedupe(base.include_tracks + kept),
            "length": Length(minutes=minutes) if minutes is not None else Length(tracks=len(slots)),
            "exclude_tracks": dedupe(base.exclude_tracks + sorted(self.seen - set(kept)))})
        excluded = None
        if accept is not None:
            mask = ~accept
            mask[self.rows(kept)] = False
            excluded = set(np.flatnonzero(mask).tolist())
        pl = make_playlist(pc, self.lib, self.taste, exclude_rows=excluded, **self.params)
        picked = {e.track.track_id for e in pl.tracks}
        new = [e for e in pl.tracks if e.track.track_id not in set(kept)]
        self.why.update({e.track.track_id: e.why for e in new})
        gaps = [i for i, t in enumerate(slots) if t is None]
        last, it, out = (gaps[-1] if gaps else len(slots) - 1), iter(e.track.track_id for e in new), []
        for i, t in enumerate(slots):
            out += [x for x in [next(it, None)] if x] if t is None else [t] if t in picked else []
            if i == last:
                out += list(it)
        self.ids = out
        return len(new)

    def swap(self, drop: list[int], accept: np.ndarray, what: str, plan: Constraints | None = None) -> str:
        if not drop:
            raise Refused("every track it would replace is locked")
        ok = self.allowed() & accept
        ok[self.rows(sorted(self.seen))] = False
        if not ok.any():
            raise Refused(f"no other tracks {what} pass the playlist's constraints in this catalogue")
        n = self.fill([None if i in set(drop) else t for i, t in enumerate(self.ids)], plan, accept)
        return f"swapped {len(drop)} tracks for {n} {what}"

    def hard(self, what: str, update: dict) -> str:
        """A hard-constraint edit: update the constraints, drop what breaks them, fill the gaps."""
        self.c = self.c.model_copy(update=update)
        if not self.allowed().any():
            raise Refused(f"no tracks in this catalogue pass {what}")
        msgs: list[str] = []
        slots = self.enforce(msgs)
        gone, n = sum(t is None for t in slots), self.fill(slots)
        return "; ".join([f"{what}: removed {gone}, added {n}" if gone or n else f"{what}: every track already fits"] + msgs)

    def fit(self, op: MoreLess) -> np.ndarray:
        """Per catalogue row, how well it fits the edit (higher is better; NaN unknown)."""
        sign = 1.0 if op.op == "more" else -1.0
        if op.feature:
            return sign * np.asarray(self.cat.column(op.feature), dtype=np.float64)
        target = MOODS[MOOD_KEYS[genre_key(op.mood)]]
        cols = [np.abs(np.asarray(self.cat.column(f), dtype=np.float64) - v) for f, v in target.items()]
        return -sign * np.nanmean(np.stack(cols), axis=0)

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
                self.c = c.model_copy(update={"genres": dedupe(c.genres + terms[:1])})
                return self.swap(non[::-1][:max(1, round(len(rows) * MORE_GENRE_SHARE))], has, f"of {op.genre}")
            if not mine.any():
                raise Refused(f"there is no {op.genre} in the playlist")
            purity = [sum(g in terms for g in self.cat.genres[r]) / max(1, len(self.cat.genres[r])) for r in rows]
            drop = sorted((i for i in self.unlocked() if mine[i]), key=lambda i: (-purity[i], -i))
            self.c = c.model_copy(update={"genres": [g for g in c.genres if g not in terms]})
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
        return self.hard(f"years {Range(min=lo, max=hi).describe()}", {"years": Range(min=lo, max=hi)})

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
            from assistant.parser import parse

            c = parse(op.request, self.vocab)
        if c is None:
            raise Refused("say what the new playlist should be, e.g. 'start over: 90s hip hop'")
        from assistant.resolve import resolve_works

        c, missing = resolve_works(c, self.lib)
        pl = make_playlist(c, self.lib, self.taste, missing_works=missing, **self.params)
        self.c, self.ids, self.locked = pl.constraints, [e.track.track_id for e in pl.tracks], []
        self.why = {e.track.track_id: e.why for e in pl.tracks}
        return f"started over: {op.request or 'a new request'} ({len(self.ids)} tracks)"
