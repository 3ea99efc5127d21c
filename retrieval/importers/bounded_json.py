"""JSON parsing with bounds, for files a listener brings: nesting depth is checked before parsing (Python's json
would raise RecursionError), and a number too long to be a count or a time is kept as an `Unusable` marker instead
of being converted (Python refuses ints over 4,300 digits with a ValueError), so validation can name its field.

    parse_json('[1, 2]') -> [1, 2]
    parse_json('[' * 5000 + ']' * 5000)  -> JsonLimit: nested 5,000 levels deep; at most 32 are read
    parse_json('{"ms": 999...(400 digits)}') -> {"ms": Unusable("a 400-character number, too long for ..")}
"""

from __future__ import annotations

import json
import re

import numpy as np

MAX_DEPTH = 32  # the deepest export read (a Last.fm page list, a ListenBrainz mapping) nests about 7 levels
MAX_NUMBER_CHARS = 30  # counts and times have at most 19 digits; anything longer is not one
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.S)  # always matches: an unclosed string runs on
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


class JsonLimit(ValueError):
    """The text is over a bound (nesting depth); the message says which and by how much."""


class Unusable:
    """A JSON value kept as a description of itself: a number too long, NaN or Infinity. Neither a number nor a
    string, so any field it lands in fails validation with that field's name."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what

    def __str__(self) -> str:
        return self.what

    __repr__ = __str__


def nesting_depth(text: str) -> int:
    """How deep brackets nest in JSON text (outside strings); linear time, no recursion."""
    brackets = _STRING.sub("", text).encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _number(kind):
    def parse(s: str):
        return kind(s) if len(s) <= MAX_NUMBER_CHARS else Unusable(f"a {len(s):,}-character number, too long for "
                                                                   "a count or a time")
    return parse


def parse_json(text: str, max_depth: int = MAX_DEPTH) -> object:
    """`json.loads` within bounds: deeper nesting raises JsonLimit; long numbers, NaN and Infinity become
    `Unusable` markers. A malformed text raises json.JSONDecodeError as usual."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonLimit(f"nested {depth:,} levels deep; at most {max_depth} are read")
    try:
        return json.loads(text, parse_int=_number(int), parse_float=_number(float),
                          parse_constant=lambda s: Unusable(f"{s}, not a number JSON allows"))
    except RecursionError:  # not reached within MAX_DEPTH; kept so no traceback can escape
        raise JsonLimit(f"nested too deep to read; at most {max_depth} levels are") from None
