"""`extract` and the rules behind it: slots opened by the wording, then catalogue names found on their own.

Order: quoted spans, 'Artist - Title' pairs, 'X soundtrack', marker slots inside each clause (by /
from / feat / possessive / 'like'-style triggers, lists continued over commas and slashes),
parenthesised credits, then catalogue artists (and an artist's own titles next to it, or a name
spelt close to a catalogue artist) anywhere not yet used, and last the artist of each work.
"""

from __future__ import annotations

from assistant.understanding.entities.entity import Entity
from assistant.understanding.entities.name_index import EntityIndex, entity_key
from assistant.understanding.entities.spans import MEDIUM, STRONG, WEAK, Spans
from assistant.understanding.entities.wordlists import (
    AFTER_WORK,
    BY_IDIOMS,
    BY_VERBS,
    CONNECT,
    FEAT,
    GENERIC,
    GENRES,
    HEAD_ARTIST,
    HEAD_WORK,
    NO_START,
    QUESTION,
    SEPARATORS,
    STRONG_BREAK,
    TRAILERS,
    WEAK_BREAK,
    WORK_BREAK,
    english,
)


def extract(text: str, index: EntityIndex) -> list[Entity]:
    """Artists and works named in `text`, in order of appearance. Deterministic; no model, no network."""
    return Extractor(text, index).run()


