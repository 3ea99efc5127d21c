"""The BM25 indexes on a tiny catalogue: names over titles, artists and albums; a request's other words over genre
tags only, where a tag word counts once and a long tag list is no weaker."""

from __future__ import annotations

import numpy as np

from retrieval.lexical import LexicalIndex
from retrieval.tracks import Catalogue, Track


def _catalogue() -> Catalogue:
    t = [("Eazy-E", "Real Compton City G's", "Gangsta Memorial", ["gangster rap", "g funk"]),
         ("Post Malone", "Circles", "Hollywood's Bleeding", ["rap", "melodic rap", "dfw rap"]),
         ("Zimple", "Chapala Style", "Mexicano", ["mexican hip hop", "rap"]),
         ("Fauré Choir", "Requiem", "Memorial Service", ["choral", "classical"])]
    return Catalogue.from_tracks(Track(track_id=f"t{i}", title=x[1], artist=x[0], album=x[2], genres=x[3])
                                 for i, x in enumerate(t))


def test_names_match_titles_artists_and_albums():
    scores = LexicalIndex.build(_catalogue()).scores("Gangsta Memorial")
    assert int(np.argmax(scores)) == 0


def test_free_words_match_what_a_track_is_never_what_it_is_called():
    tags = LexicalIndex.build_tags(_catalogue())
    assert tags.scores("memorial") is None  # an album word is not a tag word
    rap = tags.scores("rap")
    assert rap[1] == rap[2] > 0  # 'rap', 'melodic rap', 'dfw rap' is not three times more rap than 'rap'
    both = tags.scores("mexican rap")
    assert int(np.argmax(both)) == 2  # the rarer word decides
    assert rap[3] == 0
