"""Parser step: names after trigger words ('no X', 'like X', 'songs by X', 'only X'), read as lists. A trigger
opens a list of items, each a mood ('no sad songs' -> the opposite mood), a genre ('no country' -> excluded
genre), a catalogue artist (exact, or by spelling after the strongest triggers), a work ("Artist's Title", "Title
by Artist"), or a raw name the catalogue lacks (kept for 'only'/'no' with a note). After a comma or 'and' a list
goes on only with the same kind of item; 'or' allows any.
"""

from __future__ import annotations

import re

from assistant.model.constraints import Work
from assistant.understanding.lexicon import FILLER, KNOWN_GENRES, NAME_TRAILERS, OPPOSITES, SEPARATORS, STOP
from assistant.understanding.moods import MOOD_KEYS, mood_prefix
from assistant.understanding.parser.bare_names import FUZZY_ARTIST
from assistant.understanding.parser.draft import BLANK
from assistant.understanding.parser.genres import genre_prefix
from assistant.understanding.parser.state import ParseState
from assistant.understanding.tokens import Tok, join, join_words, tokens
from assistant.understanding.vocabulary import genre_key
from retrieval.tracks import normalise_name

_TRIGGERS = [  # (kind, level, pattern); level 2: fuzzy and "not found" notes, 1: exact names, 0: capitalised names
    ("exclude", 2, r"\b(?:no|zero|without|except(?: for)?|excluding|exclude|minus|other than|avoid|skip|leave out|nothing|none|"
                   r"anything but|anything except)\b(?:\s+(?:any|more|too|so|very|overly|really))?(?:\s+(?:songs?|tracks?|music|stuff|"
                   r"anything))?(?:\s+(?:by|from|of))?\s+"),
    ("exclude", 1, r"\b(?:i hate|hate|can'?t stand|don'?t like|dislike|sick of|tired of)\s+"),
    ("exclude", 1, r"\b(?:not|never|but not)\b(?:\s+(?:any|too|so|very|overly|really))?(?:\s+(?:songs?|tracks?|music)\s+(?:by|from))?\s+"),
    ("seed", 2, r"\b(?:similar to|sounds? like|sounding like|in the (?:style|vein|spirit) of|style of|(?:for )?fans of|"
                r"reminiscent of|reminds me of|inspired by|influenced by|a la|à la)\s+"),
    ("seed", 1, r"\b(?:like|such as)\s+"),
    ("seed", 0, r"\b(?:love|loved|adore|into)\s+"),
    ("include", 2, r"\b(?:songs?|tracks?|music|stuff|anything|everything|hits|albums?|discography|catalog(?:ue)?)\s+(?:by|of)\s+"),
    ("include", 0, r"\b(?:only|just|all|exclusively|nothing but|by|from)\s+"),
]


def names_after_triggers(state: ParseState) -> None:
    """Every trigger left in the text, leftmost (then longest) first; a trigger whose names were read is consumed."""
    current = state.draft.current()
    found = []
    for order, (kind, level, pat) in enumerate(_TRIGGERS):
        for m in re.finditer(pat, current, re.IGNORECASE):
            if BLANK not in m.group(0):
                found.append((m.start(), -(m.end() - m.start()), order, m.end(), kind, level))
    taken_until = -1
    for start, _, _, end, kind, level in sorted(found):
        now = state.draft.current()
        if start < taken_until or BLANK in now[start:end]:
            continue
        toks = tokens(now, end, 400)
        if not toks or re.search(r"[^\s\"'`*]", now[end:toks[0].start]):
            continue
        used = _names(state, toks, kind, level)
        if used:
            state.draft.consume(start, toks[used - 1].end)
            taken_until = toks[used - 1].end


