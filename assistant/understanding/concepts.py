"""Concepts: occasions, moods, activities, scenes and audiences, each with typed musical targets (data + model).

The inventory is `data/concepts.jsonl`, one `Concept` a line. `load_concepts` validates every line and names the
line that is wrong. A request is read against the inventory by `concept_index.ConceptIndex.find`, which returns
a `ConceptReading`: the concepts found (with the span that evoked each) and the spans that looked like an occasion
or mood but matched nothing (misses, to be reported rather than guessed). Nothing here loads an encoder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from assistant.model.base import StrictModel
from assistant.model.errors import BadInput

DEFAULT_PATH = Path(__file__).with_name("data") / "concepts.jsonl"
ConceptKind = Literal["occasion", "mood", "activity", "scene", "audience"]
Range = tuple[float, float]
UNIT_FEATURES = ("energy", "valence", "acousticness", "danceability", "instrumentalness", "speechiness")
FEATURES = (*UNIT_FEATURES, "tempo")


class ConceptDataError(BadInput):
    """The concept inventory is malformed; the message names the file and line."""


class Concept(StrictModel):
    """One occasion, mood, activity, scene or audience and what music fits it."""

    name: str = Field(min_length=1, description="The concept's fixed name, e.g. 'memorial service'.")
    kind: ConceptKind = Field(description="occasion | mood | activity | scene | audience.")
    phrases: list[str] = Field(min_length=1, description="Ways people say it; these are matched and embedded.")
    energy: Range | None = Field(None, description="Spotify energy range (0..1) most fitting tracks fall in.")
    valence: Range | None = Field(None, description="Spotify valence range (0..1); null: no preference.")
    acousticness: Range | None = Field(None, description="Spotify acousticness range (0..1).")
    danceability: Range | None = Field(None, description="Spotify danceability range (0..1).")
    instrumentalness: Range | None = Field(None, description="Spotify instrumentalness range (0..1).")
    speechiness: Range | None = Field(None, description="Spotify speechiness range (0..1).")
    tempo: Range | None = Field(None, description="Tempo range in BPM.")
    genres: list[str] = Field(default_factory=list, description="Genre families that fit (words of genre tags).")
    avoid: list[str] = Field(default_factory=list, description="Genre families that clearly do not fit.")
    clean: bool = Field(False, description="Listeners expect no explicit lyrics by default.")
    popularity: Literal["hits", "deep_cuts", "any"] = Field("any", description="Crowd-pleasers, rarities or either.")
    title_cues: list[str] = Field(default_factory=list, description="Words the titles of this occasion's songs carry "
                                  "(holidays: 'santa', 'sleigh'); such titles are out of place in other requests.")
    note: str = Field("", description="One line of why.")

    @model_validator(mode="after")
    def _ranges_are_ordered_and_on_scale(self) -> Concept:
        for name in FEATURES:
            r = getattr(self, name)
            if r is None:
                continue
            top = 300.0 if name == "tempo" else 1.0
            if not (0.0 <= r[0] <= r[1] <= top):
                raise ValueError(f"{name} range {list(r)} must be [low, high] with 0 <= low <= high <= {top:g}")
        if not all(p.strip() for p in self.phrases):
            raise ValueError("phrases must not be blank")
        return self

    def targets(self) -> dict[str, Range]:
        """The feature ranges this concept sets (no preference left out)."""
        return {name: getattr(self, name) for name in FEATURES if getattr(self, name) is not None}


def load_concepts(path: Path | str = DEFAULT_PATH) -> list[Concept]:
    """Every concept of the inventory at `path` (JSONL), validated; a malformed line raises `ConceptDataError`
    naming the line, and so does a name used twice."""
    path = Path(path)
    if not path.exists():
        raise ConceptDataError(f"{path} does not exist; pass the path of a concept inventory (JSONL).")
    out: list[Concept] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            concept = Concept.model_validate(json.loads(line))
        except json.JSONDecodeError as e:
            raise ConceptDataError(f"{path} line {n} is not valid JSON ({e.msg}); fix that line.") from None
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}" for err in e.errors())
            raise ConceptDataError(f"{path} line {n} is not a valid concept: {problems}") from None
        if concept.name in seen:
            raise ConceptDataError(f"{path} line {n}: concept {concept.name!r} is already defined on line "
                                   f"{seen[concept.name]}; names must be unique.")
        seen[concept.name] = n
        out.append(concept)
    if not out:
        raise ConceptDataError(f"{path} holds no concepts.")
    return out


class ConceptMatch(StrictModel):
    """A concept a request evokes, and where."""

    name: str = Field(description="The concept's name.")
    kind: ConceptKind = Field(description="The concept's kind.")
    span: tuple[int, int] = Field(description="Character range [start, end) of the request that evoked it.")
    text: str = Field(description="The request's text in that range.")
    score: float = Field(description="Similarity of the span to the concept (1.0 for an exact phrase).")
    how: Literal["phrase", "nearest"] = Field(description="An exact phrase match, or the nearest by embedding.")


class ConceptMiss(StrictModel):
    """A part of a request that looked like an occasion, mood or activity but matched no concept well enough."""

    span: tuple[int, int] = Field(description="Character range [start, end) of the request.")
    text: str = Field(description="The request's text in that range.")
    nearest: str | None = Field(None, description="The closest concept, though not close enough.")
    score: float = Field(0.0, description="Its similarity.")


class ConceptReading(StrictModel):
    """What `ConceptIndex.find` read in a request."""

    concepts: list[ConceptMatch] = Field(default_factory=list, description="Concepts found, best first.")
    misses: list[ConceptMiss] = Field(default_factory=list, description="Spans that matched nothing.")

    def names(self) -> list[str]:
        return [c.name for c in self.concepts]
