"""Follow-ups in words -> edit operations, deterministic and offline ('less grunge', 'move 4 to the top').

The text is split into clauses ('remove track 3 and make it an hour'); each clause is tried against readers in a
fixed order (undo/redo, why, lock, move, sections, 'more like', relative lengths, removals, comparatives and
more/less, energy arcs) and, when none fits, read by the offline request parser (`parser.parse`) whose
constraints become refinements (caps, lengths, years, exclusions, genres, moods). A clause that reads as a whole
new request ('give me 90s hip hop', 'an hour of jazz') starts over. Positions are 1-based, as the listener sees
them. Nothing readable -> [] (the caller says it didn't understand and changes nothing).
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from assistant.conversation.edits import (
    AddLike,
    CapArtist,
    EditOp,
    Explain,
    History,
    Lock,
    MoreLess,
    Move,
    Remove,
    Reorder,
    ReplaceSection,
    SetFilter,
    SetLength,
    SetYears,
    StartOver,
)
from assistant.conversation.session import Version
from assistant.model.constraints import Constraints
from assistant.model.errors import BadInput
from assistant.understanding import (
    CHARS,
    FEATURE_WORDS,
    KNOWN_GENRES,
    MOOD_KEYS,
    MOODS,
    ParseError,
    Vocabulary,
    genre_key,
    parse,
)
from assistant.understanding.parser import NUM, Draft, number, ordering

__all__ = ["START_OVER_PATTERN", "parse_edits", "positions"]

_ORD = {w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                                        "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
                                        "nineteenth twentieth".split())}
_ORDS = "|".join(sorted(_ORD, key=len, reverse=True)) + "|last|final|penultimate|second to last"
_ITEM = (r"(?:the\s+)?(?:(?:tracks?|songs?|numbers?|nos?\.|#)\s*)?(?:(?P<a>\d{1,3})(?:st|nd|rd|th)?(?:\s*(?:-|to|through|thru)"
         r"\s*(?:#\s*)?(?P<b>\d{1,3}))?|(?P<ord>" + _ORDS + r")(?:\s+(?P<cnt>" + NUM + r"))?)(?:\s+(?:ones?|tracks?|songs?))?")
_PLAIN = re.sub(r"\(\?P<\w+>", "(?:", _ITEM)
_LIST = _PLAIN + r"(?:\s*(?:,\s*and|,|and|&|\+)\s*" + _PLAIN + r")*"
_VERBS = (r"remove|drop|delete|cut|skip|lose|ditch|move|put|bump|lock|unlock|pin|add|make|swap|change|switch|replace|"
          r"turn|shuffle|sort|undo|redo|no|more|less|fewer|only|keep|start|why|explain|limit|cap|nothing|give|get rid|"
          r"take|bring|play|open|end|set")
_SPLIT = re.compile(r"\s*(?:[;!?]|\.(?:\s|$)|\bthen\b|,?\s*\b(?:and|also|plus)\s+(?:then\s+)?(?=(?:" + _VERBS + r")\b)"
                    r"|,\s*(?=(?:" + _VERBS + r")\b))\s*", re.IGNORECASE)
# a request to start over ("scrap that, 90s hip hop"): what follows is in the group `rest`
START_OVER_PATTERN = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|actually|no|let'?s)[,\s]+)?(?:start (?:over|again|fresh|from scratch)|from scratch|"
    r"begin again|new playlist|scrap (?:that|this|it|all that)|forget (?:that|this|it|all that)|reset)"
    r"\b[\s:,.-]*(?:(?:with|instead|and (?:give|make) me|make it|give me)\b[\s:]*)?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL)
_OPENER = re.compile(r"^(?:(?:can you |could you |please |now |ok(?:ay)? |actually,? )*(?:give|make|build|create|play|find|get) me\b"
                     r"|i (?:want|need|'d like|would like)\b|(?:how about|what about|now) (?:a|an)\b|(?:a|an) (?:new |different )?"
                     r"(?:playlist|mix)\b|let'?s (?:do|try|have|hear|switch to)\b|something (?:completely|totally) different)", re.I)
_FEATURES = {"energy": "energy", "intensity": "energy", "valence": "valence", "happiness": "valence", "positivity": "valence",
             "danceability": "danceability", "acousticness": "acousticness", "instrumentalness": "instrumentalness",
             "tempo": "tempo", "bpm": "tempo", "pace": "tempo", "speed": "tempo"}
_COMPARATIVES = [  # (pattern, direction, feature)
    (r"faster|quicker|speedier|pick up the pace|speed (?:it|things) up|up the tempo|more up-?tempo", "more", "tempo"),
    (r"slower|slow (?:it|things|this) down|less up-?tempo", "less", "tempo"),
    (r"calmer|chiller|mellower|quieter|softer|gentler|more relaxed|more laid[\s-]back|(?:calm|tone|dial|bring|take) (?:it|things|this|"
     r"everything|the energy) (?:down|back)(?: a notch| a bit)?|less intense|lower energy", "less", "energy"),
    (r"louder|harder|heavier|more intense|more energy|higher energy|pump it up|crank it up|turn it up|kick it up(?: a notch)?|"
     r"up the energy|raise the energy", "more", "energy"),
    (r"happier|brighter|cheerier|sunnier|more cheerful|more positive", "more", "valence"),
    (r"sadder|darker|moodier|gloomier|more melancholy|more melancholic", "less", "valence"),
    (r"more danceable|danceabler|easier to dance to", "more", "danceability"),
]
_NEGATED = re.compile(r"^\s*(?:no|not|without|nothing|none|never|don'?t|do not|stop|avoid)\b", re.I)


def parse_edits(text: str, vocab: Vocabulary, current: Version | None = None) -> list[EditOp]:
    """A follow-up as edit operations, in order; [] when nothing in it can be read as an edit."""
    if not isinstance(text, str) or not text.strip() or len(text) > 2000:
        return []
    text = text.translate(CHARS).strip()
    m = START_OVER_PATTERN.match(text)
    if m:
        rest = m.group("rest").strip(" .!")
        return [StartOver(request=rest, constraints=_read(rest, vocab) if rest else None)]
    if current is None:
        c = _read(text, vocab)
        return [StartOver(request=text, constraints=c)] if c is not None and _content(c) else []
    n = len(current.track_ids)
    ops: list[EditOp] = []
    for clause in _SPLIT.split(text):
        clause = clause.strip(" ,.")
        if clause:
            try:
                ops += _clause(clause, vocab, current, n)
            except ValidationError as e:  # a value out of range ("add 2022 songs"): say so, change nothing
                msg = e.errors()[0].get("msg", str(e)) if e.errors() else str(e)
                raise BadInput(f"Can't use \"{clause}\": {msg[:1].lower() + msg[1:]}. Nothing changed; "
                               "try a smaller number.") from None
    return ops


def _clause(s: str, vocab: Vocabulary, current: Version, n: int) -> list[EditOp]:
    for reader in (_history, _explain, _lock, _move, _section, _add_like, _relative_length, _add_artist, _remove, _arc, _more_less):
        ops = reader(s, vocab, n)
        if ops is not None:
            return ops
    return _refinement(s, vocab, current)


def _read(text: str, vocab: Vocabulary) -> Constraints | None:
    try:
        return parse(text, vocab)
    except ParseError:
        return None


def _int(x: float | None) -> int | None:
    return None if x is None else int(x)


def _content(c: Constraints) -> bool:
    return bool(c.genres or c.moods or c.activities or c.seed_artists or c.include_artists or c.theme or c.years
                or c.seed_works or c.include_works)


def positions(s: str, n: int) -> list[int] | None:
    """Positions named at the start of `s` ('1 and 2', 'tracks 3-5', 'the last one', 'the first three'), or None."""
    m = re.match(_LIST, s.strip(), re.IGNORECASE)
    if not m or not m.group(0).strip():
        return None
    out: list[int] = []
    for it in re.finditer(_ITEM, m.group(0), re.IGNORECASE):
        if it.group("a"):
            a = int(it.group("a"))
            out += list(range(a, int(it.group("b")) + 1)) if it.group("b") else [a]
            continue
        word = it.group("ord").lower()
        k = int(number(it.group("cnt")) or 1) if it.group("cnt") else 1
        if word in _ORD:
            out += list(range(_ORD[word], _ORD[word] + k)) if k > 1 and word == "first" else [_ORD[word]]
        elif n:
            out += [n - 1] if word in ("penultimate", "second to last") else list(range(n - k + 1, n + 1))
    return [p for p in dict.fromkeys(out) if p >= 1] or None


def _history(s, vocab, n):
    m = re.fullmatch(r"(?:please\s+)?(undo|redo|go back|revert|take (?:that|it) back|put it back)(?:\s+(?:that|it|please|"
                     r"the last (?:change|edit|one)))*", s, re.IGNORECASE)
    if m:
        return [History(op="redo" if m.group(1).lower() == "redo" else "undo")]
    return None


def _explain(s, vocab, n):
    if not re.search(r"\b(?:why|explain|how come|what(?:'s| is) .* doing)\b", s, re.I):
        return None
    for m in re.finditer(r"(?:tracks?|songs?|numbers?|#|the)\s*(?:\d|" + _ORDS + ")", s, re.I):
        pos = positions(s[m.start():], n)
        if pos:
            return [Explain(track=pos[0])]
    return []


def _lock(s, vocab, n):
    m = re.match(r"(?:please\s+)?(un(?:lock|pin)|lock|pin|keep|hold)(?:\s+(?:in|down|in place))?\s+(.*)$", s, re.I)
    if not m:
        return None
    pos = positions(m.group(2), n)
    if pos is None:
        return None
    return [Lock(op="unlock" if m.group(1).lower().startswith("un") else "lock", positions=pos)]


def _move(s, vocab, n):
    m = re.match(r"(?:please\s+)?(?:move|put|bump|bring|shift|place|play)\s+(.*?)\s+(?:up\s+|down\s+)?(?:to\s+)?(?:the\s+)?"
                 r"(?:very\s+)?(top|start|beginning|front|first|end|bottom|last|(?:position|number|spot|slot|#)?\s*\d{1,3})"
                 r"(?:\s+(?:place|position|spot|slot))?$", s, re.I)
    target = None
    if m:
        pos, where = positions(m.group(1), n), m.group(2).lower()
        target = 1 if where in ("top", "start", "beginning", "front", "first") else n if where in ("end", "bottom", "last") \
            else int(re.sub(r"\D", "", where))
    else:
        m = re.match(r"(?:start|open|begin|end|finish|close)\s+with\s+(.*)$", s, re.I)
        if not m:
            return [] if re.match(r"(?:please\s+)?(?:move|bump|shift)\b", s, re.I) else None
        pos, target = positions(m.group(1), n), 1 if s.lower().startswith(("start", "open", "begin")) else n
    return [Move(track=pos[0], to=max(1, target))] if pos and target else None


def _section(s, vocab, n):
    sec = (r"(?:the\s+)?(?:(?P<half>first|second|last|back|front|latter|other)\s+half|(?P<third>first|last|final)\s+third|"
           r"(?P<fl>first|last|final|opening|closing)\s+(?P<k>" + NUM + r")(?:\s+(?:songs?|tracks?))?|(?:tracks?|songs?|numbers?)\s*"
           r"(?P<a>\d{1,3})(?:\s*(?:-|to|through|thru)\s*(?P<b>\d{1,3}))?)")
    m = re.match(r"(?:please\s+)?(?:swap|change|switch|make|turn|replace|convert|fill|do|redo)\s+" + sec +
                 r"\s*(?:(?:to|into|with|for|as|be|more|:)\s+)?(?P<rest>.+)$", s, re.I) or \
        re.match(sec + r"\s*(?:should be|could be|to|as|->|:|=)\s*(?P<rest>.+)$", s, re.I)
    if not m or not n:
        return None
    g = m.groupdict()
    if g["half"]:
        a, b = (1, n // 2) if g["half"].lower() in ("first", "front") else (n // 2 + 1, n)
    elif g["third"]:
        a, b = (1, max(1, n // 3)) if g["third"].lower() == "first" else (n - max(1, n // 3) + 1, n)
    elif g["fl"]:
        k = int(number(g["k"]) or 1)
        a, b = (1, k) if g["fl"].lower() in ("first", "opening") else (max(1, n - k + 1), n)
    else:
        a, b = int(g["a"]), int(g["b"] or g["a"])
    rest = m.group("rest").strip(" .!")
    if re.fullmatch(r"(?:for |with )?(?:something|anything) else|(?:for |with )?(?:an)?other (?:one|song|track)s?|"
                    r"(?:for |with )?(?:a )?different (?:one|song|track)s?|(?:for |with )?new (?:ones|songs|tracks)", rest, re.I):
        return [Remove(positions=list(range(min(a, b), max(a, b) + 1)))]  # removed positions are refilled
    c = _read(rest, vocab)
    genres, moods = (c.genres, c.moods + c.activities) if c else ([], [])
    return [ReplaceSection(start=min(a, b), end=max(a, b), genres=genres, moods=moods, request=rest)]


def _add_like(s, vocab, n):
    m = re.search(r"\b(?P<add>add|throw in|give me|put in)?\s*(?:(?P<n>" + NUM + r")\s+)?(?P<more>more|other|others|extra|another)?"
                  r"\s*(?:songs?|tracks?|ones?|stuff)?\s*(?:like|similar to|in the style of|that sound like|sounding like)\s+"
                  r"(?P<what>.+)$", s, re.I)
    if not m or not (m.group("add") or m.group("more") or m.group("n")):
        return None
    count = int(number(m.group("n")) or 3) if m.group("n") else 3
    grow = bool(m.group("add") or m.group("n"))
    what = m.group("what").strip(" .!?")
    if re.match(r"(?:that|this|it|those|these)\b", what, re.I):
        return None
    pos = positions(what, n) if re.match(r"(?:the\s+)?(?:tracks?|songs?|numbers?|#|\d|" + _ORDS + ")", what, re.I) else None
    if pos:
        return [AddLike(track=pos[0], count=min(50, count), grow=grow)]
    c = _read("like " + what, vocab)
    artist = c.seed_artists[0] if c and c.seed_artists else (vocab.find_artist(what, 0.85)[0] or what)
    return [AddLike(artist=artist, count=min(50, count), grow=grow)]


def _relative_length(s, vocab, n):
    m = re.search(r"\b(?!(?:19|20)\d\d\b)(?:add\s+(?!(?:19|20)\d\d\b)(?P<a>" + NUM + r")\s+(?:more\s+)?|(?P<b>" + NUM + r")\s+more\s+|(?:remove|drop|cut|lose)\s+(?P<c>"
                  + NUM + r")\s+|(?P<d>" + NUM + r")\s+(?:fewer|less)\s+)(?:songs?|tracks?)\b(?!\s+(?:like|similar))", s, re.I)
    if m:
        k = int(number(m.group("a") or m.group("b") or m.group("c") or m.group("d")) or 0)
        sign = -1 if (m.group("c") or m.group("d")) else 1
        return [SetLength(tracks=max(1, n + sign * k))] if k else None
    m = re.search(r"\b(?:a (?:bit|little|lot) |much )?(shorter|longer)\b", s, re.I)
    if m and not re.search(r"\b(?:songs?|tracks?)\b", s, re.I):
        return [SetLength(tracks=max(1, round(n * (0.75 if m.group(1).lower() == "shorter" else 1.25))))]
    return None


def _add_artist(s, vocab, n):
    """'add 3 Radiohead songs', 'add two songs by Oasis', 'throw in a few more Blur tracks': the artist's own tracks."""
    m = re.match(r"(?:please\s+)?(?:add|throw in|put in|give me|play|include)\s+(?:(?P<n>" + NUM + r"|a few|a couple(?: of)?|some)"
                 r"\s+)?(?:more\s+)?(?:(?:songs?|tracks?)\s+(?:by|from)\s+)?(?P<what>.+?)(?:\s+(?:songs?|tracks?|stuff))?[ .!]*$", s, re.I)
    if not m or re.match(r"(?:songs?|tracks?|more|some|a few)\b", m.group("what"), re.I):
        return None
    what = m.group("what").strip()
    artist, score = vocab.find_artist(what, 0.9)
    if not artist or genre_key(what) in MOOD_KEYS or vocab.genre_term(what):
        return None
    word = (m.group("n") or "").lower()
    count = {"a few": 3, "some": 3}.get(word) or (2 if word.startswith("a couple") else int(number(word) or 3))
    grow = not re.match(r"(?:please\s+)?(?:play|give me)\b", s, re.I)  # 'play more X' swaps, 'add X' grows
    return [AddLike(artist=artist, count=min(50, count), own=True, grow=grow)]