def _names(state: ParseState, toks: list[Tok], kind: str, level: int) -> int:
    """Read a list of names after a trigger; return how many tokens were used (0: leave the trigger alone).
    After a comma or 'and' a list goes on only with the same kind of item; 'or' allows any."""
    i, used, allowed = 0, 0, None
    while i < len(toks) and toks[i].seg == toks[0].seg:
        n, what = _one_name(state, toks, i, kind, level, allowed)
        if n == 0:
            break
        i += n
        used = i
        if i < len(toks) and toks[i].text.lower() in SEPARATORS and toks[i].seg == toks[0].seg:
            sep = toks[i].text.lower()
            i += 1
            if sep == "," and i < len(toks) and toks[i].text.lower() in {"or", "nor", "and"}:
                sep, i = toks[i].text.lower(), i + 1
            names = {"artist", "raw"}
            allowed = None if sep in {"or", "nor"} else (names if what in names else {what})
        else:
            break
    return used


def _one_name(state: ParseState, toks: list[Tok], i: int, kind: str, level: int,
              allowed: set[str] | None) -> tuple[int, str]:
    """One item after a trigger: (tokens used, 'mood'|'genre'|'artist'|'raw'); (0, '') when there is none."""
    first, seg = allowed is None and i == 0, toks[i].seg
    cand: list[Tok] = []
    for t in toks[i:i + 8]:
        if t.seg != seg or (cand and t.text.lower() in STOP) or (not cand and t.text.lower() in STOP | SEPARATORS):
            break
        cand.append(t)
        if t.text.lower().endswith("'s"):
            break
    if not cand:
        return 0, ""
    words = [t.text for t in cand]
    lead = words[1] if words[0].lower() == "the" and len(words) > 1 else words[0]
    name_like = state.caps and lead[:1].isupper()
    mood = mood_prefix(words)
    if mood and not name_like:
        if kind != "exclude" or (allowed is not None and "mood" not in allowed):
            return 0, ""
        opposite = OPPOSITES.get(mood[1])
        if opposite:
            state.add_mood(opposite, toks[i].start)
            state.draft.note(f"'not {mood[1]}' read as {opposite}")
        else:
            state.draft.note(f"can't leave out '{mood[1]}' as a mood: ignored it")
        return mood[0], "mood"
    genre = genre_prefix(state, words)
    if genre and not name_like:
        if kind != "exclude" or (allowed is not None and "genre" not in allowed):
            return 0, ""
        state.exclude_genres.append(genre[1])
        return genre[0], "genre"
    exact_ok = level >= 1 or name_like or not state.caps
    artist = _artist_prefix(state, words, fuzzy=level == 2 or name_like) if exact_ok else None
    if artist and allowed is not None and "artist" not in allowed:
        return 0, ""
    if artist:
        n, name, score, raw = artist
        {"exclude": state.exclude, "seed": state.seeds, "include": state.include}[kind].append(name)
        if score < 1:
            state.draft.note(f"read '{raw}' as {name}")
        if raw.lower().endswith("'s") or words[n - 1].lower().endswith("'s"):
            n += _work_title(state, toks, i + n, name, kind)
        return n, "artist"
    if genre and kind == "exclude" and (allowed is None or "genre" in allowed):
        state.exclude_genres.append(genre[1])
        return genre[0], "genre"
    if allowed is not None and "raw" not in allowed:
        return 0, ""
    raw_toks = _raw_name(state, cand)
    after = i + len(raw_toks)
    if raw_toks and after + 1 < len(toks) and toks[after].text.lower() == "by" and toks[after].seg == seg:
        nested = _artist_prefix(state, [t.text for t in toks[after + 1:after + 7] if t.seg == seg], True)
        if nested:  # "similar to Blackout by Boris": a work, then its artist
            if kind == "seed":
                state.seeds.append(nested[1])
            state.works[kind].append(Work(title=join(raw_toks), artist=nested[1]))
            state.draft.note(f"took '{join(raw_toks)}' as a work by {nested[1]}")
            return len(raw_toks) + 1 + nested[0], "artist"
    if raw_toks and kind == "seed" and level == 1 and name_like and first:
        state.draft.note(f"couldn't find '{join(raw_toks)}' in this catalogue (an artist, song or album?)")
        return len(raw_toks), "raw"
    if not raw_toks or level < 2 or not (first or name_like):
        return 0, ""
    raw = join(raw_toks)
    if state.vocab.is_title(raw) and kind in ("exclude", "include") and (name_like or not state.caps):
        state.works[kind].append(Work(title=raw, kind="song"))
        return len(raw_toks), "raw"
    if not name_like and state.caps:
        # a lower-case word in a text that uses capitals is not a name ("no skits", "nothing longer than"): left
        # unread, so the report says it was not understood
        return 0, ""
    if kind == "include":
        state.include.append(raw)
        state.draft.note(f"couldn't find the artist '{raw}' in this catalogue")
    elif kind == "exclude":
        # Still honoured as a hard exclusion (a later catalogue may have them); the report shows it.
        state.exclude.append(raw)
        state.draft.note(f"'{raw}' is not in this catalogue, so excluding it removes nothing")
    else:
        state.draft.note(f"couldn't find '{raw}' in this catalogue")
    return len(raw_toks), "raw"


