"""The catalogue's own facts read as listeners mean them, on tiny hand-made catalogues: one release per song,
hits / one-hit wonders / deep cuts, and doubt about dates and genre tags."""

from __future__ import annotations

import numpy as np

from retrieval.charts import ChartFacts, credited_names
from retrieval.doubt import assess
from retrieval.genres import GenreMatrix
from retrieval.tracks import Catalogue, Track
from retrieval.works import WorkIndex, song_identity


def test_one_song_whatever_the_release():
    same = [("A Tribe Called Quest", "Electric Relaxation"), ("A Tribe Called Quest", "Electric Relaxation (Relax Yourself Girl)"),
            ("Nat King Cole & His Trio", "The Christmas Song - Remastered 1999"), ("Nat King Cole", "The Christmas Song")]
    assert song_identity(*same[0]) == song_identity(*same[1])
    assert song_identity(*same[2]) == song_identity(*same[3])
    assert song_identity("Mulatu Astatke", "Yèkatit (February)") == song_identity("Mulatu Astatke", "Yekatit")
    # another artist's version is another song (a cover), and another title is another song
    assert song_identity("Aretha Franklin", "Eleanor Rigby") != song_identity("The Beatles", "Eleanor Rigby")
    assert song_identity("Nat King Cole", "The Christmas Song") != song_identity("Nat King Cole", "Mona Lisa")
    cat = Catalogue.from_tracks([Track(track_id=f"t{i}", title=t, artist=a) for i, (a, t) in enumerate(same)])
    ids = WorkIndex(cat).song_ids
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]


def _chart_catalogue() -> Catalogue:
    t = [  # (artist, title, peak, popularity)
        ("Nena", "99 Luftballons", 2, 73), ("Nena", "Leuchtturm", None, 30),
        ("Madonna", "Holiday", 16, 70), ("Madonna", "Vogue", 1, 75), ("Madonna", "Deeper Cuts", None, 20),
        ("Diana Ross & Lionel Richie", "Endless Love", 1, 70), ("Lionel Richie", "Hello", 1, 72),
        ("Obscure Band", "Never Charted", None, None), ("Known Band", "Streamed A Lot", None, 80),
    ]
    return Catalogue.from_tracks(Track(track_id=f"t{i}", title=x[1], artist=x[0], chart_peak=x[2],
                                       popularity=x[3]) for i, x in enumerate(t))


def test_hits_one_hit_wonders_and_deep_cuts():
    cat = _chart_catalogue()
    facts = ChartFacts(cat, WorkIndex(cat).song_keys)
    assert credited_names("Diana Ross & Lionel Richie") == ["diana ross", "lionel richie"]
    # Nena's only top-40 song is a one-hit wonder; Madonna's and a shared credit of a many-hit artist are not
    assert facts.one_hit.tolist() == [True, False, False, False, False, False, False, False, False]
    assert facts.hit[3] > facts.hit[2] > facts.hit[1]  # a #1 over a #16 over an uncharted deep track
    assert facts.top40.tolist() == [True, False, True, True, False, True, True, False, False]
    # deep cuts: never in the top 40 and not popular (unknown popularity counts as little played)
    assert facts.deep.tolist() == [False, True, False, False, True, False, False, True, False]


def _doubt_catalogue():
    tracks = []
    i = 0
    for artist, years, tags in [("Synth A", range(2012, 2018), ["synthwave"]), ("Synth B", range(2014, 2020), ["synthwave"]),
                                ("Synth C", range(2015, 2019), ["synthwave"]), ("Synth D", range(2013, 2016), ["synthwave"]),
                                ("Soul Man", [1966, 1967], ["synthwave"]),  # a name clash: 1960s soul tagged synthwave
                                ("Old Band", [1970, 1971, 1972, 1973, 1974, 1975, 1991], ["rock"]),  # a 1991 box set
                                ("Rock B", range(1965, 1990, 4), ["rock"]), ("Rock C", range(1970, 2000, 5), ["rock"]),
                                ("Rock D", range(1980, 2010, 5), ["rock"])]:
        for y in years:
            tracks.append(Track(track_id=f"t{i}", title=f"Song {i}", artist=artist, year=y, genres=tags))
            i += 1
    return Catalogue.from_tracks(tracks)


def test_doubt_flags_borrowed_tags_and_reissue_dates():
    cat = _doubt_catalogue()
    doubt = assess(cat, GenreMatrix(cat, ["rock", "synthwave"]))
    by_artist = lambda name, arr: [float(arr[i]) for i in range(len(cat)) if cat.artists[i] == name]  # noqa: E731
    assert by_artist("Soul Man", doubt.genre) == [1.0, 1.0]  # dated decades before any other synthwave artist
    assert sum(by_artist("Synth A", doubt.genre)) == 0 and sum(by_artist("Rock B", doubt.genre)) == 0
    assert by_artist("Old Band", doubt.date) == [0, 0, 0, 0, 0, 0, 1.0]  # long after all its other tracks
    assert doubt.counts() == {"doubtful_dates": 1, "doubtful_genres": 2}
    assert np.all((doubt.date == 0) | (doubt.date == 1))