def _remove(s, vocab, n):
    m = re.match(r"(?:please\s+)?(?:remove|drop|delete|cut|skip|lose|ditch|kill|get rid of|take out|scrap|nix|axe|"
                 r"i (?:don'?t|do not) (?:like|want)|i hate|i'?m not (?:a fan of|feeling)|not a fan of)\s+(?P<rest>.+)$", s, re.I)
    if not m:
        return None
    rest = m.group("rest").strip(" .!")
    if re.match(r"(?:it|this|that|things|the (?:playlist|list|set))\s+(?:down\s+)?to\b", rest, re.I):
        c = _read(rest, vocab)  # 'cut it to 30 minutes'
        return [SetLength(minutes=c.length.minutes, tracks=c.length.tracks)] if c and (c.length.minutes or c.length.tracks) else []
    pos = positions(rest, n)
    if pos and not re.match(r"\d{4}", rest):
        return [Remove(positions=pos)]
    rest = re.sub(r"^(?:(?:the|all|any|every|of)\s+)+", "", rest, flags=re.I)
    bare = re.sub(r"\s+(?:songs?|tracks?|stuff|music|ones?)$", "", rest, flags=re.I)
    term = vocab.genre_term(bare)
    if term:
        return [Remove(genre=term)]
    c = _read("no " + rest, vocab)
    ops: list[EditOp] = [Remove(artist=a) for a in (c.exclude_artists if c else [])]
    ops += [Remove(genre=g) for g in (c.exclude_genres if c else [])]
    return ops  # a removal of something unreadable is not read as anything else


