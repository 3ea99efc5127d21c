"""The importers' bounds on tiny real files: the folder walk (regular files inside the folder only), the tag
reader's worker (time and memory per file), line and field bounds, lone surrogates, names shown safely."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest

from retrieval.errors import BadInput
from retrieval.importers import folder
from retrieval.importers.audio_files import NO_PATH
from retrieval.importers.bounds import LONG_LINE, bounded_lines
from retrieval.importers.catalogue import CatalogueImportError, read_catalogue
from retrieval.importers.fingerprint import fingerprint
from retrieval.importers.report import Tally, shown
from retrieval.importers.tag_reader import TagReader
from tests.hardening.hostile_files import write_mp3, write_wav


def test_walk_takes_regular_files_inside_and_reports_the_rest(tmp_path: Path) -> None:
    root, outside = tmp_path / "music", tmp_path / "elsewhere"
    root.mkdir(), outside.mkdir()
    write_wav(root / "a.wav")
    write_wav(outside / "b.wav")
    os.mkfifo(root / "f.mp3")
    os.symlink("/dev/zero", root / "z.mp3")
    os.symlink(outside / "b.wav", root / "out.wav")
    os.symlink("a.wav", root / "in.wav")
    os.symlink("loop.mp3", root / "loop.mp3")
    os.symlink(".", root / "again")
    (root / "empty.flac").write_bytes(b"")
    (root / "notes.txt").write_text("not audio")
    tally = Tally()
    found = folder.audio_files(root, tally)
    assert [f.path.name for f in found] == ["a.wav", "in.wav"]
    assert found[1].target == str((root / "a.wav").resolve())
    assert tally.rejected == {folder.NOT_REGULAR: 1, folder.OUTSIDE: 2, folder.BROKEN_LINK: 1,
                              folder.LINKED_FOLDER: 1, folder.EMPTY: 1}


def test_walk_is_bounded_in_depth_and_size(tmp_path: Path, monkeypatch) -> None:
    deep = tmp_path / "/".join(f"d{i}" for i in range(folder.MAX_DEPTH + 3))
    deep.mkdir(parents=True)
    write_wav(deep / "deep.wav")
    write_wav(tmp_path / "d0" / "shallow.wav")
    with open(tmp_path / "huge.mp3", "wb") as fh:
        fh.truncate(folder.MAX_AUDIO_BYTES + 1)  # sparse
    tally = Tally()
    assert [f.path.name for f in folder.audio_files(tmp_path, tally)] == ["shallow.wav"]
    assert tally.rejected == {folder.TOO_BIG: 1, folder.TOO_DEEP: 1}


def test_a_file_name_with_undecodable_bytes_imports_without_its_path(tmp_path: Path) -> None:
    write_wav(os.fsencode(tmp_path) + b"/01 - Caf\xe9 Band - Ol\xe9.wav")
    write_wav(tmp_path / "02 - Good - Name.wav")
    tracks, report = read_catalogue(tmp_path)
    assert [(t.artist, t.title, t.path is None) for t in tracks] == [
        ("Caf\ufffd Band", "Ol\ufffd", True), ("Good", "Name", False)]
    assert report.fixed[NO_PATH] == 1 and report.examples[NO_PATH] == ["01 - Caf\\xe9 Band - Ol\\xe9.wav"]


def test_tag_reader_reads_tags_in_a_worker(tmp_path: Path) -> None:
    write_mp3(tmp_path / "a.mp3")
    (tmp_path / "junk.mp3").write_bytes(os.urandom(500))
    with TagReader() as reader:
        good = reader.read(tmp_path / "a.mp3")
        assert good["length"] > 0 and good["tags"]["title"] == []
        assert reader.read(tmp_path / "junk.mp3") == {"error": "unreadable audio file"}
        assert "not a regular file" in reader.read("/dev/zero")["error"]
        os.mkfifo(tmp_path / "f.mp3")
        assert "not a regular file" in reader.read(tmp_path / "f.mp3")["error"]  # opened without blocking
        assert reader.read(tmp_path / "a.mp3")["length"] == good["length"]


def test_tag_reader_kills_a_worker_past_its_time_and_starts_another(tmp_path: Path) -> None:
    """A parser that never answers (a worker that sleeps) costs `timeout` seconds, then the next file is read."""
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    with TagReader(timeout=0.5, command=sleeper) as reader:
        started = time.monotonic()
        assert "took over 0.5 s" in reader.read(tmp_path / "x.mp3")["error"]
        assert time.monotonic() - started < 3 and reader.restarts == 1
        assert "took over" in reader.read(tmp_path / "y.mp3")["error"]
        assert reader.restarts == 2


def test_tag_reader_caps_the_workers_memory(tmp_path: Path) -> None:
    """A worker that allocates without end is stopped by its address-space limit, not by the kernel's OOM killer."""
    hog = [sys.executable, "-c", "import sys; sys.stdin.readline(); x = bytearray(4 << 30); print('{}')"]
    with TagReader(timeout=20, memory_bytes=512 << 20, command=hog) as reader:
        assert "stopped on this file" in reader.read(tmp_path / "x.mp3")["error"]


