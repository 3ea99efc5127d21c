"""Pure functions that ground an LLM's reading in the catalogue and merge it with the offline reading.

Grounding ties genres to catalogue terms (exact, alias, typo, or terms containing the word; else a note with the
closest terms, and the word moves to the theme), moods and activities to the parser's canonical words, artists by
fuzzy match (missing ones are reported). Merging keeps the offline parser's hard facts (length, years, tempo,
track length, explicit, per-artist cap, only-these artists) whenever it found them; an LLM hard fact the offline
reading lacks is kept only when the text carries evidence for it (a number, an era word, a word about explicit
lyrics), so invented defaults (a small model's '1990-1999') are dropped. Soft fields come from the LLM, the
offline reading filling gaps.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from assistant.model.constraints import Constraints
from assistant.understanding.concept_profile import known, merged_profile
from assistant.understanding.lexicon import ACTIVITIES
from assistant.understanding.moods import MOOD_KEYS
from assistant.understanding.tokens import dedupe
from assistant.understanding.vocabulary import Vocabulary, genre_key
from retrieval.tracks import normalise_name

FUZZY_ARTIST = 0.85
_ERA = re.compile(r"\d|\b(?:fifties|sixties|seventies|eighties|nineties|noughties|aughts|millennium|century|decade|"
                  r"oldies|recent|new|latest|classic|old|modern|today|current|this year|last year)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
                     r"forty|fifty|sixty|hundred|dozen|half|an hour|a couple|a few|hours?)\b", re.IGNORECASE)
_EXPLICIT = re.compile(r"explicit|clean|swear|curs|profan|kid|child|family|radio edit|sfw", re.IGNORECASE)
_EVIDENCE = {"years": _ERA, "length": _NUMBER, "tempo": re.compile(r"\d|bpm|tempo", re.I),
             "track_minutes": _NUMBER, "max_per_artist": _NUMBER, "explicit": _EXPLICIT}


def ground_llm(c: Constraints, vocab: Vocabulary) -> tuple[Constraints, list[str]]:
    """The LLM's constraints with genres, moods and artists tied to the catalogue, and notes on what wasn't."""
    notes: list[str] = []
    theme_extra: list[str] = []
    genres = _ground_genres(c.genres, vocab, notes, theme_extra)
    exclude_genres = _ground_genres(c.exclude_genres, vocab, notes, None)
    moods, activities = [], []
    for word in c.moods + c.activities:
        canon = MOOD_KEYS.get(genre_key(word))
        if canon:
            (activities if canon in ACTIVITIES else moods).append(canon)
        else:
            (activities if word in c.activities else moods).append(word.strip().lower())
            theme_extra.append(word)
    seeds = [a for a in (_ground_artist(x, vocab, notes, "seed") for x in c.seed_artists) if a]
    covers = [a for a in (_ground_artist(x, vocab, notes, "covers") for x in c.covers_of) if a]
    concepts = known(c.concepts)
    if len(concepts) < len(c.concepts):
        notes.append("not in the concept inventory: " + ", ".join(x for x in c.concepts if x not in concepts))
    include = [_ground_artist(x, vocab, notes, "include") or x for x in c.include_artists]
    exclude = [_ground_artist(x, vocab, notes, "exclude") or x for x in c.exclude_artists]
    theme = " ".join(x for x in [c.theme or "", *theme_extra] if x).strip() or None
    out = c.model_copy(update={
        "genres": dedupe(genres), "exclude_genres": dedupe(exclude_genres), "moods": dedupe(moods),
        "activities": dedupe(activities), "seed_artists": dedupe(seeds), "include_artists": dedupe(include),
        "exclude_artists": dedupe(exclude), "theme": theme, "covers_of": dedupe(covers), "concepts": concepts})
    return out, notes


def _ground_genres(names: list[str], vocab: Vocabulary, notes: list[str], theme: list[str] | None) -> list[str]:
    out: list[str] = []
    for name in names:
        if not name or not name.strip():
            continue
        term = vocab.genre_term(name) or vocab.fuzzy_genre(name)[0]
        if term:
            out.append(term)
            continue
        key = genre_key(name)
        containing = vocab.terms_with_word(key, 2) if " " not in key else []
        if containing:
            out.extend(containing)
            notes.append(f"'{name}' read as {', '.join(containing)}")
            continue
        near = vocab.nearest_terms(name, 2)
        notes.append(f"no '{name}' in this catalogue" + (f"; closest: {', '.join(near)}" if near else ""))
        if theme is not None:
            theme.append(name)
    return out


def _ground_artist(name: str, vocab: Vocabulary, notes: list[str], kind: str) -> str | None:
    artist, score = vocab.find_artist(name, FUZZY_ARTIST)
    if artist is None:
        notes.append(f"couldn't find the artist '{name}' in this catalogue")
        return None
    if score < 1:
        notes.append(f"read '{name}' as {artist}")
    return artist


def text_mentions(c: Constraints, text: str) -> list[str]:
    """Names in the LLM's answer that the request never mentions (an invented or copied example value)."""
    norm_text = normalise_name(text)
    problems = []
    names = c.seed_artists + c.include_artists + c.exclude_artists + c.covers_of
    names += [w.title for w in c.seed_works + c.include_works + c.exclude_works]
    names += [w.artist for w in c.seed_works + c.include_works + c.exclude_works if w.artist]
    for name in names:
        if not mentioned(normalise_name(name), norm_text):
            problems.append(f"'{name}' is not in the request; only name artists and works the listener named")
    return problems