def _more_less(s, vocab, n):
    for pat, direction, feature in _COMPARATIVES:
        if re.search(r"\b(?:" + pat + r")\b", s, re.I):
            return [MoreLess(op=direction, feature=feature)]
    m = re.search(r"\b(?P<dir>more|less|fewer|too(?: much)?|not (?:so|as|too)(?: much)?|not enough)\s+(?:of\s+(?:the\s+)?)?"
                  r"(?P<x>[^,]+?)\s*(?:songs?|tracks?|stuff|music|please|vibes?)?$", s, re.I)
    if not m or (_NEGATED.match(s) and not re.match(r"\s*not (?:so|as|too|enough)\b", s, re.I)):
        return None
    d = m.group("dir").lower()
    direction = "more" if d in ("more", "not enough") else "less"
    x = m.group("x").strip()
    key = genre_key(x)
    if key in _FEATURES:
        return [MoreLess(op=direction, feature=_FEATURES[key])]
    if key in MOOD_KEYS:
        return [MoreLess(op=direction, mood=MOOD_KEYS[key])]
    term = vocab.genre_term(x) or (vocab.terms_with_word(key, 1) or [None])[0]
    if term or key in KNOWN_GENRES:
        return [MoreLess(op=direction, genre=vocab.genre_term(x) or key)]
    artist, score = vocab.find_artist(x, 0.9)
    if artist and x[:1].isupper():  # 'less Radiohead' reads as 'no more Radiohead'
        return [AddLike(artist=artist, count=3, own=True) if direction == "more" else Remove(artist=artist)]
    return None


