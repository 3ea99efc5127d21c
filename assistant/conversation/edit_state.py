"""The playlist one turn of edits works on (`EditState`), and the helpers every edit handler shares.

`apply.apply_edits` makes one `EditState` per turn and passes it to the handler of each edit
(`edit_handlers.HANDLERS`). Gaps left by an edit are refilled with `make_playlist`, kept tracks pinned in place;
hard constraints are enforced on every kept track, locked ones included (and a locked track that must go is
named). An edit that can't be honoured raises `EditRefused` and changes nothing.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.conversation.edits import MoreLess
from assistant.conversation.session import Version
from assistant.model.constraints import Constraints, FeatureRanges, Length, Range, Report
from assistant.planning import check_constraints, filter_spec, make_playlist, missing_artists, pool_facts
from assistant.understanding import MOOD_KEYS, MOODS, dedupe, genre_key
from retrieval.filters import allowed_mask, artist_code_index

TOLERANCE = 0.05  # a length in minutes holds within ±5% (as `checks.check_length`)
SENSE_FEATURES = ("energy", "valence", "acousticness", "danceability", "instrumentalness")  # a session's feel
SENSE_MARGIN = 0.05  # how far past the kept tracks' middle 80% a refill may go
SENSE_MIN_TRACKS = 4  # fewer kept tracks than this say too little about the session's feel

__all__ = ["TOLERANCE", "EditRefused", "EditState"]


class EditRefused(Exception):
    """An edit that can't be honoured; the message says why."""


class EditState:
    """The playlist being edited in one turn and what edits need to know.

    `c` the constraints, `ids` the track ids in order, `locked` the locked ids, `why` track id -> reason; `lib` the
    library and `cat` its catalogue, `taste` the listener's profile (or None), `vocab` the vocabulary (to read a
    start-over given as words); `original` the playlist as the listener saw it (positions refer to it) and `seen`
    every track shown this turn (new picks are new). The handlers change `c`, `ids`, `locked` and `why`."""

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
            raise EditRefused(f"track {k} doesn't exist: the playlist has {len(self.original)}")
        if self.original[k - 1] not in self.ids:
            raise EditRefused(f"track {k} was already removed")
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
            raise EditRefused(f"no {word} in this catalogue")
        return terms

    def genre_mask(self, terms: list[str]) -> np.ndarray:
        pos = {t: j for j, t in enumerate(self.lib.vectors.genre_terms)}
        return self.lib.genre_matrix().any_of([pos[t] for t in terms])

    def allowed(self) -> np.ndarray:
        ok = allowed_mask(self.cat, filter_spec(self.c))
        ok[self.rows([i for i in self.c.exclude_tracks if self.cat.row_of(i) is not None])] = False
        return ok

    def cap(self) -> int | None:
        default = None if self.c.include_artists else self.params["default_max_per_artist"]
        return self.c.max_per_artist if self.c.max_per_artist is not None else default

    def report(self) -> Report:
        facts = pool_facts(self.lib, self.c, self.allowed(), missing_artists(self.lib, self.c.include_artists), [])
        return check_constraints(self.c, self.cat.tracks(self.rows(self.ids)), facts, self.cap())

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
            "exclude_tracks": dedupe(base.exclude_tracks + sorted(self.seen - set(kept))),
            "feature_ranges": self.sense(kept, base)})
        excluded = None
        if accept is not None:
            mask = ~accept
            mask[self.rows(kept)] = False
            excluded = set(np.flatnonzero(mask).tolist())
        pl = make_playlist(pc, self.lib, self.taste, exclude_rows=excluded, **self.params)
        # kept tracks stay whether or not the planner re-picked them (they passed `enforce`); a new pick that
        # would take an artist past the cap next to them is dropped
        cap, counts, new = self.cap(), {}, []
        for t in kept:
            a = self.cat.artists[self.cat.row_of(t)].casefold()
            counts[a] = counts.get(a, 0) + 1
        for e in pl.tracks:
            if e.track.track_id in set(kept):
                continue
            a = e.track.artist.casefold()
            if cap is not None and counts.get(a, 0) >= cap:
                continue
            counts[a] = counts.get(a, 0) + 1
            new.append(e)
        self.why.update({e.track.track_id: e.why for e in new})
        gaps = [i for i, t in enumerate(slots) if t is None]
        last, it, out = (gaps[-1] if gaps else len(slots) - 1), iter(e.track.track_id for e in new), []
        for i, t in enumerate(slots):
            out += [x for x in [next(it, None)] if x] if t is None else [t]
            if i == last:
                out += list(it)
        self.ids = out
        return len(new)

    def sense(self, kept: list[str], plan: Constraints) -> FeatureRanges:
        """The session's sense for a refill: the feel of the tracks that stay (the middle 80% of their energy,
        mood and sound, a little widened), for every feature the plan does not steer itself. A refill after 'make it
        90 minutes' or 'more like track 3' keeps to the chill set it was, instead of the catalogue at large."""
        steered = {name for name, _ in plan.targets.items()} | {name for name, _ in plan.feature_ranges.items()}
        ranges = dict(plan.feature_ranges.items())
        rows = self.rows(kept)
        if len(rows) >= SENSE_MIN_TRACKS:
            for name in SENSE_FEATURES:
                if name in steered:
                    continue
                values = np.asarray(self.cat.column(name), dtype=np.float64)[rows]
                values = values[~np.isnan(values)]
                if len(values) >= SENSE_MIN_TRACKS:
                    lo, hi = np.percentile(values, [10, 90])
                    ranges[name] = Range(min=round(max(0.0, lo - SENSE_MARGIN), 3), max=round(min(1.0, hi + SENSE_MARGIN), 3))
        return FeatureRanges(**ranges)

    def swap(self, drop: list[int], accept: np.ndarray, what: str, plan: Constraints | None = None) -> str:
        if not drop:
            raise EditRefused("every track it would replace is locked")
        ok = self.allowed() & accept
        ok[self.rows(sorted(self.seen))] = False
        if not ok.any():
            raise EditRefused(f"no other tracks {what} pass the playlist's constraints in this catalogue")
        n = self.fill([None if i in set(drop) else t for i, t in enumerate(self.ids)], plan, accept)
        return f"swapped {len(drop)} tracks for {n} {what}"

    def hard(self, what: str, update: dict) -> str:
        """A hard-constraint edit: update the constraints, drop what breaks them, fill the gaps."""
        self.c = self.c.model_copy(update=update)
        if not self.allowed().any():
            raise EditRefused(f"no tracks in this catalogue pass {what}")
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
