"""Artists named loosely, on a tiny list of names: misspelt, shortened, with initials left out, split in two; an
exact name, ordinary words and artists with a single track are not loose readings. And the parser step that reads
them in a request, placed by the words around them."""

from __future__ import annotations

import pytest

from assistant.understanding import Vocabulary, parse
from assistant.understanding.name_spelling import LooseNames, name_words
from retrieval.tracks import normalise_name

NAMES = {"Billie Eilish": 5, "Tasha Cobbs Leonard": 4, "Michael W. Smith": 3, "Hillsong Worship": 6,
         "Kenny Wayne Shepherd": 3, "Rainy Days": 2, "Katy Perry": 9, "Daniel Caesar": 4, "Daniel": 7,
         "One Off Band": 1}


@pytest.fixture(scope="module")
def loose() -> LooseNames:
    return LooseNames({normalise_name(n): n for n in NAMES}, {normalise_name(n): c for n, c in NAMES.items()})


def test_initials_are_left_out_of_names():
    assert name_words("Michael W. Smith") == ("michael", "smith")


@pytest.mark.parametrize("words, artist, how", [
    ("billie ellish", "Billie Eilish", "spelling"),
    ("kenny wayne shepperd", "Kenny Wayne Shepherd", "spelling"),
    ("Katie Perry", "Katy Perry", "spelling"),
    ("daniel ceaser", "Daniel Caesar", "spelling"),  # read whole, not the artist Daniel beside a stray word
    ("michael smith's", "Michael W. Smith", "spelling"),
    ("tasha cobs", "Tasha Cobbs Leonard", "short form"),
    ("hill song", "Hillsong Worship", "joined"),
])
def test_loose_readings(loose, words, artist, how):
    hit = loose.match(words.replace("'s", "").split())
    assert hit is not None and (hit.artist, hit.how) == (artist, how)


@pytest.mark.parametrize("words", [
    "billie eilish",  # exact: the entity extractor's business
    "one of band",  # an artist with one track is not read loosely
    "billie",  # one word is too little to go on
    "tasha",
    "katy perry live at the",  # more than four words
    "purple elephant",  # nothing like any name
])
def test_not_loose_readings(loose, words):
    assert loose.match(words.split()) is None


@pytest.fixture(scope="module")
def vocab(encoder) -> Vocabulary:
    artists = [name for name, count in NAMES.items() for _ in range(count)]
    return Vocabulary.build(["rock", "pop", "gospel", "soul"], artists, encoder)


def test_the_parser_reads_loose_names_where_the_words_around_them_say(vocab):
    c = parse("can i also have some of tasha cobs songs please?", vocab)
    assert c.include_artists == ["Tasha Cobbs Leonard"] and "read 'tasha cobs' as Tasha Cobbs Leonard" in c.notes
    c = parse("yes!! can you add some of Daniel ceaser", vocab)
    assert c.seed_artists == ["Daniel Caesar"] and not c.theme
    c = parse("gospel but no billie ellish", vocab)
    assert c.exclude_artists == ["Billie Eilish"] and c.genres == ["gospel"]
    c = parse("yes! i would like some hill song playlists", vocab)
    assert c.seed_artists == ["Hillsong Worship"]


def test_ordinary_words_are_not_read_as_loose_names(vocab):
    c = parse("songs for rainy day driving", vocab)  # 'rainy day' is spelt like Rainy Days, but is ordinary English
    assert "Rainy Days" not in c.seed_artists + c.include_artists