def mentioned(name: str, text: str) -> bool:
    """True when a (normalised) name occurs in a (normalised) text, exactly, without spaces, or fuzzily."""
    if not name:
        return True
    if name in text or name.replace(" ", "") in text.replace(" ", ""):
        return True
    return fuzz.partial_ratio(name, text) >= 85


def merge(offline: Constraints, llm: Constraints, text: str) -> tuple[Constraints, list[str]]:
    """One reading from both: deterministic hard facts win; soft fields from the LLM. Returns disagreements."""
    disagreements: list[str] = []
    default = Constraints()
    hard: dict = {}
    for field in ("years", "tempo", "track_minutes", "length", "max_per_artist", "explicit"):
        o, g, none = getattr(offline, field), getattr(llm, field), getattr(default, field)
        if o != none:
            hard[field] = o
            if g != none and g != o:
                disagreements.append(f"{field}: the LLM read {_show(g)}, the offline parser {_show(o)}; kept {_show(o)}")
        elif g != none:
            if _EVIDENCE[field].search(text):
                hard[field] = g
            else:
                hard[field] = none
                disagreements.append(f"{field}: the LLM read {_show(g)} but the request says nothing of it; dropped it")
    include = offline.include_artists or llm.include_artists
    if offline.include_artists and llm.include_artists and _norms(offline.include_artists) != _norms(llm.include_artists):
        disagreements.append(f"only these artists: the LLM read {llm.include_artists}, the offline parser "
                             f"{offline.include_artists}; kept the offline reading")
    targets = {**offline.targets.model_dump(exclude_none=True), **llm.targets.model_dump(exclude_none=True)}
    soft = {
        "theme": llm.theme or offline.theme,
        "genres": dedupe(llm.genres + offline.genres),
        "exclude_genres": dedupe(offline.exclude_genres + llm.exclude_genres),
        "moods": llm.moods or offline.moods,
        "activities": llm.activities or offline.activities,
        "targets": targets,
        "include_artists": include,
        "exclude_artists": dedupe(offline.exclude_artists + llm.exclude_artists),
        "seed_artists": dedupe(llm.seed_artists + offline.seed_artists),
        "seed_works": llm.seed_works or offline.seed_works,
        "include_works": llm.include_works or offline.include_works,
        "exclude_works": llm.exclude_works or offline.exclude_works,
        "discovery": llm.discovery if llm.discovery != default.discovery else offline.discovery,
        "popularity": llm.popularity if llm.popularity != "any" else offline.popularity,
        "ordering": llm.ordering if llm.ordering != default.ordering else offline.ordering,
        "concepts": dedupe(offline.concepts + llm.concepts),
        "subject": llm.subject or offline.subject,
        "era": llm.era if llm.era != "any" else offline.era,
        "familiarity": llm.familiarity if llm.familiarity != "any" else offline.familiarity,
    }
    # covers and title words are hard: the offline reading wins; the LLM's count only with evidence in the text
    folded = text.casefold()
    hard["covers_of"] = offline.covers_of or [a for a in llm.covers_of if mentioned(normalise_name(a), normalise_name(text))]
    hard["title_words"] = offline.title_words or [w for w in llm.title_words if w.casefold() in folded]
    for name in ("covers_of", "title_words"):
        dropped = [x for x in getattr(llm, name) if x not in hard[name] and not getattr(offline, name)]
        if dropped:
            disagreements.append(f"{name}: the LLM read {dropped} but the request does not say it; dropped it")
    added_hard = any(getattr(offline, f) == getattr(default, f) and hard.get(f) != getattr(default, f)
                     for f in ("years", "tempo", "track_minutes", "length", "max_per_artist"))
    data = offline.model_dump()
    data.update({k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in {**soft, **hard}.items()})
    data["notes"] = list(offline.notes)
    data["unread"] = [] if added_hard else list(offline.unread)  # the LLM read what the parser could not
    if soft["concepts"] != offline.concepts:  # concepts only the LLM named bring their ranges and defaults too
        profile = merged_profile(soft["concepts"])
        data["feature_ranges"] = profile.ranges.model_dump()
        data["avoid_genres"] = dedupe(list(offline.avoid_genres) + profile.avoid)
        if profile.clean and data["explicit"] == "allow" and offline.explicit == "allow":
            data["explicit"] = "exclude"
    return Constraints.model_validate(data), disagreements


def _norms(names: list[str]) -> set[str]:
    """The names as a set of `normalise_name` keys (to compare two readings' artist lists, order aside)."""
    return {normalise_name(n) for n in names}


def _show(value) -> str:
    if hasattr(value, "describe") and not hasattr(value, "minutes"):
        return value.describe()
    if hasattr(value, "model_dump"):
        return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in value.model_dump(exclude_none=True).items()) or "none"
    return str(value)
