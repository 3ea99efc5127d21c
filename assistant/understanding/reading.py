"""Understanding a request: safety screen, offline parse, optional LLM, then one grounded, cross-checked reading.

The offline parser always runs. With an LLM configured, its answer is validated (retry once with the errors),
grounded in the catalogue (`llm_merge.py`), and cross-checked against the offline reading's hard facts: where they
disagree the deterministic reading wins and the disagreement is recorded. A down or garbled LLM falls back to
the offline reading and says so. Nothing here lets an SDK exception through.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.model.constraints import Clarification, Constraints, Refusal
from assistant.understanding.llm_merge import ground_llm, merge, text_mentions
from assistant.understanding.parser.pipeline import parse
from assistant.understanding.safety import looks_like_injection, quote_untrusted, screen
from assistant.understanding.vocabulary import Vocabulary

log = logging.getLogger("segue.understand")

_VAGUE = frozenset("""idk dunno whatever something anything music songs song stuff tunes good nice random play
hmm umm um eh ok okay please pls some me a the any kind of sort thing things""".split())
_NOT_VAGUE = re.compile(r"\b(?:surprise me|anything goes|my (?:taste|favou?rites|mix|usual)|for me|i(?:'ll| will| would)? "
                        r"(?:like|love|enjoy))\b", re.IGNORECASE)
_CLARIFY = Clarification(
    question="What should it sound like? Give me a mood, a genre, an artist you like, or an occasion "
             "(e.g. 'chill jazz for a rainy morning').",
    reason="The request names no genre, mood, artist, era or occasion.")


class LLMAnswer(BaseModel):
    """What the LLM must return: a playlist reading, a clarifying question, or a refusal."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["playlist", "clarify", "refuse"] = Field(
        description="playlist: a music request; clarify: too vague to act on; refuse: not about music, or offensive")
    constraints: Constraints | None = Field(default=None, description="The reading, when kind is playlist")
    clarification: Clarification | None = Field(default=None, description="The one question, when kind is clarify")
    refusal: Refusal | None = Field(default=None, description="The reply, when kind is refuse")


# Fields the LLM must not fill: the request itself, our notes, and catalogue ids (it cannot know them).
_HIDDEN = ("prompt", "notes", "seed_tracks", "exclude_tracks", "include_tracks", "avoid_genres", "prefer_year",
           "feature_ranges", "unread", "artist_traits")


def llm_schema() -> dict:
    """The JSON schema the LLM reads: `LLMAnswer` without the fields it must not fill."""
    schema = LLMAnswer.model_json_schema()
    props = schema.get("$defs", {}).get("Constraints", {}).get("properties", {})
    for name in _HIDDEN:
        props.pop(name, None)
    return schema


class LLMInfo(BaseModel):
    """Cost and latency of the LLM calls behind a reading, as the provider reported them."""

    provider: str
    model: str
    seconds: float
    input_tokens: int | None = None
    output_tokens: int | None = None
    attempts: int = 1


class Reading(BaseModel):
    """What Segue understood: a playlist request (with constraints), a question back, or a refusal."""

    kind: Literal["playlist", "clarify", "refuse"]
    constraints: Constraints | None = None
    clarification: Clarification | None = None
    refusal: Refusal | None = None
    source: Literal["offline", "llm"] = Field(description="offline: the offline parser alone; llm: LLM + offline")
    llm: LLMInfo | None = Field(default=None, description="Provider, model, seconds and tokens of the LLM calls")
    fallback: str | None = Field(default=None, description="Why the LLM's answer was not used, when it was not")
    disagreements: list[str] = Field(default_factory=list, description="Hard facts where LLM and offline parser differ")
    seconds: float = 0.0

    def summary(self) -> dict:
        """The `understanding` part of `--json` outputs."""
        return self.model_dump(mode="json", include={"kind", "source", "llm", "fallback", "disagreements", "seconds"})


def strip_injection(text: str) -> tuple[str, bool]:
    """Drop sentences that try to instruct the model ('ignore previous instructions ...'); keep the rest."""
    if not looks_like_injection(text):
        return text, False
    parts = re.split(r"(?<=[.!?\n])\s+|\s*[;|]\s*", text)
    kept = [p for p in parts if p.strip() and not looks_like_injection(p)]
    return " ".join(kept).strip(), True


def is_vague(c: Constraints, text: str) -> bool:
    """Nothing to act on: no genre, mood, activity, artist, work, era, tempo or target, and no content words."""
    if _NOT_VAGUE.search(text):
        return False
    if (c.genres or c.moods or c.activities or c.seed_artists or c.include_artists or c.seed_works or c.include_works
            or c.years or c.tempo or c.targets.items() or c.exclude_genres or c.exclude_artists
            or c.length.minutes or c.length.tracks or c.popularity != "any" or c.subject or c.concepts or c.covers_of
            or c.title_words or c.era != "any" or c.familiarity != "any" or c.artist_traits):
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", (c.theme or "").lower())]
    return all(w in _VAGUE for w in words)


