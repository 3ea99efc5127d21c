"""The offline parser: a listener's words -> `Constraints`, deterministic, no language model.

`parse` runs `STEPS` in order over one `ParseState`: the structural pass (`STRUCTURE`: explicit, per-artist cap,
song length, playlist length, tempo, years, ordering, discovery), names found by the entity extractor, names after
trigger words (no X, like X, songs by X), 'X-style' artists, then moods and catalogue genre terms and leftover
genre-like words; what remains becomes the `theme` for semantic retrieval (None when nothing is left). Each step
blanks the words it used. Choices: 'after 2005' -> 2006 on, 'since 2005' -> 2005 on; '120 bpm' -> 117-123,
'around 120 bpm' -> 115-125; songs and minutes both given -> songs kept; an artist missing from the catalogue
after 'songs by' stays in `include_artists` (so the report can say it is missing) with a note; capitals mark
names unless the whole request is in Title Case or capitals.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.model.constraints import Constraints, Length, Ordering, Range
from assistant.model.errors import BadInput
from assistant.understanding.lexicon import ACTIVITIES, FEATURE_WORDS, FILLER, STOP
from assistant.understanding.moods import targets_for
from assistant.understanding.parser.bare_names import suffix_artists
from assistant.understanding.parser.concept_step import concepts
from assistant.understanding.parser.covers import covers
from assistant.understanding.parser.draft import Draft
from assistant.understanding.parser.entity_names import include_phrases, named_entities
from assistant.understanding.parser.genres import moods_and_genres
from assistant.understanding.parser.loose_names import loose_names
from assistant.understanding.parser.preferences import discovery, ordering
from assistant.understanding.parser.quantities import duration, explicit, per_artist, tempo, track_length
from assistant.understanding.parser.song_kinds import (
    artist_traits,
    familiarity,
    one_hit_wonders,
    relative_era,
    subject,
    title_words,
)
from assistant.understanding.parser.state import ParseState
from assistant.understanding.parser.trigger_names import names_after_triggers
from assistant.understanding.parser.unread import unread
from assistant.understanding.parser.years import year_range, years
from assistant.understanding.tokens import dedupe, tokens
from assistant.understanding.vocabulary import Vocabulary

MAX_CHARS = 5000
CATALOGUE_YEAR_UNKNOWN = 2026  # 'recent' for a vocabulary that knows no years (tests on tiny data)

# The structural pass, in a safe order (phrases containing 'no' before negations; kinds of songs first, so that
# 'one hit wonders' is not one track of hits and 'but newer' is not a year).
STRUCTURE: tuple[tuple[str, Callable[[Draft], None]], ...] = (
    ("one-hit wonders", one_hit_wonders),
    ("songs about a subject", subject),
    ("words in the title", title_words),
    ("newer or older than the seeds", relative_era),
    ("favourites or new to me", familiarity),
    ("what the catalogue does not record of artists", artist_traits),
    ("explicit lyrics", explicit),
    ("per-artist cap", per_artist),
    ("song length", track_length),
    ("playlist length and song count", duration),
    ("tempo", tempo),
    ("years", years),
    ("ordering", ordering),
    ("discovery", discovery),
)


def structure(state: ParseState) -> None:
    """The structural pass: each step of `STRUCTURE` over the draft."""
    for _, step in STRUCTURE:
        step(state.draft)


def theme_of(remaining: str) -> str | None:
    """What is left of a request once structure and names are removed, without filler words (None if nothing)."""
    keep = [t.text for t in tokens(remaining) if t.text != "," and t.text.lower() not in FILLER
            and t.text.lower() not in STOP and re.search(r"[^\W\d]", t.text)]
    return " ".join(keep).strip() or None


def theme(state: ParseState) -> None:
    """What is left of the text once every other step has taken its words."""
    state.theme = theme_of(state.draft.current())


# The parser, step by step; each step reads what earlier ones left of the text.
STEPS: tuple[tuple[str, Callable[[ParseState], None]], ...] = (
    ("structure", structure),
    ("covers of an artist", covers),
    ("artists named loosely", loose_names),
    ("named artists and works", named_entities),
    ("must-include titles", include_phrases),
    ("names after trigger words", names_after_triggers),
    ("'X-style' artists", suffix_artists),
    ("occasions, moods, activities and scenes", concepts),
    ("moods and genres", moods_and_genres),
    ("what was not understood", unread),
    ("theme", theme),
)


class ParseError(BadInput, ValueError):
    """The request can't be parsed at all (empty, or far too long)."""


