"""`segue doctor`: check the data home, back up its database, recover a damaged one.

The checks need nothing loaded (no encoder, no catalogue in memory) and never open the store for writing, so
they run on a home that is full, read-only or damaged:

    home        it exists, and is private (folders 0700, files 0600; `--fix` tightens it)
    space       free space on its disk (a problem under 50 MB: imports and turns would fail)
    writable    a file can be created there (a read-only mount shows here)
    database    `PRAGMA integrity_check` of segue.db, its schema version, how many listeners and sessions
    catalogue   the manifest reads and every column file has the rows it says

`--backup` copies segue.db into <home>/backups/ (SQLite's backup API: consistent while the server runs).
`--recover` rebuilds a damaged segue.db from every row that can still be read (`retrieval.store.repair`):
the damaged file is kept aside as segue.db.damaged-<time>, a backup is not needed first (nothing is deleted).
Exit 0 when the home is healthy, 2 (one line on stderr) when a check found a problem or an action failed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from typing import Annotated

import typer
from rich.text import Text

from assistant.cli.errors import handle_errors
from assistant.cli.safe_console import SafeConsole
from assistant.model.errors import SegueError
from retrieval.home import Home

out = SafeConsole()
err = SafeConsole(stderr=True)
LOW_SPACE_MB = 50


def _loose(home: Home) -> list[str]:
    """Paths under the home that another user could read (group or other bits set)."""
    found = []
    for folder, _dirs, files in os.walk(home.root):
        for path in [folder] + [os.path.join(folder, f) for f in files]:
            try:
                if not os.path.islink(path) and os.lstat(path).st_mode & 0o077:
                    found.append(path)
            except OSError:
                continue
    return found


def check_home(home: Home, fix: bool) -> tuple[bool, str]:
    if not home.root.is_dir():
        return False, f"{home.root} does not exist: run `segue demo` or `segue catalog import` to make it."
    loose = _loose(home)
    if loose and fix:
        return True, f"{home.root}: made private ({home.make_private()} folders and files are now 0700/0600)."
    if loose:
        return False, (f"{len(loose)} folders and files under {home.root} are readable by other users (e.g. "
                       f"{loose[0]}); run `segue doctor --fix`.")
    return True, f"{home.root} is private (folders 0700, files 0600)."


def check_space(home: Home) -> tuple[bool, str]:
    free = shutil.disk_usage(home.root).free / 1e6
    if free < LOW_SPACE_MB:
        return False, (f"only {free:.1f} MB free on the disk of {home.root}: imports and chat turns will fail. "
                       "Free some space, or set SEGUE_HOME to a folder on a disk with room.")
    return True, f"{free:,.0f} MB free."


def check_writable(home: Home) -> tuple[bool, str]:
    probe = home.root / ".doctor-probe"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"x" * 4096)
        finally:
            os.close(fd)
            probe.unlink()
    except OSError as e:
        return False, f"cannot write in {home.root} ({e.strerror}): free some space or make it writable."
    return True, "writable."


def check_database(home: Home) -> tuple[bool, str]:
    from retrieval.store.repair import check

    path = home.db_path
    if not path.exists():
        return True, "no segue.db yet (made on first use)."
    problems = check(path)
    if problems != ["ok"]:
        found = " ".join(" ".join(problems).split())[:160]
        return False, (f"{path} is damaged ({found}). Run `segue doctor --recover` to keep "
                       "what is readable (the damaged file is kept aside).")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        count = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("listeners", "sessions")
                 if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (t,)).fetchone()}
    finally:
        db.close()
    return True, (f"intact (schema {version}; {count.get('listeners', 0)} listeners, "
                  f"{count.get('sessions', 0)} sessions).")


def check_catalogue(home: Home) -> tuple[bool, str]:
    import numpy as np

    from retrieval.string_columns import StringColumn
    from retrieval.tracks import FLOAT_COLUMNS, STRING_COLUMNS

    folder = home.catalog_dir
    if not home.has_catalogue():
        return True, "no catalogue yet (`segue demo` or `segue catalog import`)."
    try:
        meta = json.loads((folder / "manifest.json").read_text())
        n = int(meta["n"])
        if meta.get("format", 1) >= 2:  # string columns: bytes and offsets that fit together
            short = [c for c in (*STRING_COLUMNS, "genres") if len(StringColumn.open(folder, c)) != n]
        else:
            json.loads((folder / "strings.json").read_text())
            short = []
        short += [c for c in (*FLOAT_COLUMNS, "explicit") if np.load(folder / f"{c}.npy", mmap_mode="r").shape[0] != n]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        return False, f"the catalogue in {folder} cannot be read ({e}); import it again with `segue catalog import`."
    if short:
        return False, f"the catalogue's columns {', '.join(short)} do not have {n} rows; import it again."
    return True, f"{n:,} tracks; every column file is whole."


CHECKS = {"home": check_home, "space": check_space, "writable": check_writable, "database": check_database,
          "catalogue": check_catalogue}


def doctor(
    backup: Annotated[bool, typer.Option("--backup", help="Copy segue.db into <home>/backups/ first")] = False,
    recover: Annotated[bool, typer.Option("--recover", help="Rebuild a damaged segue.db from what is readable "
                                                            "(the damaged file is kept aside)")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Make the home private (folders 0700, files 0600)")] = False,
) -> None:
    """Check the data home (permissions, free space, database integrity, catalogue); back up or recover segue.db."""
    from assistant.model.settings import Settings
    from retrieval.store import repair
    from retrieval.store.backups import backup as backup_db

    with handle_errors(err):
        home = Home(Settings().home)
        if backup and home.db_path.exists():
            out.print(Text(f"backup: {backup_db(home.db_path, 'doctor')}"))
        if recover:
            if not home.db_path.exists() or repair.check(home.db_path) == ["ok"]:
                out.print(Text("recover: the database is intact; nothing to do."))
            else:
                done = repair.recover(home.db_path)
                kept = ", ".join(f"{k} {v}" for k, v in done["kept"].items())
                out.print(Text(f"recover: rebuilt {home.db_path} with what was readable ({kept}); the damaged "
                               f"file is kept as {done['aside']}."))
        failed = []
        for name, check in CHECKS.items():
            if name != "home" and not home.root.is_dir():
                break
            ok, detail = check(home, fix) if name == "home" else check(home)
            out.print(Text(f"{'ok ' if ok else 'BAD'} {name:<10} {detail}"))
            if not ok:
                failed.append(f"{name}: {detail}")
        if failed:
            raise SegueError(f"{len(failed)} problem(s) found; " + " | ".join(failed[:2]))
