"""Writing the links' lines: with an LLM in a persona, or from varied templates, every line fact-checked.

Pure apart from the LLM call. `write_lines` writes a show's links: with an LLM, one call for the whole show in the
chosen persona, each line fact-checked against its facts (`fact_check.check_line`), the failures asked for again
once with their problems, and what still fails replaced by a template line; offline, templates only
(`OfflineWriter`). No line repeats within a show and no two lines open with the same two words while an
alternative exists.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from assistant.dj import templates as T
from assistant.dj.fact_check import AllowedClaims, allowed_claims, check_line, norm
from assistant.dj.link_plans import LinkPlan
from assistant.model.base import StrictModel

__all__ = ["DJLine", "DJScript", "Line", "OfflineWriter", "fields", "judge", "opening", "persona_text", "write_lines"]


class Line(StrictModel):
    """A written link line and where it came from."""

    n: int
    text: str
    source: str = Field(description="template, llm, llm-rewritten or template-replaced")
    rejected: list[dict] = Field(default_factory=list, description="Lines that failed the check, with the problems")


class DJLine(StrictModel):
    n: int = Field(description="The link number")
    text: str = Field(min_length=1, max_length=600, description="What the DJ says")


class DJScript(StrictModel):
    lines: list[DJLine] = Field(description="One line per link")


def fields(plan: LinkPlan) -> dict[str, Any]:
    """A plan's facts flattened into template fields."""
    f = plan.facts
    out: dict[str, Any] = {k: v for k, v in f.items() if not isinstance(v, dict)}
    for key in ("up_next", "now_playing"):
        out.update(f.get(key) or {})
    for key, prefix in (("just_played", "prev_"), ("first", "first_"), ("last", "last_")):
        for k, v in (f.get(key) or {}).items():
            out[prefix + k] = v
    if "chart_weeks" in out:
        out["weeks_phrase"] = "one week" if out["chart_weeks"] == 1 else f"{out['chart_weeks']} weeks"
    return out


def opening(text: str) -> str:
    return " ".join(norm(text).split()[:2])


