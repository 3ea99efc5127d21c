"""Running `segue` (or a Python module) as a subprocess for the files area: exit code, output, time, peak RSS.

Peak RSS is each process's own high-water mark (VmHWM in /proc/PID/status, sampled every 20 ms for the child and
its descendants, e.g. the tag worker), summed over the tree: an upper bound of what the run held at once. The
rusage of wait4 is not used for it: Linux counts in a child's ru_maxrss the memory it had before exec, i.e. a forked
copy of this pytest process (with the encoder loaded, ~640 MB).

Permissions: the tests run as root, and root reads a 000 file. When `setpriv` exists the child runs as root
without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (`NO_DAC`), so permission bits bind as they do for a user;
otherwise the permission cases are recorded as what root sees.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

AREA = "files"
REPO = Path(__file__).resolve().parents[2]
LIMIT_S = 120.0  # a run past this is a hang
RSS_BOUND_MB = 1024
NO_DAC = (["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
          if os.geteuid() == 0 and shutil.which("setpriv") else [])


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
    peaks: dict[int, int] = {}
    while True:
        _sample_peaks(proc.pid, peaks)
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
            "rss_mb": round((sum(peaks.values()) if peaks else usage.ru_maxrss) / 1024, 1), **text}


def _sample_peaks(root: int, peaks: dict[int, int]) -> None:
    """Record the VmHWM (kB) of `root` and its descendants; processes that are gone are skipped."""
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue


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
