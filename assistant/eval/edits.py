"""Follow-up edits on real playlists, each with a check written before any run (`segue eval edits`).

For every line of the edit set (`data/edits.jsonl`): build the starting playlist (`Planner.playlist`, once per
prompt), apply any `setup` follow-ups, then the `edit`, each read by the offline edit parser and applied with
`conversation.apply.step` on a session. Templates in the edit and the check refer to the version just before the
edit: {track:K} its K-th track id, {artist:K}, {title:K}, {genre:K} (that track's first genre tag).

A line: `{"id", "start": prompt, "setup"?: [follow-ups], "edit": follow-up, "check": {name: want},
"named"?: {what the edit names: positions, section, artist, genre, over_cap, years_below, years_above, tag,
explicit, shorten}}`; the check names are those of `failed_checks`.

Reports:
  honoured  share of edits whose check holds (every key of it)
  retained  for lines with `named` (edits that should not touch other tracks): the share of the previous
            version's tracks, other than the ones the edit names, still in the playlist
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.eval.files import GOLD_DIR, read_jsonl
from assistant.model.errors import BadInput

EDITS_SET = GOLD_DIR / "edits.jsonl"


def fill(value, prev, cat):
    """Resolve {track:K}, {artist:K}, {title:K}, {genre:K} against the previous version (recursively)."""
    if isinstance(value, list):
        return [fill(v, prev, cat) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, prev, cat) for k, v in value.items()}
    if not isinstance(value, str):
        return value

    def one(m):
        k = int(m.group(2))
        k = len(prev.track_ids) + 1 + k if k < 0 else k
        if not 1 <= k <= len(prev.track_ids):
            return f"<no track {k}>"
        r = cat.row_of(prev.track_ids[k - 1])
        return {"track": cat.ids[r], "artist": cat.artists[r], "title": cat.titles[r],
                "genre": (cat.genres[r] or ("<untagged>",))[0]}[m.group(1)]

    return re.sub(r"\{(track|artist|title|genre):(-?\d+)\}", one, value)


def has_genre(tags, word: str) -> bool:
    return any(re.search(rf"(^|\b){re.escape(word.lower())}(\b|$)", t.lower()) for t in tags)


def failed_checks(check: dict, prev, new, start, out, lib) -> list[str]:
    """The failed parts of `check` (empty: honoured)."""
    cat = lib.catalogue
    rows_p = [cat.row_of(t) for t in prev.track_ids]
    rows_n = [cat.row_of(t) for t in new.track_ids]
    col = lambda f, rows: np.asarray(cat.column(f))[rows].astype(float)  # noqa: E731
    minutes = float(np.nansum(col("duration_ms", rows_n))) / 60000
    share = lambda rows, g: sum(has_genre(cat.genres[r], g) for r in rows) / max(1, len(rows))  # noqa: E731
    fails = []

    def need(ok, why):
        if not ok:
            fails.append(why)

    for key, want in check.items():
        if key == "max_per_artist":
            worst = max(Counter(cat.artists[r].casefold() for r in rows_n).values(), default=0)
            need(worst <= want, f"{worst} tracks by one artist")
        elif key == "length_minutes":
            need(abs(minutes - want) <= 0.05 * want, f"{minutes:.1f} minutes")
        elif key == "length_tracks":
            need(len(rows_n) == want, f"{len(rows_n)} tracks")
        elif key == "genre_share_lower":
            need(share(rows_n, want) < share(rows_p, want), f"{want} share {share(rows_p, want):.2f} -> {share(rows_n, want):.2f}")
        elif key == "genre_share_higher":
            need(share(rows_n, want) > share(rows_p, want), f"{want} share {share(rows_p, want):.2f} -> {share(rows_n, want):.2f}")
        elif key == "no_tag":
            need(all(want not in cat.genres[r] for r in rows_n), f"tracks tagged {want} left")
        elif key == "added_tracks":
            need(len(rows_n) == len(rows_p) + want, f"{len(rows_n) - len(rows_p)} tracks added")
        elif key == "genre_share_above":
            need(share(rows_n, want[0]) > want[1], f"{want[0]} share {share(rows_n, want[0]):.2f}")
        elif key in ("mean_up", "mean_down"):
            a, b = np.nanmean(col(want, rows_p)), np.nanmean(col(want, rows_n))
            need(b > a if key == "mean_up" else b < a, f"mean {want} {a:.3f} -> {b:.3f}")
        elif key in ("mood_fit_up", "mood_fit_down"):
            from assistant.understanding import MOODS

            def dist(rows):
                return np.nanmean([np.abs(col(f, rows) - v) for f, v in MOODS[want].items()])
            closer = dist(rows_n) < dist(rows_p)
            need(closer if key == "mood_fit_up" else dist(rows_n) > dist(rows_p),
                 f"distance to {want} {dist(rows_p):.3f} -> {dist(rows_n):.3f}")
        elif key == "track_at":
            pos, tid = want
            need(len(new.track_ids) >= pos and new.track_ids[pos - 1] == tid, f"position {pos} holds another track")
        elif key == "same_set":
            need(sorted(new.track_ids) == sorted(prev.track_ids), "the set changed")
        elif key == "order_changed":
            need(new.track_ids != prev.track_ids, "the order did not change")
        elif key == "sorted_by":
            e = list(np.nan_to_num(col("energy", rows_n), nan=0.5))
            need(e == sorted(e, reverse=want == "energy_falling"), "not sorted by energy")
        elif key == "unchanged":
            need(new.track_ids == prev.track_ids and new.constraints == prev.constraints, "the playlist changed")
        elif key == "refused":
            need(bool(out is not None and out.refused), "nothing refused")
        elif key == "answer_mentions":
            need(bool(out and out.answers and want in out.answers[0]), "no answer naming the track")
        elif key == "no_artist":
            need(all(cat.artists[r].casefold() != want.casefold() for r in rows_n), f"{want} still there")
        elif key in ("absent", "contains"):
            there = [t in new.track_ids for t in want]
            need(not any(there) if key == "absent" else all(there), f"{key} failed")
        elif key == "contains_all_previous":
            need(set(prev.track_ids) <= set(new.track_ids), "a previous track went")
        elif key == "locked":
            need(set(want) <= set(new.locked), "not locked")
        elif key == "section_genre":
            a, b, g = want
            sec = rows_n[a - 1:b]
            need(len(sec) == b - a + 1 and all(has_genre(cat.genres[r], g) for r in sec), f"positions {a}-{b} not all {g}")
        elif key in ("years_min", "years_max", "years_range"):
            lo, hi = (want, 9999) if key == "years_min" else (0, want) if key == "years_max" else want
            # Segue's documented rule: an unknown year passes only when its known decade lies wholly in the range
            ok = [lo <= y <= hi if not np.isnan(y) else (not np.isnan(d) and lo <= d and d + 9 <= hi)
                  for y, d in zip(col("year", rows_n), col("decade", rows_n))]
            need(all(ok), f"years outside {lo}-{hi}")
        elif key in ("added_mean_near", "added_not_below_mean", "added_not_artist", "added_genre_share_above"):
            added = [r for r in rows_n if r not in set(rows_p)]
            if not added:
                need(False, "nothing was added")
            elif key == "added_mean_near":  # a refill keeps the session's feel
                f, tol = want
                a, b = np.nanmean(col(f, rows_p)), np.nanmean(col(f, added))
                need(abs(b - a) <= tol, f"added {f} {b:.2f} vs the playlist's {a:.2f}")
            elif key == "added_not_below_mean":  # 'faster' adds nothing slower than the playlist was
                floor = np.nanmean(col(want, rows_p))
                low = [float(x) for x in col(want, added) if x < floor]
                need(not low, f"{len(low)} added tracks below the previous mean {want} {floor:.1f}")
            elif key == "added_not_artist":  # 'more like X' is songs that sound like X, not X's own
                need(all(cat.artists[r].casefold() != want.casefold() for r in added), f"{want}'s own songs added")
            else:
                g, floor = want
                need(share(added, g) >= floor, f"{g} share of the added tracks {share(added, g):.2f}")
        elif key == "length_near_previous":
            before = float(np.nansum(col("duration_ms", rows_p))) / 60000
            need(abs(minutes - before) <= want * before, f"{before:.0f} -> {minutes:.0f} minutes")
        elif key == "no_explicit":
            need(all(int(cat.explicit[r]) != 1 for r in rows_n), "explicit tracks left")
        elif key in ("new_closer_to_track", "new_closer_to_artist"):
            if key == "new_closer_to_track":
                seed = np.asarray(lib.items[cat.row_of(want)])
            else:
                seed = lib.item_mean(np.flatnonzero(np.asarray(cat.artists, dtype=object) == want)[:200])
            added = [r for r in rows_n if r not in set(rows_p)]
            if key == "new_closer_to_artist":  # 'more like X' adds others than X: compare with the others already there
                rows_p = [r for r in rows_p if cat.artists[r] != want]
            sims = lambda rows: float(np.mean(np.asarray(lib.items[rows]) @ seed)) if rows else float("nan")  # noqa: E731
            need(bool(added) and sims(added) > sims(rows_p), f"new tracks not closer ({sims(added):.3f} vs {sims(rows_p):.3f})")
        elif key == "artist_count_up":
            count = lambda rows: sum(cat.artists[r].casefold() == want.casefold() for r in rows)  # noqa: E731
            need(count(rows_n) > count(rows_p), f"{want}: {count(rows_p)} -> {count(rows_n)} tracks")
        elif key == "added_share_below_start":
            added = [r for r in rows_n if r not in set(rows_p)]
            rows_s = [cat.row_of(t) for t in start.track_ids]
            need(bool(added) and share(added, want) < share(rows_s, want),
                 f"{want} share of new tracks {share(added, want):.2f} vs {share(rows_s, want):.2f} at the start")
        elif key == "locks_kept":
            need(set(prev.locked) <= set(new.locked) and set(new.locked) <= set(new.track_ids), "a locked track went")
        elif key == "same_as_start":
            need(new.track_ids == start.track_ids and new.constraints == start.constraints, "not the starting version")
        else:
            fails.append(f"unknown check {key}")
    return fails


def named_tracks(spec: dict, prev, lib) -> set[str] | None:
    """The previous version's tracks the edit names (they may go); None for 'shorten' (handled by the caller)."""
    cat = lib.catalogue
    rows = {t: cat.row_of(t) for t in prev.track_ids}
    out: set[str] = set()
    if "positions" in spec:
        n = len(prev.track_ids)
        out |= {prev.track_ids[p - 1 if p > 0 else n + p] for p in spec["positions"] if -n <= p <= n and p}
    if "section" in spec:
        a, b = spec["section"]
        out |= set(prev.track_ids[a - 1:b])
    if "artist" in spec:
        out |= {t for t, r in rows.items() if cat.artists[r].casefold() == spec["artist"].casefold()}
    if "genre" in spec:
        out |= {t for t, r in rows.items() if has_genre(cat.genres[r], spec["genre"])}
    if "over_cap" in spec:
        seen: Counter = Counter()
        for t in prev.track_ids:
            seen[cat.artists[rows[t]].casefold()] += 1
            if seen[cat.artists[rows[t]].casefold()] > spec["over_cap"]:
                out.add(t)
    year = lambda t: float(cat.column("year")[rows[t]])  # noqa: E731
    if "years_below" in spec:
        out |= {t for t in prev.track_ids if np.isnan(year(t)) or year(t) < spec["years_below"]}
    if "years_above" in spec:
        out |= {t for t in prev.track_ids if np.isnan(year(t)) or year(t) > spec["years_above"]}
    if "tag" in spec:
        out |= {t for t, r in rows.items() if spec["tag"] in cat.genres[r]}
    if spec.get("explicit"):
        out |= {t for t, r in rows.items() if int(cat.explicit[r]) == 1}
    return out