def _arc(s, vocab, n):
    if re.search(r"\b(?:shuffle|randomi[sz]e|random order|mix (?:it|them|the order) up)\b", s, re.I):
        return [Reorder(by="shuffle")]
    if re.search(r"\b(?:sort|order|arrange)\b.*\b(?:energy|intensity)\b", s, re.I):
        return [Reorder(by="energy_falling" if re.search(r"high(?:est)? to low|descend|falling", s, re.I) else "energy_rising")]
    calm, loud = r"(?:slow|calm|quiet|chill|mellow|soft)(?:er)?", r"(?:fast|loud|energetic|upbeat|intense)(?:er)?"
    ends = r"ones? (?:at|to|towards?|for) the (?:end|bottom)"
    if re.search(rf"\bwind (?:it|things|this) down\b|\b(?:end|finish) {calm}|\b{calm} {ends}", s, re.I):
        return [Reorder(by="energy_falling")]
    if re.search(rf"\b(?:end|finish) {loud}|\b{loud} {ends}", s, re.I):
        return [Reorder(by="energy_rising")]
    d = Draft(s)
    ordering(d)
    by = {"rising": "energy_rising", "falling": "energy_falling", "peak": "energy_peak"}.get(d.arc)
    return [Reorder(by=by)] if by else None