def test_tag_reader_refuses_a_reply_that_is_not_one() -> None:
    liar = [sys.executable, "-c", "import sys; sys.stdin.readline(); print('[1, 2]', flush=True); sys.stdin.readline()"]
    with TagReader(timeout=5, command=liar) as reader:
        assert reader.read("x.mp3") == {"error": "the tag reader gave no usable answer"}


def test_bounded_lines_skip_an_over_long_line_in_pieces() -> None:
    text = "short\n" + "x" * 50 + "\nafter\n" + "y" * 70
    tally = Tally()
    lines = list(bounded_lines(io.StringIO(text), tally, limit=20))
    assert lines == ["short\n", "\n", "after\n", "\n"]
    assert tally.rejected == {LONG_LINE: 2} and tally.examples[LONG_LINE] == ["line 2", "line 4"]


def test_lone_surrogates_are_rejected_per_row_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"track_id": "1", "title": "ok", "artist": "a"}\n'
                    '{"track_id": "2", "title": "\\ud83d", "artist": "a"}\n'
                    '{"track_id": "3", "title": "t", "artist": "a", "genres": ["\\udfff"]}\n'
                    '{"track_id": "4", "title": "\\ud83d\\ude00", "artist": "a"}\n')
    tracks, report = read_catalogue(path)
    assert [t.track_id for t in tracks] == ["1", "4"] and tracks[1].title == "\U0001f600"
    assert report.rejected == {"text with a lone surrogate (not valid Unicode)": 2}


def test_a_csv_field_over_the_limit_is_a_rejected_row_not_a_failed_import(tmp_path: Path) -> None:
    """A quoted field spanning lines past the 1 MB limit: that row is rejected and reading goes on. (Its stray
    closing quote then opens a field that swallows what follows: broken quoting cannot be read back reliably.)"""
    path = tmp_path / "c.csv"
    path.write_text("track_id,title,artist\n1,a,b\n" + '2,"' + ("z" * 300_000 + "\n") * 4 + '",c\n3,d,e\n')
    tracks, report = read_catalogue(path)
    assert [t.track_id for t in tracks] == ["1"]
    assert report.rejected["broken CSV row (field larger than field limit (1048576))"] == 1


def test_shown_escapes_what_a_terminal_would_act_on() -> None:
    assert shown(os.fsdecode(b"a\xff.mp3")) == "a\\xff.mp3"
    assert shown(b"b\xfe.mp3") == "b\\xfe.mp3"
    assert shown("new\nline\x1b[31m") == "new\\nline\\x1b[31m"
    assert shown("\u202eevil") == "\\u202eevil" and shown("x\ud800") == "x\\ud800"
    assert shown("日本 [/] é") == "日本 [/] é"
    assert len(shown("n" * 1000)) == 300


def test_fingerprint_refuses_what_is_not_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.csv")
    for path in (tmp_path / "f.csv", Path("/dev/zero")):
        with pytest.raises(BadInput, match="not a regular file"):
            fingerprint(path)
    (tmp_path / "m").mkdir()
    os.mkfifo(tmp_path / "m" / "f.mp3")
    os.symlink("/dev/zero", tmp_path / "m" / "z.mp3")
    write_wav(tmp_path / "m" / os.fsdecode(b"bad\xff.wav"))
    assert len(fingerprint(tmp_path / "m")) == 20  # undecodable names, FIFOs and devices: no error, no read


@pytest.mark.parametrize("content", ["track_id,title,artist\n" + "1,a,b\n" * 30, "track_id,title,artist\n" + "\n" * 60,
                                     '{"track_id": "1", "title": "a", "artist": "b"}\n' * 30,
                                     '{"track_id": "1", "title": "a", "artist": "b"}\n' + "\n" * 60])
def test_a_catalogue_over_the_row_or_line_cap_is_refused(tmp_path: Path, monkeypatch, content) -> None:
    """A gzip bomb of rows (or of blank lines) is refused at the cap, never read on into an OOM kill."""
    import gzip

    from retrieval.importers import bounds

    monkeypatch.setattr(bounds, "MAX_ROWS", 20)
    monkeypatch.setattr(bounds, "MAX_LINES", 40)
    path = tmp_path / ("c.csv.gz" if content.startswith("track_id") else "c.jsonl.gz")
    path.write_bytes(gzip.compress(content.encode()))
    with pytest.raises(CatalogueImportError, match="more than 20 rows"):
        read_catalogue(path)


def test_a_folder_fingerprint_covers_all_its_files(tmp_path: Path) -> None:
    """A folder of history JSON files (no audio) still has a key that changes with its files."""
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "a.json").write_text("[]")
    before = fingerprint(tmp_path / "h")
    (tmp_path / "h" / "b.json").write_text("[]")
    assert fingerprint(tmp_path / "h") != before
