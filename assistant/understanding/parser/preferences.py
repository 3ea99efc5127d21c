"""Structural steps for listening preferences: discovery (hidden gems vs hits, popularity) and how the set should
flow (energy arc, smooth transitions). Each takes the `Draft` (see `draft.py`); the pipeline runs them in order
(`pipeline.STRUCTURE`)."""

from __future__ import annotations

from assistant.understanding.parser.draft import Draft


def discovery(d: Draft) -> None:
    """How far from the hits: 'hidden gems', 'deep cuts' -> high discovery; 'greatest hits', 'popular' -> low."""
    high = {r"hidden gems?": 0.9, r"obscure": 0.9, r"deep cuts?": 0.85, r"underground": 0.85, r"b[\s-]sides?": 0.85,
            r"undiscovered": 0.9, r"under[\s-]?rated": 0.8, r"lesser[\s-]known": 0.8, r"less[\s-]known": 0.8,
            r"not (?:so |too |very )?(?:well[\s-]known|popular|mainstream)": 0.8, r"non[\s-]mainstream": 0.8,
            r"unknown": 0.85, r"rare": 0.8, r"niche": 0.85, r"something new to me": 0.75}
    low = {r"greatest hits": 0.05, r"biggest hits": 0.05, r"chart[\s-]toppers?|chart[\s-]topping|number ones": 0.05,
           r"hits": 0.1, r"popular": 0.1, r"classics": 0.1, r"well[\s-]known": 0.1, r"best[\s-]known": 0.1,
           r"famous": 0.1, r"mainstream": 0.1, r"crowd[\s-]pleasers?": 0.1, r"sing[\s-]?alongs?": 0.15,
           r"everyone knows": 0.1, r"top 40": 0.1, r"anthems": 0.15}
    neg = r"\b(?:no|not|without|aren'?t|isn'?t|nothing|never|non|un|less|avoid|skip|zero)(?:\s+(?:so|too|very|the|any|really|that))?[\s-]+"
    for pat in low:
        for _ in d.each(neg + r"(?:" + pat + r")\b"):
            d.discovery.append(0.8)
            d.popularity.append("deep_cuts")
    for pat in (r"never heard(?: before| of)?", r"haven'?t heard", r"new to me", r"surprise me with something new"):
        for _ in d.each(r"\b(?:" + pat + r")\b"):
            d.discovery.append(0.85)
    for pat in (r"(?:i )?already know", r"know and love", r"(?:songs|tracks|stuff) i know", r"familiar",
                r"my (?:all[\s-]time )?favou?rites", r"comfort (?:songs|music)"):
        for _ in d.each(r"\b(?:" + pat + r")\b"):
            d.discovery.append(0.1)
    for table, kind in ((high, "deep_cuts"), (low, "hits")):
        for pat, value in table.items():
            for _ in d.each(r"\b(?:" + pat + r")\b"):
                d.discovery.append(value)
                if value >= 0.8 or value <= 0.1:
                    d.popularity.append(kind)


_ARCS = {
    "rising": r"build(?:s|ing)? (?:it )?up|build(?:s|ing)? in (?:energy|intensity)|ramp(?:s|ing)? up|start(?:s|ing)? "
              r"(?:slow|calm|chill|soft|mellow|quiet)(?:\w*)? and (?:build|get|end|finish|go|ramp)\w*(?: (?:up|faster|louder|harder))?"
              r"|(?:getting|gets|get) (?:faster|louder|more intense|harder)|warm(?:ing)?[\s-]up",
    "falling": r"wind(?:s|ing)? down|cool(?:s|ing)?[\s-]down|calm(?:s|ing)? down|start(?:s|ing)? (?:high|loud|hard|fast|"
               r"energetic|upbeat)(?:\w*)? and (?:end|finish|wind|slow|calm|get)\w*(?: (?:down|calm|slow|mellow|soft))?"
               r"|(?:getting|gets|get) (?:slower|calmer|quieter|softer)|taper(?:s|ing)? off",
    "valley": r"dips? in the middle|(?:mellow|calm|quiet|slow|soft|chill)(?:er)? in the middle|valley",
    "peak": r"peak(?:s|ing)? in the middle|build(?:s|ing)? (?:up )?(?:to a peak )?and (?:then )?(?:come|wind|cool)s? down"
            r"|up and (?:then )?down",
    "steady": r"(?:steady|consistent|even|constant|same) (?:energy|tempo|pace|vibe)(?: throughout| all the way)?",
}


def ordering(d: Draft) -> None:
    """Energy arc ('build up', 'wind down', 'peak in the middle') and smooth transitions ('seamless', 'DJ-style')."""
    for arc in ("valley", "peak", "rising", "falling", "steady"):
        for _ in d.each(r"\b(?:" + _ARCS[arc] + r")\b"):
            if d.arc == "any":
                d.arc = arc
    smooth = (r"\b(?:smooth(?:ly)?|seamless(?:ly)?|gapless|flowing|that flows?|flows? (?:well|nicely|smoothly))"
              r"(?: (?:transitions?|mix(?:ing)?|flow|segues?|between (?:songs|tracks)))?|\b(?:dj[\s-]style|mixed like a dj|"
              r"beat[\s-]?matched|harmonic(?:ally)? mix(?:ed|ing)?|key[\s-]compatible)\b")
    for _ in d.each(smooth):
        d.smooth = True
