"""Follow-ups read by an LLM: a scripted FakeLLM behind the real `ChatModel` interface, the real Chat service on the
demo catalogue (real encoder, FAISS, SQLite). Checks: typed edits are applied, invented names and impossible
positions are sent back to the model and then fall back, a down LLM falls back and says so."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.conversation import AddLike, CapArtist, Chat, MoreLess, Version, edit_schema, read_edits
from assistant.conversation.read_llm import ground, problems_of
from assistant.llm.fake import FakeLLM
from assistant.llm.interface import LLMUnavailable


@pytest.fixture()
def app_with(demo_home, encoder):
    from assistant.compose import build
    from assistant.model.settings import Settings

    apps = []

    def make(llm):
        a = build(Settings(home=demo_home), encoder=encoder, llm=llm)
        apps.append(a)
        return a

    yield make
    for a in apps:
        a.close()


PLAYLIST_ANSWER = {"kind": "playlist", "constraints": {"genres": ["rock"], "length": {"tracks": 12}}}


def test_llm_edits_are_applied_and_recorded(app_with):
    llm = FakeLLM([PLAYLIST_ANSWER, {"edits": [{"op": "cap_artist", "max_per_artist": 1}, {"op": "more", "feature": "energy"}]}],
                  input_tokens=120, output_tokens=30)
    chat = Chat(app_with(llm).planner)
    s = chat.start()
    first = chat.say(s.id, "12 rock songs")
    r = chat.say(s.id, "just one per artist and crank up the energy")
    assert r.understanding["source"] == "llm" and r.understanding["input_tokens"] == 120
    assert r.version.n == 2 and r.version.constraints.max_per_artist == 1
    assert max(Counter(t.artist for t in r.tracks).values()) == 1
    assert len(r.honoured) == 2 and len(first.tracks) == len(r.tracks)
    # the model was shown the playlist as data and the follow-up quoted
    call = llm.calls[-1]
    assert "<followup>" in call.user and "just one per artist" in call.user and "1. " in call.user
    assert "constraints" not in call.schema["$defs"]["StartOver"]["properties"]


def test_invented_names_and_positions_go_back_to_the_model_then_fall_back(app_with):
    bad = {"edits": [{"op": "add_like", "artist": "Nobody Said This", "own": True}, {"op": "remove", "positions": [99]}]}
    llm = FakeLLM([PLAYLIST_ANSWER, bad, bad])
    chat = Chat(app_with(llm).planner)
    s = chat.start()
    chat.say(s.id, "12 rock songs")
    r = chat.say(s.id, "only one song per artist")
    assert len(llm.calls) == 3  # the first answer, one retry naming the problems
    assert "Nobody Said This" in llm.calls[2].user and "position 99 doesn't exist" in llm.calls[2].user
    assert r.understanding["source"] == "offline" and "Used the offline parser" in r.reply
    assert r.version.constraints.max_per_artist == 1  # the offline reading was applied


def test_a_down_llm_falls_back_and_says_so(app_with):
    llm = FakeLLM([PLAYLIST_ANSWER, LLMUnavailable("the LLM at http://127.0.0.1:9/v1 did not answer: connection refused")])
    chat = Chat(app_with(llm).planner)
    s = chat.start()
    chat.say(s.id, "12 rock songs")
    r = chat.say(s.id, "make it 8 songs")
    assert len(r.tracks) == 8 and "connection refused" in r.reply and "offline parser" in r.reply


def test_checks_and_grounding_without_a_model(demo_app):
    vocab = demo_app.planner.vocabulary()
    cat = demo_app.planner.library().catalogue
    artist = cat.artists[0]
    ops = [AddLike(artist=artist.lower(), own=True), MoreLess(op="less", genre="rock"), CapArtist(max_per_artist=2)]
    assert problems_of(ops, f"more {artist.lower()} and less rock", 10) == []
    assert problems_of(ops, "less rock", 10) == [f"'{artist.lower()}' is not in the listener's words; only name "
                                                 "artists they named"]
    assert ground(ops, vocab)[0].artist == artist
    schema = edit_schema()
    assert "edits" in schema["properties"]
    # no LLM: the offline parser's reading, marked as such
    v = Version(n=1, constraints=demo_app.planner.constraints("12 rock songs"), track_ids=list(cat.ids[:12]))
    reading = read_edits("only one song per artist", vocab, v, cat, None)
    assert reading.source == "offline" and reading.fallback is None and isinstance(reading.ops[0], CapArtist)
