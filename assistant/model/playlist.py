"""The playlist a listener gets: tracks with a reason each, the constraints behind them, and the report."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant.model.constraints import Constraints, Report
from retrieval.tracks import Track


class PlaylistTrack(BaseModel):
    """One entry: the track and why it is here."""

    model_config = ConfigDict(extra="forbid")

    track: Track
    why: str = Field(description="Why this track was picked, in words")
    score: float = Field(description="Ranking score (higher is better)")


class Playlist(BaseModel):
    """A ranked, checked playlist."""

    model_config = ConfigDict(extra="forbid")

    constraints: Constraints
    tracks: list[PlaylistTrack] = Field(default_factory=list)
    report: Report
    catalogue: str = Field(default="", description="Which catalogue it came from (generated catalogues say so)")
    listener: str | None = Field(default=None, description="Whose taste personalised it")
    understanding: dict | None = Field(default=None, description="How the request was read: source, LLM, fallback")
    candidate_rows: list[int] = Field(default_factory=list, exclude=True, description="Ranked candidates behind it")

    @property
    def total_ms(self) -> int:
        return sum(t.track.duration_ms or 0 for t in self.tracks)

    def to_json(self) -> dict:
        """The `--json` shape of `segue playlist`."""
        return {
            "catalogue": self.catalogue,
            "listener": self.listener,
            "constraints": self.constraints.model_dump(mode="json"),
            "tracks": [
                {
                    "track_id": t.track.track_id,
                    "title": t.track.title,
                    "artist": t.track.artist,
                    "year": t.track.year,
                    "tempo": t.track.tempo,
                    "energy": t.track.energy,
                    "duration_ms": t.track.duration_ms,
                    "genres": t.track.genres,
                    "why": t.why,
                }
                for t in self.tracks
            ],
            "total_minutes": round(self.total_ms / 60000, 2),
            "report": self.report.model_dump(mode="json"),
            "understanding": self.understanding,
        }
