"""Follow-up edits: the offline edit parser's table, and `apply_edits` on the generated demo catalogue
(real encoder, vectors and FAISS; no fakes)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from assistant.conversation import (
    EDIT_LIST,
    HANDLERS,
    AddLike,
    CapArtist,
    EditOp,
    Edits,
    Explain,
    History,
    Lock,
    MoreLess,
    Move,
    Remove,
    Reorder,
    ReplaceSection,
    Session,
    SetFilter,
    SetLength,
    SetYears,
    StartOver,
    Version,
    add_version,
    apply_edits,
    parse_edits,
    positions,
    step,
)
from assistant.model.constraints import Constraints


@pytest.fixture(scope="module")
def app(demo_home, encoder):
    """The demo app (as the `demo_app` fixture builds it), kept for the module so the library loads once."""
    from assistant.compose import build
    from assistant.model.settings import Settings

    a = build(Settings(home=demo_home), encoder=encoder)
    yield a
    a.close()


@pytest.fixture(scope="module")
def vocab(app):
    return app.planner.vocabulary()


def _version(app, prompt: str) -> Version:
    pl = app.planner.playlist(prompt)
    return Version(n=1, constraints=pl.constraints, track_ids=[e.track.track_id for e in pl.tracks],
                   why={e.track.track_id: e.why for e in pl.tracks})


@pytest.fixture(scope="module")
def rock(app) -> Version:
    return _version(app, "20 songs of grunge and alternative rock, max 3 per artist")


@pytest.fixture(scope="module")
def chill(app) -> Version:
    return _version(app, "45 minutes of chill electronic for coding")


def _apply(app, ops, v):
    return apply_edits(ops, v, app.planner.library(), None, vocab=app.planner.vocabulary())


def _tracks(app, ids):
    cat = app.planner.library().catalogue
    return [cat.track(cat.row_of(t)) for t in ids]


def _minutes(app, ids):
    return sum(t.duration_ms for t in _tracks(app, ids)) / 60000


# --- the parser ---------------------------------------------------------------------------------------------

CURRENT = Version(n=1, constraints=Constraints(genres=["house"], moods=["chill"]), track_ids=[f"t{i}" for i in range(20)])

TABLE = [
    ("less grunge", [MoreLess(op="less", genre="grunge")]),
    ("more upbeat", [MoreLess(op="more", mood="upbeat")]),
    ("only two songs per artist", [CapArtist(max_per_artist=2)]),
    ("no more than 2 per artist", [CapArtist(max_per_artist=2)]),
    ("make it an hour", [SetLength(minutes=60)]),
    ("20 songs instead", [SetLength(tracks=20)]),
    ("swap the second half to jazz", [ReplaceSection(start=11, end=20, genres=["jazz"], request="jazz")]),
    ("remove track 3", [Remove(positions=[3])]),
    ("no more Nirvana", [Remove(artist="Nirvana")]),
    ("more like track 2", [AddLike(track=2, count=3)]),
    ("add 5 more like Radiohead", [AddLike(artist="Radiohead", count=5, grow=True)]),
    ("move 4 to the top", [Move(track=4, to=1)]),
    ("why is track 4 here?", [Explain(track=4)]),
    ("lock 1 and 2", [Lock(op="lock", positions=[1, 2])]),
    ("undo", [History(op="undo")]),
    ("redo", [History(op="redo")]),
    ("nothing before 1990", [SetYears(min=1990)]),
    ("faster", [MoreLess(op="more", feature="tempo")]),
    ("calmer", [MoreLess(op="less", feature="energy")]),
    ("build up the energy", [Reorder(by="energy_rising")]),
    ("wind it down", [Reorder(by="energy_falling")]),
    ("shuffle", [Reorder(by="shuffle")]),
    ("unlock 2", [Lock(op="unlock", positions=[2])]),
    ("lock the first three", [Lock(op="lock", positions=[1, 2, 3])]),
    ("remove the last track", [Remove(positions=[20])]),
    ("put track 7 last", [Move(track=7, to=20)]),
    ("make the last 5 songs jazz", [ReplaceSection(start=16, end=20, genres=["jazz"], request="jazz")]),
    ("get rid of the grunge", [Remove(genre="grunge")]),
    ("clean only", [SetFilter(explicit="exclude")]),
    ("more energy", [MoreLess(op="more", feature="energy")]),
    ("too sad", [MoreLess(op="less", mood="sad")]),
    ("add 5 songs", [SetLength(tracks=25)]),
    ("remove track 3 and make it an hour", [Remove(positions=[3]), SetLength(minutes=60)]),
    ("less grunge, then move 4 to the top", [MoreLess(op="less", genre="grunge"), Move(track=4, to=1)]),
    ("jazz", [MoreLess(op="more", genre="jazz")]),
    ("I don't like track 5", [Remove(positions=[5])]),
    ("swap track 3 for something else", [Remove(positions=[3])]),
    ("change track 4 to jazz", [ReplaceSection(start=4, end=4, genres=["jazz"], request="jazz")]),
    ("put the slow ones at the end", [Reorder(by="energy_falling")]),
    ("cut it to 30 minutes", [SetLength(minutes=30)]),
    ("why did you pick number 7?", [Explain(track=7)]),
    ("skip track 12 and 14", [Remove(positions=[12, 14])]),
    ("don't repeat artists", [CapArtist(max_per_artist=1)]),
    ("add some jazz", [MoreLess(op="more", genre="jazz")]),
]


@pytest.mark.parametrize("text,expected", TABLE, ids=[t for t, _ in TABLE])
def test_parser_table(vocab, text, expected):
    assert parse_edits(text, vocab, CURRENT) == expected


def test_parser_start_over_and_new_requests(vocab):
    ops = parse_edits("start over: 90s hip hop", vocab, CURRENT)
    assert len(ops) == 1 and isinstance(ops[0], StartOver) and ops[0].request == "90s hip hop"
    assert ops[0].constraints.genres == ["hip hop"] and ops[0].constraints.years.min == 1990
    for text in ("give me 90s hip hop", "an hour of jazz"):
        ops = parse_edits(text, vocab, CURRENT)
        assert [o.op for o in ops] == ["start_over"], text
    assert parse_edits("an hour of house", vocab, CURRENT)[0].op == "set_length"  # same genre: a refinement


def test_parser_unreadable_gives_nothing(vocab):
    for text in ("", "   ", "asdf qwerty", "why?", "make it more fun"):
        assert parse_edits(text, vocab, CURRENT) == [], text


def test_positions_words_and_ranges():
    assert positions("1, 2 and 5", 20) == [1, 2, 5]
    assert positions("tracks 3-5", 20) == [3, 4, 5]
    assert positions("the last two", 20) == [19, 20]
    assert positions("the third one", 20) == [3]
    assert positions("Nirvana", 20) is None


def test_edit_schema_round_trips():
    ops = [MoreLess(op="less", genre="grunge"), Lock(positions=[1]), History(op="undo")]
    data = Edits(edits=ops).model_dump(mode="json")
    assert Edits.model_validate(data).edits == ops
    assert EDIT_LIST.validate_python([{"op": "cap_artist", "max_per_artist": 2}]) == [CapArtist(max_per_artist=2)]
    with pytest.raises(ValueError):
        EDIT_LIST.validate_python([{"op": "more", "genre": "jazz", "surprise": 1}])


# --- applying edits -----------------------------------------------------------------------------------------

def test_cap_artist_holds_and_keeps_the_rest(app, rock):
    out = _apply(app, [CapArtist(max_per_artist=1)], rock)
    counts = Counter(t.artist for t in _tracks(app, out.track_ids))
    assert max(counts.values()) == 1 and len(out.track_ids) == 20
    before = Counter(t.artist for t in _tracks(app, rock.track_ids))
    untouched = [t for t in rock.track_ids if before[_tracks(app, [t])[0].artist] == 1]
    assert all(t in out.track_ids for t in untouched)
    assert out.constraints.max_per_artist == 1 and out.report.satisfied and out.honoured


def test_set_length_minutes_within_five_percent(app, chill):
    out = _apply(app, [SetLength(minutes=60)], chill)
    assert abs(_minutes(app, out.track_ids) - 60) <= 3
    assert set(chill.track_ids) <= set(out.track_ids)  # longer: everything kept
    shorter = _apply(app, [SetLength(minutes=30)], chill)
    assert abs(_minutes(app, shorter.track_ids) - 30) <= 1.5
    assert shorter.track_ids == [t for t in chill.track_ids if t in shorter.track_ids][:len(shorter.track_ids)] or \
        len(set(shorter.track_ids) & set(chill.track_ids)) >= len(shorter.track_ids) - 2


def test_remove_artist_and_track(app, rock):
    artist = _tracks(app, rock.track_ids)[4].artist
    out = _apply(app, [Remove(artist=artist)], rock)
    assert artist not in {t.artist for t in _tracks(app, out.track_ids)}
    assert artist in out.constraints.exclude_artists and len(out.track_ids) == 20
    others = [t for t, tr in zip(rock.track_ids, _tracks(app, rock.track_ids)) if tr.artist != artist]
    assert [t for t in out.track_ids if t in others] == others  # the rest stay, in order
    third = _apply(app, [Remove(positions=[3])], rock)
    assert rock.track_ids[2] not in third.track_ids and third.track_ids[:2] == rock.track_ids[:2]
    assert third.track_ids[3:] == rock.track_ids[3:] and rock.track_ids[2] in third.constraints.exclude_tracks


def test_less_genre_lowers_its_share_and_keeps_the_others(app, rock):
    def grunge(ids):
        return [t for t, tr in zip(ids, _tracks(app, ids)) if any("grunge" in g for g in tr.genres)]

    before = grunge(rock.track_ids)
    assert before, "the starting playlist should hold some grunge"
    out = _apply(app, [MoreLess(op="less", genre="grunge")], rock)
    assert len(grunge(out.track_ids)) < len(before) and len(out.track_ids) == 20
    others = [t for t in rock.track_ids if t not in before]
    assert sum(t in out.track_ids for t in others) >= 0.8 * len(others)


def test_more_energy_and_faster_move_the_mean(app, chill):
    def mean(ids, f):
        return np.mean([getattr(t, f) for t in _tracks(app, ids)])

    up = _apply(app, [MoreLess(op="more", feature="energy")], chill)
    assert mean(up.track_ids, "energy") > mean(chill.track_ids, "energy")
    assert len(set(up.track_ids) & set(chill.track_ids)) >= 0.7 * len(chill.track_ids)
    fast = _apply(app, [MoreLess(op="more", feature="tempo")], chill)
    assert mean(fast.track_ids, "tempo") > mean(chill.track_ids, "tempo")
    mine = apply_edits([MoreLess(op="less", feature="energy")], chill, app.planner.library(), app.listeners.taste("alex"))  # personalised
    assert mean(mine.track_ids, "energy") < mean(chill.track_ids, "energy") and abs(_minutes(app, mine.track_ids) - 45) <= 2.25


def test_move_and_reorder_keep_the_same_set(app, rock):
    moved = _apply(app, [Move(track=4, to=1)], rock)
    assert moved.track_ids[0] == rock.track_ids[3] and sorted(moved.track_ids) == sorted(rock.track_ids)
    rising = _apply(app, [Reorder(by="energy_rising")], rock)
    energy = [t.energy for t in _tracks(app, rising.track_ids)]
    assert sorted(rising.track_ids) == sorted(rock.track_ids) and energy == sorted(energy)
    assert rising.constraints.ordering.arc == "rising"
    shuffled = _apply(app, [Reorder(by="shuffle")], rock)
    assert sorted(shuffled.track_ids) == sorted(rock.track_ids) != shuffled.track_ids


def test_lock_keeps_a_track_through_later_edits(app, rock):
    locked = _apply(app, [Lock(positions=[19])], rock)
    assert locked.locked == [rock.track_ids[18]] and locked.track_ids == rock.track_ids
    v2 = Version(n=2, constraints=locked.constraints, track_ids=locked.track_ids, locked=locked.locked, why=locked.why)
    out = _apply(app, [SetLength(tracks=5)], v2)
    assert rock.track_ids[18] in out.track_ids and len(out.track_ids) == 5
    refused = _apply(app, [Remove(positions=[19])], v2)
    assert refused.track_ids == v2.track_ids and "locked" in refused.refused[0]


def test_refused_edits_change_nothing_and_say_why(app, rock):
    for ops, words in (([Remove(positions=[25])], "track 25 doesn't exist: the playlist has 20"),
                       ([Lock(positions=list(range(1, 26)))], "can't lock more tracks than the playlist holds"),
                       ([MoreLess(op="more", genre="polka")], "no polka in this catalogue"),
                       ([ReplaceSection(start=11, end=20, request="polka")], "no polka in this catalogue"),
                       ([Move(track=2, to=30)], "position 30 doesn't exist")):
        out = _apply(app, ops, rock)
        assert out.track_ids == rock.track_ids and out.constraints == rock.constraints and not out.changed
        assert not out.honoured and words in out.refused[0], out.refused


def test_explain_returns_text_and_changes_nothing(app, rock):
    out = _apply(app, [Explain(track=4)], rock)
    title = _tracks(app, [rock.track_ids[3]])[0].title
    assert out.answers and title in out.answers[0] and out.track_ids == rock.track_ids and not out.changed


def test_add_like_and_replace_section(app, rock):
    grown = _apply(app, [AddLike(track=2, count=3, grow=True)], rock)
    assert len(grown.track_ids) == 23 and grown.track_ids[:20] == rock.track_ids
    jazz = _apply(app, [ReplaceSection(start=11, end=20, genres=["jazz"], request="jazz")], rock)
    assert jazz.track_ids[:10] == rock.track_ids[:10]
    assert all(any("jazz" in g for g in t.genres) for t in _tracks(app, jazz.track_ids[10:]))


def test_hard_edit_removes_a_locked_track_and_says_so(app, rock):
    first = _tracks(app, rock.track_ids[:1])[0]
    v = Version(n=1, constraints=rock.constraints, track_ids=rock.track_ids, locked=[rock.track_ids[0]])
    out = _apply(app, [Remove(artist=first.artist)], v)
    assert rock.track_ids[0] not in out.track_ids and any("locked" in h for h in out.honoured)


def test_every_edit_kind_has_a_handler():
    """The handler table covers the edit union exactly: a new op without a handler (or a stale handler) fails."""
    from typing import get_args

    kinds = set(get_args(get_args(EditOp)[0]))
    assert kinds == set(HANDLERS) and len(kinds) == 14


def test_step_undo_redo_and_start_over(app, rock, vocab):
    s = add_version(Session(id="s"), rock.constraints, rock.track_ids, why=rock.why)
    s, out = step(s, parse_edits("remove track 1", vocab, s.current), app.planner.library(), vocab=vocab)
    assert s.cursor == 2 and out.track_ids[0] != rock.track_ids[0]
    s, out = step(s, parse_edits("undo", vocab, s.current), app.planner.library())
    assert s.cursor == 1 and out.track_ids == rock.track_ids
    s, out = step(s, [History(op="redo"), History(op="redo")], app.planner.library())
    assert s.cursor == 2 and out.refused == ["redo: nothing to redo"]
    s, out = step(s, parse_edits("start over: 90s hip hop", vocab, s.current), app.planner.library(), vocab=vocab)
    assert s.cursor == 3 and out.report.satisfied
    assert all(t.year is None or 1990 <= t.year <= 1999 for t in _tracks(app, out.track_ids))


def _next(out, n=2) -> Version:
    return Version(n=n, constraints=out.constraints, track_ids=out.track_ids, locked=out.locked, why=out.why)


def test_more_artist_adds_their_own_tracks_and_more_like_sounds_like_them(app, rock):
    cat = app.planner.library().catalogue
    artists = Counter(t.artist for t in _tracks(app, rock.track_ids))
    # an artist of the catalogue's rock not yet in the playlist, with several tracks
    rows = [cat.row_of(t) for t in rock.track_ids]
    name = next(a for a in dict.fromkeys(cat.artists[r] for r in np.argsort(-np.asarray(app.planner.library().items
                @ app.planner.library().item_mean(np.asarray(rows))))[:400]) if a not in artists
                and int((np.asarray(cat.artists, dtype=object) == a).sum()) >= 4)
    own = _apply(app, [AddLike(artist=name, count=2, own=True, grow=True)], rock)
    assert own.track_ids[:20] == rock.track_ids and len(own.track_ids) == 22
    assert [t.artist for t in _tracks(app, own.track_ids[20:])] == [name, name], own.honoured
    swapped = _apply(app, [AddLike(artist=name, count=2, own=True)], rock)
    assert len(swapped.track_ids) == 20 and sum(t.artist == name for t in _tracks(app, swapped.track_ids)) == 2
    assert len(set(swapped.track_ids) & set(rock.track_ids)) == 18


def test_more_artist_words_read_as_their_own_tracks(vocab, rock, app):
    name = _tracks(app, rock.track_ids[:1])[0].artist
    for text, grow in ((f"more {name}", False), (f"add 2 {name} songs", True), (f"throw in some {name}", True)):
        ops = parse_edits(text, vocab, rock)
        assert len(ops) == 1 and isinstance(ops[0], AddLike) and ops[0].own and ops[0].grow == grow, (text, ops)
    like = parse_edits(f"more like {name}", vocab, rock)
    assert isinstance(like[0], AddLike) and not like[0].own


def test_less_genre_is_remembered_by_later_refills(app, rock):
    less = _apply(app, [MoreLess(op="less", genre="grunge")], rock)
    assert "grunge" in less.constraints.avoid_genres
    longer = _apply(app, [SetLength(tracks=30)], _next(less))
    added = _tracks(app, longer.track_ids[20:])
    share = lambda ts: sum(any("grunge" in g for g in t.genres) for t in ts) / len(ts)  # noqa: E731
    assert len(added) == 10 and share(added) < share(_tracks(app, rock.track_ids))
    back = _apply(app, [MoreLess(op="more", genre="grunge")], _next(less))
    assert "grunge" not in back.constraints.avoid_genres


def test_locked_tracks_survive_a_cap_and_a_refill(app, rock):
    # lock one track of each of the first three distinct artists, then cap at one and grow the playlist
    firsts = list(dict.fromkeys((t.artist, t.track_id) for t in _tracks(app, rock.track_ids)))
    seen, lock = set(), []
    for artist, tid in firsts:
        if artist not in seen and len(lock) < 3:
            seen.add(artist)
            lock.append(rock.track_ids.index(tid) + 1)
    v = _next(_apply(app, [Lock(positions=lock)], rock))
    out = _apply(app, [CapArtist(max_per_artist=1), SetLength(tracks=25)], v)
    assert set(v.locked) <= set(out.locked) <= set(out.track_ids) and len(out.track_ids) == 25, out.honoured
    assert max(Counter(t.artist for t in _tracks(app, out.track_ids)).values()) == 1
