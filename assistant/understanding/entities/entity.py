"""`Entity`: one artist or work (song, album) named in a request, as entity extraction returns it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Entity:
    """One artist or work named in a request."""

    mention: str  # surface text, as written
    kind: str  # "artist" | "work"
    name: str  # the catalogue's spelling when matched, else the cleaned surface form
    start: int  # character offsets of `mention` in the request
    end: int
    in_catalogue: bool = False
    artist: str | None = None  # for a work: its artist, from the text ("X by Y", "Y's X") or the catalogue
    work_kind: str = "any"  # "song" | "album" | "any" (for works)
