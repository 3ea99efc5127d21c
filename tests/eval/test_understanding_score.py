"""The understanding scorer (assistant/eval/understanding_score.py) and the gold-line checks
(assistant/eval/understanding_gold.py) on hand-made predictions; no app needed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.eval import DEV_SET, HOLDOUT_SET, understanding_gold
from assistant.eval import understanding_score as us


def line(gold: dict, kind: str = "playlist", text: str = "x") -> dict:
    return {"id": "t", "text": text, "kind": kind, "gold": gold}


# -- term matching ------------------------------------------------------------------------
@pytest.mark.parametrize("word, predicted, ok", [
    ("rock", "alternative rock", True),
    ("rock", "Rock", True),
    ("hip hop", "hip-hop", True),
    ("hip hop", "Hip Hop", True),
    ("hip hop", "hiphop", True),
    ("hiphop", "hip hop", True),
    ("lofi", "lo-fi beats", True),
    ("r&b", "R&B", True),
    ("r&b", "contemporary r&b", True),
    ("drum and bass", "drum & bass", True),
    ("k pop", "K-Pop", True),
    ("nu metal", "nü-metal", True),
    ("rap", "trap", False),
    ("rock", "rockabilly", False),
    ("jazz", "acid jazz", True),
    ("house", "deep house", True),
    ("deep house", "house", False),
])
def test_term_matches(word, predicted, ok):
    assert us.term_matches(word, predicted) is ok


def test_terms_exact_and_recall():
    gold = [["rock"], ["hip hop", "rap"]]
    assert us.score_terms(gold, ["alternative rock", "hip-hop"]) == (True, True)
    assert us.score_terms(gold, ["rock", "rap", "pop"]) == (False, True)  # an extra genre
    assert us.score_terms(gold, ["rock"]) == (False, False)  # one item missing
    assert us.score_terms(gold, []) == (False, False)
    assert us.score_terms([["rock"]], ["classic rock", "hard rock"]) == (True, True)


def test_theme():
    assert us.score_theme(["ocean", "sea"], "songs about the sea")
    assert not us.score_theme(["ocean", "sea"], "seasons")
    assert not us.score_theme(["ocean"], None)


# -- names and works -------------------------------------------------------------------------
def test_artists_normalised():
    assert us.score_artists(["The Beatles"], ["beatles"])
    assert us.score_artists(["Beyoncé"], ["Beyonce"])
    assert us.score_artists(["Fontaines D.C."], ["fontaines dc"])
    assert us.score_artists(["Earth, Wind & Fire"], ["Earth Wind and Fire"])
    assert us.score_artists(["Drake", ["Kanye West", "Kanye"]], ["drake", "Kanye"])
    assert not us.score_artists(["Drake", "Kanye West"], ["Drake"])  # missing one
    assert not us.score_artists(["Drake"], ["Drake", "Future"])  # an extra one
    assert not us.score_artists(["Radiohead"], [])


def test_works():
    gold = [{"title": "Bohemian Rhapsody", "artist": "Queen"}]
    assert us.score_works(gold, [{"title": "bohemian rhapsody", "artist": "Queen"}])
    assert not us.score_works(gold, [{"title": "Bohemian Rhapsody", "artist": None}])  # artist was named
    assert not us.score_works(gold, [{"title": "Bohemian Rhapsody", "artist": "Panic! at the Disco"}])
    # no artist in the gold: any artist (or none) is fine
    assert us.score_works([{"title": "Kid A"}], [{"title": "Kid A", "artist": "Radiohead", "kind": "album"}])
    assert us.score_works([{"title": "Mr. Brightside"}], [{"title": "Mr Brightside"}])
    assert us.score_works([{"title": "Kill 'Em All"}], [SimpleNamespace(title="Kill Em All", artist="Metallica")])
    assert not us.score_works([{"title": "Hey Jude"}], [])
    assert not us.score_works([{"title": "Hey Jude"}], [{"title": "Hey Jude"}, {"title": "Let It Be"}])


def test_works_from_track_ids():
    lookup = {"t1": {"title": "Despacito", "artist": "Luis Fonsi"}}.get
    item = line({"exclude_works": [{"title": "Despacito"}]})
    assert us.score_prompt(item, {"exclude_tracks": ["t1"]}, track_lookup=lookup).fields["exclude_works"]
    assert not us.score_prompt(item, {"exclude_tracks": ["t1"]}).fields["exclude_works"]


# -- numbers ---------------------------------------------------------------------------------
def test_years_exact_ends():
    g = {"min": 1990, "max": 1999}
    assert us.score_range(g, {"min": 1990, "max": 1999}, 0)
    assert not us.score_range(g, {"min": 1990, "max": 2000}, 0)
    assert not us.score_range({"min": None, "max": 1979}, {"min": 1900, "max": 1979}, 0)  # open must stay open
    assert us.score_range({"min": None, "max": 1979}, {"min": None, "max": 1979.0}, 0)
    assert not us.score_range(g, None, 0)


def test_tempo_tolerance():
    item = line({"tempo": {"min": 120, "max": 130}})
    assert us.score_prompt(item, {"tempo": {"min": 116, "max": 134}}).fields["tempo"]
    assert not us.score_prompt(item, {"tempo": {"min": 114, "max": 130}}).fields["tempo"]
    assert not us.score_prompt(item, {"tempo": {"min": 120, "max": None}}).fields["tempo"]


def test_track_minutes_and_length():
    assert us.score_prompt(line({"track_minutes": {"min": None, "max": 3}}),
                           {"track_minutes": {"min": None, "max": 3.4}}).fields["track_minutes"]
    assert us.score_length({"minutes": 45}, {"minutes": 45.9, "tracks": None})
    assert not us.score_length({"minutes": 45}, {"minutes": 47})
    assert not us.score_length({"minutes": 45}, {"tracks": 12})
    assert us.score_length({"tracks": 20}, {"tracks": 20, "minutes": None})
    assert not us.score_length({"tracks": 20}, {"tracks": 21})


def test_targets_directions():
    item = line({"targets": {"energy": "high", "valence": "low"}})
    s = us.score_prompt(item, {"targets": {"energy": 0.8, "valence": 0.5}})
    assert s.fields == {"targets.energy": True, "targets.valence": False}
    s = us.score_prompt(item, {"targets": {"energy": 0.6, "valence": 0.4}})
    assert s.fields == {"targets.energy": True, "targets.valence": True}
    assert not us.score_prompt(item, {}).fields["targets.energy"]


def test_discovery_popularity_ordering_explicit():
    item = line({"discovery": "hidden", "popularity": "deep_cuts", "ordering": {"arc": "rising", "smooth": True},
                 "explicit": "exclude", "max_per_artist": 2})
    pred = {"discovery": 0.8, "popularity": "deep_cuts", "ordering": {"arc": "rising", "smooth": False},
            "explicit": "exclude", "max_per_artist": 2}
    s = us.score_prompt(item, pred)
    assert s.fields == {"discovery": True, "popularity": True, "ordering.arc": True, "ordering.smooth": False,
                        "explicit": True, "max_per_artist": True}
    assert not us.score_prompt(line({"discovery": "familiar"}), {}).fields["discovery"]  # default 0.3 is neutral
    assert us.score_prompt(line({"discovery": "familiar"}), {"discovery": 0.1}).fields["discovery"]
    assert us.score_prompt(line({"explicit": "allow"}), {}).fields["explicit"]


# -- false positives, kinds, adapters ------------------------------------------------------
def test_false_positives_on_unmentioned_hard_fields():
    item = line({"genres": [["rock"]], "years": {"min": 1990, "max": 1999}})
    s = us.score_prompt(item, {"genres": ["rock"], "years": {"min": 1990, "max": 1999},
                               "tempo": {"min": 140, "max": None}, "explicit": "exclude",
                               "length": {"minutes": None, "tracks": None}, "seed_artists": ["X"]})
    assert "years" not in s.false_positives  # mentioned: scored as accuracy instead
    bad = {k for k, v in s.false_positives.items() if v}
    assert bad == {"tempo", "explicit"}  # seed_artists is soft, length is default
    assert set(s.false_positives) == set(us.HARD_FIELDS) - {"years"}


def test_kind_and_refusal():
    refuse = line({"refusal": "not_music"}, kind="refuse")
    s = us.score_prompt(refuse, {"genres": []})  # a bare Constraints reads as a playlist
    assert not s.kind_ok and s.fields == {"refusal": False} and not s.false_positives
    s = us.score_prompt(refuse, SimpleNamespace(kind="refuse", constraints=None,
                                                refusal=SimpleNamespace(kind="not_music", message="hi")))
    assert s.kind_ok and s.fields == {"refusal": True}
    s = us.score_prompt(line({}, kind="clarify"), SimpleNamespace(kind="clarify", constraints=None))
    assert s.kind_ok and s.fields == {}


def test_playlist_fields_wrong_when_not_acted_on():
    item = line({"explicit": "allow", "genres": [["jazz"]]})
    s = us.score_prompt(item, {"kind": "clarify", "constraints": None})
    assert s.fields == {"explicit": False, "genres": False} and not s.kind_ok


def test_as_reading_accepts_constraints_and_understanding():
    from assistant.model.constraints import Constraints, Range

    c = Constraints(genres=["rock"], years=Range(min=1990, max=1999))
    r = us.as_reading(c)
    assert r.kind == "playlist" and r.get("genres") == ["rock"] and r.get("years") == {"min": 1990, "max": 1999}
    r = us.as_reading(SimpleNamespace(kind="playlist", constraints=c))
    assert r.kind == "playlist" and r.get("genres") == ["rock"]
    r = us.as_reading(SimpleNamespace(kind="refuse", constraints=None, refusal={"kind": "offensive", "message": "no"}))
    assert r.kind == "refuse" and r.refusal == "offensive" and r.get("genres") == []
    assert us.as_reading({"genres": ["x"]}).get("genres") == ["x"]


def test_aggregate():
    items = [line({"genres": [["rock"]], "length": {"tracks": 20}}), line({"genres": [["jazz"]]}),
             line({}, kind="clarify")]
    preds = [{"genres": ["rock"], "length": {"tracks": 20}}, {"genres": ["pop"], "max_per_artist": 3}, {}]
    agg = us.aggregate([us.score_prompt(i, p) for i, p in zip(items, preds)])
    assert agg["fields"]["genres"] == {"n": 2, "correct": 1, "accuracy": 0.5, "recall": 0.5}
    assert agg["fields"]["length"]["accuracy"] == 1.0
    assert agg["micro_accuracy"] == pytest.approx(2 / 3)
    assert agg["kind"]["accuracy"] == pytest.approx(2 / 3)
    assert agg["kind"]["by_gold_kind"]["clarify"]["accuracy"] == 0.0
    assert agg["false_positives"]["max_per_artist"] == {"n": 2, "false_positives": 1, "rate": 0.5}
    assert agg["prompts_with_false_positive"] == 1


# -- the gold file ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [
    {"id": "a", "text": "x", "kind": "playlist", "gold": {"genre": [["rock"]]}},  # unknown field
    {"id": "a", "text": "x", "kind": "playlist", "gold": {"genres": ["rock"]}},  # items must be lists
    {"id": "a", "text": "x", "kind": "playlist", "gold": {"years": {"min": None, "max": None}}},
    {"id": "a", "text": "x", "kind": "playlist", "gold": {"targets": {"energy": 0.8}}},
    {"id": "a", "text": "x", "kind": "playlist", "gold": {"length": {"minutes": 30, "tracks": 5}}},
    {"id": "a", "text": "x", "kind": "clarify", "gold": {"genres": [["rock"]]}},
    {"id": "a", "text": "x", "kind": "maybe", "gold": {}},
    {"id": "a", "text": "x", "kind": "refuse", "gold": {"refusal": "rude"}},
])
def test_validate_rejects_malformed(bad):
    with pytest.raises(understanding_gold.GoldError):
        understanding_gold.validate_line(bad)


def test_gold_file_is_valid_and_covers_every_field():
    items = understanding_gold.load_gold(DEV_SET)
    assert len(items) >= 70
    cov = understanding_gold.coverage(items)
    units = ["theme", "genres", "moods", "activities", "exclude_genres", "years", "tempo", "track_minutes",
             *(f"targets.{k}" for k in understanding_gold.TARGET_KEYS), "explicit", "include_artists", "exclude_artists",
             "seed_artists", "seed_works", "include_works", "exclude_works", "length", "max_per_artist",
             "discovery", "popularity", "ordering.arc", "ordering.smooth", "kind:clarify", "kind:refuse"]
    thin = {u: cov.get(u, 0) for u in units if cov.get(u, 0) < 3}
    assert not thin, f"fields exercised by fewer than 3 prompts: {thin}"
    assert {d["gold"].get("refusal") for d in items if d["kind"] == "refuse"} == {"not_music", "offensive"}


def test_holdout_file_is_valid():
    holdout = understanding_gold.load_gold(HOLDOUT_SET)
    assert len(holdout) >= 100 and {d["kind"] for d in holdout} == {"playlist", "clarify", "refuse"}


def test_load_gold_says_which_line_is_wrong(tmp_path):
    from assistant.model.errors import BadInput

    good = '{"id": "a", "text": "jazz", "kind": "playlist", "gold": {"genres": [["jazz"]]}}'
    path = tmp_path / "gold.jsonl"
    path.write_text(good + "\n\n" + good + "\n")
    with pytest.raises(understanding_gold.GoldError, match="gold.jsonl:3: duplicate id 'a'"):
        understanding_gold.load_gold(path)
    path.write_text(good + "\n{not json\n")
    with pytest.raises(BadInput, match="gold.jsonl:2: not valid JSON"):
        understanding_gold.load_gold(path)
    with pytest.raises(BadInput, match="does not exist"):
        understanding_gold.load_gold(tmp_path / "nope.jsonl")
    path.write_text(good + "\n")
    assert [d["id"] for d in understanding_gold.load_gold(path)] == ["a"]

