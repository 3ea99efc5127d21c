"""`within_budget`: a show is cut to its track and minute caps, and its links spaced out to the link cap."""

from __future__ import annotations

from assistant.dj.link_plans import plan_links
from assistant.dj.show import within_budget
from retrieval.tracks import Track


def tracks(n: int, minutes: float = 4.0) -> list[Track]:
    return [Track(track_id=f"t{i}", title=f"Song {i}", artist=f"A{i % 9}", duration_ms=int(minutes * 60000))
            for i in range(n)]


def test_a_long_set_is_cut_to_the_track_cap_and_says_so():
    kept, every, notes = within_budget(tracks(259), 1, max_tracks=60, max_minutes=600, max_links=24)
    assert len(kept) == 60 and [t.track_id for t in kept] == [f"t{i}" for i in range(60)]
    assert any("first 60 of 259 tracks" in n for n in notes)
    links = plan_links(kept, every=every)
    assert len(links) <= 24 and every == 3 and any("at most 24 links" in n for n in notes)


def test_the_minute_cap_and_a_set_within_budget():
    kept, _, notes = within_budget(tracks(100, minutes=10), 3, max_tracks=1000, max_minutes=240, max_links=24)
    assert len(kept) == 24 and "240 minutes" in notes[0]
    kept, every, notes = within_budget(tracks(12), 3, max_tracks=60, max_minutes=240, max_links=24)
    assert len(kept) == 12 and every == 3 and notes == []
    one_long, _, _ = within_budget(tracks(3, minutes=500), 3, max_tracks=60, max_minutes=240, max_links=24)
    assert len(one_long) == 1  # the first track always plays


def test_the_link_cap_holds_for_every_length_and_spacing():
    for n in range(1, 130, 7):
        for every in (1, 2, 3, 7):
            for cap in (3, 5, 24):
                kept, spaced, _ = within_budget(tracks(n), every, max_tracks=1000, max_minutes=10_000, max_links=cap)
                assert len(plan_links(kept, every=spaced)) <= cap and spaced >= every
