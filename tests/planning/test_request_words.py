"""Which of a request's words are matched as names and which only against genre tags (pure functions on
`Constraints`)."""

from __future__ import annotations

from assistant.model.constraints import Constraints, Work
from assistant.planning.candidates import free_words, name_like, work_names


def test_words_already_read_and_filler_words_are_not_matched_again():
    c = Constraints(moods=["chill"], activities=["road trip"], concepts=["long drive"], genres=["rock"])
    assert free_words(c, "chill rock for a road trip long drive, tropical") == "tropical"
    assert free_words(Constraints(genres=["reggaeton"]), "reggaeton para la fiesta") == "fiesta"


def test_named_works_are_matched_with_their_artist():
    c = Constraints(seed_works=[Work(title="Ghost Stories", artist="Coldplay", kind="album")],
                    include_works=[Work(title="Yellow")])
    assert work_names(c) == ["Ghost Stories Coldplay", "Yellow"]


def test_a_request_that_is_nothing_but_a_name_is_matched_as_one():
    assert name_like(Constraints(theme="Abbey Road")) == "Abbey Road"
    assert name_like(Constraints(theme="abbey road")) is None  # lower-case words are not a name
    assert name_like(Constraints(theme="Abbey Road", genres=["rock"])) is None  # something else was read
