"""`segue eval understanding`: a tiny gold set read offline over the demo catalogue, and its command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from assistant.eval import evaluate_understanding, misreadings, offline_planner, require_llm
from assistant.model.errors import NotReady

GOLD = [
    {"id": "g1", "text": "45 minutes of jazz", "kind": "playlist",
     "gold": {"genres": [["jazz"]], "length": {"minutes": 45}}},
    {"id": "g2", "text": "20 rock songs from the 90s", "kind": "playlist",  # the gold's 25 tracks: wrong on purpose
     "gold": {"genres": [["rock"]], "years": {"min": 1990, "max": 1999}, "length": {"tracks": 25}}},
    {"id": "g3", "text": "tell me a joke", "kind": "refuse", "gold": {"refusal": "not_music"}},
]


@pytest.fixture()
def gold_file(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in GOLD))
    return path


def test_fields_kinds_and_misreadings_offline(demo_app, gold_file):
    planner = offline_planner(demo_app.planner)
    r = evaluate_understanding(planner, gold_file)
    s = r["summary"]
    assert s["engine"] == "offline" and s["prompts"] == 3 and s["errors"] == 0
    assert s["kind"]["accuracy"] == 1.0
    assert s["fields"]["genres"] == {"n": 2, "correct": 2, "accuracy": 1.0, "recall": 1.0}
    assert s["fields"]["length"]["correct"] == 1 and s["fields"]["refusal"]["accuracy"] == 1.0
    assert s["units"] == 6 and s["micro_accuracy"] == pytest.approx(5 / 6)
    assert s["coverage"]["kind:refuse"] == 1 and s["home"] == str(demo_app.settings.home)
    [g2] = [p for p in r["prompts"] if p["wrong"]]
    assert g2["id"] == "g2" and g2["wrong"] == ["length"] and g2["predicted"]["length"]["tracks"] == 20
    lines = misreadings(r["prompts"])
    assert lines[0] == "g2 [playlist->playlist] 20 rock songs from the 90s"
    assert lines[1].startswith('    wrong length: gold {"tracks": 25} got {') and len(lines) == 2


def test_offline_unless_the_llm_is_asked_for(demo_home, encoder):
    from assistant.compose import build
    from assistant.eval.understanding import engine
    from assistant.model.settings import Settings

    configured = build(Settings(home=demo_home), encoder=encoder, llm=SimpleNamespace(provider="scripted", model="m1"))
    try:
        assert require_llm(configured.planner) is configured.planner and engine(configured.planner) == "scripted:m1"
        offline = offline_planner(configured.planner)
        assert engine(offline) == "offline" and offline.library() is configured.planner.library()
        with pytest.raises(NotReady, match="no LLM configured"):
            require_llm(offline)
    finally:
        configured.close()


def _segue(args, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGUE_", "OPENAI_"))}
    env.update(SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def test_cli_table_errors_json_and_out_file(demo_home, gold_file, tmp_path):
    p = _segue(["eval", "understanding", "--data", str(gold_file), "--errors"], demo_home)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("g2 [playlist->playlist]")
    assert "micro accuracy (fields)       6     0.833" in p.stdout and "engine offline" in p.stdout
    out = tmp_path / "understanding.json"
    p = _segue(["eval", "understanding", "--data", str(gold_file), "--json", "--out", str(out)], demo_home)
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert summary["micro_accuracy"] == pytest.approx(5 / 6)
    assert json.loads(out.read_text())["summary"] == summary
    p = _segue(["eval", "understanding", "--data", str(gold_file), "--llm"], demo_home)
    assert p.returncode == 2 and "no LLM configured" in p.stderr and "Traceback" not in p.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "kind": "playlist", "gold": {"genre": [["rock"]]}}\n')
    p = _segue(["eval", "understanding", "--data", str(bad)], demo_home)
    assert p.returncode == 2 and "bad.jsonl:1: unknown gold fields ['genre']" in p.stderr