def load_edits(path: Path) -> list[dict]:
    """The lines of an edit set, checked for the fields the run reads."""
    lines = read_jsonl(path)
    if not lines:
        raise BadInput(f"{path} holds no edits: give a JSONL file of {{id, start, edit, check}} lines.")
    for n, line in enumerate(lines, 1):
        if not isinstance(line, dict) or not all(k in line for k in ("id", "start", "edit", "check")):
            raise BadInput(f"{path} line {n} is not an edit: it needs 'id', 'start', 'edit' and 'check'.")
    return lines


def evaluate_edits(planner, path: Path = EDITS_SET, user: str | None = None) -> dict:
    """Apply every edit of the set at `path` (playlists personalised for `user`) and check it.

    Returns `{"summary": {"n", "honoured", "retained_mean", "retained_n", "retained_min", "seconds_mean",
    "catalogue", "user"}, "results": [per edit: "id", "start", "edit", "ops", "honoured", "fails", "retained",
    "seconds", "refused", "said"]}`."""
    from assistant.conversation.apply import step
    from assistant.conversation.edits import describe
    from assistant.conversation.read_offline import parse_edits
    from assistant.conversation.session import Session, add_version

    lines = load_edits(path)
    lib, vocab, taste = planner.library(), planner.vocabulary(), planner.listeners.taste(user)
    params = {"default_tracks": planner.settings.default_tracks,
              "default_max_per_artist": planner.settings.default_max_per_artist}
    starts: dict[str, Session] = {}
    results = []
    for line in lines:
        if line["start"] not in starts:
            pl = planner.playlist(line["start"], user=user)
            starts[line["start"]] = add_version(Session(id=line["id"]), pl.constraints,
                                                [e.track.track_id for e in pl.tracks],
                                                why={e.track.track_id: e.why for e in pl.tracks})
        s = starts[line["start"]]
        start = s.current
        t0 = time.perf_counter()
        for text in line.get("setup", []):
            s, _ = step(s, parse_edits(text, vocab, s.current), lib, taste, vocab=vocab, **params)
        prev = s.current
        text = fill(line["edit"], prev, lib.catalogue)
        ops = parse_edits(text, vocab, prev)
        s, out = step(s, ops, lib, taste, vocab=vocab, **params)
        seconds = time.perf_counter() - t0
        new = s.current
        fails = failed_checks(fill(line["check"], prev, lib.catalogue), prev, new, start, out, lib)
        retained = None
        if line.get("named") is not None:
            spec = fill(line["named"], prev, lib.catalogue)
            named = named_tracks(spec, prev, lib)
            rest = [t for t in prev.track_ids if t not in named]
            kept = sum(t in new.track_ids for t in rest)
            base = min(len(rest), len(new.track_ids)) if spec.get("shorten") else len(rest)
            retained = (kept / base) if base else 1.0
        results.append({"id": line["id"], "start": line["start"], "edit": text, "ops": [describe(o) for o in ops],
                        "honoured": not fails, "fails": fails, "retained": retained, "seconds": round(seconds, 2),
                        "refused": out.refused if out else [], "said": (out.honoured + out.answers) if out else []})

    n = len(results)
    honoured = sum(r["honoured"] for r in results) / n
    ret = [r["retained"] for r in results if r["retained"] is not None]
    summary = {"n": n, "honoured": round(honoured, 4), "retained_mean": round(float(np.mean(ret)), 4) if ret else None,
               "retained_n": len(ret), "retained_min": round(float(np.min(ret)), 4) if ret else None,
               "seconds_mean": round(float(np.mean([r["seconds"] for r in results])), 2),
               "catalogue": lib.catalogue.meta.get("label", ""), "user": user}
    return {"summary": summary, "results": results}
