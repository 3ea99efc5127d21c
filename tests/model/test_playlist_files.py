"""Playlist exports: M3U8, XSPF and JSPF written, read back, and written to disk atomically."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic import Field

from assistant.model.playlist_files import (
    FORMATS,
    PlaylistFormatError,
    export,
    read_jspf,
    read_m3u8,
    read_xspf,
    write_export,
)
from retrieval.tracks import Track

NS = "{http://xspf.org/ns/0/}"
SPOTIFY_ID = "4uLU6hMCjMI75M1A2tKUQC"


def tracks() -> list[Track]:
    return [
        Track(
            track_id=SPOTIFY_ID,
            title='Rock & <Roll> "Live"',
            artist="Björk & Co",
            album="Début <Deluxe>",
            duration_ms=215_500,
            path="/music/Björk/01 a&b #1.mp3",
        ),
        Track(track_id="demo-00042", title="Line\nbreak\r\nhere", artist="Sigur Rós", duration_ms=None),
        Track(track_id="file:0123456789abcdef", title="Ünïcödé 日本語", artist="Ａ'rtist", path="/m/x.flac", duration_ms=999),
    ]


# -- M3U8 ---------------------------------------------------------------------------------
def test_m3u8_lines_exactly():
    text = export(tracks(), "m3u8", "Road\ntrip & more")
    assert text.splitlines() == [
        "#EXTM3U",
        "#PLAYLIST:Road trip & more",
        '#EXTINF:216,Björk & Co - Rock & <Roll> "Live"',
        "/music/Björk/01 a&b #1.mp3",
        "#EXTINF:-1,Sigur Rós - Line break here",  # unknown duration; no file, so no location line
        "#EXTINF:1,Ａ'rtist - Ünïcödé 日本語",
        "/m/x.flac",
    ]
    assert text.endswith("\n") and "\r" not in text


def test_m3u8_round_trip():
    entries = read_m3u8(export(tracks(), "m3u8", "x"))
    assert [(e["artist"], e["title"], e["seconds"], e["location"]) for e in entries] == [
        ("Björk & Co", 'Rock & <Roll> "Live"', 216, "/music/Björk/01 a&b #1.mp3"),
        ("Sigur Rós", "Line break here", None, None),
        ("Ａ'rtist", "Ünïcödé 日本語", 1, "/m/x.flac"),
    ]
    assert entries[0]["path"] == "/music/Björk/01 a&b #1.mp3"


def test_m3u8_awkward_paths_become_file_uris():
    odd = Track(track_id="t", title="T", artist="A", path="/m/new\nline.mp3")
    text = export([odd], "m3u8", "x")
    assert text.splitlines()[-1] == "file:///m/new%0Aline.mp3"
    assert read_m3u8(text)[0]["path"] == "/m/new\nline.mp3"


def test_m3u8_reader_plain_lists_and_errors():
    entries = read_m3u8("\ufeff/a.mp3\r\n# a comment\r\nhttp://example.com/s.mp3\r\n")
    assert [(e["location"], e["path"], e["title"]) for e in entries] == [
        ("/a.mp3", "/a.mp3", None),
        ("http://example.com/s.mp3", None, None),
    ]
    entry = read_m3u8('#EXTM3U\n#EXTINF:-1 tvg-id="a,b",Just a title\n/b.mp3\n')[0]
    assert (entry["title"], entry["artist"], entry["seconds"]) == ("Just a title", None, None)
    with pytest.raises(ValueError, match="EXTINF"):
        read_m3u8("#EXTM3U\n#EXTINF:abc,Title\n/a.mp3\n")
    with pytest.raises(ValueError, match="UTF-8"):
        read_m3u8(b"#EXTM3U\n\xff\xfe/a.mp3\n")


# -- XSPF ---------------------------------------------------------------------------------
def test_xspf_namespace_version_and_fields():
    text = export(tracks(), "xspf", "Mix <1> & \"2\"", creator="alex", annotation="made by Segue")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert "\n  <trackList>\n" in text  # pretty-printed
    root = ET.fromstring(text)
    assert root.tag == NS + "playlist" and root.get("version") == "1"
    assert root.findtext(NS + "title") == 'Mix <1> & "2"'
    assert root.findtext(NS + "creator") == "alex"
    first, second, third = root.find(NS + "trackList").findall(NS + "track")
    assert first.findtext(NS + "duration") == "215500"
    assert first.findtext(NS + "location") == Path("/music/Björk/01 a&b #1.mp3").as_uri()
    assert first.findtext(NS + "location").startswith("file:///music/Bj%C3%B6rk/")
    assert first.findtext(NS + "identifier") == f"spotify:track:{SPOTIFY_ID}"
    assert first.findtext(NS + "creator") == "Björk & Co"
    assert first.findtext(NS + "album") == "Début <Deluxe>"
    assert second.find(NS + "duration") is None and second.find(NS + "location") is None
    assert second.findtext(NS + "identifier") == "urn:segue:track:demo-00042"
    assert third.findtext(NS + "duration") == "999"


def test_xspf_round_trip():
    back = read_xspf(export(tracks(), "xspf", "Ünï & <co>", creator="sam"))
    assert (back["title"], back["creator"], back["annotation"]) == ("Ünï & <co>", "sam", None)
    assert [(t["title"], t["artist"], t["album"], t["duration_ms"], t["path"], t["track_id"]) for t in back["tracks"]] == [
        ('Rock & <Roll> "Live"', "Björk & Co", "Début <Deluxe>", 215_500, "/music/Björk/01 a&b #1.mp3", SPOTIFY_ID),
        ("Line break here", "Sigur Rós", None, None, None, "demo-00042"),
        ("Ünïcödé 日本語", "Ａ'rtist", None, 999, "/m/x.flac", "file:0123456789abcdef"),
    ]


def test_xspf_drops_characters_xml_cannot_hold():
    bad = Track(track_id="id with space", title="Bell\x07 and\x0btab\t", artist="A\ud800", path="/m/\udcff.mp3")
    back = read_xspf(export([bad], "xspf", "x"))["tracks"][0]
    assert (back["title"], back["artist"], back["track_id"]) == ("Bell and tab", "A\ufffd", "id with space")
    assert back["path"] == "/m/\udcff.mp3"  # an undecodable file name survives as its bytes
    for fmt in FORMATS:
        export([bad], fmt, "x").encode("utf-8")  # every format stays valid UTF-8
    assert read_m3u8(export([bad], "m3u8", "x"))[0]["location"] == "file:///m/%FF.mp3"


@pytest.mark.parametrize(
    "text, message",
    [
        ("<playlist", "well-formed"),
        ('<playlist xmlns="http://xspf.org/ns/0/" version="1"></playlist>', "trackList"),
        ('<playlist xmlns="http://xspf.org/ns/0/" version="7"><trackList/></playlist>', "version"),
        ('<rss version="1"><trackList/></rss>', "root element"),
        ('<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track><duration>3.5s</duration></track></trackList></playlist>', "duration"),
        ('<!DOCTYPE p [<!ENTITY a "aaaa">]><playlist version="1"><trackList/></playlist>', "entities"),
    ],
)
def test_xspf_reader_errors(text, message):
    with pytest.raises(ValueError, match=message):
        read_xspf(text)


# -- JSPF ---------------------------------------------------------------------------------
def test_jspf_structure():
    data = json.loads(export(tracks(), "jspf", "Mix", creator="alex", annotation="two\nlines"))
    playlist = data["playlist"]
    assert (playlist["title"], playlist["creator"], playlist["annotation"]) == ("Mix", "alex", "two\nlines")
    assert playlist["extension"] == {"https://musicbrainz.org/doc/jspf#playlist": {"creator": "alex"}}
    first, second, _ = playlist["track"]
    assert first["location"] == [Path("/music/Björk/01 a&b #1.mp3").as_uri()]
    assert first["identifier"] == [f"spotify:track:{SPOTIFY_ID}"]
    assert first["duration"] == 215_500 and isinstance(first["duration"], int)
    assert "location" not in second and "duration" not in second and "album" not in second
    assert isinstance(second["identifier"], list)
    assert not any("extension" in t for t in playlist["track"])  # no MusicBrainz ids known: none invented
    bare = json.loads(export(tracks(), "jspf", "Mix"))["playlist"]
    assert "creator" not in bare and "extension" not in bare and "annotation" not in bare


def test_jspf_round_trip():
    back = read_jspf(export(tracks(), "jspf", "Ünï & <co>", creator="sam", annotation="a\r\nb"))
    assert (back["title"], back["creator"], back["annotation"]) == ("Ünï & <co>", "sam", "a\nb")
    assert back["tracks"] == read_xspf(export(tracks(), "xspf", "x"))["tracks"]


def test_jspf_musicbrainz_ids_when_a_track_has_them():
    class MBTrack(Track):
        recording_mbid: str | None = None
        artist_mbids: list[str] = Field(default_factory=list)

    mbid, artist = "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae", "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
    t = MBTrack(track_id="x", title="T", artist="A", recording_mbid=mbid, artist_mbids=[artist, "not-an-id"])
    item = json.loads(export([t], "jspf", "x"))["playlist"]["track"][0]
    assert item["identifier"] == [f"https://musicbrainz.org/recording/{mbid}", "urn:segue:track:x"]
    assert item["extension"] == {
        "https://musicbrainz.org/doc/jspf#track": {"artist_identifiers": [f"https://musicbrainz.org/artist/{artist}"]}
    }
    assert read_jspf(export([t], "jspf", "x"))["tracks"][0]["track_id"] == "x"


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "valid JSON"),
        ("[]", '"playlist"'),
        ('{"playlist": {"track": {}}}', '"track" must be an array'),
        ('{"playlist": {"track": [{"title": 3}]}}', '"title" must be a string'),
        ('{"playlist": {"track": [{"location": [1]}]}}', '"location" must be an array'),
        ('{"playlist": {"track": [{"duration": -5}]}}', "duration"),
        ('{"playlist": {"track": [{"duration": true}]}}', "duration"),
    ],
)
def test_jspf_reader_errors(text, message):
    with pytest.raises(ValueError, match=message):
        read_jspf(text)


# -- formats and files --------------------------------------------------------------------
def test_unknown_format_lists_the_formats():
    with pytest.raises(ValueError, match="m3u8, xspf, jspf"):
        export(tracks(), "pls", "x")
    with pytest.raises(PlaylistFormatError, match="'mp3'"):
        export(tracks(), "mp3", "x")
    assert export(tracks(), ".XSPF", "x") == export(tracks(), "xspf", "x")
    assert set(FORMATS) == {"m3u8", "xspf", "jspf"}


def test_empty_playlist_in_every_format():
    assert read_m3u8(export([], "m3u8", "x")) == []
    assert read_xspf(export([], "xspf", "x"))["tracks"] == []
    assert read_jspf(export([], "jspf", "x"))["tracks"] == []


def test_write_export_replaces_atomically(tmp_path):
    target = tmp_path / "mix.m3u8"
    target.write_text("old contents")
    text = export(tracks(), "m3u8", "Ünï")
    assert write_export(text, target) == target
    assert target.read_bytes() == text.encode("utf-8")
    assert os.listdir(tmp_path) == ["mix.m3u8"]
    assert write_export("short\n", target).read_text() == "short\n"
    assert os.listdir(tmp_path) == ["mix.m3u8"]


def test_write_export_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "mix.xspf"
    target.write_text("old contents")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_export(export(tracks(), "xspf", "x"), target)
    assert target.read_text() == "old contents"
    assert os.listdir(tmp_path) == ["mix.xspf"]
