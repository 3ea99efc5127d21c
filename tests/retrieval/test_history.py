"""History importers and matching, on tiny export files written into tmp_path."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrieval.importers.history import (
    HistoryImportError,
    Listen,
    detect_history_format,
    read_history,
    spotify_id,
)
from retrieval.importers.matching import match_listens, strip_version
from retrieval.tracks import Catalogue, Track


def _ext(ts, track, artist, ms, uri=None, reason="trackdone", skipped=None, incognito=False, **extra):
    rec = {
        "ts": ts, "platform": "linux", "ms_played": ms, "conn_country": "PT",
        "master_metadata_track_name": track, "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": "Some Album" if track else None,
        "spotify_track_uri": uri, "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "reason_start": "trackdone", "reason_end": reason, "shuffle": False, "skipped": skipped,
        "offline": False, "incognito_mode": incognito,
    }
    rec.update(extra)
    return rec


EXTENDED = [
    _ext("2024-03-01T10:00:00Z", "Come Together", "The Beatles", 259000, "spotify:track:2EqlS6tkEnglzr7tkKAAYD"),
    _ext("2024-03-01T10:05:00Z", "So What", "Miles Davis", 12000, "spotify:track:4vLYewWIvqHfKtJDk8c8tq",
         reason="fwdbtn", skipped=True),  # short and skipped: kept as a skip signal
    _ext("2024-03-01T10:06:00Z", "Blue in Green", "Miles Davis", 8000, None, reason="endplay"),  # short: dropped
    _ext("2024-03-01T10:07:00Z", "Blue in Green", "Miles Davis", 3000, None, reason="trackdone"),  # short track done
    _ext("2024-03-01T11:00:00Z", "Secret Song", "Someone", 200000, "spotify:track:xxxxxxxxxxxxxxxxxxxxxx",
         incognito=True),
    _ext("2024-03-01T12:00:00Z", None, None, 1800000, None, episode_name="Episode 12",
         episode_show_name="A Podcast", spotify_episode_uri="spotify:episode:abc"),
    _ext("2024-03-01T13:00:00Z", None, None, 600000, None, audiobook_title="A Book"),
]


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_spotify_extended_rules_and_counts(tmp_path):
    f = _write(tmp_path / "Streaming_History_Audio_2024_0.json", EXTENDED)
    assert detect_history_format(f) == "spotify-extended"
    listens, report = read_history(f)
    assert report.format == "spotify-extended"
    assert report.read == 7 and report.kept == 3
    assert report.skipped == {"short_play": 1, "incognito": 1, "podcast_or_audiobook": 2}
    assert report.skip_signals == 1
    first, skip, short_done = listens
    assert first.track_id == "2EqlS6tkEnglzr7tkKAAYD" and first.album == "Some Album"
    assert first.ts == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert not first.skipped and first.ms_played == 259000
    assert skip.skipped and skip.title == "So What"
    assert not short_done.skipped and short_done.track_id is None
    assert all(x.source == f.name for x in listens)


def test_spotify_account_export(tmp_path):
    data = [
        {"endTime": "2024-01-31 22:10", "artistName": "Nina Simone", "trackName": "Feeling Good", "msPlayed": 173000},
        {"endTime": "2024-01-31 22:11", "artistName": "Nina Simone", "trackName": "Sinnerman", "msPlayed": 4000},
        {"endTime": "2024-01-31 22:40", "podcastName": "Pod", "episodeName": "Ep 1", "msPlayed": 900000},
    ]
    f = _write(tmp_path / "StreamingHistory_music_0.json", data)
    assert detect_history_format(f) == "spotify-account"
    listens, report = read_history(f)
    assert [x.title for x in listens] == ["Feeling Good"]
    assert listens[0].ts == datetime(2024, 1, 31, 22, 10, tzinfo=UTC)
    assert report.skipped == {"short_play": 1, "podcast_or_audiobook": 1}


def _lastfm_page(tracks):
    return {"recenttracks": {"track": tracks, "@attr": {"user": "x", "page": "1"}}}


LASTFM_TRACKS = [
    {"artist": {"mbid": "", "#text": "Radiohead"}, "name": "Reckoner", "album": {"#text": "In Rainbows"},
     "@attr": {"nowplaying": "true"}},
    {"artist": {"mbid": "", "#text": "Radiohead"}, "name": "Nude", "album": {"#text": "In Rainbows"},
     "date": {"uts": "1700000000", "#text": "14 Nov 2023, 22:13"}},
    {"artist": {"mbid": "", "#text": "Portishead"}, "name": "Roads", "album": {"#text": ""},
     "date": {"uts": "1700000300", "#text": "14 Nov 2023, 22:18"}},
]


def test_lastfm_pages_skip_now_playing(tmp_path):
    f = _write(tmp_path / "recenttracks.json", [_lastfm_page(LASTFM_TRACKS[:2]), _lastfm_page(LASTFM_TRACKS[2:])])
    assert detect_history_format(f) == "lastfm"
    listens, report = read_history(f)
    assert [x.title for x in listens] == ["Nude", "Roads"]
    assert listens[0].ts == datetime.fromtimestamp(1700000000, tz=UTC)
    assert listens[0].album == "In Rainbows" and listens[1].album is None
    assert report.skipped == {"now_playing": 1}
    single = _write(tmp_path / "one_page.json", _lastfm_page(LASTFM_TRACKS))
    assert read_history(single)[1].kept == 2


def _lb(ts, artist, track, spotify=None):
    info = {"duration_ms": 200000}
    if spotify:
        info["spotify_id"] = spotify
    return {"listened_at": ts, "recording_msid": "m", "track_metadata": {
        "artist_name": artist, "track_name": track, "release_name": "R", "additional_info": info}}


def test_listenbrainz_json_and_jsonl(tmp_path):
    rows = [_lb(1700000000, "Björk", "Jóga", "https://open.spotify.com/track/1mVoTLSmUFNYCBDKbEMiV1?si=abc"),
            _lb(1700000400, "Sade", "Cherish the Day")]
    f = _write(tmp_path / "listens.json", rows)
    g = tmp_path / "1.jsonl"
    g.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    one = tmp_path / "2.jsonl"
    one.write_text(json.dumps(rows[1]) + "\n", encoding="utf-8")
    assert read_history(one)[0][0].title == "Cherish the Day"
    for path in (f, g):
        assert detect_history_format(path) == "listenbrainz"
        listens, report = read_history(path)
        assert report.kept == 2
        assert listens[0].track_id == "1mVoTLSmUFNYCBDKbEMiV1" and listens[0].artist == "Björk"
        assert listens[1].track_id is None and listens[1].album == "R"


def test_folder_and_zip_read_every_history_file(tmp_path):
    folder = tmp_path / "my_spotify_data"
    folder.mkdir()
    _write(folder / "Streaming_History_Audio_2024_0.json", EXTENDED[:2])
    _write(folder / "Streaming_History_Audio_2024_1.json", EXTENDED[2:4] + EXTENDED[:1])  # one duplicate
    _write(folder / "Userdata.json", {"username": "x", "country": "PT"})
    (folder / "Playlist1.json").write_text("{broken", encoding="utf-8")  # not history: ignored, counted
    bad_ts = _ext("yesterday", "X", "Y", 200000)
    _write(folder / "endsong_2.json", [bad_ts])
    listens, report = read_history(folder)
    assert report.kept == 3 and report.read == 6
    assert report.skipped == {"short_play": 1, "duplicate": 1, "other_file": 2, "bad_record": 1}
    assert [x.ts for x in listens] == sorted(x.ts for x in listens)
    assert detect_history_format(folder) == "spotify-extended"
    z = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"Spotify Extended Streaming History/{p.name}")
    assert read_history(z)[1].kept == 3
    assert detect_history_format(z) == "spotify-extended"
    (folder / "Streaming_History_Audio_2024_2.json").write_text("[{", encoding="utf-8")  # broken history file
    with pytest.raises(HistoryImportError, match="Streaming_History_Audio_2024_2.json is not valid JSON"):
        read_history(folder)


def test_malformed_and_unknown_files_raise_clear_errors(tmp_path):
    bad = tmp_path / "Streaming_History_Audio_2024_0.json"
    bad.write_text('[{"ts": "2024-01-01T00:00:00Z", "ms_played": 1', encoding="utf-8")
    with pytest.raises(HistoryImportError, match="not valid JSON.*Supported exports"):
        read_history(bad)
    other = _write(tmp_path / "playlist.json", {"playlists": []})
    with pytest.raises(HistoryImportError, match="Spotify Extended Streaming History"):
        read_history(other)
    with pytest.raises(HistoryImportError):
        detect_history_format(other)
    with pytest.raises(HistoryImportError, match="No such file"):
        read_history(tmp_path / "missing.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HistoryImportError, match="No listening history"):
        read_history(empty)


def test_helpers():
    assert spotify_id("spotify:track:2EqlS6tkEnglzr7tkKAAYD") == "2EqlS6tkEnglzr7tkKAAYD"
    assert spotify_id("https://open.spotify.com/track/1mVoTLSmUFNYCBDKbEMiV1?si=x") == "1mVoTLSmUFNYCBDKbEMiV1"
    assert spotify_id("spotify:episode:abc") is None and spotify_id(None) is None
    assert strip_version("Come Together - Remastered 2009") == "Come Together"
    assert strip_version("Lola (Live)") == "Lola"
    assert strip_version("Paranoid [2012 Remaster]") == "Paranoid"
    assert strip_version("Dancing On My Own - Tiësto Remix") == "Dancing On My Own - Tiësto Remix"
    assert strip_version("1999") == "1999"
    with pytest.raises(ValueError):
        Listen(ts="not a time", artist="a", title="b", source="s")


def _catalogue() -> Catalogue:
    return Catalogue.from_tracks([
        Track(track_id="2EqlS6tkEnglzr7tkKAAYD", title="Come Together - Remastered 2009", artist="The Beatles"),
        Track(track_id="4vLYewWIvqHfKtJDk8c8tq", title="So What", artist="Miles Davis"),
        Track(track_id="t3", title="Feeling Good", artist="Nina Simone", popularity=20),
        Track(track_id="t4", title="Feeling Good", artist="Nina Simone", popularity=70),  # the popular copy wins
        Track(track_id="t5", title="Lola", artist="The Kinks"),
        Track(track_id="t6", title="Lola - Live", artist="The Kinks"),
        Track(track_id="t7", title="Still Got Time", artist="Zayn Featuring PARTYNEXTDOOR"),
    ])


def _listen(artist, title, track_id=None):
    return Listen(ts=datetime(2024, 1, 1, tzinfo=UTC), artist=artist, title=title, track_id=track_id,
                  source="t")


def test_match_by_id_then_by_name():
    cat = _catalogue()
    listens = [
        _listen("Whoever", "Whatever", "4vLYewWIvqHfKtJDk8c8tq"),  # id wins over names
        _listen("BEATLES", "come together"),  # "The " and case, catalogue has the remaster suffix
        _listen("the beatles", "Come Together - Tiësto Remix"),  # a remix is another track: no match
        _listen("Nina Simone", "Feeling Good (Remastered)"),
        _listen("The Kinks", "Lola"),  # exact title beats the live version
        _listen("The Kinks", "Lola (Live)"),
        _listen("Zayn", "Still Got Time (feat. PARTYNEXTDOOR)"),
        _listen("Nobody", "Nothing", "unknownid"),
        _listen("Nobody", "Nothing"),
    ]
    rows, report = match_listens(listens, cat)
    assert rows == [1, 0, None, 3, 4, 5, 6, None, None]
    assert report.by_id == 1 and report.by_name == 5
    assert report.matched == 6 and report.unmatched == 3
    assert report.unmatched_examples[0] == "Nobody - Nothing"
    again, _ = match_listens(listens, cat)  # cached index gives the same answer
    assert again == rows


def test_match_real_catalogue_by_name_is_fast(shared_data):
    import csv
    import gzip
    import random
    import time

    with gzip.open(shared_data / "catalog.csv.gz", "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cat = Catalogue.from_tracks(Track(track_id=r["track_id"], title=r["title"], artist=r["artist"]) for r in rows)
    rng = random.Random(0)
    picks = rng.sample(range(len(rows)), 3000)
    listens = [_listen(rows[i]["artist"].upper(), rows[i]["title"]) for i in picks]
    t = time.perf_counter()
    got, report = match_listens(listens, cat)
    elapsed = time.perf_counter() - t
    hits = sum(cat.titles[g] == rows[i]["title"] and cat.artists[g] == rows[i]["artist"]
               for g, i in zip(got, picks) if g is not None)
    # the rest map to a near-twin in the catalogue ("Sultans Of Swing" / "Sultans of Swing", "Havana (feat. ..)")
    assert report.matched == 3000 and hits >= 2950
    assert elapsed < 20