def _artist_prefix(state: ParseState, words: list[str], fuzzy: bool):
    """Longest prefix of `words` naming a catalogue artist: (words used, artist, score, raw) or None."""
    top = len(words)
    while top and (words[top - 1].lower() in NAME_TRAILERS or words[top - 1].lower() in SEPARATORS):
        top -= 1
    for n in range(top, 0, -1):
        if words[n - 1].lower() in SEPARATORS or words[n - 1].lower() in STOP:
            continue
        raw = join_words(words[:n])
        names = [raw[:-2], raw] if raw.lower().endswith("'s") else [raw]
        for name in names:
            if n == 1 and (name.lower() in FILLER or name.lower() in STOP):
                continue
            if n == 1 and not name[:1].isupper() and _common_word(state, name):
                continue
            artist, score = state.vocab.find_artist(name, FUZZY_ARTIST)
            if artist is None or (score < 1 and (not fuzzy or len(normalise_name(name)) < 7)):
                continue
            return n, artist, score, raw
    return None


def _common_word(state: ParseState, word: str) -> bool:
    """A lowercase word that means a genre or a mood rather than an artist ('electronic', 'chill')."""
    w = word.lower()
    return (w in FILLER or w in KNOWN_GENRES or genre_key(w) in MOOD_KEYS or state.vocab.is_genre_word(w))


def _work_title(state: ParseState, toks: list[Tok], j: int, artist: str, kind: str) -> int:
    """After "Artist's", take a capitalised run as the title of a work by that artist."""
    run = []
    for t in toks[j:j + 6]:
        if t.seg != toks[j - 1].seg or not (t.text[:1].isupper() or t.text[:1].isdigit()):
            break
        run.append(t)
    if run:
        state.works[kind].append(Work(title=join(run), artist=artist))
        state.draft.note(f"took '{join(run)}' as a work by {artist}")
    return len(run)


def _raw_name(state: ParseState, cand: list[Tok]) -> list[Tok]:
    """The part of an ungrounded phrase that looks like a name."""
    out: list[Tok] = []
    caps = state.caps and cand[0].text[:1].isupper()
    for t in cand[:5]:
        low = t.text.lower()
        if low == ",":
            break
        if caps and not t.text[:1].isupper() and not t.text[:1].isdigit() and low not in {"the", "of", "and", "&", "n'"}:
            break
        out.append(t)
    while out and (out[-1].text.lower() in NAME_TRAILERS | FILLER or out[-1].text.lower() in SEPARATORS):
        out.pop()
    if out and out[-1].text.lower().endswith("'s"):
        out[-1] = Tok(out[-1].start, out[-1].end, out[-1].text[:-2], out[-1].seg)
    return out
