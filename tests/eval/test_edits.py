"""`segue eval edits`: the edit checks and the retained share on tiny hand-made versions, then the run over the
demo catalogue (the evaluation itself, and its command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from assistant.eval.edits import evaluate_edits, failed_checks, fill, load_edits, named_tracks
from assistant.model.constraints import Constraints
from assistant.model.errors import BadInput
from retrieval.tracks import Catalogue, Track


@pytest.fixture()
def library():
    """Six tracks: two by Abba (disco), a jazz pair, an untagged one of unknown year but a known decade."""
    tracks = [
        Track(track_id="t1", title="Dancing Queen", artist="Abba", genres=["disco", "pop"], year=1976, explicit=False,
              duration_ms=230_000, energy=0.8),
        Track(track_id="t2", title="Waterloo", artist="Abba", genres=["pop"], year=1974, explicit=False,
              duration_ms=170_000, energy=0.7),
        Track(track_id="t3", title="So What", artist="Miles Davis", genres=["cool jazz"], year=1959,
              duration_ms=560_000, energy=0.3),
        Track(track_id="t4", title="Blue in Green", artist="Miles Davis", genres=["jazz"], year=1959,
              duration_ms=330_000, energy=0.2),
        Track(track_id="t5", title="Lose Yourself", artist="Eminem", genres=["hip hop"], year=2002, explicit=True,
              duration_ms=320_000, energy=0.9),
        Track(track_id="t6", title="Untitled", artist="Nobody", genres=[], decade=1990, duration_ms=200_000,
              energy=0.5),
    ]
    return SimpleNamespace(catalogue=Catalogue.from_tracks(tracks))


def version(*ids, locked=(), **constraints):
    return SimpleNamespace(track_ids=list(ids), locked=list(locked), constraints=Constraints(**constraints))


def test_fill_reads_the_templates_against_the_previous_version(library):
    prev = version("t1", "t3", "t5")
    cat = library.catalogue
    assert fill("no more {artist:2}", prev, cat) == "no more Miles Davis"
    assert fill("remove {title:-1}", prev, cat) == "remove Lose Yourself"
    assert fill({"absent": ["{track:1}", "{track:3}"], "n": 2}, prev, cat) == {"absent": ["t1", "t5"], "n": 2}
    assert fill("less {genre:1}", prev, cat) == "less disco"
    assert fill("{track:4}", prev, cat) == "<no track 4>"


def test_failed_checks_names_what_did_not_hold(library):
    prev, start = version("t1", "t2", "t3", "t5"), version("t1", "t2", "t3", "t5")
    new = version("t1", "t3", "t4", "t6")
    assert failed_checks({"max_per_artist": 2, "length_tracks": 4, "no_artist": "Eminem", "absent": ["t5"],
                          "contains": ["t1"], "genre_share_lower": "pop", "locks_kept": True}, prev, new, start, None,
                         library) == []
    fails = failed_checks({"max_per_artist": 1, "no_explicit": True, "same_set": True, "spin": 1}, prev, new, start,
                          None, library)
    assert fails == ["2 tracks by one artist", "the set changed", "unknown check spin"]
    # an unknown year passes a range only when its known decade lies wholly inside it (t6: the 1990s)
    assert failed_checks({"years_range": [1950, 1999]}, prev, new, start, None, library) == []
    assert failed_checks({"years_range": [1950, 1995]}, prev, new, start, None, library) == ["years outside 1950-1995"]
    assert failed_checks({"mean_down": "energy"}, prev, new, start, None, library) == []
    refused = SimpleNamespace(refused=["no track 25"], answers=[], honoured=[])
    assert failed_checks({"unchanged": True, "refused": True}, prev, prev, start, refused, library) == []
    assert failed_checks({"refused": True}, prev, prev, start, None, library) == ["nothing refused"]


def test_named_tracks_are_the_ones_an_edit_may_touch(library):
    prev = version("t1", "t2", "t3", "t5", "t6")
    assert named_tracks({"positions": [1, -1]}, prev, library) == {"t1", "t6"}
    assert named_tracks({"section": [2, 3]}, prev, library) == {"t2", "t3"}
    assert named_tracks({"artist": "abba"}, prev, library) == {"t1", "t2"}
    assert named_tracks({"over_cap": 1}, prev, library) == {"t2"}
    assert named_tracks({"years_below": 1970}, prev, library) == {"t3", "t6"}  # an unknown year may go too
    assert named_tracks({"explicit": True, "genre": "jazz"}, prev, library) == {"t3", "t5"}
    assert named_tracks({}, prev, library) == set()


EDITS = [
    {"id": "x1", "start": "20 chill jazz songs", "edit": "only one song per artist",
     "check": {"max_per_artist": 1, "length_tracks": 20}, "named": {"over_cap": 1}},
    {"id": "x2", "start": "20 chill jazz songs", "edit": "remove track 1", "check": {"absent": ["{track:1}"]},
     "named": {"positions": [1]}},
    {"id": "x3", "start": "20 chill jazz songs", "setup": ["remove track 1"], "edit": "undo",
     "check": {"same_as_start": True}, "named": None},
]


@pytest.fixture()
def edits_file(tmp_path):
    path = tmp_path / "edits.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in EDITS))
    return path


def test_the_edits_are_honoured_and_the_rest_retained_on_the_demo_catalogue(demo_app, edits_file):
    r = evaluate_edits(demo_app.planner, edits_file)
    s = r["summary"]
    assert [x["id"] for x in r["results"]] == ["x1", "x2", "x3"]
    assert all(x["honoured"] for x in r["results"]), [x["fails"] for x in r["results"]]
    assert s["n"] == 3 and s["honoured"] == 1.0 and s["retained_n"] == 2 and s["retained_mean"] == 1.0
    assert r["results"][1]["ops"] and r["results"][2]["retained"] is None


def test_a_malformed_edit_set_is_bad_input(tmp_path):
    path = tmp_path / "edits.jsonl"
    path.write_text('{"id": "x", "start": "jazz", "edit": "less jazz"}\n')
    with pytest.raises(BadInput, match="line 1 is not an edit"):
        load_edits(path)
    path.write_text("")
    with pytest.raises(BadInput, match="holds no edits"):
        load_edits(path)


def _segue(args, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGUE_", "OPENAI_"))}
    env.update(SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def test_cli_table_json_and_out_file(demo_home, edits_file, tmp_path):
    out = tmp_path / "results" / "edits.json"
    p = _segue(["eval", "edits", "--data", str(edits_file), "--json", "--out", str(out)], demo_home)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["honoured"] == 1.0
    full = json.loads(out.read_text())
    assert full["summary"] == json.loads(p.stdout) and len(full["results"]) == 3 and "wrote" in p.stderr
    p = _segue(["eval", "edits", "--data", str(edits_file)], demo_home)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("id   ok   kept") and "honoured 100.0% of 3 edits" in p.stdout
    p = _segue(["eval", "edits", "--data", str(tmp_path / "nope.jsonl")], demo_home)
    assert p.returncode == 2 and "does not exist" in p.stderr and "Traceback" not in p.stderr