class OfflineWriter:
    """Template lines that vary: unused openings and templates first, never a repeated line, always passing the fact check."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.lines: set[str] = set()
        self.openings: Counter[str] = Counter()
        self.templates: Counter[str] = Counter()

    def note(self, text: str) -> None:
        """Count a line written elsewhere (an LLM line that passed) so later lines vary from it too."""
        self.lines.add(norm(text))
        self.openings[opening(text)] += 1

    def write(self, plan: LinkPlan) -> str:
        f = fields(plan)
        bodies = [tpl for need, tpl in T.KINDS.get(plan.kind, ()) if all(f.get(k) is not None for k in need)]
        backs = [None]
        if plan.kind in ("story", "trending", "mood", "personal") and f.get("prev_title"):
            backs += list(T.BACKSELL)
        combos = [(b, body) for body in bodies for b in backs]
        self.rng.shuffle(combos)
        combos.sort(key=lambda c: (self.templates[c[1]] + (self.templates[c[0]] if c[0] else 0.5)))
        facts = allowed_claims(plan.facts)
        best = None
        for back, body in combos:
            text = self._fill(back, body, f, plan)
            if text is None or norm(text) in self.lines or not check_line(text, facts).ok:
                continue
            rank = (self.openings[opening(text)], self.templates[body] + (self.templates[back] if back else 0))
            if best is None or rank < best[0]:
                best = (rank, text, back, body)
            if rank[0] == 0:
                break
        if best is None:
            text = self._fallback(f, facts)
        else:
            _, text, back, body = best
            self.templates[body] += 1
            if back:
                self.templates[back] += 1
        self.note(text)
        return text

    def _fill(self, back, body, f, plan) -> str | None:
        try:
            text = body.format(**f)
            if back:
                text = back.format(**f) + " " + text
        except (KeyError, IndexError):
            return None
        if plan.kind == "intro" and f.get("catalogue"):
            text += " " + T.GENERATED_NOTE
        return text[0].upper() + text[1:]

    def _fallback(self, f: dict, facts: AllowedClaims) -> str:
        title = f.get("title") or f.get("last_title") or f.get("first_title") or ""
        artist = f.get("artist") or f.get("last_artist") or f.get("first_artist") or ""
        for text in (T.FALLBACK.format(title=title, artist=artist), f"{artist}: {title}.", f"{title}."):
            if norm(text) not in self.lines and check_line(text, facts).ok:
                return text
        return f"{title}."


def persona_text(persona: str | None) -> str:
    """A persona preset's description, or the listener's own description (clipped)."""
    p = (persona or T.DEFAULT_PERSONA).strip()
    return T.PERSONAS.get(p.lower(), p[:200])


def judge(text: str, plan: LinkPlan, writer: OfflineWriter) -> list[str]:
    """Why an LLM line cannot be used: claims not in its facts, a repeated line, a repeated opening."""
    problems = check_line(text, plan.facts).problems()
    if len(text.split()) > 60:
        problems.append("the line is longer than 60 words")
    elif len(text.split()) < 3:
        problems.append("the line is too short to say anything")
    if norm(text) in writer.lines:
        problems.append("the line repeats an earlier one")
    elif writer.openings[opening(text)]:
        problems.append(f"the opening '{opening(text)}' was already used; open differently")
    return problems


def write_lines(plans: Sequence[LinkPlan], *, llm=None, persona: str | None = None, timeout: float = 30.0,
                seed: int = 0) -> tuple[list[Line], str | None]:
    """Lines for `plans` and a note when the LLM could not be used. Offline (no `llm`): templates only."""
    writer = OfflineWriter(seed)
    if llm is None:
        return [Line(n=p.n, text=writer.write(p), source="template") for p in plans], None
    import prompts
    from assistant.llm.interface import LLMError, ask_structured

    system = prompts.render("dj_system", persona=persona_text(persona))
    try:
        first = ask_structured(llm, system, _user(plans, ""), DJScript, timeout=timeout,
                               max_items=max(64, len(plans))).value
    except LLMError as e:
        return [Line(n=p.n, text=writer.write(p), source="template") for p in plans], f"DJ lines from templates: {e}"
    got = {x.n: x.text.strip() for x in first.lines}
    rejected: dict[int, list[dict]] = {}
    lines: dict[int, Line] = {}
    for p in plans:
        text = got.get(p.n, "")
        problems = judge(text, p, writer) if text else ["no line was given for this link"]
        if problems:
            rejected[p.n] = [{"text": text, "problems": problems}]
        else:
            writer.note(text)
            lines[p.n] = Line(n=p.n, text=text, source="llm")
    note = None
    if rejected:
        retry = [p for p in plans if p.n in rejected]
        ask = "\nThese lines were rejected. Write them again, fixing every problem:\n" + "\n".join(
            f"- link {n}: {json.dumps(r[0]['text'])}: {'; '.join(r[0]['problems'])}" for n, r in rejected.items())
        try:
            again = {x.n: x.text.strip() for x in ask_structured(llm, system, _user(retry, ask), DJScript,
                                                                  timeout=timeout, max_items=max(64, len(retry))).value.lines}
        except LLMError as e:
            again, note = {}, f"the DJ's rewrite failed ({e}); rejected lines replaced from templates"
        for p in retry:
            text = again.get(p.n, "")
            problems = judge(text, p, writer) if text else ["no line was given for this link"]
            if text and not problems:
                writer.note(text)
                lines[p.n] = Line(n=p.n, text=text, source="llm-rewritten", rejected=rejected[p.n])
            else:
                if text:
                    rejected[p.n].append({"text": text, "problems": problems})
                lines[p.n] = Line(n=p.n, text=writer.write(p), source="template-replaced", rejected=rejected[p.n])
    return [lines[p.n] for p in plans], note


def _user(plans: Sequence[LinkPlan], rewrite: str) -> str:
    import prompts

    links = json.dumps([{"n": p.n, "kind": p.kind, **p.facts} for p in plans], ensure_ascii=False, indent=1)
    links = links.replace("</links>", "<\\/links>")
    return prompts.render("dj_user", links=links, rewrite=rewrite)