def _refinement(s: str, vocab: Vocabulary, current: Version) -> list[EditOp]:
    """A clause with no edit cue: its constraints as refinements, or a fresh start when it clearly is a new request."""
    c = _read(s, vocab)
    if c is None:
        return []
    new_genres = c.genres and not set(c.genres) & set(current.constraints.genres)
    if (_OPENER.search(s) and _content(c)) or ((c.length.minutes or c.length.tracks) and new_genres):
        return [StartOver(request=s, constraints=c)]
    ops: list[EditOp] = []
    if c.max_per_artist:
        ops.append(CapArtist(max_per_artist=c.max_per_artist))
    if c.length.minutes or c.length.tracks:
        ops.append(SetLength(minutes=c.length.minutes, tracks=c.length.tracks))
    if c.years and not (re.search(r"\b(?:add|throw in|some|a few|a couple)\b", s, re.I) and (c.genres or c.moods)):
        ops.append(SetYears(min=_int(c.years.min), max=_int(c.years.max)))
    if c.explicit != "allow" or c.tempo or c.track_minutes:
        ops.append(SetFilter(explicit=None if c.explicit == "allow" else c.explicit, tempo=c.tempo, track_minutes=c.track_minutes))
    ops += [Remove(artist=a) for a in c.exclude_artists] + [Remove(genre=g) for g in c.exclude_genres]
    ops += [MoreLess(op="more", genre=g) for g in c.genres]
    targets = c.targets.model_dump(exclude_none=True)
    moods = c.moods + c.activities + [m for m in (MOOD_KEYS.get(genre_key(w)) for w in re.findall(r"[\w-]+", s))
                                      if m in FEATURE_WORDS and set(MOODS[m]) <= set(targets)]
    ops += [MoreLess(op="more", mood=m) for m in dict.fromkeys(moods)]
    # 'throw in some Blur', 'play more Pearl Jam': their own songs; 'something like Blur': songs that sound like them
    like = re.search(r"\b(?:like|similar|sound(?:s|ing)?|style|vibe|inspired)\b", s, re.I)
    ops += [AddLike(artist=a, count=3, own=not like) for a in c.seed_artists]
    ops += [AddLike(artist=a, count=3, own=True) for a in c.include_artists]
    by = {"rising": "energy_rising", "falling": "energy_falling", "peak": "energy_peak"}.get(c.ordering.arc)
    return ops + ([Reorder(by=by)] if by else [])