def understand(text: str, vocab: Vocabulary, llm=None, *, timeout: float = 30.0, today_year: int | None = None) -> Reading:
    """Read a request. `llm` is an `assistant.llm.interface.ChatModel` or None (offline). Raises `ParseError` only for
    empty or over-long text."""
    t0 = time.perf_counter()
    refusal = screen(text)
    if refusal is not None:
        return Reading(kind="refuse", refusal=refusal, source="offline", seconds=_since(t0))
    clean, injected = strip_injection(text)
    offline = parse(clean or text, vocab, today_year)
    offline = offline.model_copy(update={"prompt": text})
    if injected:
        offline.notes.append("ignored instructions inside the request: it is read as a music request only")
    if llm is None:
        return _offline(offline, text, t0)
    try:
        answer, info, cuts = _ask(llm, text, vocab, timeout, propose_artists=bool(offline.artist_traits))
    except Exception as exc:  # noqa: BLE001 - any LLM failure falls back, whatever raised it
        reason = str(exc) or type(exc).__name__
        log.warning("LLM failed, using the offline parser: %s", reason)
        reading = _offline(offline, text, t0)
        reading.fallback = f"The LLM ({getattr(llm, 'provider', '?')}:{getattr(llm, 'model', '?')}) failed: {reason}. " \
                           "Used the offline parser instead."
        return reading
    if answer.kind != "playlist" or answer.constraints is None:
        if not is_vague(offline, text):
            reading = _offline(offline, text, t0)
            reading.source, reading.llm = "llm", info
            reading.disagreements.append(f"the LLM answered '{answer.kind}', but the request names music: "
                                         "kept the offline reading")
            return reading
        if answer.kind == "refuse" and answer.refusal is not None:
            return Reading(kind="refuse", refusal=answer.refusal, source="llm", llm=info, seconds=_since(t0))
        return Reading(kind="clarify", clarification=answer.clarification or _CLARIFY, source="llm", llm=info,
                       seconds=_since(t0))
    grounded, notes = ground_llm(answer.constraints, vocab)
    notes += [f"the LLM's answer was cut to size: {cut}" for cut in cuts[:5]]
    merged, disagreements = merge(offline, grounded, text)
    merged = merged.model_copy(update={"notes": _dedupe(offline.notes + notes + merged.notes)})
    for line in disagreements:
        log.info("LLM/offline disagreement: %s", line)
    return Reading(kind="playlist", constraints=merged, source="llm", llm=info, disagreements=disagreements,
                   seconds=_since(t0))


def _offline(c: Constraints, text: str, t0: float) -> Reading:
    if is_vague(c, text):
        # the constraints stay attached: an evaluation or a default mix may still use them
        return Reading(kind="clarify", clarification=_CLARIFY, constraints=c, source="offline", seconds=_since(t0))
    return Reading(kind="playlist", constraints=c, source="offline", seconds=_since(t0))


def _ask(llm, text: str, vocab: Vocabulary, timeout: float, propose_artists: bool = False):
    """The LLM's reading, validated, its cost, and what was cut from it (too long). With `propose_artists` (the request asks for artists by something the catalogue
    does not record) seed artists the request never names are allowed: they are the LLM's knowledge."""
    from assistant.llm.interface import ask_structured
    from assistant.understanding.concept_profile import inventory
    from prompts import render

    schema_hint = ", ".join(vocab.genre_terms[i] for i in _popular_terms(vocab, 40))
    system = render("understand_system", today_year=str(vocab.latest_year or "the present"), genres_hint=schema_hint,
                    concepts_hint=", ".join(sorted(inventory())))
    user = render("understand_user", request=quote_untrusted(text, tag=None))

    def check(answer: LLMAnswer) -> list[str]:
        if answer.kind != "playlist" or answer.constraints is None:
            return []
        c = answer.constraints
        return text_mentions(c.model_copy(update={"seed_artists": []}) if propose_artists else c, text)

    result = ask_structured(llm, system, user, LLMAnswer, check=check, timeout=timeout, schema=llm_schema())
    usages = result.usages
    info = LLMInfo(
        provider=usages[-1].provider, model=usages[-1].model, seconds=round(sum(u.seconds for u in usages), 3),
        input_tokens=_total([u.input_tokens for u in usages]), output_tokens=_total([u.output_tokens for u in usages]),
        attempts=result.attempts)
    return result.value, info, result.cuts


def _popular_terms(vocab: Vocabulary, k: int) -> list[int]:
    order = sorted(range(len(vocab.genre_terms)), key=lambda i: (-vocab.genre_counts[i], vocab.genre_terms[i]))
    return order[:k]


def _total(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _dedupe(lines: list[str]) -> list[str]:
    """Notes without exact repeats; unlike `tokens.dedupe` (names, genres) case counts, as notes quote the text."""
    seen: set[str] = set()
    return [x for x in lines if not (x in seen or seen.add(x))]


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 4)
