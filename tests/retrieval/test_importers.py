"""Catalogue importers on small real files written into tmp_path (CSV, gzip, JSONL, WAV/FLAC/MP3)."""

from __future__ import annotations

import csv
import gzip
import json
import random
import struct
import wave
from pathlib import Path

import pytest
from pydantic import ValidationError

from retrieval.importers.audio_files import file_track_id
from retrieval.importers.catalogue import CatalogueImportError, ImportReport, detect_format, read_catalogue

SEGUE_HEADER = (
    "track_id,title,artist,album,release_date,year,year_source,decade,genres,popularity,duration_ms,explicit,"
    "danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
    "time_signature,chart_peak,chart_weeks,chart_debut"
)


def write_csv(path: Path, header: list[str], rows: list[list[object]], gz: bool = False) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def segue_rows() -> list[list[object]]:
    base = ["", "", "", "Album", "2001-05-03", "2001", "release", "2000", "rock|indie rock", "41.0", "200000",
            "True", "0.5", "0.6", "7", "-6.2", "1", "0.05", "0.1", "0.0", "0.1", "0.7", "120.5", "4", "12", "3",
            "2001-06-01"]

    def row(tid: str, title: str, artist: str, **changes: str) -> list[object]:
        r = list(base)
        r[0], r[1], r[2] = tid, title, artist
        cols = SEGUE_HEADER.split(",")
        for k, v in changes.items():
            r[cols.index(k)] = v
        return r

    return [
        row("id1", "Good Song", "Band"),
        row("id2", "", "Band"),  # missing title
        row("id3", "No Artist", ""),  # missing artist
        row("", "No Id", "Band"),  # missing id
        row("id1", "Repeat", "Band"),  # duplicate id
        row("id6", "Too Energetic", "Band", energy="1.7", explicit="False"),
        row("id7", "Zero Tempo", "Band", tempo="0", explicit=""),
        row("id8", "Negative Tempo", "Band", tempo="-3", key="abc"),
        row("id9", "Decade Only", "Band", year="", release_date="", decade="1980", popularity="", genres=""),
    ]