class Extractor:
    """Runs the stages over one request; `run()` returns its entities in text order. The spans of the request
    (`Spans`: its tokens, which are taken, and how a span becomes an entity) are a part it calls."""

    def __init__(self, text: str, index: EntityIndex):
        self.idx = index
        self.spans = Spans(text, index)
        # read-only facts about the request, computed once by `Spans`
        self.s, self.toks, self.clauses = self.spans.s, self.spans.toks, self.spans.clauses
        self.sent_start, self.cased = self.spans.sent_start, self.spans.cased
        self.pending: list[Entity] = []  # works read before 'by', waiting for their artist
        self.list_role: str | None = None  # the clause before ended in a list of names that may go on

    def run(self) -> list[Entity]:
        """The stages in order: quotes, dash pairs, soundtracks, the slots of each clause, free catalogue names, then
        the artist of each work."""
        self.quotes()
        self.dashes()
        self.before_soundtrack()
        for c in self.clauses:
            self.clause(*c)
        self.free()
        self.link()
        self.spans.found.sort(key=lambda e: e.start)
        return self.spans.found

    def quotes(self) -> None:
        marks = [i for i, t in enumerate(self.toks) if t.text == '"']
        for i, j in zip(marks[::2], marks[1::2]):
            if j - i < 2 or j - i > 20:
                continue
            dash = [k for k in range(i + 1, j) if self.toks[k].text == "-"]
            by = [k for k in range(i + 2, j - 1) if self.toks[k].low == "by" and self.toks[k - 1].low not in BY_VERBS]
            if dash:
                end = next((k for k in range(dash[0] + 1, j) if not self.toks[k].word), j)
                self.pair(i + 1, dash[0], dash[0] + 1, end)
                continue
            if by and self.idx.artists.get(self.spans.key(by[0] + 1, j)):
                art = self.spans.emit(by[0] + 1, j, "artist", STRONG)
                self.spans.emit(i + 1, by[0], "work", STRONG, artist=art.name if art else None)
                continue
            key = self.spans.key(i + 1, j)
            before = self.toks[i - 1].low if i > 0 else ""
            after = self.toks[j + 1].low if j + 1 < len(self.toks) else ""
            strong = after in ("by", "-", "from", "(") or before in HEAD_WORK or before.endswith(("'s", "s'")) or \
                any(self.spans.trigger(k, max(0, k - 4)) for k in range(max(0, i - 3), i) if self.toks[k].word) or \
                i > 0 and self.toks[i - 1].word and self.toks[i - 1].cap and i - 1 not in self.sent_start
            lower = not self.toks[i + 1].cap and not self.spans.known(key)
            if lower and (after in GENERIC or after in GENRES or not strong):
                continue
            role = "artist" if key in self.idx.artists and not self.idx.work(key)[0] else "work"
            ent = self.spans.emit(i + 1, j, role, STRONG if strong and not lower else MEDIUM)
            if ent and ent.kind == "work":
                self.beside_quote(i, j, ent)

    def before_soundtrack(self) -> None:
        """'the Westworld soundtrack', 'Cowboy Bebop OST', 'the Overcooked theme song' -> works."""
        for i, t in enumerate(self.toks):
            if t.low not in ("soundtrack", "ost", "theme", "score", "soundtracks") or i == 0 \
                    or not self.toks[i - 1].word:
                continue
            a = i
            while a > 0 and i - a < 5 and self.toks[a - 1].word and not self.spans.used[a - 1] and (
                    self.toks[a - 1].cap or self.toks[a - 1].low in CONNECT - {"the", "a", "an", "this", "my"}
                    and a - 2 >= 0 and self.toks[a - 2].cap):
                a -= 1
            while i > a and self.toks[i - 1].low in GENERIC | AFTER_WORK:
                i -= 1
            if a < i and self.toks[a].cap and (a not in self.sent_start or i - a > 1):
                key = self.spans.key(a, i)
                if not self.spans.generic(key) and key not in self.idx.artists and \
                        not all(w in self.idx.genre_words or w in GENRES for w in key.split()):
                    self.spans.emit(a, i, "work", STRONG, hint="album")

    def beside_quote(self, i: int, j: int, work: Entity) -> None:
        """An all-caps or capitalised name right before or after a quoted title: 'RHCP "Give it Away"'."""
        for a, b in ((self.run_back(i), i), (j + 1, self.run_fwd(j + 1))):
            if a < b and not any(self.spans.used[a:b]):
                key = self.spans.key(a, b)
                if not self.spans.generic(key) and (key in self.idx.artists
                                                    or self.toks[a].text.isupper() and len(key) > 1):
                    art = self.spans.emit(a, b, "artist", MEDIUM)
                    if art:
                        work.artist = work.artist or art.name

    def run_back(self, i: int) -> int:
        a = i
        while a > 0 and self.toks[a - 1].word and self.toks[a - 1].cap and i - a < 4:
            a -= 1
        return a

    def run_fwd(self, i: int) -> int:
        b = i
        while b < len(self.toks) and self.toks[b].word and self.toks[b].cap and b - i < 4:
            b += 1
        return b

    def dashes(self) -> None:
        for (a1, b1), (a2, b2) in zip(self.clauses, self.clauses[1:]):
            sep = self.s[self.toks[b1 - 1].end:self.toks[a2].start].replace('"', "").strip()
            if sep not in ("-", "--", "~") and not (sep == ":" and a1 == self.clauses[0][0]):
                continue
            p = b1
            while p > a1 and not self.spans.used[p - 1] and b1 - p < 6:
                s = next((s for s in range(max(a1, p - 6), p - 1) if self.spans.protected(s, p) == p), None)
                if s is not None:
                    p = s
                    continue
                t = self.toks[p - 1]
                if not t.cap and t.low in CONNECT and p - 2 >= a1 and self.toks[p - 2].cap and \
                        p - 2 not in self.sent_start and self.cased and not self.spans.is_marker(p - 1, a1):
                    p -= 1
                    continue
                if self.spans.is_marker(p - 1, a1) or t.low in SEPARATORS | NO_START \
                        or t.low in ("of", "for", "as", "song") \
                        or t.low in WEAK_BREAK | STRONG_BREAK and (not t.cap or not self.cased):
                    break
                p -= 1
            q = a2
            while q < b2 and not (q > a2 and (self.spans.is_marker(q, a2) and self.toks[q].low not in ("like", "love")
                                              or self.toks[q].low in WORK_BREAK and not self.toks[q].cap)):
                q += 1
            if q < b2 and self.toks[q].low == "by":
                continue
            self.pair(p, b1, a2, q)

    def pair(self, a1: int, b1: int, a2: int, b2: int) -> None:
        """'Artist - Title' (or 'Title - Artist' when the catalogue says so); one side alone if the other is no name."""
        a1, _ = self.spans.skip_lead(a1, b1)
        k1, k2 = self.spans.key(a1, b1), self.spans.key(a2, b2)
        ok1 = bool(k1) and not self.spans.generic(k1) and len(k1.split()) <= 6 and not any(self.spans.used[a1:b1]) and (
            self.spans.novel(k1) or self.spans.capital(a1, b1) or self.spans.known(k1) or not self.cased)
        ok2 = bool(k2) and (not self.spans.generic(k2) or self.toks[a2].cap) and len(k2.split()) <= 8 and \
            not any(self.spans.used[a2:b2]) and (k2.split()[0] not in QUESTION or self.spans.known(k2))
        if not ok1 or not ok2:
            for ok, a, b, k in ((ok1, a1, b1, k1), (ok2, a2, b2, k2)):
                if ok and self.spans.capital(a, b) and (k in self.idx.artists or self.spans.novel(k)):
                    self.spans.emit(a, b, "artist", MEDIUM)
            return
        art = self.idx.artists

        def artistlike(k: str, a: int, b: int) -> bool:
            if k in art:
                return self.spans.distinct(k) or len(k.split()) > 1 or self.spans.capital(a, b)
            return k not in self.idx.titles and self.spans.distinct(k) and self.idx.fuzzy_artist(k, 90)[0] is not None

        flip = (k2, k1) in self.idx.pairs or (k1, k2) not in self.idx.pairs and (
            artistlike(k2, a2, b2) and not artistlike(k1, a1, b1) and (k1 in self.idx.titles or len(k2.split()) > 1)
            or k1 in self.idx.titles and k1 not in art and k2 not in self.idx.titles and len(k2.split()) > 1)
        (aa, ab), (wa, wb) = ((a2, b2), (a1, b1)) if flip else ((a1, b1), (a2, b2))
        names = [e.name for e in self.spans.fill(aa, ab, "artist", STRONG)]
        self.spans.emit(wa, wb, "work", STRONG, artist=names[0] if names else None)

    def clause(self, a: int, b: int) -> None:
        marks: list[tuple[int, int, str, str | None]] = []  # (first token, last token + 1, kind, hint)
        i = a
        while i < b:
            j = 0 if self.spans.used[i] else self.spans.protected(i, b)
            if j:
                i = j
                continue
            low, n = self.toks[i].low, self.spans.trigger(i, a)
            if self.spans.used[i]:
                pass
            elif low == "by" and not (i > a and self.toks[i - 1].low in BY_VERBS):
                marks.append((i, i + 1, "by", None))
            elif low == "from":
                marks.append((i, i + 1, "from", None))
            elif low in FEAT and (low != "w" or self.spans.punct(i + 1) == "/"):
                marks.append((i, i + 1, "feat", None))
            elif n:
                hint = "artist" if low == "of" and n == 1 else self.spans.head_hint(i + 1 - n)
                marks.append((i + 1 - n, i + 1, "trigger", hint))
            elif self.spans.possessive(i):
                marks.append((i + 1, i + 1, "poss", None))
            i += 1
        opener = self.spans.punct(a - 1)
        left = "list" if self.list_role and opener in (",", "/", "&", "+", ":", "-", ";") else \
            "paren" if opener in ("(", "[") else None
        self.list_role = None
        edges = [(a, a, left, None)] + marks + [(b, b, None, None)]
        for (_, p, kind, hint), (q, _, right, _) in zip(edges, edges[1:]):
            self.segment(p, q, kind, right, b, hint)

    def segment(self, p: int, q: int, kind: str | None, right: str | None, end: int, hint: str | None) -> None:
        if right == "by" and p < q and not self.spans.used[q - 1]:
            t = self.by_left(p, q, kind)
            if p < t:
                self.segment(p, t, kind, None, end, hint)
            if t < q:
                self.pending = self.spans.fill(t, q, "work", STRONG, hint="song" if hint == "song" else None,
                                               whole=True)
            return
        if kind == "poss":
            self.poss(p - 1)
            found = self.spans.found
            art = found[-1].name if found and found[-1].end == self.toks[p - 1].end else None
            if art and p < q and not self.spans.lower_start(p):
                e = self.spans.slot_end(p, q, "work")
                if self.toks[p].cap:
                    e = next((k for k in range(p + 1, e)
                              if not self.toks[k].cap and self.toks[k].low not in CONNECT), e)
                known = (entity_key(art), self.spans.key(p, e)) in self.idx.pairs
                self.spans.fill(p, e, "work", STRONG if known or self.toks[p].cap else MEDIUM, artist=art)
            return
        ents: list[Entity] = []
        if kind in ("by", "feat"):
            if not (kind == "by" and p < q and (self.toks[p].low in BY_IDIOMS and not self.toks[p].cap or
                                                 self.toks[p].low == "the" and p + 1 < q and
                                                 self.toks[p + 1].low in BY_IDIOMS)):
                ents = self.spans.fill(p, q, "artist", STRONG)
            if kind == "by" and self.pending and ents:
                for w in self.pending:
                    w.artist = ents[0].name
            elif kind == "by" and ents and p >= 2 and self.toks[p - 2].text == '"':
                prev = [e for e in self.spans.found if e.end <= self.toks[p - 2].start and e.kind == "work"]
                if prev and not prev[-1].artist:
                    prev[-1].artist = ents[0].name
            self.pending = []
        elif kind in ("trigger", "list"):
            ents = self.spans.fill(p, q, "either", MEDIUM, hint=hint)
        elif kind == "from":
            after = self.toks[q].low if q < len(self.toks) else ""
            before = self.toks[p - 2].low if p >= 2 else ""
            work = after in AFTER_WORK or before in AFTER_WORK
            ents = self.spans.fill(p, q, "either", MEDIUM, hint="work" if work else "from")
        elif kind == "paren":
            e = q - 1 if q - 1 > p and self.toks[q - 1].low in TRAILERS else q
            if not any(self.toks[k].low in AFTER_WORK for k in range(p, q)) and (
                    self.spans.capital(p, e) or self.spans.key(p, e) in self.idx.artists or self.toks[p].low in FEAT):
                ents = self.spans.fill(p, e, "either", MEDIUM, hint="artist")
                prev = [x for x in self.spans.found if x.end <= self.toks[p - 1].start]
                pk = entity_key(prev[-1].name) if prev else ""
                if ents and ents[0].kind == "artist" and prev and prev[-1].kind == "artist" and \
                        self.s[prev[-1].end:self.toks[p - 1].start].strip() == "" and \
                        (not prev[-1].in_catalogue or pk in self.idx.titles):
                    prev[-1].kind, prev[-1].artist = "work", ents[0].name
        if kind in ("trigger", "list", "by", "feat") and q == end and \
                (not ents or ents[-1].end == self.toks[q - 1].end):
            self.list_role = "either"

    def by_left(self, p: int, q: int, kind: str | None) -> int:
        """Start of the work title that ends right before 'by' at q."""
        if kind in ("trigger", "list") and q - p <= 8:
            t, _ = self.spans.skip_lead(p, q)
            return t
        t = q
        while t > p and not self.spans.used[t - 1] and q - t < 7:
            tok = self.toks[t - 1]
            if tok.low in STRONG_BREAK and not tok.cap or tok.low in SEPARATORS and kind in ("by", "feat") or \
                    self.cased and self.toks[q - 1].cap and not tok.cap and tok.low not in CONNECT:
                break
            t -= 1
        sep = next((k for k in range(q - 1, p, -1)
                    if self.toks[k].low in SEPARATORS and not self.spans.protected(p, q)), None)
        if kind in ("by", "feat") and sep is not None:
            t = sep + 1
        elif kind in ("by", "feat") and t == p:
            t = next((k for k in range(q - 1, p, -1) if self.idx.artists.get(self.spans.key(p, k))
                      or self.idx.fuzzy_artist(self.spans.key(p, k))[0]), q)
        while t < q and not self.toks[t].cap and self.toks[t].low in CONNECT - {"the"}:
            t += 1
        t2, _ = self.spans.skip_lead(t, q)
        return t2

    def poss(self, i: int) -> None:
        """The artist of a possessive ending at token i: a catalogue name, a capitalised run, or the word."""
        lo = i
        while lo > 0 and i - lo < 4 and self.toks[lo - 1].word and not self.spans.used[lo - 1] \
                and self.toks[lo - 1].low not in STRONG_BREAK | WEAK_BREAK | SEPARATORS | {"by", "like", "of", "the"}:
            lo -= 1
        for a in range(lo, i + 1):
            k = self.spans.key(a, i + 1)
            k = k[:-1] if k.endswith("s") else k
            if k in self.idx.artists and (a == i or self.spans.distinct(k) or self.spans.capital(a, i + 1)):
                self.spans.emit(a, i + 1, "artist", STRONG)
                return
        a = i
        while a > lo and self.cased and self.toks[a - 1].cap and self.toks[i].cap:
            a -= 1
        if a > 0 and self.toks[a - 1].low == "the" and self.cased and self.toks[a - 1].cap:
            a -= 1
        if not self.spans.lower_start(a) and (self.spans.distinct(self.spans.key(a, i + 1))
                                              or self.spans.capital(a, i + 1)):
            self.spans.emit(a, i + 1, "artist", MEDIUM)

    def free(self) -> None:
        """Catalogue artists anywhere not yet used, when they cannot be ordinary words here."""
        for a, b in self.clauses:
            i = a
            while i < b:
                hit = 0
                for j in range(min(b, i + self.idx.max_words), i, -1):
                    if any(self.spans.used[i:j]):
                        continue
                    key = self.spans.key(i, j)
                    if key not in self.idx.artists and key.endswith("s") and key[:-1] in self.idx.artists:
                        key = key[:-1]
                    if key in self.idx.artists and self.free_ok(i, j, key) and self.spans.emit(i, j, "artist", MEDIUM):
                        hit = j
                        self.beside(j, key)
                        break
                i = hit or i + 1
            if self.cased:
                self.free_fuzzy(a, b)

    def free_ok(self, i: int, j: int, key: str) -> bool:
        if i < len(self.toks) and self.toks[i].low == "the" and j - i > 1:
            i += 1
        n = len(key.split())
        nxt = self.toks[j].low if j < len(self.toks) and self.toks[j].word else ""
        plain = n == 1 and (english(key) or key in GENRES)
        if n == 1 and (nxt in GENRES or nxt in self.idx.genre_words):
            return False
        if plain and (nxt in HEAD_ARTIST or nxt in HEAD_WORK or self.idx.artist_tracks[key] < 3):
            return False
        if n > 1 and all(t.cap or t.low in CONNECT for t in self.toks[i:j]) and not self.spans.generic(key):
            return True
        if n > 2 and not self.cased and not self.spans.generic(key):
            return True
        if self.spans.capital(i, j):
            if n > 1 or self.spans.distinct(key) and not plain:
                return True
            run = (i == 0 or not self.toks[i - 1].word or not self.toks[i - 1].cap or i - 1 in self.sent_start) and \
                (j >= len(self.toks) or not self.toks[j].word or not self.toks[j].cap)
            return run and i not in self.sent_start and self.idx.artist_tracks[key] >= 2 and len(key) > 2
        if plain or not self.spans.distinct(key) or self.cased and not self.toks[i].cap and n == 1:
            return False
        return n > 1 or self.idx.artist_tracks[key] >= 2 and len(key) > 3

    def free_fuzzy(self, a: int, b: int) -> None:
        """Capitalised runs of 2-3 words spelt close to a catalogue artist: 'Elliot Smith'."""
        i = a
        while i < b:
            if self.spans.used[i] or not self.toks[i].cap or i in self.sent_start and not self.cased:
                i += 1
                continue
            j = i
            while j < b and not self.spans.used[j] and self.toks[j].cap and j - i < 3:
                j += 1
            key = self.spans.key(i, j)
            if j - i >= 2 and self.spans.capital(i, j) and self.spans.novel(key):
                fz, _ = self.idx.fuzzy_artist(key, 90)
                if fz and len(fz.split()) == len(key.split()):
                    self.spans.emit(i, j, "artist", WEAK)
            i = j

    def beside(self, b: int, akey: str) -> None:
        """A title of this artist right after its name: 'Tame Impala Elephant'."""
        end = next((cb for ca, cb in self.clauses if ca <= b - 1 < cb), b)
        for j in range(min(end, b + 6), b, -1):
            if not any(self.spans.used[b:j]) and (akey, self.spans.key(b, j)) in self.idx.pairs:
                self.spans.emit(b, j, "work", STRONG, artist=self.idx.artists[akey])
                return

    def link(self) -> None:
        artists = [entity_key(e.name) for e in self.spans.found if e.kind == "artist"]
        for e in self.spans.found:
            if e.kind == "work" and not e.artist:
                wk = entity_key(e.name)
                e.artist = next((self.idx.artists[a] for a in artists if (a, wk) in self.idx.pairs), None) \
                    or self.idx.work_artist(wk)
