"""Commentary: the fact check against adversarial lines, varied template lines on real catalogue rows, and
the LLM path with a scripted fake whose lines must be rewritten or replaced."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from assistant.dj import (
    LinkPlan,
    OfflineWriter,
    check_line,
    listening_facts,
    occasion,
    plan_links,
    request_words,
    spoken_title,
    track_facts,
    write_lines,
)
from assistant.dj.fact_check import allowed_claims
from assistant.dj.lines import fields, opening
from assistant.dj.templates import PERSONAS
from assistant.llm.fake import FakeLLM
from assistant.llm.interface import LLMUnavailable
from retrieval.tracks import Track
from tests.dj.test_sequencing import CATALOG, track_of_row


@pytest.fixture(scope="module")
def charted() -> list[Track]:
    """Real catalogue rows with a year, an album and a Billboard Hot 100 run, plus a few without."""
    if not CATALOG.exists():
        pytest.skip(f"{CATALOG} is not here")
    rich, plain = [], []
    with gzip.open(CATALOG, "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["chart_peak"] and r["year"] and r["album"] and r["popularity"] and len(rich) < 14:
                rich.append(track_of_row(r))
            elif not r["chart_peak"] and not r["year"] and len(plain) < 4:
                plain.append(track_of_row(r))
            if len(rich) >= 14 and len(plain) >= 4:
                break
    return rich[:7] + plain[:2] + rich[7:] + plain[2:]


# -- the fact check -------------------------------------------------------------------------
FACTS = {"just_played": {"title": "Here's That Rainy Day", "artist": "Freddie Hubbard"},
         "up_next": {"title": "Peace Piece", "artist": "Bill Evans", "year": 1959, "album": "Everybody Digs Bill Evans",
                     "chart_peak": 12, "chart_weeks": 9},
         "listener": {"plays": 14, "since": "March 2023"}}


@pytest.mark.parametrize("line", [
    "Coming up, Peace Piece by Bill Evans, from 1959.",
    "That was Here's That Rainy Day from Freddie Hubbard. Next, Evans with Peace Piece.",
    "Here’s That Rainy Day, then Bill Evans: Peace Piece, number 12 on the Billboard Hot 100 for nine weeks.",
    "Back in the fifties, Bill Evans made Everybody Digs Bill Evans.",
    "You've played this fourteen times since March 2023.",
    "Settle in, it's gentle and slow. I love this one.",
])
def test_lines_true_to_their_facts_pass(line):
    g = check_line(line, FACTS)
    assert g.ok, g.problems()


@pytest.mark.parametrize("line,kind,claim", [
    ("Coming up, Peace Piece by Bill Evans, from 1958.", "year", "1958"),
    ("Peace Piece, a gem from the 60s.", "decade", "60s"),
    ("Peace Piece went to number 3 on the Billboard Hot 100.", "number", "3"),
    ("Peace Piece went all the way to number one.", "number", "one"),
    ("Bill Evans spent twenty weeks on the chart with this.", "number", "twenty"),
    ("Next up, Miles Davis with Peace Piece.", "name", "Miles Davis"),
    ("That was Freddie Hubbard; now Coltrane.", "name", "Coltrane"),
    ("Bill Evans recorded it with Scott LaFaro at the Village Vanguard.", "name", "Scott LaFaro"),
    ("You've played this 15 times since March.", "number", "15"),
    ("From their third album, Peace Piece.", "number", "third"),
    ("Peace Piece, from the album Kind of Blue.", "name", "Kind of Blue"),
])
def test_adversarial_lines_fail_on_the_claim(line, kind, claim):
    g = check_line(line, FACTS)
    assert not g.ok
    assert (kind, claim) in [(c.kind, c.text) for c in g.failed], g.failed


def test_another_links_artist_is_not_allowed(charted):
    a, b = charted[0], charted[1]
    facts = {"up_next": track_facts(a)}
    assert check_line(f"Next, {track_facts(a)['title']} by {a.artist}.", facts).ok
    bad = check_line(f"Next, {track_facts(a)['title']} by {b.artist}.", facts)
    assert not bad.ok and bad.failed[0].kind == "name"


def test_allowed_collects_numbers_years_and_decades():
    a = allowed_claims({"x": {"year": 1987, "n": 3.0, "s": "since May 2021", "r": "80s pop hits"}})
    assert {1987, 2021} <= a.years and {1980, 2020} <= a.decades and 3 in a.numbers


# -- facts and plans -------------------------------------------------------------------------------
def test_spoken_titles_and_requests():
    assert spoken_title("Lazy Afternoon - Remastered 2004") == "Lazy Afternoon"
    assert spoken_title("Sunny (feat. Someone)") == "Sunny"
    assert spoken_title("1999") == "1999"
    assert request_words("rainy afternoon jazz, about 40 minutes") == "rainy afternoon jazz"
    assert request_words("an hour of 80s pop hits") == "80s pop hits"
    assert occasion("chill electronic for coding", ["coding"], ["chill"], ["electronic"]) == "coding"
    assert occasion("rainy afternoon jazz", [], [], ["jazz"]) == "a rainy afternoon"


def test_listening_facts_count_plays_and_first_month():
    ts = [datetime(2023, 3, 2, tzinfo=UTC), datetime(2023, 5, 1, tzinfo=UTC)]
    listens = [SimpleNamespace(track_id="t1", artist="A", ts=t, skipped=False) for t in ts]
    listens += [SimpleNamespace(track_id="t1", artist="A", ts=ts[1], skipped=True),
                SimpleNamespace(track_id="t2", artist="A", ts=ts[1], skipped=False)]
    tracks, artists = listening_facts(listens)
    assert tracks == {"t1": {"plays": 2, "since": "March 2023"}}  # t2 played once: not a story yet
    assert artists == {"a": 3}


def test_plan_places_intro_links_and_outro(charted):
    plans = plan_links(charted, every=3, request="pop hits")
    positions = [p.after_position for p in plans]
    assert positions == [0, 3, 6, 9, 12, 15, len(charted)]
    assert plans[0].kind == "intro" and plans[-1].kind == "outro"
    assert [p.n for p in plans] == list(range(1, len(plans) + 1))
    middle = [p.kind for p in plans[1:-1]]
    assert all(a != b for a, b in zip(middle, middle[1:])), middle  # kinds rotate
    assert {"story", "trending"} <= set(middle)
    link = plans[1]
    assert link.facts["just_played"]["artist"] == charted[2].artist
    assert link.facts["up_next"]["artist"] == charted[3].artist


def test_personal_links_use_the_listeners_history(charted):
    history = ({charted[2].track_id: {"plays": 14, "since": "March 2023"}}, {})
    plans = plan_links(charted, every=2, history=history)
    personal = [p for p in plans if p.kind == "personal"]
    assert personal and personal[0].facts["up_next"]["plays"] == 14
    text = OfflineWriter().write(personal[0])
    assert "14" in text and charted[2].artist in text


# -- template lines ------------------------------------------------------------------------------
def test_template_lines_pass_the_fact_check_vary_and_never_repeat(charted):
    plans = plan_links(charted, every=1, request="pop hits", occasion_text="a road trip")
    lines, note = write_lines(plans, seed=1)
    assert note is None and len(lines) == len(plans)
    texts = [x.text for x in lines]
    assert len(set(texts)) == len(texts)
    for plan, line in zip(plans, lines):
        assert check_line(line.text, plan.facts).ok, line.text
        assert line.source == "template"
    openings = [opening(t) for t in texts]
    assert all(a != b for a, b in zip(openings, openings[1:]))
    assert len(set(openings)) >= 0.8 * len(openings)
    story = [x.text for p, x in zip(plans, lines) if p.kind == "story"]
    assert story and any(str(p.facts["up_next"].get("year")) in x.text for p, x in zip(plans, lines)
                         if p.kind == "story" and "year" in p.facts["up_next"])


def test_templates_only_use_known_fields(charted):
    plain = charted[7]  # no year, no chart run
    plan = LinkPlan(n=1, after_position=1, kind="story", facts={"up_next": track_facts(plain)})
    assert "year" not in fields(plan)
    text = OfflineWriter().write(plan)
    assert check_line(text, plan.facts).ok and plain.artist in text


# -- the LLM path --------------------------------------------------------------------------------
def _plans(charted):
    return plan_links(charted[:6], every=2, request="pop hits")


def test_llm_lines_that_fail_are_rewritten_or_replaced(charted):
    plans = _plans(charted)  # intro, links after 2 and 4, outro
    up = [p.facts["up_next"] for p in plans[1:3]]
    wrong_year = up[0]["year"] + 1
    good_intro = f"Welcome in: pop hits, opening with {plans[0].facts['first']['title']}."
    first = {"lines": [
        {"n": 1, "text": good_intro},
        {"n": 2, "text": f"Here's {up[0]['title']} by {up[0]['artist']}, from {wrong_year}."},  # wrong year
        {"n": 3, "text": f"Next, {up[1]['title']} by Miles Davis, number 1 for 40 weeks."},  # another artist, chart
        {"n": 4, "text": f"Thanks for listening; that was {plans[3].facts['last']['artist']}."},
    ]}
    rewrite = {"lines": [
        {"n": 2, "text": f"Now {up[0]['artist']} with {up[0]['title']}."},  # fixed
        {"n": 3, "text": f"Coming up, {up[1]['title']} by Elvis Presley."},  # still invented
    ]}
    fake = FakeLLM([first, rewrite])
    lines, note = write_lines(plans, llm=fake, persona="late-night")
    assert note is None
    assert [x.source for x in lines] == ["llm", "llm-rewritten", "template-replaced", "llm"]
    assert str(wrong_year) in lines[1].rejected[0]["problems"][0]
    assert any("Miles Davis" in p for p in lines[2].rejected[0]["problems"])
    assert any("Elvis Presley" in p for p in lines[2].rejected[1]["problems"])
    for plan, line in zip(plans, lines):
        assert check_line(line.text, plan.facts).ok
    assert "Miles Davis" not in lines[2].text and up[1]["artist"] in lines[2].text
    assert len(fake.calls) == 2
    assert PERSONAS["late-night"] in fake.calls[0].system
    assert "rejected" in fake.calls[1].user and str(wrong_year) in fake.calls[1].user
    assert '"n": 2' in fake.calls[1].user and '"n": 1,' not in fake.calls[1].user  # only the failed links


def test_llm_repeated_openings_are_sent_back(charted):
    plans = _plans(charted)
    up = [p.facts["up_next"] for p in plans[1:3]]
    same = {"lines": [{"n": 1, "text": "Coming up: pop hits."},
                      {"n": 2, "text": f"Coming up, {up[0]['title']} by {up[0]['artist']}."},
                      {"n": 3, "text": f"Then {up[1]['title']} by {up[1]['artist']}."},
                      {"n": 4, "text": "Thanks for listening."}]}
    fake = FakeLLM([same, {"lines": [{"n": 2, "text": f"Here's {up[0]['artist']}, {up[0]['title']}."}]}])
    lines, _ = write_lines(plans, llm=fake)
    assert lines[1].source == "llm-rewritten" and "opening" in lines[1].rejected[0]["problems"][0]


def test_llm_unavailable_falls_back_to_templates(charted):
    plans = _plans(charted)
    lines, note = write_lines(plans, llm=FakeLLM([LLMUnavailable("connection refused")]))
    assert note and "connection refused" in note
    assert all(x.source == "template" for x in lines)
    assert all(check_line(x.text, p.facts).ok for p, x in zip(plans, lines))


def test_llm_garbage_and_missing_lines(charted):
    plans = _plans(charted)
    fake = FakeLLM(["not json at all", {"lines": [{"n": 1, "text": "Hello and welcome: pop hits."}]},
                    {"lines": []}])
    lines, note = write_lines(plans, llm=fake)
    assert lines[0].source == "llm"
    assert [x.source for x in lines[1:]] == ["template-replaced"] * 3
    assert "no line was given" in lines[1].rejected[0]["problems"][0]