def test_segue_csv_maps_columns_and_reports_rejections(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cat.csv", SEGUE_HEADER.split(","), segue_rows())
    assert detect_format(path) == "segue-csv"
    tracks, report = read_catalogue(path)
    by_id = {t.track_id: t for t in tracks}
    assert list(by_id) == ["id1", "id6", "id7", "id8", "id9"]
    good = by_id["id1"]
    assert good.title == "Good Song" and good.genres == ["rock", "indie rock"] and good.explicit is True
    assert (good.year, good.decade, good.key, good.mode, good.chart_peak) == (2001, 2000, 7, 1, 12)
    assert good.popularity == 41.0 and good.duration_ms == 200000 and good.chart_debut == "2001-06-01"
    assert by_id["id6"].energy is None and by_id["id6"].explicit is False and by_id["id6"].danceability == 0.5
    assert by_id["id7"].tempo is None and by_id["id7"].explicit is None
    assert by_id["id8"].tempo is None and by_id["id8"].key is None
    nine = by_id["id9"]
    assert nine.year is None and nine.decade == 1980 and nine.popularity is None and nine.genres == []
    assert report.rows_read == 9 and report.kept == 5
    assert report.rejected == {"missing title": 1, "missing artist": 1, "missing track_id": 1, "duplicate track_id": 1}
    assert report.examples["missing title"] == ["line 3"] and report.examples["duplicate track_id"] == ["line 6"]
    assert report.fixed["energy out of range (set unknown)"] == 1
    assert report.fixed["tempo out of range (set unknown)"] == 2
    assert report.fixed["key not a number (set unknown)"] == 1
    assert "kept 5" in report.summary()


def test_gzip_csv_gives_the_same_tracks(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "a.csv", SEGUE_HEADER.split(","), segue_rows())
    packed = write_csv(tmp_path / "a.csv.gz", SEGUE_HEADER.split(","), segue_rows(), gz=True)
    assert read_catalogue(plain)[0] == read_catalogue(packed)[0]


def test_tidytuesday_layout_unions_playlist_genres(tmp_path: Path) -> None:
    header = ("track_id,track_name,track_artist,track_popularity,track_album_id,track_album_name,"
              "track_album_release_date,playlist_name,playlist_id,playlist_genre,playlist_subgenre,danceability,"
              "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
              "duration_ms").split(",")
    feats = ["0.7", "0.8", "-1", "-5.0", "1", "0.04", "0.1", "0", "0.1", "0.5", "0", "194754"]
    rows = [
        ["t1", "Song A", "Artist A", "66", "al1", "Album A", "2019-06-14", "Pop Hits", "p1", "pop", "dance pop", *feats],
        ["t1", "Song A", "Artist A", "66", "al1", "Album A", "2019-06-14", "Latin", "p2", "latin", "latin pop", *feats],
        ["t1", "Song A", "Artist A", "66", "al1", "Album A", "2019-06-14", "More Pop", "p3", "pop", "post-teen pop",
         *feats],
        ["t2", "Song B", "Artist B", "0", "al2", "Album B", "1999-03", "Rock", "p4", "rock", "album rock", *feats],
        ["t3", "NA", "NA", "", "al3", "NA", "2012", "Rock", "p4", "rock", "album rock", *feats],
        ["t4", "Song D", "Artist D", "10", "al4", "Album D", "12/05/2003", "Rock", "p4", "rock", "hard rock", *feats],
    ]
    path = write_csv(tmp_path / "spotify_songs.csv", header, rows)
    assert detect_format(path) == "spotify-csv"
    tracks, report = read_catalogue(path)
    by_id = {t.track_id: t for t in tracks}
    assert list(by_id) == ["t1", "t2", "t4"]
    one = by_id["t1"]
    assert one.genres == ["pop", "dance pop", "latin", "latin pop", "post-teen pop"]
    assert (one.year, one.release_date, one.album, one.popularity) == (2019, "2019-06-14", "Album A", 66.0)
    assert one.key is None and one.tempo is None and one.instrumentalness == 0.0
    assert by_id["t2"].year == 1999 and by_id["t2"].popularity == 0.0
    assert by_id["t4"].year is None and by_id["t4"].release_date is None
    assert report.rejected == {"duplicate track_id (genres merged into first)": 2, "missing title": 1}
    assert report.fixed["key out of range (set unknown)"] == 3  # duplicates are not re-parsed
    assert report.fixed["tempo out of range (set unknown)"] == 3
    assert report.fixed["release_date not YYYY[-MM[-DD]] (set unknown)"] == 1


def test_kaggle_tracks_layout_takes_first_artist_and_merges_genres(tmp_path: Path) -> None:
    header = ["", "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit",
              "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
              "instrumentalness", "liveness", "valence", "tempo", "time_signature", "track_genre"]
    feats = ["0.6", "0.4", "5", "-7.1", "0", "0.03", "0.9", "0.001", "0.1", "0.3", "87.9", "3"]
    rows = [
        ["0", "k1", "Ingrid Michaelson;ZAYN", "Album", "To Begin Again", "55", "210826", "False", *feats, "acoustic"],
        ["1", "k1", "Ingrid Michaelson;ZAYN", "Album", "To Begin Again", "55", "210826", "False", *feats, "pop"],
        ["2", "k2", "Solo", "Other", "Track Two", "20", "100000", "True", *feats, "chill"],
    ]
    path = write_csv(tmp_path / "dataset.csv", header, rows)
    tracks, report = read_catalogue(path)
    assert report.format == "spotify-csv" and report.kept == 2
    k1, k2 = tracks
    assert k1.artist == "Ingrid Michaelson" and k1.genres == ["acoustic", "pop"] and k1.explicit is False
    assert k1.time_signature == 3 and k1.tempo == pytest.approx(87.9) and k1.year is None
    assert k2.artist == "Solo" and k2.explicit is True


def test_kaggle_600k_layout_parses_python_list_artists(tmp_path: Path) -> None:
    header = ["id", "name", "popularity", "duration_ms", "explicit", "artists", "id_artists", "release_date",
              "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
              "instrumentalness", "liveness", "valence", "tempo", "time_signature"]
    feats = ["0.5", "0.5", "0", "-10.0", "1", "0.05", "0.5", "0.0", "0.2", "0.6", "110.0", "4"]
    rows = [
        ["x1", "Sweet Child", "80", "356067", "0", "[\"Guns N' Roses\", 'Other']", "['a1', 'a2']", "1987-07-21",
         *feats],
        ["x2", "Old One", "3", "180000", "1", "['Uli']", "['a3']", "1922", *feats],
        ["x3", "Broken", "3", "180000", "1", "['Uli'", "['a3']", "0000", *feats],
    ]
    path = write_csv(tmp_path / "tracks.csv", header, rows)
    tracks, report = read_catalogue(path)
    assert [t.artist for t in tracks] == ["Guns N' Roses", "Uli", "Uli"]
    assert [t.year for t in tracks] == [1987, 1922, None]
    assert tracks[0].explicit is False and tracks[1].explicit is True and tracks[0].key == 0
    assert report.fixed == {"release_date not YYYY[-MM[-DD]] (set unknown)": 1}


def test_jsonl_tolerates_aliases_and_rejects_malformed_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"track_id": "j1", "title": "One", "artist": "A", "genres": ["rock", "pop"], "year": 1995,
                    "energy": 0.4, "explicit": False}),
        "{not json",
        "",
        json.dumps({"id": "j2", "track_name": "Two", "artists": ["B", "C"], "release_date": "2004-02",
                    "tempo": 0, "genres": "soul|funk"}),
        json.dumps(["a", "list"]),
        json.dumps({"track_id": "j3", "title": "Three"}),
        json.dumps({"track_id": "j1", "title": "Again", "artist": "A"}),
        json.dumps({"track_id": "j4", "title": "Four", "artist": "D", "energy": "loud"}),
    ]
    path = tmp_path / "cat.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert detect_format(path) == "jsonl"
    tracks, report = read_catalogue(path)
    assert [t.track_id for t in tracks] == ["j1", "j2", "j4"]
    assert tracks[0].genres == ["rock", "pop"] and tracks[0].year == 1995 and tracks[0].explicit is False
    assert tracks[1].artist == "B" and tracks[1].year == 2004 and tracks[1].tempo is None
    assert tracks[1].genres == ["soul", "funk"] and tracks[2].energy is None
    assert report.rows_read == 7
    assert report.rejected == {"malformed JSON": 2, "missing artist": 1, "duplicate track_id": 1}
    assert report.examples["malformed JSON"] == ["line 2", "line 5"]


