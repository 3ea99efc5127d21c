"""Moods: the mood words a request may use (`MOOD_KEYS`, built from the lexicon), and their feature targets.

`MOOD_KEYS` maps the `genre_key` of every canonical mood and alias to its canonical mood; `mood_prefix` finds
a mood phrase at the start of some words, and `targets_for` turns moods into audio-feature targets.
"""

from __future__ import annotations

from assistant.model.constraints import FeatureTargets
from assistant.understanding.lexicon import MOOD_ALIASES, MOODS
from assistant.understanding.vocabulary import genre_key

MOOD_KEYS: dict[str, str] = {genre_key(k): k for k in MOODS}
MOOD_KEYS.update({genre_key(k): v for k, v in MOOD_ALIASES.items()})


def mood_prefix(words: list[str]):
    """Longest prefix of `words` that is a mood phrase: (words used, canonical mood) or None."""
    for n in range(min(len(words), 4), 0, -1):
        mood = MOOD_KEYS.get(genre_key(" ".join(words[:n])))
        if mood:
            return n, mood
    return None


def targets_for(moods: list[str]) -> FeatureTargets:
    """Feature targets of some moods; two moods setting one feature average it."""
    sums: dict[str, list[float]] = {}
    for mood in moods:
        for feature, value in MOODS.get(mood, {}).items():
            sums.setdefault(feature, []).append(value)
    return FeatureTargets(**{f: round(sum(v) / len(v), 3) for f, v in sums.items()})
