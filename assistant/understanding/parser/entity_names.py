"""Parser steps: named artists and works found by the entity extractor (`vocab.entities`), placed by the words
around them; then catalogue titles after 'must include' / 'make sure X is in there'. They run before the trigger
rules, so a name is read whole ("Earth, Wind & Fire", "Bohemian Rhapsody by Queen") and its span is consumed.
The nearest cue before a name in the same sentence decides where it goes: "no/without/except/hate/skip" ->
excluded; "only/just/songs by/play (me) some", or "X only/songs/bangers" after it -> only these artists;
"include/make sure/with" for a work -> must include; anything else -> a seed to sound like.
"""

from __future__ import annotations

import re

from assistant.model.constraints import Work
from assistant.understanding.entities import extract
from assistant.understanding.parser.draft import BLANK
from assistant.understanding.parser.state import ParseState
from retrieval.tracks import normalise_name

_CUES = [
    ("exclude", r"\b(?:no|not|never|without|except(?: for)?|excluding|exclude|minus|other than|avoid|skip|"
                r"leave out|hate|can'?t stand|don'?t like|dislike|nothing (?:by|from)|none|anything but|but not|zero)\b"),
    ("include_work", r"\b(?:include|including|make sure|must have|must include|add|put in|with)\b"),
    ("include", r"\b(?:only|just|exclusively|nothing but|songs? (?:by|of|from)|tracks? (?:by|of|from)|music (?:by|of|from)|"
                r"albums? (?:by|of)|discography|deep cuts (?:from|by)|play(?: me)?(?: some)?|all (?:of )?)\b"),
    ("seed", r"\b(?:like|similar to|sounds? like|style of|vein of|fans? of|reminiscent of|inspired by|vibes? of|"
             r"love|loved|likes|into|such as|in the style of|influenced by)\b"),
]
_AFTER_INCLUDE = re.compile(r"^\W*(?:(?:and|&|,|or)\s+[^,.;!?]*?\s+)?(?:only|exclusively|songs|tracks|bangers|hits|"
                            r"discography|deep cuts|b-sides|albums?)\b", re.IGNORECASE)
_AFTER_IN = re.compile(r"^\W*(?:is|are)\s+(?:in there|on it|in it|included)|^\W*in (?:there|it)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?;]\s|\bbut\b|\n")


def named_entities(state: ParseState) -> None:
    """Each name the entity extractor finds, into the list its cue says; its words are consumed unless uncued."""
    index = state.vocab.entities
    if index is None:
        return
    text = state.draft.text
    for e in extract(text, index):
        if BLANK in state.draft.current()[e.start:e.end]:
            continue
        kind = cue(text, e.start, e.end, e.kind)
        if e.kind == "work":
            work = Work(title=e.name, artist=e.artist, kind=e.work_kind if e.work_kind in ("song", "album") else "any")
            target = {"exclude": "exclude", "include_work": "include", "include": "include"}.get(kind, "seed")
            state.works[target].append(work)
            if target == "seed" and e.artist and state.vocab.find_artist(e.artist, 1.0)[0]:
                state.seeds.append(state.vocab.find_artist(e.artist, 1.0)[0])
            state.draft.note(f"took '{e.mention}' as a {'song' if e.work_kind == 'song' else 'work'}"
                        + (f" by {e.artist}" if e.artist else ""))
        else:
            name = e.name
            if e.in_catalogue:
                hit, _ = state.vocab.find_artist(e.name, 1.0)
                name = hit or e.name
                if normalise_name(e.mention.removesuffix("'s")) != normalise_name(name):
                    state.draft.note(f"read '{e.mention}' as {name}")
            target = {"exclude": state.exclude, "include": state.include, "include_work": state.include}.get(kind, state.seeds)
            if kind == "bare" and not e.in_catalogue:
                continue  # a name-like phrase with no cue and no match: leave it to the theme
            target.append(name)
            if not e.in_catalogue:
                what = {"exclude": "excluding them removes nothing", "include": "the report will say so"}
                state.draft.note(f"'{name}' is not in this catalogue" + (f": {what[kind]}" if kind in what else
                                                                     ": it can't steer this playlist"))
        state.names.append((e.start, e.end))
        if kind != "bare":  # a name with no cue stays in the theme too ("This Is Logic", "Urbano: Latino Vibes")
            state.draft.consume(e.start, _by_artist_end(text, e) if e.kind == "work" else e.end)


def include_phrases(state: ParseState) -> None:
    """'make sure X is in there', 'must include X and Y': catalogue titles the extractor left -> must include."""
    pats = [r"\b(?:make sure|be sure)\s+(?P<t>[^,.;!?\x00]+?)\s+(?:is|are)\s+(?:in there|on it|in it|on there|included)\b",
            r"\b(?:must include|must have|include|including|with)\s+(?P<t>[^,.;!?\x00]+?)(?=\s+(?:in it|on it)\b|[,.;!?]|$)"]
    for pat in pats:
        for m in list(re.finditer(pat, state.draft.current(), re.IGNORECASE)):
            parts = re.split(r"\s+(?:and|&)\s+|\s*,\s*", m.group("t"))
            titles = [p.strip() for p in parts if p.strip()]
            if titles and all(state.vocab.is_title(t) for t in titles):
                for t in titles:
                    state.works["include"].append(Work(title=t, kind="song"))
                state.draft.consume(m.start(), m.end())


def _by_artist_end(text: str, e) -> int:
    """End of "<work> by <its artist>" so the artist isn't read again as "songs by X"."""
    m = re.match(r"\s*(?:by|from)\s+", text[e.end:], re.IGNORECASE)
    if not m or not e.artist:
        return e.end
    want = normalise_name(e.artist)
    words = list(re.finditer(r"[^\s,.;!?]+", text[e.end + m.end():e.end + m.end() + 80]))
    for n in range(min(8, len(words)), 0, -1):
        stop = e.end + m.end() + words[n - 1].end()
        if normalise_name(text[e.end + m.end():stop]) == want:
            return stop
    return e.end


def cue(text: str, start: int, end: int, kind: str) -> str:
    """exclude | include | include_work | seed, from the words around a name."""
    window = text[max(0, start - 80):start]
    cut = list(_SENTENCE.finditer(window))
    if cut:
        window = window[cut[-1].end():]
    best, best_at = "seed", -1
    for cue, pattern in _CUES:
        for m in re.finditer(pattern, window, re.IGNORECASE):
            if m.start() > best_at:
                best, best_at = cue, m.start()
    after = text[end:end + 60]
    if best_at < 0 or best == "seed":
        if kind == "work" and _AFTER_IN.search(after):
            return "include_work"
        if kind == "artist" and _AFTER_INCLUDE.search(after):
            return "include"
    if best == "include_work" and kind == "artist":
        return "seed"
    return best if best_at >= 0 else "bare"