def test_not_a_catalogue_raises_clear_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(random.Random(7).randbytes(100_000))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    no_header = tmp_path / "notes.csv"
    no_header.write_text("colour,size,weight\nred,3,4\n")
    array = tmp_path / "tracks.json"
    array.write_text('[{"track_id": "a"}]')
    bad_json_keys = tmp_path / "keys.jsonl"
    bad_json_keys.write_text('{"colour": "red"}\n')
    cases = {
        garbage: "binary",
        empty: "empty",
        no_header: "track_id",
        array: "one object per line",
        bad_json_keys: "title",
        tmp_path / "missing.csv": "no such file",
    }
    for path, needle in cases.items():
        with pytest.raises(CatalogueImportError, match=needle):
            read_catalogue(path)
    with pytest.raises(CatalogueImportError) as info:
        detect_format(no_header)
    assert "artist" in str(info.value) and "colour" in str(info.value)


def test_windows_1252_and_tab_separated_files(tmp_path: Path) -> None:
    excel = tmp_path / "excel.csv"
    excel.write_bytes("track_id;track_name;artists\nw1;Café déjà vu;Björk\n".encode("cp1252"))
    tsv = tmp_path / "cat.tsv"
    tsv.write_text("track_id\ttitle\tartist\tgenres\nt1\tSong\tBand\tfolk|pop\n")
    (cafe,), report = read_catalogue(excel)
    assert (cafe.title, cafe.artist, report.format) == ("Café déjà vu", "Björk", "spotify-csv")
    (song,), report = read_catalogue(tsv)
    assert song.genres == ["folk", "pop"] and report.format == "segue-csv"


def test_progress_is_reported_every_thousand_rows(tmp_path: Path) -> None:
    rows = [[f"id{i}", f"Song {i}", "Band"] for i in range(2500)]
    path = write_csv(tmp_path / "big.csv", ["track_id", "title", "artist"], rows)
    calls: list[tuple[int, int | None]] = []
    tracks, report = read_catalogue(path, progress=lambda done, total: calls.append((done, total)))
    assert len(tracks) == 2500 and report.kept == 2500
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_report_forbids_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ImportReport(source="x", format="jsonl", rows_read=0, kept=0, surprise=1)


# -- audio ------------------------------------------------------------------------------------------------------
def write_wav(path: Path, seconds: float = 0.5, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(rate * seconds))


