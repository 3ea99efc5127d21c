"""What a request means, read offline on a tiny vocabulary: quantities in any phrasing, kinds of songs (one-hit
wonders, subjects, title words, covers, newer than the seeds, favourites), genre names that hold structural words,
text-speak, and what was not understood. One test per mechanism, each over several phrasings."""

from __future__ import annotations

import pytest

from assistant.understanding import Vocabulary, parse

GENRES = ["rock", "pop", "jazz", "smooth jazz", "new wave", "soul", "reggae", "metal", "thrash metal", "punk", "house"]
ARTISTS = ["The Beatles", "Radiohead", "Muse", "Metallica", "Megadeth", "Prince", "Billie Eilish"]


@pytest.fixture(scope="module")
def vocab(encoder) -> Vocabulary:
    v = Vocabulary.build(GENRES, ARTISTS, encoder)
    v.latest_year = 2020  # the catalogue's latest releases: 'recent' and 'new' are read by it
    return v


@pytest.mark.parametrize("text, lo, hi", [
    ("rock, no faster than 100 bpm", None, 100), ("nothing slower than one hundred and twenty beats per minute", 120, None),
    ("at most a hundred beats per minute", None, 100), ("120+ bpm house", 120, None), ("house at 124 bpm or more", 124, None),
    ("soul, 90 bpm or less", None, 90), ("around a hundred bpm", 95, 105),
])
def test_tempo_in_any_phrasing(vocab, text, lo, hi):
    c = parse(text, vocab)
    assert c.tempo is not None and (c.tempo.min, c.tempo.max) == (lo, hi), text
    assert c.unread == [], c.unread


@pytest.mark.parametrize("text, minutes, tracks", [
    ("90+ minutes of jazz", 90, None), ("three quarters of an hour of soul", 45, None),
    ("an hour and a quarter of rock", 75, None), ("forty-five minutes of rock", 45, None),
    ("1/2 hour of punk", 30, None), ("twenty songs of soul", None, 20), ("a hundred and twenty minutes of house", 120, None),
])
def test_lengths_in_any_phrasing(vocab, text, minutes, tracks):
    c = parse(text, vocab)
    assert (c.length.minutes, c.length.tracks) == (minutes, tracks), text


@pytest.mark.parametrize("text, part", [
    ("jazz, nothing longer than a ballad", "longer than"), ("soul but no more than a handful", "no more"),
    ("rock, 3 of them", "3"), ("pop, no too-sweet stuff", "no"),
])
def test_what_was_not_understood_is_reported(vocab, text, part):
    c = parse(text, vocab)
    assert any(part in u for u in c.unread), (text, c.unread)


@pytest.mark.parametrize("text", ["45 minutes of upbeat 90s rock for a road trip, no Radiohead", "songs like Muse",
                                  "my dad's 60th birthday, classic soul", "20 soul songs, max 2 per artist, clean"])
def test_a_fully_read_request_has_nothing_unread(vocab, text):
    assert parse(text, vocab).unread == []


def test_one_hit_wonders_are_a_kind_of_song_not_one_track(vocab):
    for text in ("one hit wonders of the 80s", "80s one-hit wonders", "one hit wonder songs from the 90s"):
        c = parse(text, vocab)
        assert c.popularity == "one_hit_wonders" and c.length.tracks is None, text
        assert c.years is not None


def test_subject_and_title_words(vocab):
    for text, subject in (("songs about the ocean", "ocean"), ("music that's about heartbreak from the 90s", "heartbreak"),
                          ("tunes about summer nights, rock", "summer nights")):
        c = parse(text, vocab)
        assert c.subject == subject, (text, c.subject)
        assert any("lyrics are not searched" in n for n in c.notes)
    for text, words in (("songs with love in the title", ["love"]), ("rock songs with 'night' in their titles", ["night"]),
                        ("titles containing fire, please", ["fire"])):
        assert parse(text, vocab).title_words == words, text


def test_covers_of_an_artist(vocab):
    for text in ("covers of Beatles songs", "Beatles covers", "cover versions of the beatles", "songs by beatles covered by others"):
        c = parse(text, vocab)
        assert c.covers_of == ["The Beatles"], (text, c.covers_of)
        assert c.include_artists == [] and c.seed_artists == [], text


def test_newer_older_and_new_are_relative_to_seeds_and_catalogue(vocab):
    c = parse("like Radiohead but newer", vocab)
    assert c.era == "newer" and c.seed_artists == ["Radiohead"] and c.years is None
    assert parse("something like Muse, but older stuff", vocab).era == "older"
    c = parse("new music like Billie Eilish", vocab)
    assert c.years is not None and (c.years.min, c.years.max) == (2018, None)  # the catalogue's last three years
    assert parse("recent pop", vocab).years.min == 2018


def test_hits_of_a_year_are_what_charted_then(vocab):
    c = parse("biggest hits of 2016", vocab)
    assert (c.years.min, c.years.max, c.prefer_year, c.popularity) == (2015, 2016, 2016, "hits")
    c = parse("pop hits from 2016", vocab)  # 'from' dates the release: exactly that year
    assert (c.years.min, c.years.max) == (2016, 2016)


def test_decades_in_other_languages(vocab):
    for text in ("chanson des années 60", "rock de los 80", "musica anni 70", "80er Jahre pop"):
        c = parse(text, vocab)
        assert c.years is not None and c.years.max - c.years.min == 9 and c.unread == [], (text, c.years, c.unread)


def test_artists_by_what_the_catalogue_does_not_record(vocab):
    c = parse("female-fronted punk", vocab)
    assert c.artist_traits == ["female-fronted"] and c.genres == ["punk"]
    assert any("can't tell which artists are female-fronted" in n for n in c.notes)


def test_favourites_and_new_to_me(vocab):
    assert parse("my favourites from the 90s", vocab).familiarity == "favourites"
    assert parse("rock I've never heard", vocab).familiarity == "new_to_me"
    assert parse("soul songs I love", vocab).familiarity == "favourites"
    assert parse("90s rock", vocab).familiarity == "any"


def test_genre_names_keep_their_structural_words(vocab):
    c = parse("smooth jazz", vocab)
    assert c.genres == ["smooth jazz"] and c.ordering.smooth is False
    c = parse("new wave hits", vocab)
    assert c.genres == ["new wave"] and c.years is None
    assert parse("jazz with smooth transitions", vocab).ordering.smooth is True


def test_text_speak_and_misspelt_cued_names(vocab):
    c = parse("sumthin chill 4 da beach, reggae vibes plz", vocab)
    assert c.seed_artists == [] and c.genres == ["reggae"]
    c = parse("metalica and megadeth type stuff but newer", vocab)
    assert set(c.seed_artists) == {"Metallica", "Megadeth"} and c.era == "newer"
