"""The history importer's bounds on tiny data: bounded JSON parsing, the export models and their messages, and what
`read_history` does with a wrong layout (refuses the file) or a wrong record (skips it, with an example)."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from retrieval.importers.bounded_json import MAX_DEPTH, JsonLimit, Unusable, nesting_depth, parse_json
from retrieval.importers.history import HistoryImportError, read_history
from retrieval.importers.history_shapes import (
    LastfmPage,
    LastfmTrack,
    ListenbrainzListen,
    ListenbrainzPayload,
    SpotifyAccountRow,
    SpotifyExtendedRow,
    problem,
)

GOOD_EXT = {"ts": "2024-03-01T10:00:00Z", "ms_played": 259000, "master_metadata_track_name": "Come Together",
            "master_metadata_album_artist_name": "The Beatles", "spotify_track_uri": "spotify:track:2EqlS6tkEnglzr7tkKAAYD",
            "reason_end": "trackdone"}
GOOD_LB = {"listened_at": 1700000000, "track_metadata": {"artist_name": "Björk", "track_name": "Jóga"}}


def test_nesting_depth_ignores_brackets_in_strings_and_is_linear():
    assert nesting_depth('[1, {"a": "[[[{{{", "b": [2]}]') == 3
    assert nesting_depth('["a\\"]]]"]') == 1  # an escaped quote does not end the string
    assert nesting_depth("[" * 5000) == 5000
    assert nesting_depth('"' + '\\"' * 100_000) == 0  # an unclosed string runs to the end, in one pass
    assert nesting_depth("") == 0


def test_parse_json_bounds_depth_and_numbers():
    with pytest.raises(JsonLimit, match="nested 5,000 levels deep; at most 32"):
        parse_json("[" * 5000 + "]" * 5000)
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    got = parse_json('{"ms": ' + "9" * 100_000 + ', "f": 1.5, "n": NaN, "small": 12}')
    assert isinstance(got["ms"], Unusable) and "100,000-character number" in str(got["ms"])
    assert isinstance(got["n"], Unusable) and got["f"] == 1.5 and got["small"] == 12
    with pytest.raises(json.JSONDecodeError):
        parse_json("[1,")


def _problem(model, data, at=""):
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return problem(err.value, at)


def test_models_name_the_field_and_what_was_expected():
    assert _problem(LastfmPage, {"recenttracks": [1, 2]}) == "recenttracks: expected an object (got a list)"
    assert _problem(ListenbrainzPayload, {"payload": {"listens": 5}}) == \
        "payload.listens: expected a list (got the number 5)"
    assert _problem(ListenbrainzListen, GOOD_LB | {"track_metadata": [1]}, "[0]") == \
        "[0].track_metadata: expected an object (got a list)"
    assert _problem(SpotifyExtendedRow, GOOD_EXT | {"spotify_track_uri": 123}, "[2]") == \
        "[2].spotify_track_uri: expected a string (got the number 123)"
    assert _problem(SpotifyExtendedRow, GOOD_EXT | {"ms_played": 10 ** 399}) == \
        "ms_played: a number too large (400 digits)"
    assert _problem(SpotifyExtendedRow, GOOD_EXT | {"ms_played": 10 ** 12}) == \
        "ms_played: too large (at most 86,400,000)"
    assert _problem(LastfmTrack, {"date": -5}) == "date: too small (at least 0)"
    huge = parse_json('{"ts": "2024-03-01T10:00:00Z", "ms_played": ' + "9" * 400 + "}")
    assert "ms_played: expected a number (got a 400-character number" in _problem(SpotifyExtendedRow, huge)
    assert _problem(SpotifyExtendedRow, GOOD_EXT | {"master_metadata_track_name": "x" * 1_000_001}) == \
        "master_metadata_track_name: text longer than 1,000 characters"
    assert "not text" in _problem(SpotifyExtendedRow, GOOD_EXT | {"master_metadata_track_name": "a\x00b"})
    assert "unpaired surrogate" in _problem(SpotifyExtendedRow, GOOD_EXT | {"master_metadata_track_name": "\ud800"})
    assert "ISO 8601" in _problem(SpotifyExtendedRow, GOOD_EXT | {"ts": "yesterday"})
    assert "outside 1970-2100" in _problem(SpotifyExtendedRow, GOOD_EXT | {"ts": "9999-01-01T00:00:00"})
    assert _problem(SpotifyAccountRow, {"endTime": 5}) == "endTime: expected a string (got the number 5)"
    assert _problem(LastfmTrack, {"name": "N", "artist": "A", "date": {"uts": "abc"}}) == \
        "date: expected a whole number (got the string 'abc')"
    assert _problem(ListenbrainzListen, [1], "[0]") == "[0]: expected an object (got a list)"
    nan_name = parse_json('{"ts": "2024-03-01T10:00:00Z", "master_metadata_track_name": NaN}')
    assert _problem(SpotifyExtendedRow, nan_name) == \
        "master_metadata_track_name: expected a string (got NaN, not a number JSON allows)"


def test_models_keep_what_works_today():
    row = SpotifyExtendedRow.model_validate(GOOD_EXT | {"skipped": None, "platform": "linux", "extra": {"x": [1]}})
    assert row.ts == datetime(2024, 3, 1, 10, tzinfo=UTC) and row.ms_played == 259000
    assert SpotifyExtendedRow.model_validate(GOOD_EXT | {"master_metadata_track_name": " a\nb\x1b "}) \
        .master_metadata_track_name == "a b"  # one line of text; control characters are spaces
    track = LastfmTrack.model_validate({"artist": {"#text": "Radiohead"}, "name": "Nude", "album": {"#text": ""},
                                        "date": {"uts": "1700000000"}, "@attr": {"nowplaying": "true"}})
    assert (track.artist, track.album, track.date, bool(track.attr.nowplaying)) == ("Radiohead", None, 1700000000, True)
    assert LastfmPage.model_validate({"recenttracks": {"track": {"name": "one"}}}).recenttracks.track == [{"name": "one"}]
    assert LastfmPage.model_validate({"recenttracks": None}).recenttracks is None
    assert SpotifyAccountRow.model_validate({"endTime": "2024-01-31 22:10", "msPlayed": "173000"}).msPlayed == 173000


def _write(path, data):
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_a_wrong_layout_refuses_the_file_naming_the_field(tmp_path):
    for name, data, says in (
        ("recenttracks.json", {"recenttracks": [1, 2]}, "recenttracks.json: recenttracks: expected an object"),
        ("recenttracks.json", [{"recenttracks": {"track": 7}}], "[0].recenttracks.track: expected a list"),
        ("listens.json", {"payload": {"listens": 5}}, "listens.json: payload.listens: expected a list"),
        ("deep.json", "[" * 5000 + "]" * 5000, "deep.json is nested 5,000 levels deep"),
    ):
        with pytest.raises(HistoryImportError, match="export") as err:
            read_history(_write(tmp_path / name, data))
        assert says in str(err.value) and "\n" not in str(err.value)


def test_a_wrong_record_is_skipped_with_an_example_unless_none_can_be_read(tmp_path):
    rows = [GOOD_LB, GOOD_LB | {"listened_at": 1700000300, "track_metadata": [1]},
            GOOD_LB | {"listened_at": "1e400"}, 5]
    listens, report = read_history(_write(tmp_path / "listens.json", rows))
    assert report.read == 4 and report.kept == 1 and report.skipped == {"bad_record": 3}
    assert report.examples["bad_record"] == ["listens.json: [1].track_metadata: expected an object (got a list)",
                                             "listens.json: [2].listened_at: expected a whole number (got the "
                                             "string '1e400')",
                                             "listens.json: [3]: expected an object (got the number 5)"]
    with pytest.raises(HistoryImportError, match=r"listens.json: \[0\].track_metadata: expected an object.*nothing "
                                                 r"was imported"):
        read_history(_write(tmp_path / "listens.json", [rows[1]]))
    big = '[{"ts": "2024-03-01T10:00:00Z", "ms_played": ' + "9" * 100_000 + "}]"
    with pytest.raises(HistoryImportError, match=r"\[0\].ms_played: expected a number \(got a 100,000-character"):
        read_history(_write(tmp_path / "Streaming_History_Audio_2024_0.json", big))


def test_files_over_the_size_bound_are_refused_before_reading(tmp_path):
    f = _write(tmp_path / "listens.json", [GOOD_LB] * 50)
    assert read_history(f)[1].kept == 1
    with pytest.raises(HistoryImportError, match=r"listens.json is [\d,]+ bytes; history files over 1,000 bytes"):
        read_history(f, max_file_bytes=1000)
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("listens.json", json.dumps([GOOD_LB] * 50))
    with pytest.raises(HistoryImportError, match="export.zip:listens.json is"):
        read_history(z, max_file_bytes=1000)
