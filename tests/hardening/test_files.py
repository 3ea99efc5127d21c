"""Hostile files and folders (issue 13, items 1 and 12): `segue catalog import` of a folder holding FIFOs, devices,
sockets, links out of the folder and into loops, broken and huge "audio", unreadable entries and hostile names;
hostile JSONL and CSV catalogues; a data home whose derived files are truncated or corrupt.

Every case runs as a subprocess under a time limit (a hang is a case past it); stdout and stderr are searched for
a traceback. The import's peak RSS is read with wait4 (the child and the tag worker it waited for).

Permissions: the tests run as root, and root reads a 000 file. When `setpriv` exists the readers run as root
without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, so permission bits bind as they do for a user; otherwise the
permission cases are recorded as what root sees (imported) and the report says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from retrieval.importers.report import shown
from tests.hardening.hostile_files import build_hostile_folder, write_mp3, write_wav

pytestmark = pytest.mark.integration

AREA = "files"
REPO = Path(__file__).resolve().parents[2]
LIMIT_S = 120.0  # a run past this is a hang
RSS_BOUND_MB = 1024
NO_DAC = (["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
          if os.geteuid() == 0 and shutil.which("setpriv") else [])
PERMISSION_CASES = {"000-permission wav", "000-permission folder"}


def run(args: list[str], home: Path, limit: float = LIMIT_S, python: list[str] | None = None) -> dict:
    """Run `python -m assistant.cli ARGS` (or `python` + args) with SEGUE_HOME=home; rc, output, seconds, peak RSS."""
    cmd = NO_DAC + [sys.executable] + (python if python is not None else ["-m", "assistant.cli", *args])
    env = dict(os.environ, SEGUE_HOME=str(home), PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", COLUMNS="200")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO,
                            start_new_session=True)
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()))
               for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for t in readers:
        t.start()
    hang = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > limit:
            hang = True
            os.killpg(proc.pid, 9)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = {k: v.decode("utf-8", "backslashreplace") for k, v in out.items()}
    return {"rc": proc.returncode, "hang": hang, "seconds": round(time.monotonic() - started, 2),
            "rss_mb": round(usage.ru_maxrss / 1024, 1), **text}


def outcome(result: dict) -> str:
    """ok (exit 0), refused (exit 2, one line on stderr), traceback (anything else), hang."""
    if result["hang"]:
        return "hang"
    if "Traceback" in result["stdout"] + result["stderr"]:
        return "traceback"
    if result["rc"] == 0:
        return "ok"
    errors = [line for line in result["stderr"].splitlines() if line.startswith("error: ")]
    return "refused" if result["rc"] == 2 and len(errors) == 1 else "traceback"


def record(fuzz_tally, case: str, result: dict) -> str:
    return fuzz_tally.add(AREA, case, outcome(result), seconds=result["seconds"], rss_mb=result["rss_mb"])


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
    assert outcome(result) == "ok", result["stderr"][-2000:]
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
