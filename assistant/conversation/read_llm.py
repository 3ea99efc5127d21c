"""Follow-ups read by the configured LLM into typed edit operations, checked against the playlist and the words.

`read_edits` asks the LLM for `Edits` (validated, retried once with the problems), then checks every operation:
positions must exist in the playlist shown, and every artist named must be in the listener's words (an invented
name is a problem the model is told about). Names are grounded to the catalogue's spelling and genres to its terms.
Without an LLM, or when it is down or answers badly twice, the deterministic offline parser reads the follow-up
and the reading says so: a turn never fails because of the LLM.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from assistant.conversation.edits import AddLike, EditOp, Edits, MoreLess, Move, Remove, ReplaceSection, StartOver
from assistant.conversation.read_offline import parse_edits
from assistant.conversation.session import Version
from assistant.understanding import Vocabulary, mentioned, quote_untrusted
from retrieval.tracks import normalise_name

log = logging.getLogger(__name__)
SHOWN_TRACKS = 60  # the playlist lines the model sees (positions beyond still validate)


@dataclass
class EditReading:
    """The operations of one follow-up and where they came from."""

    ops: list[EditOp]
    source: str = "offline"  # offline | llm
    fallback: str | None = None  # why the offline parser was used although an LLM is configured
    usage: dict | None = None
    problems: list[str] = field(default_factory=list)


def edit_schema() -> dict:
    """The JSON schema the LLM reads: `Edits`, without a start-over's constraints (Segue reads the request itself)."""
    schema = Edits.model_json_schema()
    schema.get("$defs", {}).get("StartOver", {}).get("properties", {}).pop("constraints", None)
    return schema


def playlist_text(version: Version, catalogue) -> str:
    """The playlist as the model sees it: constraint state, then numbered tracks (escaped catalogue data)."""
    c = version.constraints
    state = c.model_dump(mode="json", exclude_defaults=True, exclude={"prompt", "notes", "exclude_tracks",
                                                                      "include_tracks", "seed_tracks"})
    lines = [f"wants: {state}"]
    for k, tid in enumerate(version.track_ids[:SHOWN_TRACKS], 1):
        r = catalogue.row_of(tid)
        if r is not None:
            t = catalogue.track(r)
            lines.append(f"{k}. {t.artist} - {t.title} ({', '.join(t.genres[:3]) or 'no genre'}; "
                         f"{t.year or 'year unknown'})")
    if len(version.track_ids) > SHOWN_TRACKS:
        lines.append(f"... {len(version.track_ids) - SHOWN_TRACKS} more tracks")
    return quote_untrusted("\n".join(lines), tag=None)


def problems_of(ops: list[EditOp], text: str, n: int) -> list[str]:
    """What is wrong with the LLM's operations: positions that don't exist, names the listener never said."""
    out, said = [], normalise_name(text)
    for op in ops:
        positions = list(getattr(op, "positions", []) or [])
        positions += [p for p in (getattr(op, "track", None), getattr(op, "to", None)) if isinstance(p, int)]
        if isinstance(op, ReplaceSection):
            positions += [op.start, op.end]
        for p in positions:
            if not 1 <= p <= max(n, 1) and not (isinstance(op, Move) and p == n + 1):
                out.append(f"position {p} doesn't exist: the playlist has {n} tracks")
        artist = getattr(op, "artist", None)
        if artist and not mentioned(normalise_name(artist), said):
            out.append(f"'{artist}' is not in the listener's words; only name artists they named")
    return out


def ground(ops: list[EditOp], vocab: Vocabulary) -> list[EditOp]:
    """Catalogue spellings for artists, catalogue terms for genres (unknown words stay, and are refused later)."""
    out = []
    for op in ops:
        upd: dict = {}
        if isinstance(op, (AddLike, Remove)) and op.artist:
            name, _ = vocab.find_artist(op.artist, 0.85)
            if name:
                upd["artist"] = name
        if isinstance(op, (MoreLess, Remove)) and op.genre:
            upd["genre"] = vocab.genre_term(op.genre) or op.genre
        if isinstance(op, ReplaceSection) and op.genres:
            upd["genres"] = [vocab.genre_term(g) or g for g in op.genres]
        if isinstance(op, StartOver):
            upd["constraints"] = None
        out.append(op.model_copy(update=upd) if upd else op)
    return out


def read_edits(text: str, vocab: Vocabulary, current: Version, catalogue, llm=None, *, timeout: float = 30.0) -> EditReading:
    """The edit operations in a follow-up: the LLM's when one is configured and answers well, else the offline parser's."""
    offline = parse_edits(text, vocab, current)
    if llm is None:
        return EditReading(ops=offline)
    from assistant.llm.interface import ask_structured
    from prompts import render

    n = len(current.track_ids)
    system = render("edit_system")
    user = render("edit_user", playlist=playlist_text(current, catalogue), followup=quote_untrusted(text, tag=None))
    t0 = time.perf_counter()
    try:
        answer = ask_structured(llm, system, user, Edits, check=lambda e: problems_of(e.edits, text, n),
                                timeout=timeout, schema=edit_schema())
    except Exception as exc:  # noqa: BLE001 - any LLM failure falls back, whatever raised it
        reason = str(exc) or type(exc).__name__
        log.warning("LLM failed on a follow-up, using the offline parser: %s", reason)
        return EditReading(ops=offline, fallback=f"The LLM ({getattr(llm, 'provider', '?')}:{getattr(llm, 'model', '?')}) "
                           f"failed: {reason}. Used the offline parser instead.")
    ops = ground(list(answer.value.edits), vocab)
    if not ops and offline:
        return EditReading(ops=offline, fallback="The LLM found no edit in that; the offline parser did.")
    usages = answer.usages
    usage = {"provider": usages[-1].provider, "model": usages[-1].model,
             "seconds": round(time.perf_counter() - t0, 3),
             "input_tokens": sum(u.input_tokens or 0 for u in usages) or None,
             "output_tokens": sum(u.output_tokens or 0 for u in usages) or None, "attempts": answer.attempts}
    return EditReading(ops=ops, source="llm", usage=usage)

