"""`visible` and `json_text`: what untrusted text may put on a terminal."""

from __future__ import annotations

import json

from assistant.model.display import FIELD_CHARS, is_visible, json_text, shorten, visible


def test_controls_escapes_and_bidi_become_visible_escapes():
    assert visible("a\x1b[31mred\x1b[0m") == "a\\x1b[31mred\\x1b[0m"
    assert visible("\x9b2J \x07 \x00 \x7f") == "\\x9b2J \\x07 \\x00 \\x7f"
    assert visible("abc\u202edcba\u2066x\u2069") == "abc\\u202edcba\\u2066x\\u2069"
    assert visible("one\ntwo\tthree") == "one\\x0atwo\\x09three"  # a field stays on its line
    assert visible("one\ntwo\tthree\r", lines=True) == "one\ntwo\tthree\\x0d"  # a message keeps its lines


def test_markup_and_ordinary_text_pass_unchanged():
    for s in ("[/]", "[link=http://x]y[/link]", ":smile:", "Sigur Rós – Ágætis byrjun", "日本語", "🎵‍🎶"):
        assert visible(s) == s and is_visible(s)


def test_long_fields_are_shortened_with_what_was_left_out():
    s = visible("a" * 200_000)
    assert s.startswith("a" * FIELD_CHARS) and s.endswith("… (+199,800 chars)") and len(s) < FIELD_CHARS + 30
    assert visible("a" * 300, None) == "a" * 300 and shorten("abc", 5) == "abc"


def test_escaping_is_idempotent():
    once = visible("x\x1b]8;;http://evil\x1b\\y", None)
    assert visible(once, None) == once and is_visible(once)


def test_json_text_is_the_same_value_with_nothing_raw():
    value = {"artist": "\x1b[2J\x9b\u202e[/]\u2028", "n": [1, 2.5, None], "ok": "Björk"}
    text = json_text(value)
    assert json.loads(text) == value and is_visible(text) and "Björk" in text


def test_lone_surrogates_become_visible_escapes_and_can_be_printed():
    """Undecodable bytes of argv or a file name arrive as lone surrogates ('\\udcff'): shown as an escape, and the
    result encodes as UTF-8 (a terminal write would raise UnicodeEncodeError otherwise)."""
    assert visible("a\udcff b") == "a\\udcff b"
    assert visible("x\ud800", lines=True).encode("utf-8") == b"x\\ud800"
    text = json_text({"name": "bad \udcff"})
    text.encode("utf-8")
    assert json.loads(text) == {"name": "bad \udcff"}
