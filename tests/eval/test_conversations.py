"""`segue eval conversations`: CPCD-style conversations replayed in one session each, over the demo catalogue."""

from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys

import pytest

from assistant.eval.conversation_replay import feedback_before, refine_constraints, replay
from assistant.eval.conversations import evaluate_conversations, load_conversations, summary
from assistant.model.constraints import Constraints, Range
from assistant.model.errors import BadInput


def _track(cat, row: int) -> dict:
    return {"youtube_id": f"yt-{row}", "title": cat.titles[row], "artists": [cat.artists[row]], "catalog_id": cat.ids[row]}


def _absent(i: int) -> dict:
    return {"youtube_id": f"gone-{i}", "title": "Not In The Catalogue", "artists": ["Nobody"], "catalog_id": None}


def _write(path, rows) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


@pytest.fixture()
def cpcd(demo_app, tmp_path):
    """Three conversations: one of three turns with likes and a dislike and a goal-only track, one with no goal
    track in the catalogue (skipped), one of a single turn."""
    cat = demo_app.planner.library().catalogue
    jazz = [r for r in range(len(cat)) if "jazz" in cat.genres[r]]
    rock = [r for r in range(len(cat)) if "rock" in cat.genres[r]]
    other_artist = next(r for r in jazz if cat.artists[r] != cat.artists[jazz[0]])
    ids = {"liked1": jazz[0], "liked2": jazz[1], "disliked": rock[0], "goal_only": jazz[5], "single": rock[1],
           "late": jazz[7]}
    a = {"conversation_id": "a", "goal": [_track(cat, ids[k]) for k in ("liked1", "liked2", "goal_only", "late")] + [_absent(2)],
         "turns": [
             {"user": "some chill jazz for the evening", "assistant": "How about these?",
              "liked": [_track(cat, ids["liked1"]), _absent(1)], "disliked": []},
             {"user": "more like that please", "assistant": "Here you go.",
              "liked": [_track(cat, ids["liked2"])], "disliked": [_track(cat, ids["disliked"])]},
             {"user": f"add some {cat.artists[other_artist]} too", "assistant": "Added.",
              "liked": [_track(cat, ids["late"])], "disliked": []}]}
    b = {"conversation_id": "b", "goal": [_absent(3)],
         "turns": [{"user": "rock for the gym", "liked": [], "disliked": []}]}
    c = {"conversation_id": "c", "goal": [_track(cat, ids["single"])],
         "turns": [{"user": "upbeat rock for a road trip", "liked": [_track(cat, ids["single"])], "disliked": []}]}
    path = tmp_path / "cpcd.jsonl.gz"
    _write(path, [a, b, c])
    return path, {k: cat.ids[r] for k, r in ids.items()}, a


def test_per_turn_shape_and_skipped(demo_app, cpcd):
    path, _, _ = cpcd
    r = evaluate_conversations(demo_app.planner, path)
    assert r["n"] == 2 and r["skipped"] == 1 and r["use_feedback"] is True
    assert [t["turn"] for t in r["per_turn"]] == [1, 2, 3]
    assert [t["n"] for t in r["per_turn"]] == [2, 1, 1]  # a conversation counts at turn t when it has t turns
    assert [t["n"] for t in r["baseline"]["per_turn"]] == [2, 1, 1]
    assert r["last"]["n"] == 2 and r["baseline"]["last"]["n"] == 2
    for row in r["per_turn"] + r["baseline"]["per_turn"] + [r["last"]]:
        assert {"turn", "n", "r_precision", "recall@100", "new"} <= set(row) | {"turn"}
        assert 0.0 <= row["r_precision"] <= 1.0 and 0.0 <= row["recall@100"] <= 1.0
        assert 0.0 <= row["new"]["recall@100"] <= 1.0 and row["new"]["n"] <= row["n"]
    # at turn 3 both liked tracks are kept in the playlist: 2 of the 4 goal tracks in the catalogue at least
    assert r["per_turn"][2]["recall@100"] >= 0.5
    assert r["per_turn"][2]["new"]["n"] == 1  # two goal tracks not liked yet
    assert evaluate_conversations(demo_app.planner, path, limit=1)["n"] == 1


