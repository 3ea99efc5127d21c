"""Name slots of entity extraction: `Spans`, how a span of tokens becomes an `Entity`, or is refused.

A slot is a token range the request's wording marks as holding names. `fill` trims it (leading 'the
song', 'the first 35 seconds of'), ends it at a break word, splits lists at and/or/& unless the
catalogue knows the whole ('Iron & Wine'), and `emit` decides: kind (artist or work, from the slot, the
catalogue and hints like 'songs like X'), catalogue spelling (exact, else by spelling for artists) and
whether the span is a name at all. Strength of a slot: STRONG ('by Y', quotes, possessives) keeps any
non-generic span; MEDIUM (after 'like', in a list, a dash pair) needs a rare word, name capitals or a
catalogue match; WEAK (no slot) needs a catalogue artist that cannot be an ordinary word here.
"""

from __future__ import annotations

from assistant.understanding.entities.entity import Entity
from assistant.understanding.entities.name_index import EntityIndex, entity_key
from assistant.understanding.entities.tokens import Tok, prepare, tokenize
from assistant.understanding.entities.wordlists import (
    AFTER_WORK,
    CONNECT,
    CONTRACTIONS,
    DECADE,
    DEMONSTRATIVE,
    FEAT,
    FUNCTION,
    GENERIC,
    GENRES,
    HEAD_ARTIST,
    HEAD_WORK,
    LOVE,
    NO_START,
    NOT_LIKE,
    OF_AFTER,
    SEPARATORS,
    SIMILAR,
    SKIP_LEAD,
    STRONG_BREAK,
    SUBJECT,
    TRIGGERS,
    WEAK_BREAK,
    WORK_BREAK,
    english,
)

STRONG, MEDIUM, WEAK = 2, 1, 0


