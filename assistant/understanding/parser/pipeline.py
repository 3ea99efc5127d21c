"""The offline parser: a listener's words -> `Constraints`, deterministic, no language model.

Order: structural phrases (`structure.py`), then artists after trigger words (no X, like X, songs by X),
then moods and catalogue genre terms (longest phrase first, moods win ties), then leftover genre-like
words, and what remains becomes the `theme` for semantic retrieval (None when nothing is left).

Choices: 'after 2005' -> 2006 on, 'since 2005' -> 2005 on; '120 bpm' -> 117-123, 'around 120 bpm' -> 115-125;
songs and minutes both given -> songs kept; an artist missing from the catalogue after 'songs by' stays in
`include_artists` (so the report can say it is missing) with a note; capitals mark names unless the whole
request is in Title Case or capitals.
"""

from __future__ import annotations

import re

from assistant.model.errors import BadInput
from assistant.model.constraints import Constraints, Length, Ordering, Range, Work
from assistant.understanding.vocabulary import Vocabulary, genre_key, genre_words
from assistant.understanding.lexicon import ACTIVITIES, FEATURE_WORDS, FILLER, GENERIC_TERMS, KNOWN_GENRES, MOODS_NOT_FROM_GENRES, NAME_TRAILERS, OPPOSITES
from assistant.understanding.parser.bare_names import FUZZY_ARTIST, Mentions
from assistant.understanding.parser.cued_names import Named
from assistant.understanding.parser.quantities import BLANK, Draft, extract_all, year_range
from assistant.understanding.words import (CHARS, MOOD_KEYS, SEPARATORS, STOP, Tok, dedupe, join, join_words, mood_prefix,
                             targets_for, theme_of, tokens)
from retrieval.tracks import normalise_name

MAX_CHARS = 5000
_GENRE_SUFFIX = re.compile(r"\w{3}(core|wave|step|gaze|pop|rock|metal|punk|funk|jazz|tronica)$")
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
_TITLE_CASE_SMALL = frozenset("a an the of and or nor to in on at for by with from as but vs n 'n".split())


class ParseError(BadInput, ValueError):
    """The request can't be parsed at all (empty, or far too long)."""


def parse(text: str, vocab: Vocabulary, today_year: int = 2026) -> Constraints:
    """Turn a listener's request into `Constraints`. Raises `ParseError` only for empty or over-long text."""
    if not isinstance(text, str):
        raise ParseError("The request must be text: describe the playlist you want, e.g. '45 minutes of upbeat 90s rock'.")
    if len(text) > MAX_CHARS:
        raise ParseError(f"The request is {len(text):,} characters long; keep it under {MAX_CHARS:,} "
                         "(a sentence or two is plenty).")
    if not text.strip():
        raise ParseError("The request is empty: describe the playlist you want, e.g. '45 minutes of upbeat 90s rock'.")
    p = _Parse(text, vocab, today_year)
    return p.run()