def parse(text: str, vocab: Vocabulary, today_year: int | None = None) -> Constraints:
    """Turn a listener's request into `Constraints`. Raises `ParseError` only for empty or over-long text.
    'Recent', 'new' and 'this year' are read against `today_year`: by default the catalogue's latest year of
    releases (`Vocabulary.latest_year`), never the wall clock."""
    if not isinstance(text, str):
        raise ParseError("The request must be text: describe the playlist you want, e.g. '45 minutes of upbeat 90s rock'.")
    if len(text) > MAX_CHARS:
        raise ParseError(f"The request is {len(text):,} characters long; keep it under {MAX_CHARS:,} "
                         "(a sentence or two is plenty).")
    if not text.strip():
        raise ParseError("The request is empty: describe the playlist you want, e.g. '45 minutes of upbeat 90s rock'.")
    state = ParseState.start(text, vocab, today_year or vocab.latest_year or CATALOGUE_YEAR_UNKNOWN)
    for _, step in STEPS:
        step(state)
    return constraints(state)


def constraints(state: ParseState) -> Constraints:
    """The `Constraints` the steps found (years combined, moods and genres in text order, repeats dropped)."""
    d = state.draft
    yr = year_range(d)
    moods = dedupe([m for _, m in sorted(state.moods)])
    targets = targets_for(moods)
    kinds = set(d.popularity)
    popularity = "one_hit_wonders" if "one_hit_wonders" in kinds else d.popularity[0] if len(kinds) == 1 else "any"
    if (popularity == "hits" and yr and yr[0] is not None and yr[0] == yr[1] and d.season_year is None
            and re.search(rf"\bof\s+(?:the\s+year\s+)?{int(yr[0])}\b", d.text)):
        # 'biggest hits of 2016': what charted then, so that year's releases and the year before's
        d.season_year, yr = yr[1], (yr[0] - 1, yr[1])
        d.note(f"hits of {yr[1]}: what charted that year, songs released {yr[0]}-{yr[1]}")
    season = yr and yr[0] is not None and yr[1] is not None and yr[0] <= (d.season_year or 0) <= yr[1]
    extra = concept_fields(state, d)
    return Constraints(
        prompt=state.prompt, theme=state.theme, genres=dedupe([g for _, g in sorted(state.genres)]),
        moods=[m for m in moods if m not in ACTIVITIES | FEATURE_WORDS], activities=[m for m in moods if m in ACTIVITIES],
        exclude_genres=dedupe(state.exclude_genres), years=Range(min=yr[0], max=yr[1]) if yr else None,
        tempo=Range(min=d.tempo[0], max=d.tempo[1]) if d.tempo else None,
        track_minutes=Range(min=d.track_minutes[0], max=d.track_minutes[1]) if d.track_minutes else None,
        targets=targets, explicit=d.explicit, include_artists=dedupe(state.include),
        exclude_artists=dedupe(state.exclude), seed_artists=dedupe(state.seeds),
        seed_works=state.works["seed"], include_works=state.works["include"], exclude_works=state.works["exclude"],
        popularity=popularity, ordering=Ordering(arc=d.arc, smooth=d.smooth),
        length=Length(minutes=d.minutes, tracks=d.tracks), max_per_artist=d.max_per_artist,
        discovery=round(sum(d.discovery) / len(d.discovery), 3) if d.discovery else 0.3, notes=d.notes,
        prefer_year=d.season_year if season else None,
        subject=d.subject, title_words=d.title_words, era=d.era, familiarity=d.familiarity, covers_of=state.covers,
        unread=d.unread, artist_traits=d.artist_traits,
    ).model_copy(update=extra)


def concept_fields(state: ParseState, d: Draft) -> dict:
    """What the concepts read add: their names, the feature ranges they share, families to avoid, clean lyrics and
    crowd-pleasers where the occasion expects them (unless the request said otherwise)."""
    if not state.concepts:
        return {}
    from assistant.understanding.concept_profile import merged_profile

    names = [m.name for m in state.concepts]
    profile = merged_profile(names)
    out: dict = {"concepts": names, "feature_ranges": profile.ranges}
    if profile.avoid:
        out["avoid_genres"] = profile.avoid
    if profile.clean and d.explicit == "allow":
        out["explicit"] = "exclude"
        d.note(f"clean lyrics: expected for {', '.join(names)}")
    if profile.popularity == "hits" and not d.popularity and not d.discovery:
        out["discovery"] = 0.15  # crowd-pleasers lean on popularity; not a hits-only restriction
    return out
