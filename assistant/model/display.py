"""Untrusted text made safe to show on a terminal: the one place that decides what a name, a title, a prompt or an
error message may put on a listener's screen.

`visible(text)` replaces every control character (C0, DEL, C1, so ESC and every escape sequence it would start) and
every bidirectional-override, line-separator or lone-surrogate code point with a visible escape (`\\x1b`, `\\u202e`), and shortens an
overlong field to `limit` characters with a marker saying how much was left out. `json_text(obj)` is JSON for a
terminal: exactly the same value, with the code points json.dumps leaves raw (DEL, C1, bidi, U+2028/9) written as
`\\uXXXX` escapes. Markup is not this module's business: the CLI's consoles never parse it (`assistant.cli.terminal`).
"""

from __future__ import annotations

import json
import re
from typing import Any

FIELD_CHARS = 200  # a name, a title, a tag: longer ones are shortened on screen (never in the data)
BLOCK_CHARS = 20_000  # anything printed at once (a message, an exported playlist shown on screen)

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"  # lone surrogates (undecodable bytes of argv or file names): no terminal can print one
_UNSAFE_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}\u2028\u2029]")  # keeps \t and \n
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}\u2028\u2029]")
_JSON_RAW = re.compile(f"[\x7f-\x9f{_BIDI}{_SURROGATES}\u2028\u2029]")  # what json.dumps(ensure_ascii=False) leaves raw


def _escape(m: re.Match) -> str:
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def shorten(text: str, limit: int | None) -> str:
    """`text`, or its first `limit` characters and a marker saying how many more there were."""
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit:,} chars)"


def visible(text: Any, limit: int | None = FIELD_CHARS, *, lines: bool = False) -> str:
    """`text` as it may be shown on a terminal: controls and bidi overrides as visible escapes, at most `limit`
    characters (None: no limit). With `lines`, newlines and tabs are kept (a message or a block of text)."""
    s = text if isinstance(text, str) else str(text)
    s = shorten(s, limit)
    return (_UNSAFE_LINES if lines else _UNSAFE).sub(_escape, s)


def is_visible(text: str, *, lines: bool = True) -> bool:
    """True when `text` has nothing `visible` would escape."""
    return (_UNSAFE_LINES if lines else _UNSAFE).search(text) is None


def json_text(obj: Any, indent: int | None = 2) -> str:
    """`obj` as JSON that decodes to exactly `obj` and puts no control or bidi code point on a terminal."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(obj, indent=indent, ensure_ascii=False))
