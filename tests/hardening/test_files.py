"""Hostile files and folders (issue 13, items 1 and 12): `segue catalog import` of a folder holding FIFOs, devices,
sockets, links out of the folder and into loops, broken and huge "audio", unreadable entries and hostile names, and
devices or FIFOs given as the catalogue. Hostile JSONL/CSV files and damaged homes: test_files_catalogues.py.

Every case runs as a subprocess under a time limit (`cli_runs.run`: a hang is a case past it, a traceback is one
in stdout or stderr); the import's peak RSS is read with wait4 (the child and the tag worker it waited for).
Permission bits bind only when the readers run without root's DAC override (see `cli_runs.NO_DAC`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from retrieval.importers.report import shown
from tests.hardening.cli_runs import AREA, NO_DAC, RSS_BOUND_MB, outcome, record, run
from tests.hardening.hostile_files import build_hostile_folder, write_mp3, write_wav

pytestmark = pytest.mark.integration

PERMISSION_CASES = {"000-permission wav", "000-permission folder"}


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, dict]:
    root = tmp_path / "music"
    cases = build_hostile_folder(root, tmp_path / "outside")
    yield root, cases
    for folder in (root / "lockeddir",):
        if folder.exists():
            os.chmod(folder, 0o755)


def test_hostile_folder_each_entry_kept_or_skipped_with_a_reason(hostile, tmp_path, fuzz_tally) -> None:
    root, cases = hostile
    result = run([], tmp_path / "home", python=["-m", "tests.hardening.hostile_files", str(root)])
    assert record(fuzz_tally, "read the hostile folder entry by entry", result) == "ok", result["stderr"][-2000:]
    seen = {shown(k): v for k, v in json.loads(result["stdout"]).items()}
    wrong = []
    for entry, (case, expected) in cases.items():
        key = shown(entry)
        parents = [shown(str(p)) for p in Path(entry).parents]
        got = seen.get(key) or next((seen[p] for p in parents if p in seen), None)
        got_outcome = "ok" if got == "kept" else "refused" if got else "missing"
        if not NO_DAC and case in PERMISSION_CASES:
            expected = "ok"  # root without setpriv reads 000 files: recorded as what happened
        fuzz_tally.add(AREA, f"folder entry: {case}", "ok" if got_outcome == "ok" else "refused", reason=got)
        if got_outcome != expected:
            wrong.append((case, expected, got))
    assert not wrong, wrong
    assert result["seconds"] < 30


def test_hostile_folder_cli_import_bounded_in_memory_and_time(hostile, tmp_path, fuzz_tally) -> None:
    root, cases = hostile
    result = run(["catalog", "import", str(root)], tmp_path / "home")
    record(fuzz_tally, "segue catalog import HOSTILE_FOLDER", result)
    assert outcome(result) == "ok", result["stderr"][-2000:]
    ok = sum(1 for _, expected in cases.values() if expected == "ok")
    ok += 0 if NO_DAC else len(PERMISSION_CASES)
    assert f"Imported {ok} tracks from {root}." in result["stdout"]
    assert "symlink leading out of the folder" in result["stdout"]
    assert result["rss_mb"] < RSS_BOUND_MB, result["rss_mb"]
    fuzz_tally.measure(AREA, peak_rss_mb=result["rss_mb"], hostile_import_seconds=result["seconds"],
                       hostile_folder_entries=len(cases), permission_bits_enforced=bool(NO_DAC))
    again = run(["catalog", "import", str(root)], tmp_path / "home")
    record(fuzz_tally, "segue catalog import HOSTILE_FOLDER again (no-op)", again)
    assert outcome(again) == "ok" and "already the active catalogue" in again["stdout"]
    info = run(["catalog", "info"], tmp_path / "home")
    record(fuzz_tally, "segue catalog info after a hostile import", info)
    assert outcome(info) == "ok"


@pytest.mark.parametrize("make, expect", [
    ("zero", "refused"), ("fifo", "refused"), ("undecodable", "ok"), ("markup", "ok"),
])
def test_literal_cases_of_the_report(make, expect, tmp_path, fuzz_tally) -> None:
    """Item 1 as reported: a folder holding only z.mp3 -> /dev/zero, only a FIFO f.mp3, a name with undecodable
    bytes, and a folder named with Rich markup."""
    folder = tmp_path / ("[/]" if make == "markup" else "music")  # '[/]': a folder '[' holding a folder ']'
    folder.mkdir(parents=True)
    if make == "zero":
        os.symlink("/dev/zero", folder / "z.mp3")
    elif make == "fifo":
        os.mkfifo(folder / "f.mp3")
    elif make == "undecodable":
        write_mp3(os.fsencode(folder) + b"/bad \xff\xfe name.mp3")
    else:
        write_wav(folder / "[bold]song[red].wav")
    result = run(["catalog", "import", str(folder)], tmp_path / "home", limit=60)
    got = record(fuzz_tally, f"literal: folder with {make}", result)
    assert got == expect, (result["stdout"], result["stderr"])
    assert result["rss_mb"] < RSS_BOUND_MB
    if make == "undecodable":
        assert "Imported 1 tracks" in result["stdout"]
        info = run(["catalog", "info", "--json"], tmp_path / "home")
        assert outcome(info) == "ok" and json.loads(info["stdout"])["tracks"] == 1


@pytest.mark.parametrize("make", ["dev-zero", "fifo", "zero-link-csv", "socket", "folder-of-nothing"])
def test_a_device_or_fifo_given_as_the_catalogue_is_refused(make, tmp_path, fuzz_tally) -> None:
    import socket

    target = tmp_path / "cat.csv"
    if make == "dev-zero":
        target = Path("/dev/zero")
    elif make == "fifo":
        os.mkfifo(target)
    elif make == "zero-link-csv":
        os.symlink("/dev/zero", target)
    elif make == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(target))
        s.close()
    else:
        target = tmp_path / "empty"
        target.mkdir()
    result = run(["catalog", "import", str(target)], tmp_path / "home", limit=30)
    assert record(fuzz_tally, f"catalogue path: {make}", result) == "refused", result["stderr"]
