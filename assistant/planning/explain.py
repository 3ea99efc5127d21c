"""Why each track is in the playlist, in a few words built from its strongest score components."""

from __future__ import annotations

import numpy as np

from assistant.model.constraints import Constraints
from retrieval.library import Library
from retrieval.ranking import Candidates, top_components

LABELS = {"relevance": "matches the request", "lexical": "named in the request", "artist": "an artist you play", "genre": "genre", "taste": "fits your taste", "seed": "sounds like your seeds",
          "features": "feel", "popularity": "popularity"}


def why(library: Library, c: Constraints, cands: Candidates, parts: dict[str, np.ndarray], i: int) -> str:
    t_row = int(cands.rows[i])
    cat = library.catalogue
    bits: list[str] = []
    for name in top_components(parts, i, k=3):
        if name == "genre":
            tags = [g for g in cat.genres[t_row] if any(r in g for r in c.genres)] or list(cat.genres[t_row][:1])
            bits.append(f"genre: {', '.join(tags[:2])}" if tags else "close to the genre")
        elif name == "features":
            shown = [f"{n} {float(cat.column(n)[t_row]):.2f}" for n, _ in c.targets.items() if not np.isnan(cat.column(n)[t_row])]
            bits.append(", ".join(shown[:2]) if shown else "feel")
        elif name == "seed":
            bits.append("like " + ", ".join(c.seed_artists[:2]) if c.seed_artists else "sounds like the closest word matches")
        elif name == "popularity":
            bits.append("a hidden gem" if c.discovery >= 0.5 else "a well-known pick")
        else:
            bits.append(LABELS[name])
    return "; ".join(bits) or "fills the set"
