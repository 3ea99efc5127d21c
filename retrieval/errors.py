"""Segue's one error tree. Every error a listener can act on is a `SegueError`; its kind says what went wrong.

The doors map the kinds, and nothing else, in one place each: the CLI prints any `SegueError` as one line and
exits 2 (`assistant.cli.errors`); the web answers a problem response whose status comes from the kind
(`assistant.web.problems`). Lower layers raise the most specific kind; messages say what to do next.

    SegueError
    ├── BadInput    the request or a file given cannot be used (malformed, empty, too long)
    ├── NotReady    something must be set up first (a catalogue, a listener, a voice)
    ├── NotFound    the thing asked for does not exist (for this listener)
    └── Conflict    well-formed, but the current state cannot take it (a racing edit, no track 40)
"""

from __future__ import annotations


class SegueError(Exception):
    """An error a listener can act on. `str(e)` is shown as it is; no traceback."""


class BadInput(SegueError):
    """The request itself, or a file it names, cannot be used (empty, too long, malformed)."""


class NotReady(SegueError):
    """Something must be set up first (a catalogue, a listener, a voice)."""


class NotFound(SegueError):
    """Nothing there; the message says where to look."""


class Conflict(SegueError):
    """A well-formed request the current state cannot take (a turn racing another, a version that is gone)."""
