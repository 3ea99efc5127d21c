"""Durations as people read them: 'm:ss' for the terminal's tables and the live DJ's clock."""

from __future__ import annotations

__all__ = ["mm_ss", "track_time"]


def mm_ss(seconds: float) -> str:
    """A duration in seconds as 'm:ss' ('3:07'): whole seconds (truncated), never below 0:00."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def track_time(ms: int | None) -> str:
    """A track length in milliseconds as 'm:ss', rounded to the nearest second; '?' when unknown."""
    return mm_ss(round(ms / 1000)) if ms else "?"
