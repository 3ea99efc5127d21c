"""Hostile catalogue files and damaged data homes (issue 13, items 1 and 12): JSONL with lone surrogates and
over-long lines, CSV with huge fields and broken quoting, and a home whose manifest, catalogue columns, lexical
index, FAISS index or vectors are truncated or corrupt. Derived caches must be rebuilt (exit 0); a damaged
catalogue must give one line that says to import again (exit 2); never a traceback, never a hang.

Plus generated families (hypothesis): JSON lines with any code points, and folders of files with any byte names
and hostile contents, read in process; every kept track must save and load back.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.importers.catalogue import CatalogueImportError, read_catalogue
from retrieval.importers.report import shown
from retrieval.tracks import Catalogue
from tests.hardening.cli_runs import AREA, RSS_BOUND_MB, outcome, record, run
from tests.hardening.hostile_files import write_mp3, write_wav

pytestmark = pytest.mark.integration

GOOD = [{"track_id": f"t{i}", "title": f"Song {i}", "artist": f"Band {i % 3}", "genres": ["rock"]} for i in range(5)]


def jsonl(rows: list) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


CATALOGUE_FILES = {
    # name: (file content as bytes, expected outcome, text the output must hold)
    "jsonl lone surrogate in a title (literal, item 12)": (
        (jsonl(GOOD) + '{"track_id": "s", "title": "bad \\ud800 title", "artist": "x"}\n').encode(), "ok",
        "lone surrogate"),
    "jsonl lone surrogates only": (b'{"track_id": "s", "title": "\\udfff", "artist": "\\ud800"}\n', "refused", ""),
    "jsonl lone surrogate in a genre list": (
        (jsonl(GOOD) + '{"track_id": "g", "title": "t", "artist": "a", "genres": ["\\udc80"]}\n').encode(), "ok",
        "lone surrogate"),
    "jsonl 3 MB line": ((jsonl(GOOD) + '{"track_id": "l", "title": "' + "x" * (3 << 20) + '", "artist": "a"}\n').encode(),
                        "ok", "line longer than"),
    "jsonl 20 MB without a newline": ((jsonl(GOOD) + '{"title": "' + "y" * (20 << 20)).encode(), "ok", "line longer"),
    "jsonl nested 100k deep": ((jsonl(GOOD) + "{\"a\":" * 100_000 + "\n").encode(), "ok", "malformed JSON"),
    "jsonl invalid utf-8 bytes": (jsonl(GOOD).encode() + b'{"track_id": "b", "title": "\xff\xfe", "artist": "a"}\n',
                                  "ok", ""),
    "jsonl 5000-digit year": ((jsonl(GOOD) + '{"track_id": "y", "title": "t", "artist": "a", "year": ' + "9" * 5000
                               + "}\n").encode(), "ok", "malformed JSON"),
    "csv 2 MB quoted field": (("track_id,title,artist\n" + "".join(f"t{i},Song {i},Band\n" for i in range(5))
                               + 'x,"' + "z" * (2 << 20) + '",a\n').encode(), "ok", "line longer"),
    "csv unclosed quote": (("track_id,title,artist\n" + "".join(f"t{i},Song {i},Band\n" for i in range(5))
                            + 'q,"never closed,a\n' + "r,row after,b\n").encode(), "ok", ""),
    "csv 1.5 MB field over several lines": (("track_id,title,artist\n" + "".join(f"t{i},Song {i},Band\n" for i in range(5))
                                             + 'm,"' + ("w" * 100_000 + "\n") * 15 + '",a\n').encode(), "ok", "broken CSV row"),
    "csv 20000 columns": (("track_id,title,artist," + ",".join(f"c{i}" for i in range(20000)) + "\n"
                           + "".join(f"t{i},Song {i},Band" + ",1" * 20000 + "\n" for i in range(5))).encode(), "ok", ""),
    "csv gzip bomb of blank lines (5 MB of newlines per KB)": (
        gzip.compress(("track_id,title,artist\n1,a,b\n" + "\n" * 5_000_000).encode()), "refused", "more than 2,000,000"),
    "csv NUL bytes in a row": (("track_id,title,artist\n" + "".join(f"t{i},Song {i},Band\n" for i in range(5))).encode()
                               + b"n,a\x00b,c\n", "refused", "looks binary"),
}


@pytest.mark.parametrize("case", list(CATALOGUE_FILES))
def test_hostile_catalogue_files(case, tmp_path, fuzz_tally) -> None:
    content, expected, says = CATALOGUE_FILES[case]
    path = tmp_path / ("cat.csv" if case.startswith("csv") else "cat.jsonl")
    path.write_bytes(content)
    result = run(["catalog", "import", str(path)], tmp_path / "home", limit=90)
    got = record(fuzz_tally, f"catalogue file: {case}", result)
    assert got == expected, (result["stdout"][-1500:], result["stderr"][-1500:])
    assert says in result["stdout"] + result["stderr"]
    assert result["rss_mb"] < RSS_BOUND_MB, result["rss_mb"]


@pytest.fixture(scope="module")
def good_home(tmp_path_factory) -> Path:
    """A data home with a small imported catalogue (real vectors, FAISS and lexical index)."""
    base = tmp_path_factory.mktemp("files-home")
    (base / "cat.jsonl").write_text(jsonl(GOOD))
    result = run(["catalog", "import", str(base / "cat.jsonl")], base / "home")
    assert outcome(result) == "ok", result["stderr"]
    return base


def _one(home: Path, pattern: str) -> Path:
    found = sorted(home.glob(pattern))
    assert found, pattern
    return found[0]


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


DAMAGE = {
    # case: (file under the home, how, expected outcome of `segue catalog info`)
    "manifest.json truncated (literal, item 12)": ("catalog/manifest.json", "truncate", "refused"),
    "manifest.json empty": ("catalog/manifest.json", "empty", "refused"),
    "manifest.json random bytes": ("catalog/manifest.json", "random", "refused"),
    "manifest.json a JSON list": ("catalog/manifest.json", "list", "refused"),
    "manifest.json without n": ("catalog/manifest.json", "{}", "refused"),
    "title.utf8.npy truncated": ("catalog/title.utf8.npy", "truncate", "refused"),
    "year.npy truncated": ("catalog/year.npy", "truncate", "refused"),
    "explicit.npy empty": ("catalog/explicit.npy", "empty", "refused"),
    "genres.none.npy deleted": ("catalog/genres.none.npy", "delete", "refused"),
    "lexical.npz truncated (literal, item 12)": ("index/*/lexical.npz", "truncate", "ok"),
    "lexical.npz empty": ("index/*/lexical.npz", "empty", "ok"),
    "lexical.npz random bytes": ("index/*/lexical.npz", "random", "ok"),
    "lexical.json not JSON": ("index/*/lexical.json", "random", "ok"),
    "lexical.json a list": ("index/*/lexical.json", "list", "ok"),
    "items.npy truncated": ("index/*/items.npy", "truncate", "ok"),
    "text_mean.npy empty": ("index/*/text_mean.npy", "empty", "ok"),
    "index.faiss truncated": ("index/*/index.faiss", "truncate", "ok"),
    "vectors manifest.json truncated": ("vectors/*/manifest.json", "truncate", "ok"),
    "vectors manifest.json a list": ("vectors/*/manifest.json", "list", "ok"),
    "vectors text.npy truncated": ("vectors/*/text.npy", "truncate", "ok"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_home(case, good_home, tmp_path, fuzz_tally) -> None:
    pattern, how, expected = DAMAGE[case]
    home = tmp_path / "home"
    shutil.copytree(good_home / "home", home, symlinks=True)
    path = _one(home, pattern)
    if how == "truncate":
        truncate(path)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "random":
        path.write_bytes(os.urandom(300))
    elif how == "list":
        path.write_text("[1, 2, 3]")
    elif how == "delete":
        path.unlink()
    else:
        path.write_text(how)
    info = run(["catalog", "info", "--json"], home, limit=90)
    got = record(fuzz_tally, f"damaged home: {case}", info)
    assert got == expected, (info["stdout"][-1500:], info["stderr"][-1500:])
    if expected == "refused":
        assert "segue catalog import" in info["stderr"] and "damaged" in info["stderr"]
        again = run(["catalog", "import", str(good_home / "cat.jsonl")], home, limit=90)
        assert record(fuzz_tally, f"damaged home: {case}, then import again", again) == "ok", again["stderr"]
    else:
        assert json.loads(info["stdout"])["tracks"] == len(GOOD)
    after = run(["catalog", "info", "--json"], home, limit=90)
    assert outcome(after) == "ok" and json.loads(after["stdout"])["tracks"] == len(GOOD)


# -- generated families, in process -----------------------------------------------------------------------------
ANY_CHAR = st.characters(codec=None, categories=None)
VALUES = st.one_of(st.text(ANY_CHAR, max_size=12), st.integers(), st.floats(), st.none(), st.booleans(),
                   st.lists(st.text(ANY_CHAR, max_size=6), max_size=3))
ROWS = st.fixed_dictionaries({"track_id": VALUES, "title": VALUES, "artist": VALUES},
                             optional={"genres": VALUES, "year": VALUES, "album": VALUES, "path": VALUES})


def roundtrip(tracks, where: Path) -> None:
    """Kept tracks must save and load back as they were."""
    cat = Catalogue.from_tracks(tracks, meta={"name": "x"})
    cat.save(where)
    back = Catalogue.load(where)
    assert back.titles == cat.titles and back.strings["path"] == cat.strings["path"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(ROWS, st.text(ANY_CHAR, max_size=30)), min_size=1, max_size=8))
def test_generated_jsonl_lines(rows, tmp_path_factory, fuzz_tally) -> None:
    folder = tmp_path_factory.mktemp("gen-jsonl")
    path = folder / "cat.jsonl"
    text = "".join((json.dumps(r) if isinstance(r, dict) else r.replace("\n", " ")) + "\n" for r in rows)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        tracks, report = read_catalogue(path)
    except CatalogueImportError as exc:
        assert str(exc).isprintable() or "\n" not in str(exc)
        fuzz_tally.add(AREA, "generated jsonl", "refused")
        return
    fuzz_tally.add(AREA, "generated jsonl", "ok", kept=len(tracks))
    for t in tracks:
        for value in (t.track_id, t.title, t.artist, t.album or "", *t.genres):
            value.encode("utf-8")
    assert all(shown(r).isprintable() for refs in report.examples.values() for r in refs)
    if tracks:
        roundtrip(tracks, folder / "saved")


NAME = st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b".."))
KINDS = ("mp3", "wav", "empty", "random", "fifo", "zero", "outside", "loop", "folder")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(NAME, st.sampled_from((".mp3", ".wav", ".flac", ".m4a", ".ogg", "")),
                                  st.sampled_from(KINDS)), min_size=1, max_size=6, unique_by=lambda e: e[0] + e[1].encode()))
def test_generated_folders(entries, tmp_path_factory, fuzz_tally) -> None:
    base = tmp_path_factory.mktemp("gen-folder")
    root = base / "music"
    root.mkdir()
    for name, ext, kind in entries:
        path = os.fsencode(root) + b"/" + name + ext.encode()
        if kind == "mp3":
            write_mp3(path)
        elif kind == "wav":
            write_wav(path)
        elif kind in ("empty", "random"):
            with open(path, "wb") as fh:
                fh.write(b"" if kind == "empty" else os.urandom(777))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "zero":
            os.symlink("/dev/zero", path)
        elif kind == "outside":
            os.symlink("/etc/hostname", path)
        elif kind == "loop":
            os.symlink(path, path)
        else:
            os.mkdir(path)
            write_wav(path + b"/inner.wav")
    try:
        tracks, report = read_catalogue(root)
    except CatalogueImportError as exc:
        assert "Traceback" not in str(exc)
        fuzz_tally.add(AREA, "generated folder", "refused")
        return
    fuzz_tally.add(AREA, "generated folder", "ok", kept=len(tracks))
    assert all(r.isprintable() for refs in report.examples.values() for r in refs)
    assert all(t.title.isprintable() and t.title for t in tracks)
    roundtrip(tracks, base / "saved")
