"""`evaluate_concepts` on three hand-made phrasings read by a scripted index: every figure is known by hand."""

from __future__ import annotations

import json

import pytest

from assistant.eval.concepts import evaluate_concepts
from assistant.model.errors import BadInput
from assistant.understanding.concepts import Concept, ConceptMatch, ConceptReading


class ScriptedIndex:
    """Answers `find` from a table and records what it was asked."""

    concepts = [Concept(name=n, kind=k, phrases=[n]) for n, k in
                [("funeral", "occasion"), ("calm", "mood"), ("running", "activity")]]

    def __init__(self, answers):
        self.answers, self.asked = answers, []

    def find(self, text, protected=()):
        self.asked.append((text, list(protected)))
        kinds = {c.name: c.kind for c in self.concepts}
        return ConceptReading(concepts=[ConceptMatch(name=n, kind=kinds[n], span=(0, 1), text=text[:1], score=.9,
                                                     how="nearest") for n in self.answers[text]])


def test_scores_top1_negatives_kinds_and_confusions(tmp_path):
    rows = [("music for a funeral, calm", ["funeral", "calm"]), ("songs for a jog", ["running"]),
            ("songs by the weeknd", []), ("songs by the sundays", [])]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "concepts": c}) for t, c in rows) + "\n", encoding="utf-8")
    index = ScriptedIndex({"music for a funeral, calm": ["calm"], "songs for a jog": [],
                           "songs by the weeknd": [], "songs by the sundays": ["calm"]})
    r = evaluate_concepts(index, path, protect=lambda text: [(0, 5)])
    assert (r["n"], r["positives"], r["negatives"]) == (4, 2, 2)
    assert r["top1"] == 0.5  # "calm" is gold for the first; nothing for the second
    assert r["exact"] == 0.25  # only "songs by the weeknd" (nothing, rightly)
    assert r["concepts"] == {"precision": 0.5, "recall": 0.3333, "f1": 0.4}
    assert r["no_concept"] == {"precision": 0.5, "recall": 0.5}
    assert r["by_kind"] == {"activity": {"top1": 0.0, "n": 1}, "occasion": {"top1": 1.0, "n": 1}}
    assert {(c["gold"], c["found"]): c["count"] for c in r["confusions"]} == {
        ("funeral", "-"): 1, ("running", "-"): 1, ("-", "calm"): 1}
    assert r["false_positives"] == [{"text": "songs by the sundays", "concepts": ["calm"]}]
    assert all(p == [(0, 5)] for _, p in index.asked)


def test_a_phrasing_without_text_is_refused(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"concepts": []}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="line 1"):
        evaluate_concepts(ScriptedIndex({}), path)