def test_feedback_is_only_the_earlier_turns_reactions(demo_app, cpcd):
    _, ids, conv = cpcd
    cat = demo_app.planner.library().catalogue
    assert feedback_before(conv, 1, cat).empty  # a turn's reactions follow its words
    fb2 = feedback_before(conv, 2, cat)
    assert fb2.liked == [ids["liked1"]] and fb2.disliked == []
    fb3 = feedback_before(conv, 3, cat)
    assert fb3.liked == [ids["liked1"], ids["liked2"]] and fb3.disliked == [ids["disliked"]]

    results = replay(demo_app.planner, conv)
    for r in results:
        used = set(r.feedback.liked) | set(r.feedback.disliked)
        assert ids["goal_only"] not in used and ids["late"] not in used  # no goal-only track, nothing from the future
    third = results[2]
    assert {ids["liked1"], ids["liked2"]} <= set(third.playlist)  # liked tracks are kept
    assert ids["disliked"] not in third.ranked  # disliked ones are left out

    # predictions never read the goal, nor a turn's own or later reactions
    blind = copy.deepcopy(conv)
    blind["goal"] = []
    blind["turns"][2]["liked"] = [_track(cat, cat.row_of(ids["goal_only"]))]
    blind["turns"][2]["disliked"] = [_track(cat, cat.row_of(ids["liked1"]))]
    assert [r.ranked for r in replay(demo_app.planner, blind)] == [r.ranked for r in results]

    # without feedback nothing of the reactions is used
    plain = replay(demo_app.planner, conv, use_feedback=False)
    assert all(r.feedback.empty for r in plain)
    quiet = copy.deepcopy(conv)
    for t in quiet["turns"]:
        t["liked"], t["disliked"] = [], []
    assert [r.ranked for r in replay(demo_app.planner, quiet, use_feedback=False)] == [r.ranked for r in plain]


def test_refinement_accumulates_and_relaxes():
    current = Constraints(prompt="jazz", theme="jazz evening", genres=["jazz"], include_artists=["Ann A"],
                          years=Range(min=1990, max=1999), exclude_artists=["Bob B"])
    current = current.model_copy(update={"length": current.length.model_copy(update={"tracks": 25})})
    new = Constraints(prompt="some soul by Cy C too", theme="soul", genres=["soul"], include_artists=["Cy C"],
                      moods=["chill"])
    merged = refine_constraints(current, new)
    assert merged.genres == ["soul", "jazz"] and merged.moods == ["chill"]
    assert merged.include_artists == [] and merged.seed_artists == ["Cy C", "Ann A"]  # 'add X', not 'only X'
    assert merged.years == current.years and merged.exclude_artists == ["Bob B"]
    assert merged.length.tracks == 25 and merged.theme == "soul jazz evening"
    later = refine_constraints(merged, Constraints(prompt="from the 80s", years=Range(min=1980, max=1989)))
    assert later.years.min == 1980 and later.genres == merged.genres


def test_malformed_files_are_bad_input(tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        load_conversations(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"conversation_id": "x", "goal": []}\n')
    with pytest.raises(BadInput, match="'turns' list"):
        load_conversations(bad)
    bad.write_text('{"conversation_id": "x", "goal": [], "turns": [{"assistant": "hi"}]}\n')
    with pytest.raises(BadInput, match="'user' text"):
        load_conversations(bad)


def _segue(args, home):
    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def test_cli_json_shape_and_errors(demo_home, cpcd, tmp_path):
    path, _, _ = cpcd
    p = _segue(["eval", "conversations", str(path), "--json"], demo_home)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["n"] == 2 and d["skipped"] == 1 and "per_conversation" not in d
    assert [t["turn"] for t in d["per_turn"]] == [1, 2, 3]
    assert set(d["per_turn"][0]) >= {"turn", "n", "r_precision", "recall@100"}
    assert [t["n"] for t in d["baseline"]["per_turn"]] == [2, 1, 1]
    floats = [t[k] for t in d["per_turn"] + d["baseline"]["per_turn"] for k in ("r_precision", "recall@100")]
    assert all(round(x, 4) == x for x in floats)
    assert summary({"x": 0.123456, "per_conversation": []}) == {"x": 0.1235}

    p = _segue(["eval", "conversations", str(path), "--no-feedback", "--limit", "1"], demo_home)
    assert p.returncode == 0, p.stderr
    assert "feedback off" in p.stdout and "recall@100" in p.stdout and "last" in p.stdout

    p = _segue(["eval", "conversations", str(tmp_path / "nope.jsonl")], demo_home)
    assert p.returncode == 2 and "does not exist" in p.stderr and "Traceback" not in p.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    p = _segue(["eval", "conversations", str(bad)], demo_home)
    assert p.returncode == 2 and "not valid JSON" in p.stderr and "Traceback" not in p.stderr