class Spans:
    """Tokens of one request, which of them are taken, and how a span of them becomes an `Entity` (or not).

    The extractor (`extractor.Extractor`) owns one and calls it: `emit` and `fill` turn spans into entities
    (recorded in `found`, their tokens marked in `used`); the other methods answer questions about spans."""

    def __init__(self, text: str, index: EntityIndex):
        self.text, self.idx = text or "", index
        self.s = prepare(self.text)
        self.toks: list[Tok] = tokenize(self.s)
        self.used = [False] * len(self.toks)
        self.found: list[Entity] = []
        self.sent_start = {i for i, t in enumerate(self.toks)
                           if t.word and (i == 0 or self.toks[i - 1].text in '.!?:;' or
                                          self.toks[i - 1].text.endswith(".") and self.toks[i - 1].word
                                          and len(self.toks[i - 1].text) > 3)}
        marks = [i for i, t in enumerate(self.toks) if t.text == '"']
        self.quoted = {k for i, j in zip(marks[::2], marks[1::2]) for k in range(i + 1, j)}
        inner = [t for i, t in enumerate(self.toks) if t.word and t.text[0].isalpha() and i not in self.sent_start
                 and i not in self.quoted and t.low not in ("i", "i'm", "im", "i've", "i'd")]
        caps = sum(t.text[0].isupper() for t in inner)
        small = [t for t in inner if t.low in FUNCTION]
        lower_small = sum(not t.text[0].isupper() for t in small)
        # capitals carry information unless the text is all lower case or Title Case ('Songs Like X')
        self.cased = caps > 0 and (lower_small * 2 >= len(small) if small
                                   else caps <= 0.6 * len(inner) or len(inner) <= 3)
        self.clauses = self._clauses()

    # -- structure --------------------------------------------------------------------
    def _clauses(self) -> list[tuple[int, int]]:
        out, a = [], None
        for i, t in enumerate(self.toks + [Tok(".", 0, 0, False)]):
            if t.word and a is None:
                a = i
            elif not t.word and a is not None:
                out.append((a, i))
                a = None
        return out

    def punct(self, i: int) -> str:
        return self.toks[i].text if 0 <= i < len(self.toks) and not self.toks[i].word else ""

    def key(self, a: int, b: int) -> str:
        return entity_key(self.s[self.toks[a].start:self.toks[b - 1].end]) if a < b else ""

    def known(self, key: str) -> bool:
        return key in self.idx.artists or key in self.idx.titles or key in self.idx.albums

    def distinct(self, key: str) -> bool:
        return any(w not in GENERIC and not self.idx.is_common(w) and w not in self.idx.genre_words
                   and not DECADE.match(w) and len(w) > 1 for w in key.split())

    def novel(self, key: str) -> bool:
        """A name the catalogue lacks needs a word that is neither common nor ordinary English."""
        return any(w not in GENERIC and not self.idx.is_common(w) and w not in self.idx.genre_words and not english(w)
                   and not DECADE.match(w) and len(w) > 1 for w in key.split())

    def generic(self, key: str) -> bool:
        return all(w in GENERIC or DECADE.match(w) for w in key.split())

    def capital(self, a: int, b: int) -> bool:
        """Capitalised like a name in a text whose capitals mean something."""
        toks = [t for t in self.toks[a:b] if t.word]
        return bool(toks) and self.cased and toks[0].cap and not (a in self.sent_start and b - a == 1) and \
            all(t.cap or t.low in CONNECT for t in toks)

    def lower_start(self, i: int) -> bool:
        t = self.toks[i]
        return not t.cap and t.low in NO_START | STRONG_BREAK

    # -- emitting ---------------------------------------------------------------------
    def emit(self, a: int, b: int, role: str, strength: int, hint: str | None = None,
             artist: str | None = None) -> Entity | None:
        while a < b and (not self.toks[a].word or self.toks[a].low in SEPARATORS):
            a += 1
        while b > a and (not self.toks[b - 1].word or self.toks[b - 1].low in SEPARATORS
                         or not self.toks[b - 1].cap and self.toks[b - 1].low in ("the", "a", "an", "of", "to", "in")
                         and not self.known(self.key(a, b))):
            b -= 1
        if a >= b or any(self.used[a:b]):
            return None
        surface = self.s[self.toks[a].start:self.toks[b - 1].end]
        poss = surface.endswith(("'s", "s'")) and self.toks[b - 1].low not in CONTRACTIONS
        clean = surface[:-2] if surface.endswith("'s") else surface[:-1] if surface.endswith("s'") else surface
        key = entity_key(clean)
        words = key.split()
        if not words or len(words) > 7 or (len(key) < 2 and not self.known(key)):
            return None
        art = self.idx.artists.get(key)
        if art is None and role != "work" and key.endswith("s") and key[:-1] in self.idx.artists \
                and key not in self.idx.titles:
            art, poss, key = self.idx.artists[key[:-1]], True, key[:-1]
        title, wk = self.idx.work(key)
        known, cap = bool(art or title), self.capital(a, b)
        titled = role == "work" and strength == STRONG and (self.toks[a].cap and a not in self.sent_start
                                                            or a in self.quoted)
        if self.generic(key) and not titled and not (
                known and cap and (len(words) > 1 or strength >= MEDIUM and a not in self.sent_start
                                   and self.punct(a - 1) in ("", ",") and key != "i")):
            return None
        if (key in GENRES or key in self.idx.genre_terms) and a not in self.quoted:
            return None
        if strength < STRONG and not cap and not known and \
                all(w in self.idx.genre_words or w in GENERIC for w in words):
            return None
        if strength < STRONG:
            lower_in_cased = self.cased and not self.toks[a].cap
            if not (cap or known and self.distinct(key) or not known and self.novel(key) and not lower_in_cased
                    or known and len(words) >= 2 and strength == MEDIUM
                    or known and strength == MEDIUM and not self.cased and self.distinct(key) and not english(key)):
                return None
        elif not known and not cap and len(words) == 1 and not self.novel(key) and role != "work":
            return None
        kind = role
        if role == "either":
            if poss:
                kind = "artist"
            elif art and title:
                kind = "work" if hint in ("work", "song") else "artist"
            elif art or title:
                kind = "artist" if art or hint == "artist" else "work"
            elif len(key) >= 5 and self.idx.fuzzy_artist(key, 90)[0]:
                kind = "artist"
            else:
                kind = "artist" if hint in (None, "artist") else "work"
                hint = None if hint == "from" else hint
        name, in_cat, work_kind = clean.strip(), False, "any"
        if kind == "artist":
            if art is None and len(key) >= 5:
                fz, _ = self.idx.fuzzy_artist(key)
                art = self.idx.artists.get(fz) if fz else None
            if art:
                name, in_cat = art, True
        elif title:
            name, in_cat, work_kind = title, True, wk
        if kind == "work" and hint in ("album", "song"):
            work_kind = hint
        ent = Entity(mention=self.text[self.toks[a].start:self.toks[b - 1].end], kind=kind, name=name,
                     start=self.toks[a].start, end=self.toks[b - 1].end, in_catalogue=in_cat,
                     artist=artist if kind == "work" else None, work_kind=work_kind if kind == "work" else "any")
        self.found.append(ent)
        for i in range(a, b):
            self.used[i] = True
        return ent

    # -- slots --------------------------------------------------------------------------
    def slot_end(self, p: int, q: int, role: str) -> int:
        """Where a name starting at `p` ends (at most `q`): at a break word written in lower case."""
        i = p
        while i < q:
            j = self.protected(i, q, role == "artist")
            if j:
                i = j
                continue
            t = self.toks[i]
            low = t.low
            if i > p and (role == "work" and low in WORK_BREAK and not t.cap
                          or role != "work" and (low in STRONG_BREAK and (not t.cap or low in ("i'm", "im"))
                                                 or low in WEAK_BREAK and not t.cap and low not in SEPARATORS
                                                 or low in ("i", "i'm", "im") or low in AFTER_WORK)):
                return i
            i += 1
        return q

    def protected(self, i: int, q: int, strong: bool = False) -> int:
        """End of a catalogue name of 2+ words starting at `i` that looks like a name here, else 0."""
        for j in range(min(q, i + self.idx.max_words), i + 1, -1):
            key = self.key(i, j)
            if key in self.idx.artists and strong or self.known(key) and (self.distinct(key) or self.capital(i, j)):
                return j
        return 0

    def skip_lead(self, p: int, q: int) -> tuple[int, str | None]:
        hint = None
        while p < q:
            low = self.toks[p].low
            nxt = self.toks[p + 1].low if p + 1 < q else ""
            if low == "the" and nxt not in SKIP_LEAD | HEAD_ARTIST | HEAD_WORK:
                break
            if low not in SKIP_LEAD | HEAD_ARTIST | HEAD_WORK or self.protected(p, q):
                break
            hint = "work" if low in HEAD_WORK else "artist" if low in HEAD_ARTIST else hint
            p += 1
        head = next((k for k in range(p, min(q - 1, p + 3)) if self.toks[k].low in HEAD_ARTIST | HEAD_WORK
                     and not self.toks[k].cap), None)
        if head is not None and not self.protected(p, q):
            hint = "work" if self.toks[head].low in HEAD_WORK else "artist"
            p = head + 1
        # 'the first 35 seconds of X', 'the chorus of X'
        of = next((k for k in range(p, min(q, p + 6)) if self.toks[k].low == "of"), None)
        if of is not None and of + 1 < q and all(
                not self.toks[k].cap and (self.toks[k].low in GENERIC or self.idx.is_common(self.toks[k].low)
                                          or english(self.toks[k].low) or DECADE.match(self.toks[k].low))
                for k in range(p, of)):
            p = of + 1
        return p, hint

    def fill(self, p: int, q: int, role: str, strength: int, hint: str | None = None,
             artist: str | None = None, whole: bool = False) -> list[Entity]:
        """Names in tokens [p, q): one work, or a list of names split at and/or/&."""
        whole = next((j for j in range(min(q, p + self.idx.max_words), p + 1, -1)
                      if self.key(p, j) in self.idx.artists and (j == q or not self.toks[j].word
                                                                 or self.toks[j].low in SEPARATORS | STRONG_BREAK)), 0)
        if whole and role != "work" and not self.generic(self.key(p, whole)):
            ent = self.emit(p, whole, "artist", strength, hint, artist)
            return [ent] + (self.fill(whole, q, role, strength, hint, artist) if whole < q else []) if ent else []
        p0 = p
        p, lead_hint = self.skip_lead(p, q)
        hint = hint or lead_hint
        if p >= q or self.lower_start(p) and not self.protected(p, q):
            return []
        if any(self.toks[k].low in DEMONSTRATIVE for k in range(p0, p)) and not self.toks[p].cap and \
                not self.protected(p, q) and role != "work":
            return []
        e = q if whole else self.slot_end(p, q, role)
        if e < len(self.toks) and self.toks[e].low in AFTER_WORK and role == "either":
            hint = hint or "work"
        if role == "work":
            items = self.work_split(p, e)
        else:
            items = self.split(p, e, role, strength == STRONG)
        out = []
        for a, b in items:
            for a2, b2, r2 in self.trim(a, b, role):
                ent = self.emit(a2, b2, r2, strength, hint, artist)
                if ent:
                    out.append(ent)
        if role == "either" and any(x.kind == "artist" and x.in_catalogue for x in out):
            for x in out:  # a list of artists: a name that is both artist and title is the artist here
                k = entity_key(x.name)
                if x.kind == "work" and k in self.idx.artists:
                    x.kind, x.name, x.artist, x.work_kind = "artist", self.idx.artists[k], None, "any"
        return out

    def trim(self, a: int, b: int, role: str) -> list[tuple[int, int, str]]:
        """An unknown item that starts with a catalogue artist: 'Taylor Swift Reputation', 'Kanye excerpt'."""
        if role == "work" or b - a < 2 or self.known(self.key(a, b)):
            return [(a, b, role)]
        k = a
        while k < b - 1 and not self.toks[k].cap and self.toks[k].low in GENERIC:
            k += 1
        if k > a and self.key(k, b) in self.idx.artists:
            return [(k, b, role)]
        for k in range(b - 1, a, -1):
            akey = self.key(a, k)
            if akey not in self.idx.artists and akey.endswith("s") and akey[:-1] in self.idx.artists:
                akey = akey[:-1]  # 'radioheads kid a'
            if akey in self.idx.artists and (self.distinct(akey) or k - a > 1):
                rest = self.key(k, b)
                if (akey, rest) in self.idx.pairs:
                    return [(a, k, "artist"), (k, b, "work")]
                if all(self.idx.is_common(w) or w in GENERIC or english(w) for w in rest.split()) and \
                        not self.toks[k].cap:
                    return [(a, k, role)]
        if self.cased and self.toks[a].cap:
            cut = next((k for k in range(a + 1, b) if not self.toks[k].cap and self.toks[k].low not in CONNECT), b)
            return [(a, cut, role)]
        return [(a, b, role)]

    def work_split(self, p: int, e: int) -> list[tuple[int, int]]:
        """'One More Light and Heavy', 'Spoiler or Clockwork', 'Paradise Valley & Born and Raised' -> titles."""
        if self.known(self.key(p, e)):
            return [(p, e)]
        parts = self.split(p, e, "work")
        if len(parts) > 1 and all(self.known(self.key(a, b)) for a, b in parts):
            return parts
        items, a = [], p
        for k in range(p + 1, e - 1):
            low = self.toks[k].low
            if self.toks[k + 1].cap and (low in ("&", "or", "+") or low == "and" and k - a >= 2 and self.cased) \
                    and not self.toks[k].cap and k > a:
                items.append((a, k))
                a = k + 1
        return items + [(a, e)]

    def split(self, p: int, e: int, role: str, strong: bool = False) -> list[tuple[int, int]]:
        """Items of a list, keeping 'X and Y' whole when the catalogue knows it (or after 'by')."""
        items, a, i = [], p, p
        while i < e:
            j = self.protected(i, e, strong)
            if j:
                i = j
                continue
            t = self.toks[i]
            if t.low in SEPARATORS and i > a and not (t.cap and self.cased and t.low not in ("&", "+")):
                nxt = self.toks[i + 1].low if i + 1 < e else ""
                band = nxt in ("the", "his", "her") and i - a <= 2 and self.key(a, i) not in self.idx.artists and \
                    self.key(i + 1, e) not in self.idx.artists
                if not band:
                    items.append((a, i))
                    a = i + 1
            i += 1
        if a < e:
            items.append((a, e))
        items = [(a, b) for a, b in items if a < b]
        if strong and len(items) > 1 and not any(self.key(a, b) in self.idx.artists for a, b in items) and \
                not all(b - a > 1 and self.capital(a, b) for a, b in items):
            return [(p, e)]
        return items

    # -- wording ------------------------------------------------------------------------
    def is_marker(self, i: int, a: int) -> bool:
        low = self.toks[i].low
        return self.trigger(i, a) is not None or low in ("by", "from") or low in FEAT

    def trigger(self, i: int, a: int) -> int | None:
        """Length of the trigger ending at token i (clause starting at a), else None."""
        t = self.toks[i]
        low = t.low
        if t.cap and self.cased and i not in self.sent_start and i > 0 and self.toks[i - 1].word and \
                self.toks[i - 1].cap and i - 1 not in self.sent_start:
            return None
        if i > a and (self.toks[i - 1].low, low) in TRIGGERS and low not in ("to", "as"):
            return 2
        if (low,) not in TRIGGERS:
            return None
        prev = [x.low for x in self.toks[max(a, i - 3):i]]
        if low in ("to", "as"):
            return 1 if any(w in SIMILAR or w == "such" and low == "as" for w in prev) and \
                not any(self.trigger(k, a) for k in range(max(a, i - 3), i)) else None
        if low == "of":
            return 1 if prev and prev[-1] in OF_AFTER else None
        if low == "like" and prev and prev[-1] in NOT_LIKE:
            return None
        if low == "ex" and self.punct(i + 1) not in (":", ".") and self.punct(i - 1) != "(":
            return None
        if low in LOVE and not (i in self.sent_start or prev and prev[-1] in SUBJECT):
            return None
        if low == "into" and not (prev and prev[-1] in ("i'm", "im", "really", "been", "getting", "got", "am")):
            return None
        return 1

    def possessive(self, i: int) -> bool:
        t = self.toks[i]
        return t.word and (t.low.endswith("'s") or t.low.endswith("s'")) and t.low not in CONTRACTIONS \
            and not t.low[:-2].isdigit()  # "80's" is a decade

    def head_hint(self, i: int) -> str | None:
        """'songs like X' -> work, 'artists like X' -> artist (the nearest head noun before a trigger)."""
        for k in range(i - 1, max(-1, i - 5), -1):
            t = self.toks[k]
            if not t.word and t.text not in ("/", ","):
                break
            if t.low in HEAD_ARTIST:
                return "artist"
            if t.low in HEAD_WORK:
                return "song" if t.low in ("song", "songs", "track", "tracks", "tune", "tunes", "single") else "work"
        return None
