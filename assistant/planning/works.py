"""Named songs and albums -> catalogue track ids, before planning (a pure function over the library's index).

seed works: the song (its best-known version) or up to `ALBUM_SEEDS` tracks of the album; when the catalogue
lacks the work but has its artist, the artist becomes the reference. exclude works: every version. include
works: the best-known version of the song (of an album, its best-known track). What can't be found is noted.
"""

from __future__ import annotations

from assistant.model.constraints import Constraints, Work
from assistant.understanding import dedupe

ALBUM_SEEDS = 12


def resolve_works(c: Constraints, library) -> tuple[Constraints, list[str]]:
    """`c` with works turned into track ids (seed_tracks, exclude_tracks, include_tracks); returns missing works."""
    if not (c.seed_works or c.exclude_works or c.include_works):
        return c, []
    index = library.works()
    cat = library.catalogue
    seeds, excluded, included = list(c.seed_tracks), list(c.exclude_tracks), list(c.include_tracks)
    seed_artists, notes, missing = list(c.seed_artists), list(c.notes), []
    for w in c.seed_works:
        rows = _find(index, w)
        if rows:
            albums = {cat.strings["album"][r] for r in rows}
            take = rows[:ALBUM_SEEDS] if w.kind == "album" or len(albums) == 1 and len(rows) > 3 else rows[:1]
            seeds += [cat.ids[r] for r in take]
            notes.append(f"'{w.describe()}' found: {len(take)} track{'s' if len(take) != 1 else ''} as the reference")
        elif w.artist and library_has_artist(library, w.artist):
            seed_artists.append(w.artist)
            notes.append(f"couldn't find '{w.title}' in this catalogue; used {w.artist} as the reference")
        else:
            notes.append(f"couldn't find '{w.describe()}' in this catalogue")
    for w in c.exclude_works:
        rows = _find(index, w)
        excluded += [cat.ids[r] for r in rows]
        if not rows:
            notes.append(f"'{w.describe()}' is not in this catalogue, so excluding it removes nothing")
    for w in c.include_works:
        rows = _find(index, w)
        if rows:
            included.append(cat.ids[rows[0]])
        else:
            missing.append(w.describe())
    update = {"seed_tracks": dedupe(seeds), "exclude_tracks": dedupe(excluded), "include_tracks": dedupe(included),
              "seed_artists": dedupe(seed_artists), "notes": dedupe(notes)}
    return c.model_copy(update=update), missing


def _find(index, w: Work) -> list[int]:
    rows = index.find(w.title, w.artist, w.kind)
    if not rows and w.artist:  # the artist's spelling may differ: try the title alone, then filter fuzzily
        from rapidfuzz import fuzz

        from retrieval.tracks import normalise_name

        want = normalise_name(w.artist)
        rows = [r for r in index.find(w.title, None, w.kind)
                if fuzz.ratio(normalise_name(index.catalogue.artists[r]), want) >= 85]
    return rows


def library_has_artist(library, name: str) -> bool:
    from retrieval.filters import artist_code_index

    return name.casefold() in artist_code_index(library.catalogue)

