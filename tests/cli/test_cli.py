"""The `segue` command as a listener runs it: a real subprocess, a real data home, real files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SEGUE = [sys.executable, "-m", "assistant.cli"]
pytestmark = pytest.mark.integration  # every test runs `segue` in a subprocess


def run(args, home, check=True, timeout=600):
    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")
    p = subprocess.run(SEGUE + args, capture_output=True, text=True, env=env, timeout=timeout)
    assert "Traceback" not in p.stderr, p.stderr
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_playlist_json_shape(demo_home):
    p = run(["playlist", "20 upbeat house songs for a party", "--user", "riley", "--json"], demo_home)
    d = json.loads(p.stdout)
    assert set(d) >= {"constraints", "tracks", "report"}
    assert len(d["tracks"]) == 20 and d["report"]["satisfied"] is True
    assert set(d["tracks"][0]) >= {"track_id", "title", "artist", "year", "tempo", "energy", "duration_ms", "why"}
    assert all({"constraint", "satisfied", "detail"} <= set(ch) for ch in d["report"]["checks"])


def test_table_output_and_unsatisfied_exit_code(demo_home):
    p = run(["playlist", "songs from 2090"], demo_home, check=False)
    assert p.returncode == 1
    assert "no tracks from 2090" in p.stdout and "FAIL" in p.stdout


def test_errors_are_one_clear_line(demo_home, tmp_path):
    p = run(["playlist", ""], demo_home, check=False)
    assert p.returncode == 2 and "prompt is empty" in p.stderr
    empty_home = tmp_path / "empty"
    p = run(["playlist", "rock"], empty_home, check=False)
    assert p.returncode == 2 and "segue catalog demo" in p.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n")
    p = run(["catalog", "import", str(bad)], empty_home, check=False)
    assert p.returncode == 2 and "error" in p.stderr.lower()
    # the message is text, not Rich markup: brackets in a path neither vanish nor crash the printer
    for name in ("x[/bold].jsonl", "[red]y[/].jsonl"):
        p = run(["eval", "playlists", str(tmp_path / name)], demo_home, check=False)
        assert p.returncode == 2 and f"{name} does not exist" in p.stderr and "Traceback" not in p.stderr, p.stderr


def _closed_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_llm_down_falls_back_and_says_so(demo_home, monkeypatch):
    monkeypatch.setenv("SEGUE_LLM", "qwen2.5-0.5b")
    monkeypatch.setenv("SEGUE_LLM_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("SEGUE_LLM_TIMEOUT", "5")
    p = run(["playlist", "20 upbeat house songs for a party", "--json"], demo_home)
    d = json.loads(p.stdout)
    u = d["understanding"]
    assert u["source"] == "offline" and "failed" in u["fallback"] and "offline parser" in u["fallback"]
    assert len(d["tracks"]) == 20 and d["report"]["satisfied"] is True
    p = run(["playlist", "20 upbeat house songs for a party"], demo_home)
    assert "offline parser" in p.stderr


def test_questions_back_and_refusals(demo_home):
    p = run(["playlist", "music"], demo_home, check=False)
    assert p.returncode == 1 and "mood" in p.stdout
    p = run(["playlist", "what is the capital of France?", "--json"], demo_home, check=False)
    d = json.loads(p.stdout)
    assert p.returncode == 1 and d["kind"] == "refuse" and d["refusal"]["kind"] == "not_music" and d["tracks"] == []
    p = run(["understand", "no Nirvana, 90s grunge, 40 minutes", "--json"], demo_home)
    d = json.loads(p.stdout)
    assert d["kind"] == "playlist" and d["constraints"]["years"] == {"min": 1990.0, "max": 1999.0}


def _write_csv(path: Path, rows: int, offset: int = 0) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["track_id", "title", "artist", "year", "genres", "duration_ms", "energy", "valence", "tempo"])
        for i in range(rows):
            g = ["rock|hard rock", "jazz|bebop", "house|deep house"][i % 3]
            w.writerow([f"id{i + offset}", f"Song {i}", f"Artist {i % 25}", 1970 + i % 50, g, 200000 + i * 100,
                        0.2 + (i % 7) / 10, 0.5, 90 + i % 60])


def test_import_is_idempotent_and_a_change_rebuilds(tmp_path):
    home, src = tmp_path / "home", tmp_path / "cat.csv"
    _write_csv(src, 300)
    p = run(["catalog", "import", str(src)], home)
    assert "Imported 300 tracks" in p.stdout and "kept 300" in p.stdout
    first = sorted(x.name for x in (home / "vectors").iterdir())
    p = run(["catalog", "import", str(src)], home)
    assert "nothing to do" in p.stdout
    assert sorted(x.name for x in (home / "vectors").iterdir()) == first
    _write_csv(src, 320, offset=1000)
    p = run(["catalog", "import", str(src)], home)
    assert "Imported 320 tracks" in p.stdout
    rebuilt = sorted(x.name for x in (home / "vectors").iterdir())
    assert len(rebuilt) == 1 and rebuilt != first  # new vectors; the stale cache is pruned
    assert len(list((home / "index").iterdir())) == 1
    info = json.loads(run(["catalog", "info", "--json"], home).stdout)
    assert info["tracks"] == 320 and info["generated"] is False


def test_history_import_reports_matches(demo_home):
    hist = next((demo_home / "demo" / "histories" / "alex").glob("*.json"))
    d = json.loads(run(["history", "import", str(hist), "--user", "alex2", "--json"], demo_home).stdout)
    assert d["match"]["matched"] > 500 and d["match"]["unmatched"] == 0
    assert d["read"]["skipped"]  # podcasts and incognito plays are skipped, with reasons


def test_real_catalogue_road_trip(real_home):
    """The foundation issue's must-show, on the 66k real catalogue (../shared/data) imported by `segue catalog
    import` (the shared `real_home`)."""
    home = real_home
    report = json.loads((home.parent / "import.json").read_text())["report"]
    assert report["kept"] > 66_000 and report["rows_read"] >= report["kept"]
    p = run(["playlist", "45 minutes of upbeat 90s rock for a road trip, no Nirvana", "--json"], home)
    d = json.loads(p.stdout)
    assert d["report"]["satisfied"] is True
    assert abs(sum(t["duration_ms"] for t in d["tracks"]) / 60000 - 45) <= 45 * 0.05
    assert all(t["year"] is not None and 1990 <= t["year"] <= 1999 for t in d["tracks"])
    assert all(t["artist"].casefold() != "nirvana" for t in d["tracks"])
    assert all(any("rock" in g or "grunge" in g or "metal" in g for g in t["genres"]) for t in d["tracks"])
    p = run(["playlist", "3 hours of songs by Zorblax Quintet", "--json"], home, check=False)
    d = json.loads(p.stdout)
    assert p.returncode == 1 and d["report"]["satisfied"] is False and d["tracks"] == []
    p = run(["playlist", "something like Radiohead's Kid A but more upbeat, nothing after 2005", "--json"], home)
    d = json.loads(p.stdout)
    c = d["constraints"]
    assert "Radiohead" in c["seed_artists"] and c["years"]["max"] == 2005 and c["targets"]["energy"] >= 0.7
    assert [(w["title"], w["artist"]) for w in c["seed_works"]] == [("Kid A", "Radiohead")]
    assert d["tracks"] and all(t["year"] is not None and t["year"] <= 2005 for t in d["tracks"])
    assert d["understanding"]["source"] == "offline"


def test_damaged_index_cache_is_rebuilt(tmp_path):
    home, src = tmp_path / "home", tmp_path / "cat.csv"
    _write_csv(src, 120)
    run(["catalog", "import", str(src)], home)
    (index_file,) = list((home / "index").glob("*/index.faiss"))
    index_file.write_bytes(b"not a faiss index")
    p = run(["playlist", "20 rock songs", "--json"], home, check=False)
    assert p.returncode in (0, 1) and json.loads(p.stdout)["tracks"]
    assert index_file.read_bytes() != b"not a faiss index"