class _Parse(Mentions, Named):
    def __init__(self, text: str, vocab: Vocabulary, today_year: int):
        self.prompt = text
        self.vocab = vocab
        self.d = Draft(text.translate(CHARS), today_year)
        self.moods: list[tuple[int, str]] = []
        self.genres: list[tuple[int, str]] = []
        self.exclude_genres: list[str] = []
        self.include: list[str] = []
        self.exclude: list[str] = []
        self.seeds: list[str] = []
        self.works: dict[str, list[Work]] = {"seed": [], "include": [], "exclude": []}
        # Capitals mark names unless the text is in Title Case or capitals throughout.
        words = re.findall(r"[^\W\d_][\w']*", self.d.text)
        self.caps = any(w.islower() and w not in _TITLE_CASE_SMALL for w in words)

    def run(self) -> Constraints:
        extract_all(self.d)
        self._named()
        self._include_phrases()
        self._artists()
        self._suffix_artists()
        self._moods_and_genres()
        theme = theme_of(self.d.current())
        d = self.d
        yr = year_range(d)
        moods = dedupe([m for _, m in sorted(self.moods)])
        targets = targets_for(moods)
        popularity = d.popularity[0] if len(set(d.popularity)) == 1 else "any"
        return Constraints(
            prompt=self.prompt, theme=theme, genres=dedupe([g for _, g in sorted(self.genres)]),
            moods=[m for m in moods if m not in ACTIVITIES | FEATURE_WORDS], activities=[m for m in moods if m in ACTIVITIES],
            exclude_genres=dedupe(self.exclude_genres), years=Range(min=yr[0], max=yr[1]) if yr else None,
            tempo=Range(min=d.tempo[0], max=d.tempo[1]) if d.tempo else None,
            track_minutes=Range(min=d.track_minutes[0], max=d.track_minutes[1]) if d.track_minutes else None,
            targets=targets, explicit=d.explicit, include_artists=dedupe(self.include),
            exclude_artists=dedupe(self.exclude), seed_artists=dedupe(self.seeds),
            seed_works=self.works["seed"], include_works=self.works["include"], exclude_works=self.works["exclude"],
            popularity=popularity, ordering=Ordering(arc=d.arc, smooth=d.smooth),
            length=Length(minutes=d.minutes, tracks=d.tracks), max_per_artist=d.max_per_artist,
            discovery=round(sum(d.discovery) / len(d.discovery), 3) if d.discovery else 0.3, notes=d.notes,
            prefer_year=d.season_year if yr and yr[0] is not None and yr[1] is not None and yr[0] <= (d.season_year or 0) <= yr[1] else None,
        )

    # --- artists after trigger words -------------------------------------------------------------------------

    def _artists(self) -> None:
        current = self.d.current()
        found = []
        for order, (kind, level, pat) in enumerate(_TRIGGERS):
            for m in re.finditer(pat, current, re.IGNORECASE):
                if BLANK not in m.group(0):
                    found.append((m.start(), -(m.end() - m.start()), order, m.end(), kind, level))
        taken_until = -1
        for start, _, _, end, kind, level in sorted(found):
            now = self.d.current()
            if start < taken_until or BLANK in now[start:end]:
                continue
            toks = tokens(now, end, 400)
            if not toks or re.search(r"[^\s\"'`*]", now[end:toks[0].start]):
                continue
            used = self._names(toks, kind, level)
            if used:
                self.d.consume(start, toks[used - 1].end)
                taken_until = toks[used - 1].end

    def _names(self, toks: list[Tok], kind: str, level: int) -> int:
        """Read a list of names after a trigger; return how many tokens were used (0: leave the trigger alone).
        After a comma or 'and' a list goes on only with the same kind of item; 'or' allows any."""
        i, used, allowed = 0, 0, None
        while i < len(toks) and toks[i].seg == toks[0].seg:
            n, what = self._one_name(toks, i, kind, level, allowed)
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

    def _one_name(self, toks: list[Tok], i: int, kind: str, level: int, allowed: set[str] | None) -> tuple[int, str]:
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
        name_like = self.caps and lead[:1].isupper()
        mood = mood_prefix(words)
        if mood and not name_like:
            if kind != "exclude" or (allowed is not None and "mood" not in allowed):
                return 0, ""
            opposite = OPPOSITES.get(mood[1])
            if opposite:
                self._add_mood(opposite, toks[i].start)
                self.d.note(f"'not {mood[1]}' read as {opposite}")
            else:
                self.d.note(f"can't leave out '{mood[1]}' as a mood: ignored it")
            return mood[0], "mood"
        genre = self._genre_prefix(words)
        if genre and not name_like:
            if kind != "exclude" or (allowed is not None and "genre" not in allowed):
                return 0, ""
            self.exclude_genres.append(genre[1])
            return genre[0], "genre"
        exact_ok = level >= 1 or name_like or not self.caps
        artist = self._artist_prefix(words, fuzzy=level == 2 or name_like) if exact_ok else None
        if artist and allowed is not None and "artist" not in allowed:
            return 0, ""
        if artist:
            n, name, score, raw = artist
            {"exclude": self.exclude, "seed": self.seeds, "include": self.include}[kind].append(name)
            if score < 1:
                self.d.note(f"read '{raw}' as {name}")
            if raw.lower().endswith("'s") or words[n - 1].lower().endswith("'s"):
                n += self._work_title(toks, i + n, name, kind)
            return n, "artist"
        if genre and kind == "exclude" and (allowed is None or "genre" in allowed):
            self.exclude_genres.append(genre[1])
            return genre[0], "genre"
        if allowed is not None and "raw" not in allowed:
            return 0, ""
        raw_toks = self._raw_name(cand)
        after = i + len(raw_toks)
        if raw_toks and after + 1 < len(toks) and toks[after].text.lower() == "by" and toks[after].seg == seg:
            nested = self._artist_prefix([t.text for t in toks[after + 1:after + 7] if t.seg == seg], True)
            if nested:  # "similar to Blackout by Boris": a work, then its artist
                if kind == "seed":
                    self.seeds.append(nested[1])
                self.works[kind].append(Work(title=join(raw_toks), artist=nested[1]))
                self.d.note(f"took '{join(raw_toks)}' as a work by {nested[1]}")
                return len(raw_toks) + 1 + nested[0], "artist"
        if raw_toks and kind == "seed" and level == 1 and name_like and first:
            self.d.note(f"couldn't find '{join(raw_toks)}' in this catalogue (an artist, song or album?)")
            return len(raw_toks), "raw"
        if not raw_toks or level < 2 or not (first or name_like):
            return 0, ""
        raw = join(raw_toks)
        if self.vocab.is_title(raw) and kind in ("exclude", "include") and (name_like or not self.caps):
            self.works[kind].append(Work(title=raw, kind="song"))
            return len(raw_toks), "raw"
        if not name_like and self.caps:
            # a lower-case word in a text that uses capitals is not a name: "no skits", "no singles"
            self.d.note(f"couldn't read '{raw}' as an artist or a genre in this catalogue: ignored it")
            return len(raw_toks), "raw"
        if kind == "include":
            self.include.append(raw)
            self.d.note(f"couldn't find the artist '{raw}' in this catalogue")
        elif kind == "exclude":
            # Still honoured as a hard exclusion (a later catalogue may have them); the report shows it.
            self.exclude.append(raw)
            self.d.note(f"'{raw}' is not in this catalogue, so excluding it removes nothing")
        else:
            self.d.note(f"couldn't find '{raw}' in this catalogue")
        return len(raw_toks), "raw"

    def _artist_prefix(self, words: list[str], fuzzy: bool):
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
                if n == 1 and not name[:1].isupper() and self._common_word(name):
                    continue
                artist, score = self.vocab.find_artist(name, FUZZY_ARTIST)
                if artist is None or (score < 1 and (not fuzzy or len(normalise_name(name)) < 7)):
                    continue
                return n, artist, score, raw
        return None

    def _common_word(self, word: str) -> bool:
        """A lowercase word that means a genre or a mood rather than an artist ('electronic', 'chill')."""
        w = word.lower()
        return (w in FILLER or w in KNOWN_GENRES or genre_key(w) in MOOD_KEYS or self.vocab.is_genre_word(w))

    def _work_title(self, toks: list[Tok], j: int, artist: str, kind: str) -> int:
        """After "Artist's", take a capitalised run as the title of a work by that artist."""
        run = []
        for t in toks[j:j + 6]:
            if t.seg != toks[j - 1].seg or not (t.text[:1].isupper() or t.text[:1].isdigit()):
                break
            run.append(t)
        if run:
            self.works[kind].append(Work(title=join(run), artist=artist))
            self.d.note(f"took '{join(run)}' as a work by {artist}")
        return len(run)

    def _raw_name(self, cand: list[Tok]) -> list[Tok]:
        """The part of an ungrounded phrase that looks like a name."""
        out: list[Tok] = []
        caps = self.caps and cand[0].text[:1].isupper()
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

    # --- moods and genres -----------------------------------------------------------------------------------

    def _moods_and_genres(self) -> None:
        toks = tokens(self.d.current())
        self._mentioned_artists(toks, set(), strict=True)
        toks = tokens(self.d.current())
        subs = [genre_words(t.text) if t.text != "," else [] for t in toks]
        matches = []
        for a in range(len(toks)):
            key_words: list[str] = []
            for b in range(a, min(len(toks), a + 6)):
                if toks[b].seg != toks[a].seg or toks[b].text == ",":
                    break
                key_words += subs[b]
                key = " ".join(key_words)
                if key in MOOD_KEYS:
                    matches.append((-len(key_words), 0, a, b, MOOD_KEYS[key]))
                term = self.vocab.term_by_key.get(key)
                if term is not None and key in GENERIC_TERMS:
                    nxt = b + 1 < len(toks) and toks[b + 1].seg == toks[a].seg and toks[b + 1].text.lower() == "music"
                    term = term if nxt else None
                if term is not None:
                    matches.append((-len(key_words), 1, a, b, term))
        used: set[int] = set()
        for _, kind, a, b, value in sorted(matches):
            if used & set(range(a, b + 1)):
                continue
            used |= set(range(a, b + 1))
            if kind == 0:
                self._add_mood(value, toks[a].start)
            else:
                value = self._narrow(toks, used, a, value)
                self.genres.append((toks[a].start, value))
                for w in genre_key(value).split():
                    mood = MOOD_KEYS.get(w)
                    if mood and mood not in MOODS_NOT_FROM_GENRES:
                        self._add_mood(mood, toks[a].start)
        self._mentioned_artists(toks, used, strict=False)
        self._leftovers(toks, used)

    def _narrow(self, toks: list[Tok], used: set[int], a: int, term: str) -> str:
        """A place or scene word just before a genre narrows it when the catalogue has that narrower term
        ('Pinoy Classic Rock' -> pinoy rock); the word is used up."""
        k = a - 1
        if k < 0 or k in used or toks[k].seg != toks[a].seg or not toks[k].text.isalpha():
            return term
        word = toks[k].text.lower()
        if word in STOP or word in FILLER or genre_key(word) in MOOD_KEYS:
            return term
        narrower = self.vocab.narrowed(word, term)
        if narrower is None:
            return term
        used.add(k)
        self.d.note(f"'{toks[k].text} {term}' read as {narrower}")
        return narrower

    def _leftovers(self, toks: list[Tok], used: set[int]) -> None:
        """Unmatched words: plurals, joined spellings, typos of genre terms; genre-like words get a note."""
        free = [k for k, t in enumerate(toks) if k not in used and t.text != "," and re.search(r"[a-z]", t.text.lower())
                and t.text.lower() not in FILLER and t.text.lower() not in STOP]
        done: set[int] = set()
        for k in free:
            if k in done:
                continue
            pair = [k, k + 1] if k + 1 in free and toks[k + 1].seg == toks[k].seg else [k]
            for span in ([pair, [k]] if len(pair) == 2 else [[k]]):
                text = " ".join(toks[j].text for j in span)
                term = self._respell(text)
                if term:
                    self.genres.append((toks[k].start, term))
                    done.update(span)
                    break
            if k in done:
                continue
            word = toks[k].text.lower()
            if word in KNOWN_GENRES or genre_key(word) in KNOWN_GENRES or _GENRE_SUFFIX.search(word):
                if self.caps and toks[k].text[:1].isupper() and k and toks[k - 1].seg == toks[k].seg:
                    continue  # a capitalised word mid-sentence is more likely a name
                containing = self.vocab.terms_with_word(word, 2)
                if containing:
                    self.genres.extend((toks[k].start, c) for c in containing)
                    self.d.note(f"'{word}' read as {', '.join(containing)}")
                else:
                    near = self.vocab.nearest_terms(word, 3)
                    self.d.note(f"'{word}' isn't a genre in this catalogue" + (f"; closest: {', '.join(near)}" if near else ""))
                done.add(k)

    def _respell(self, text: str) -> str | None:
        key = genre_key(text)
        if not key or key in GENERIC_TERMS:
            return None
        if key.endswith("s") and key[:-1] in self.vocab.term_by_key:
            return self.vocab.term_by_key[key[:-1]]
        hit = self.vocab.term_by_spaceless.get(key.replace(" ", ""))
        if hit:
            return hit
        term, _ = self.vocab.fuzzy_genre(key)
        if term:
            self.d.note(f"read '{text}' as {term}")
        return term

    def _add_mood(self, mood: str, pos: int) -> None:
        if mood not in {m for _, m in self.moods}:
            self.moods.append((pos, mood))

    def _genre_prefix(self, words: list[str]):
        """Longest prefix of `words` that is a catalogue genre term: (words used, term) or None."""
        for n in range(min(len(words), 6), 0, -1):
            term = self.vocab.genre_term(join_words(words[:n]))
            if term:
                return n, term
        return None
