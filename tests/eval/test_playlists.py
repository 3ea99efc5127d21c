"""`segue eval playlists`: titled playlists scored for Segue and the BM25 baseline, over the demo catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from assistant.eval.playlists import baseline_ranking, evaluate_playlists
from assistant.model.errors import BadInput


@pytest.fixture()
def playlists(demo_app, tmp_path):
    """An artist's own playlist ('This Is X': all X), a genre playlist, one with a single known track (skipped)
    and one with no title (skipped)."""
    cat = demo_app.planner.library().catalogue
    codes = np.asarray(cat.artist_codes)
    top = int(np.bincount(codes).argmax())
    mine = [cat.ids[r] for r in np.flatnonzero(codes == top)]  # all of them
    jazz = [cat.ids[r] for r in range(len(cat)) if "jazz" in cat.genres[r]][:30]
    rows = [{"playlist_id": "artist", "title": f"This Is {cat.artists[cat.row_of(mine[0])]}", "track_ids": mine},
            {"playlist_id": "jazz", "title": "Jazz Essentials", "track_ids": jazz},
            {"playlist_id": "short", "title": "One Song", "track_ids": jazz[:1] + ["not-in-the-catalogue"]},
            {"playlist_id": "untitled", "title": "  ", "track_ids": jazz}]
    path = tmp_path / "playlists.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_both_tasks_score_segue_and_the_baseline(demo_app, playlists):
    for history_half in (False, True):
        r = evaluate_playlists(demo_app.planner, playlists, history_half=history_half)
        assert r["n"] == 2 and [p["playlist_id"] for p in r["per_playlist"]] == ["artist", "jazz"]
        for scores in [r["metrics"], r["baseline"]] + [p["baseline"] for p in r["per_playlist"]]:
            assert set(scores) == {"r_precision", "ndcg@100", "recall@100"}
            assert all(0.0 <= v <= 1.0 for v in scores.values())
        artist = r["per_playlist"][0]
        # an artist's own playlist: the artist's name finds it, cold or with half of it as history
        assert artist["r_precision"] >= 0.5 and artist["baseline"]["recall@100"] >= 0.5, artist
        assert r["per_playlist"][1]["recall@100"] > 0


def test_the_baseline_puts_the_history_artists_first_and_never_repeats_the_history(demo_app):
    lib = demo_app.planner.library()
    cat = lib.catalogue
    codes = np.asarray(cat.artist_codes)
    top = int(np.bincount(codes).argmax())
    history = np.flatnonzero(codes == top)[:3].tolist()
    ranked = baseline_ranking(lib, "anything at all", history, k=50)
    rows = [cat.row_of(t) for t in ranked]
    same = [codes[r] == top for r in rows]
    assert not set(rows) & set(history)
    assert same[0] and same == sorted(same, reverse=True)  # all of the artist's other tracks, then the rest
    assert baseline_ranking(lib, "zzzz qqqq", [], k=50) == []  # no word in common, no history: nothing


def _segue(args, home):
    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def test_cli_json_table_and_errors(demo_home, playlists, tmp_path):
    p = _segue(["eval", "playlists", str(playlists), "--json"], demo_home)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["n"] == 2 and set(d["metrics"]) == set(d["baseline"]) == {"r_precision", "ndcg@100", "recall@100"}
    p = _segue(["eval", "playlists", str(playlists), "--history-half"], demo_home)
    assert p.returncode == 0, p.stderr
    assert "title + half history" in p.stdout and "BM25" in p.stdout and "r_precision" in p.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok", "track_ids": []}\n{not json\n')
    p = _segue(["eval", "playlists", str(bad)], demo_home)
    assert p.returncode == 2 and "line 2 is not valid JSON" in p.stderr and "Traceback" not in p.stderr
    with pytest.raises(BadInput, match="does not exist"):
        from assistant.eval.files import read_jsonl

        read_jsonl(tmp_path / "nope.jsonl")
