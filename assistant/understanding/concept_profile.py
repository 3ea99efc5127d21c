"""What a set of concepts asks of the music together: the feature ranges they share, genre families that fit and
that do not, clean lyrics, crowd-pleasers. Used by the parser (for the offline reading) and the LLM merge (for the
concepts an LLM names), so both readings carry the same fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from assistant.model.constraints import FeatureRanges, Range


@dataclass
class ConceptProfile:
    ranges: FeatureRanges = field(default_factory=FeatureRanges)
    fits: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    clean: bool = False
    popularity: str = "any"
    cues: list[str] = field(default_factory=list)  # words the titles of the occasion's songs carry (holidays)


@lru_cache(maxsize=1)
def inventory() -> dict:
    """The concept inventory by name (loaded once)."""
    from assistant.understanding.concepts import load_concepts

    return {c.name: c for c in load_concepts()}


def known(names: list[str]) -> list[str]:
    """The names that are concepts of the inventory, in order, once each."""
    if not names:
        return []
    inv = inventory()
    return [n for n in dict.fromkeys(names) if n in inv]


def seasonal_cues() -> list[str]:
    """Title words of every occasion whose songs are known by their titles (holidays)."""
    return sorted({w for concept in inventory().values() for w in concept.title_cues})


def merged_profile(names: list[str]) -> ConceptProfile:
    """The concepts' ranges combined feature by feature (where they overlap, the overlap; where they do not, the
    span between their middles), their families (fits and avoids, in order) and the strictest of their defaults."""
    if not names:
        return ConceptProfile()
    inv = inventory()
    found = [inv[n] for n in names if n in inv]
    out = ConceptProfile()
    ranges: dict[str, tuple[float, float]] = {}
    for concept in found:
        for name, (lo, hi) in concept.targets().items():
            if name not in ranges:
                ranges[name] = (lo, hi)
                continue
            a, b = ranges[name]
            lo2, hi2 = max(a, lo), min(b, hi)
            ranges[name] = (lo2, hi2) if lo2 <= hi2 else tuple(sorted(((a + b) / 2, (lo + hi) / 2)))
        out.fits += [g for g in concept.genres if g not in out.fits]
        out.avoid += [g for g in concept.avoid if g not in out.avoid]
        out.cues += [w for w in concept.title_cues if w not in out.cues]
        out.clean = out.clean or concept.clean
        if concept.popularity != "any" and out.popularity == "any":
            out.popularity = concept.popularity
    out.ranges = FeatureRanges(**{k: Range(min=lo, max=hi) for k, (lo, hi) in ranges.items()})
    out.avoid = [g for g in out.avoid if g not in out.fits]
    return out
