"""Sequencing: Camelot codes and compatibility, tempo steps, arcs, and the ordering search on real catalogue rows."""

from __future__ import annotations

import csv
import gzip
import itertools
import time
from collections import Counter

import pytest

from assistant.dj import Arc, TransitionWeights, arc_from, score_transitions, sequence, transition_weights_for
from assistant.dj.sequencing import bpm_step, camelot, compatible
from assistant.model.constraints import Ordering
from retrieval.tracks import Track
from tests.paths import SHARED_DATA

CATALOG = SHARED_DATA / "catalog.csv.gz"
INTS = ("year", "duration_ms", "key", "mode", "chart_peak", "chart_weeks")
FLOATS = ("energy", "tempo", "popularity", "valence", "danceability", "acousticness")


def track_of_row(r: dict) -> Track:
    data = {"track_id": r["track_id"], "title": r["title"], "artist": r["artist"], "album": r["album"] or None}
    for k in INTS:
        data[k] = int(float(r[k])) if r[k] else None
    for k in FLOATS:
        data[k] = float(r[k]) if r[k] else None
    if data["tempo"] is not None and data["tempo"] <= 0:
        data["tempo"] = None
    return Track(**data)


@pytest.fixture(scope="module")
def real_sets() -> dict[str, list[Track]]:
    """Sets of real catalogue rows by genre, in catalogue (id) order, a stand-in for a ranked order."""
    if not CATALOG.exists():
        pytest.skip(f"{CATALOG} is not here")
    wanted = {"jazz": 12, "house": 30, "hip hop": 25, "rock": 20, "soul": 8}
    sets: dict[str, list[Track]] = {g: [] for g in wanted}
    with gzip.open(CATALOG, "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            for g, n in wanted.items():
                if len(sets[g]) < n and g in r["genres"].split("|"):
                    sets[g].append(track_of_row(r))
                    break
            if all(len(sets[g]) >= n for g, n in wanted.items()):
                break
    return sets


# -- the wheel -----------------------------------------------------------------------------------
@pytest.mark.parametrize("key,mode,code", [
    (0, 1, "8B"), (9, 0, "8A"), (7, 1, "9B"), (4, 0, "9A"), (2, 1, "10B"), (11, 0, "10A"), (6, 0, "11A"),
    (1, 0, "12A"), (8, 0, "1A"), (11, 1, "1B"), (6, 1, "2B"), (3, 0, "2A"), (10, 0, "3A"), (5, 0, "4A"),
    (0, 0, "5A"), (3, 1, "5B"), (7, 0, "6A"), (10, 1, "6B"), (2, 0, "7A"), (5, 1, "7B"), (1, 1, "3B"), (8, 1, "4B"),
])
def test_camelot_codes(key, mode, code):
    assert camelot(key, mode) == code


def test_camelot_unknown_key_or_mode():
    assert camelot(None, 1) is None and camelot(5, None) is None and camelot(-1, 0) is None


def test_every_code_is_used_once_per_mode():
    for mode in (0, 1):
        codes = [camelot(k, mode) for k in range(12)]
        assert len(set(codes)) == 12


@pytest.mark.parametrize("a,b,ok", [
    ("8A", "8A", True), ("8A", "9A", True), ("8A", "7A", True), ("12B", "1B", True), ("1A", "12A", True),
    ("8A", "8B", True), ("8A", "10A", False), ("8A", "9B", False), ("3B", "9B", False), ("5A", "5B", True),
])
def test_compatible(a, b, ok):
    assert compatible(a, b) is ok
    assert compatible(b, a) is ok


def test_compatible_unknown_is_none():
    assert compatible(None, "8A") is None


def test_bpm_step_counts_half_and_double_time():
    assert bpm_step(70, 140) == 0
    assert bpm_step(120, 124) == 4
    assert bpm_step(90, 175) == 5
    assert bpm_step(None, 120) is None


# -- arcs ----------------------------------------------------------------------------------------
def test_arc_shapes():
    xs = [i / 10 for i in range(11)]
    rising = [Arc(shape="rising").target(x) for x in xs]
    assert rising == sorted(rising)
    falling = [Arc(shape="falling").target(x) for x in xs]
    assert falling == sorted(falling, reverse=True)
    peak = Arc(shape="peak", at=0.7)
    assert max(xs, key=peak.target) == 0.7
    dj = Arc()
    assert dj.target(0.78) > dj.target(0.5) < dj.target(0.38) and dj.target(1.0) < dj.target(0.78)
    assert dj.target(0.0) < dj.target(0.38)


def test_arc_from_constraints_and_prompt():
    assert arc_from(Ordering(arc="rising")).shape == "rising"
    assert arc_from(None).shape == "dj"
    a = arc_from(Ordering(), "techno, build to a peak at 40 minutes then cool down", minutes=60)
    assert a.shape == "peak" and a.at == pytest.approx(40 / 60)
    assert arc_from(Ordering(), "build up to a peak and then cool down").shape == "peak"


def test_weights_follow_ordering():
    assert transition_weights_for(Ordering(smooth=True)).tempo > TransitionWeights().tempo
    assert transition_weights_for(Ordering(arc="falling")).arc > TransitionWeights().arc


# -- the search on real rows ---------------------------------------------------------------------
def test_sequence_keeps_the_tracks_and_improves_on_the_given_order(real_sets):
    total_before = total_after = 0.0
    for genre, tracks in real_sets.items():
        out = sequence(tracks, Arc(), budget=0.3)
        assert Counter(t.track_id for t in out) == Counter(t.track_id for t in tracks), genre
        before, after = score_transitions(tracks), score_transitions(out)
        assert after.overall >= before.overall - 1e-9, genre
        total_before += before.key_compatible
        total_after += after.key_compatible
    assert total_after / len(real_sets) > total_before / len(real_sets) + 0.2


def test_sequence_finds_the_best_order_of_a_small_set(real_sets):
    tracks = real_sets["soul"][:6]
    best = max(score_transitions(list(p)).overall for p in itertools.permutations(tracks))
    assert score_transitions(sequence(tracks, budget=2.0)).overall == pytest.approx(best, abs=1e-3)


def test_locked_tracks_keep_their_positions(real_sets):
    tracks = real_sets["house"]
    locked = [tracks[0].track_id, tracks[7].track_id, tracks[-1].track_id]
    out = sequence(tracks, Arc(), locked=locked, budget=0.3)
    assert out[0].track_id == locked[0] and out[7].track_id == locked[1] and out[-1].track_id == locked[2]
    assert Counter(t.track_id for t in out) == Counter(t.track_id for t in tracks)


def test_deterministic_for_a_seed(real_sets):
    tracks = real_sets["jazz"][:8]
    a = [t.track_id for t in sequence(tracks, budget=5.0, seed=3)]
    b = [t.track_id for t in sequence(tracks, budget=5.0, seed=3)]
    assert a == b


def test_arc_fit_follows_the_arc_asked_for(real_sets):
    tracks = real_sets["hip hop"]
    w = TransitionWeights(key=0.0, tempo=0.0, arc=1.0)
    rising = sequence(tracks, Arc(shape="rising"), weights=w, budget=0.3)
    energies = [t.energy for t in rising]
    first, last = sum(energies[:8]) / 8, sum(energies[-8:]) / 8
    assert last > first + 0.1
    assert score_transitions(rising, Arc(shape="rising"), w).arc_fit > score_transitions(tracks, Arc(shape="rising"), w).arc_fit


def test_smooth_sets_have_small_tempo_steps(real_sets):
    tracks = real_sets["rock"]
    out = sequence(tracks, Arc(), weights=transition_weights_for(Ordering(smooth=True)), budget=0.3)
    assert score_transitions(out).mean_bpm_step < score_transitions(tracks).mean_bpm_step


def test_unknown_features_and_tiny_sets():
    a = Track(track_id="a", title="A", artist="X")
    b = Track(track_id="b", title="B", artist="Y", key=0, mode=1, tempo=120.0, energy=0.5)
    assert sequence([], Arc()) == []
    assert sequence([a], Arc()) == [a]
    assert {t.track_id for t in sequence([a, b], Arc())} == {"a", "b"}
    s = score_transitions([a, b])
    assert s.key_pairs == 0 and s.key_compatible is None and s.mean_bpm_step is None


def test_search_respects_its_time_budget(real_sets):
    tracks = [t for ts in real_sets.values() for t in ts] * 2
    tracks = [t.model_copy(update={"track_id": f"{t.track_id}-{i}"}) for i, t in enumerate(tracks)]
    t0 = time.perf_counter()
    out = sequence(tracks, Arc(), budget=0.3)
    assert time.perf_counter() - t0 < 4.0
    assert len(out) == len(tracks) == 190
