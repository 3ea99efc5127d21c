"""The assistant end to end on the demo catalogue: real encoder, FAISS, SQLite; no fakes."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.model.errors import BadInput, NotReady


def _in_years(t, lo, hi):
    if t.year is not None:
        return lo <= t.year <= hi
    return t.decade is not None and lo <= t.decade and t.decade + 9 <= hi


def test_road_trip_prompt_honours_every_hard_constraint(demo_app):
    pl = demo_app.planner.playlist("45 minutes of upbeat 90s rock for a road trip, no Nirvana")
    assert pl.report.satisfied, pl.report
    assert all(_in_years(e.track, 1990, 1999) for e in pl.tracks)
    assert abs(pl.total_ms / 60000 - 45) <= 45 * 0.05
    rockish = sum(1 for e in pl.tracks if any("rock" in g or "grunge" in g or "punk" in g for g in e.track.genres))
    assert rockish >= 0.8 * len(pl.tracks)
    energies = [e.track.energy for e in pl.tracks if e.track.energy is not None]
    assert sum(energies) / len(energies) > 0.6  # upbeat
    assert all(e.why for e in pl.tracks)
    assert pl.catalogue.startswith("Generated demo catalogue")


def test_excluding_an_artist_that_exists(demo_app):
    lib = demo_app.planner.library()
    rock_rows = [i for i, g in enumerate(lib.catalogue.genres) if "hard rock" in g]
    popular = Counter(lib.catalogue.artists[i] for i in rock_rows).most_common(1)[0][0]
    pl = demo_app.planner.playlist(f"20 hard rock songs, no {popular}")
    assert popular in pl.constraints.exclude_artists
    assert all(e.track.artist != popular for e in pl.tracks)
    assert len(pl.tracks) == 20 and pl.report.satisfied


def test_per_artist_cap_and_track_count(demo_app):
    pl = demo_app.planner.playlist("30 chill jazz songs, max 1 per artist")
    counts = Counter(e.track.artist for e in pl.tracks)
    assert len(pl.tracks) == 30 and max(counts.values()) == 1
    check = next(ch for ch in pl.report.checks if "per artist" in ch.constraint)
    assert check.satisfied


def test_missing_artist_gives_clear_unsatisfied_report(demo_app):
    pl = demo_app.planner.playlist("3 hours of songs by Zorblax Quintet")
    assert not pl.report.satisfied
    assert pl.tracks == []
    details = " ".join(ch.detail for ch in pl.report.checks)
    assert "Zorblax Quintet" in details and "not in this catalogue" in details


def test_future_years_give_clear_unsatisfied_report(demo_app):
    pl = demo_app.planner.playlist("songs from 2090")
    assert not pl.report.satisfied and pl.tracks == []
    years = next(ch for ch in pl.report.checks if ch.constraint.startswith("years"))
    assert "no tracks from 2090" in years.detail and "spans" in years.detail


def test_one_artist_shortfall_is_explained(demo_app):
    lib = demo_app.planner.library()
    artist = Counter(lib.catalogue.artists).most_common()[-1][0]  # an artist with few tracks
    pl = demo_app.planner.playlist(f"3 hours of songs by {artist}")
    assert pl.tracks and all(e.track.artist == artist for e in pl.tracks)
    length = next(ch for ch in pl.report.checks if ch.constraint.startswith("length"))
    assert not length.satisfied and "exist in this catalogue" in length.detail


def test_personalisation_follows_the_listener(demo_app):
    def share(user, words):
        pl = demo_app.planner.playlist("20 songs I will like", user=user)
        return sum(1 for e in pl.tracks if any(w in g for g in e.track.genres for w in words)) / len(pl.tracks)

    electronic = ("house", "techno", "ambient", "trance", "electro", "chill")
    assert share("riley", electronic) > share("alex", electronic) + 0.3


def test_sam_gets_both_interests(demo_app):
    taste = demo_app.listeners.taste("sam")
    assert taste is not None and len(taste.centroids) >= 2


def test_bad_prompts_and_unknown_listener(demo_app):
    with pytest.raises(BadInput):
        demo_app.planner.playlist("   ")
    with pytest.raises(BadInput, match="limit"):
        demo_app.planner.playlist("rock " * 20_000)
    with pytest.raises(NotReady, match="history import"):
        demo_app.planner.playlist("rock", user="nobody")


def test_catalogue_info_labels_the_demo(demo_app):
    info = {**demo_app.catalogue.info(), "listeners": demo_app.listeners.names()}
    assert info["generated"] is True and info["tracks"] >= 10_000 and info["genres"] >= 30
    assert set(info["listeners"]) >= {"alex", "sam", "riley", "jordan"}
