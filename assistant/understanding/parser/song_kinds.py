"""Structural steps for what kind of songs, beyond genre and era: one-hit wonders, songs about a subject, words a
title must carry, newer or older than the seeds, and the listener's favourites or songs new to them. They run
first, so that their words ('one hit', 'hits', 'newer', 'favourites') are not read as counts, popularity or years.
"""

from __future__ import annotations

import re

from assistant.understanding.parser.draft import Draft

_STOP = r"(?=\s+(?:from|by|in the|for|with|without|no|not|under|over|before|after|during|but|and (?:no|not|only))\b|[,.;!?]|$)"


def one_hit_wonders(d: Draft) -> None:
    """'one hit wonders', 'one-hit-wonder': an artist's only top-40 hit (not one track of hits)."""
    for _ in d.each(r"\bone[\s-]+hit[\s-]+wonders?\b"):
        d.popularity.append("one_hit_wonders")
        d.discovery.append(0.3)


def subject(d: Draft) -> None:
    """'songs about the ocean', 'music that's about heartbreak': what the songs are about (lyrics are not searched:
    titles and sound stand in for them)."""
    pat = (r"\b(?:songs?|music|tracks?|tunes|ballads?|anthems?|stuff)\s+(?:that(?:'s| is| are)\s+|which (?:is|are)\s+)?"
           r"(?:all\s+)?about\s+(?P<s>[^\x00,.;!?]+?)" + _STOP)
    for m in d.each(pat):
        what = re.sub(r"^(?:the|a|an|being|my|our)\s+", "", m.group("s").strip(), flags=re.IGNORECASE)
        if what and d.subject is None:
            d.subject = what
            d.note(f"songs about '{what}': matched to titles and how tracks sound (lyrics are not searched)")


def title_words(d: Draft) -> None:
    """'with love in the title', 'titles containing "night"': words every title must carry."""
    pats = (r"\bwith\s+(?:the\s+words?\s+)?['\"]?(?P<w>[\w' ]{1,40}?)['\"]?\s+in\s+(?:the|their|its)\s+(?:titles?|names?)\b",
            r"\b(?:titles?|named|called)\s+(?:that\s+)?(?:contain(?:s|ing)?|with|including|has|have)\s+(?:the\s+words?\s+)?"
            r"['\"]?(?P<w>[\w']{1,40}(?:\s+[\w']{1,40})?)['\"]?")
    for pat in pats:
        for m in d.each(pat):
            word = m.group("w").strip()
            if word and word.lower() not in {w.lower() for w in d.title_words}:
                d.title_words.append(word)


def relative_era(d: Draft) -> None:
    """'but newer', 'something more recent', 'older stuff like X': newer or older than the seed artists and works
    (a year after 'newer than' is read by `years`)."""
    for _ in d.each(r"\b(?:but\s+|only\s+|just\s+|and\s+)?(?:newer|more recent|more modern|from later)\b(?!\s+than\s+\d)"
                    r"(?:\s+(?:stuff|songs|music|bands|artists|ones))?"):
        d.era = "newer"
    for _ in d.each(r"\b(?:(?:but|only|and|something)\s+(?:older|earlier)\b(?!\s+than\b)(?:\s+(?:stuff|songs|music))?"
                    r"|(?:older|earlier)\s+(?:stuff|songs|music|bands|artists|ones|tracks)\b)"):
        if d.era == "any":
            d.era = "older"


_TRAIT = (r"\b(?P<t>(?:all[\s-])?(?:female|women|woman|girl|male|men|queer|lgbtq\+?|trans|black|indigenous)"
          r"[\s-](?:fronted|led|vocal(?:ist)?s?|singers?|artists?|bands?|musicians?|rappers?|djs?|producers?|groups?|"
          r"singer[\s-]songwriters?)|(?:by|from)\s+(?:women|female artists|female musicians))\b")


def artist_traits(d: Draft) -> None:
    """'female-fronted punk', 'women singer-songwriters': what the request asks of the artists that the catalogue does
    not record. Said plainly offline; with an LLM configured, it may name artists that fit (grounded afterwards)."""
    for m in d.each(_TRAIT):
        trait = " ".join(m.group("t").lower().split())
        if trait not in d.artist_traits:
            d.artist_traits.append(trait)
            d.note(f"I can't tell which artists are {trait} from this catalogue (it does not record it); with an LLM "
                   "configured Segue asks it for such artists. The rest of the request is read as usual")


def familiarity(d: Draft) -> None:
    """'my favourites', 'songs I love' (their own plays first) or 'new to me', 'never heard' (nothing they have
    played). The words stay for `discovery` to read too."""
    text = d.current()
    if re.search(r"\b(?:my (?:all[\s-]time )?favou?rites?|my favou?rite (?:songs|tracks|music|artists)|songs i love|"
                 r"my usual|what i (?:usually |always )?(?:listen to|play)|my (?:own )?(?:library|plays|history))\b",
                 text, re.IGNORECASE):
        d.familiarity = "favourites"
    elif re.search(r"\b(?:new to me|never heard(?: of| before)?|haven'?t heard|not heard|i don'?t know|"
                   r"something (?:i )?(?:haven'?t|don'?t)|discover(?:y|ies)?|introduce me)\b", text, re.IGNORECASE):
        d.familiarity = "new_to_me"