def write_mp3(path: Path, frames: int = 40) -> None:
    """Silent MPEG-1 Layer III frames: 128 kbit/s, 44.1 kHz, 417 bytes each (1152 samples)."""
    path.write_bytes((b"\xff\xfb\x90\x00" + b"\x00" * 413) * frames)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def write_flac(path: Path, seconds: int = 1, rate: int = 44100, block: int = 4410) -> None:
    """A valid mono 16-bit FLAC of silence: STREAMINFO plus frames with one constant subframe each."""
    total = rate * seconds
    info = struct.pack(">HH", block, block) + (0).to_bytes(3, "big") * 2
    info += ((rate << 44) | (0 << 41) | (15 << 36) | total).to_bytes(8, "big") + b"\x00" * 16
    out = bytearray(b"fLaC" + bytes([0x80, 0, 0, len(info)]) + info)
    for n in range(total // block):
        header = bytes([0xFF, 0xF8, 0x79, 0x08, n]) + struct.pack(">H", block - 1)
        frame = header + bytes([_crc8(header)]) + b"\x00" + b"\x00\x00"
        out += frame + struct.pack(">H", _crc16(frame))
    path.write_bytes(bytes(out))


def make_music_folder(root: Path) -> None:
    from mutagen.easyid3 import EasyID3
    from mutagen.flac import FLAC
    from mutagen.id3 import TCON, TDRC, TIT2, TPE1
    from mutagen.wave import WAVE

    (root / "Artist" / "Album").mkdir(parents=True)
    tagged = root / "Artist" / "Album" / "01 tagged.wav"
    write_wav(tagged, seconds=0.5)
    w = WAVE(tagged)
    w.add_tags()
    for frame in (TIT2(encoding=3, text="Wave Song"), TPE1(encoding=3, text="Wave Band"),
                  TDRC(encoding=3, text="1999"), TCON(encoding=3, text="Ambient")):
        w.tags.add(frame)
    w.save()

    mp3 = root / "Artist" / "song.MP3"
    write_mp3(mp3)
    tags = EasyID3()
    tags.update({"title": "Mp3 Song", "artist": "Mp3 Artist", "album": "Mp3 Album", "date": "2003-05-01",
                 "genre": "Rock; Indie/Pop"})
    tags.save(mp3)

    flac_path = root / "lossless.flac"
    write_flac(flac_path)
    flac = FLAC(flac_path)
    flac.add_tags()
    flac.update({"title": "Flac Song", "artist": "Flac Artist", "genre": "jazz, soul"})
    flac.save()

    write_wav(root / "03 - Some Artist - Untagged Song.wav", seconds=0.25)
    write_wav(root / "Lonely.wav", seconds=0.25)
    (root / "broken.mp3").write_text("this is not audio at all\n" * 40)
    (root / "notes.txt").write_text("not music")
    write_wav(root / ".hidden.wav")


def test_audio_folder_reads_tags_and_falls_back_to_file_names(tmp_path: Path) -> None:
    root = tmp_path / "music"
    make_music_folder(root)
    assert detect_format(root) == "audio-folder"
    calls: list[tuple[int, int | None]] = []
    tracks, report = read_catalogue(root, progress=lambda d, t: calls.append((d, t)))
    by_title = {t.title: t for t in tracks}
    assert set(by_title) == {"Wave Song", "Mp3 Song", "Flac Song", "Untagged Song", "Lonely"}
    wav = by_title["Wave Song"]
    assert (wav.artist, wav.year, wav.genres) == ("Wave Band", 1999, ["Ambient"])
    assert wav.duration_ms == 500 and wav.path == str((root / "Artist" / "Album" / "01 tagged.wav").resolve())
    assert wav.track_id == file_track_id(Path(wav.path)) and len(wav.track_id) == len("file:") + 16
    mp3 = by_title["Mp3 Song"]
    assert (mp3.artist, mp3.album, mp3.year, mp3.release_date) == ("Mp3 Artist", "Mp3 Album", 2003, "2003-05-01")
    assert mp3.genres == ["Rock", "Indie", "Pop"] and 1000 <= mp3.duration_ms <= 1100
    flac = by_title["Flac Song"]
    assert (flac.artist, flac.genres, flac.duration_ms) == ("Flac Artist", ["jazz", "soul"], 1000)
    assert by_title["Untagged Song"].artist == "Some Artist" and by_title["Untagged Song"].duration_ms == 250
    assert by_title["Lonely"].artist == "Unknown artist" and by_title["Lonely"].album is None
    assert report.rows_read == 6 and report.kept == 5
    assert report.rejected == {"unreadable audio file": 1} and report.examples["unreadable audio file"] == ["broken.mp3"]
    assert report.fixed["no title tag (title from file name)"] == 2
    assert calls == [(6, 6)]
    again, _ = read_catalogue(root)
    assert [t.track_id for t in again] == [t.track_id for t in tracks]


def test_folder_without_audio_raises(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(CatalogueImportError, match="no audio files"):
        read_catalogue(tmp_path)


# -- the real catalogue -------------------------------------------------------------------------------------------
def test_real_catalogue_reads_fully(shared_data) -> None:
    tracks, report = read_catalogue(shared_data / "catalog.csv.gz")
    assert report.format == "segue-csv" and report.kept == 66303 and not report.rejected
    by_id = {t.track_id: t for t in tracks}
    texas = by_id["000u1dTg7y1XCDXi80hbBX"]
    assert (texas.artist, texas.year, texas.chart_peak, texas.decade) == ("Texas", 1989, 77, 1980)
    assert "country rock" in texas.genres and texas.popularity is None
    baths = by_id["000JBwAOq5d9lNNSnovPYg"]
    assert baths.year is None and baths.decade == 2010 and baths.popularity is None and baths.genres == []
    assert by_id["0017A6SJgTbfQVU2EtsPNo"].popularity == 41.0
