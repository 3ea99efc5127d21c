"""How often a playlist echoes the request's free words in its tracks' titles, albums or artist names.

Usage:
    .venv/bin/python bench/lexical_echo.py ../shared/data/requests/requests.dev.jsonl \
        --catalog ../shared/data/catalog.csv.gz [--segue .venv/bin/segue]

For every request (a JSON line with "prompt" and optionally "user"), runs `segue playlist PROMPT --json` and
counts the tracks whose title, album or artist contains a word of the request that is not part of a name the
reading found (seed, included, excluded or covered artists, named works) and is not a stopword. A playlist that
honours meaning over words has few: 'memorial' should not bring the album "Gangsta Memorial". Prints a table
(worst first) and the share over all tracks; writes JSON to bench/results/lexical_echo.json.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import subprocess
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STOP = frozenset("""a an the of for to in on at by with from and or but no not nothing without me my i you your
some something songs song music tracks track playlist mix please plz like more less than that this it its is are be
make feel get want need give play just only any all very really stuff type vibes""".split())


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def free_words(prompt: str, constraints: dict, strict: bool = True) -> set[str]:
    """The request's words that are not part of a name the reading found; with `strict` False, also not part of a
    subject, a title request or a genre the reading found (words a title may rightly carry)."""
    names = constraints.get("seed_artists", []) + constraints.get("include_artists", []) + \
        constraints.get("exclude_artists", []) + constraints.get("covers_of", [])
    names += [w.get("title", "") for k in ("seed_works", "include_works", "exclude_works") for w in constraints.get(k, [])]
    if not strict:
        names += [constraints.get("subject") or ""] + constraints.get("title_words", []) + constraints.get("genres", [])
    named = {w for n in names for w in fold(n).split()}
    return {w for w in fold(prompt).split() if len(w) > 2 and w not in STOP and w not in named and not w.isdigit()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", type=Path)
    ap.add_argument("--catalog", type=Path, required=True, help="the catalogue CSV(.gz) the home holds (for albums)")
    ap.add_argument("--segue", default=str(ROOT / ".venv" / "bin" / "segue"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "lexical_echo.json")
    args = ap.parse_args()
    opener = gzip.open if args.catalog.suffix == ".gz" else open
    with opener(args.catalog, "rt", encoding="utf-8", newline="") as f:
        albums = {r["track_id"]: r.get("album", "") for r in csv.DictReader(f)}
    rows, echoed, loose, total = [], 0, 0, 0
    for line in args.cases.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        cmd = [args.segue, "playlist", case["prompt"], "--json"] + (["--user", case["user"]] if case.get("user") else [])
        out = json.loads(subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout or "{}")
        words = free_words(case["prompt"], out.get("constraints") or {})
        others = free_words(case["prompt"], out.get("constraints") or {}, strict=False)
        hits, hits_other = [], 0
        for t in out.get("tracks", []):
            fields = set(fold(" ".join([t.get("title", ""), albums.get(t["track_id"], ""), t.get("artist", "")])).split())
            if words & fields:
                hits.append(f"{t['artist']} - {t['title']}")
            hits_other += bool(others & fields)
        n = len(out.get("tracks", []))
        echoed, loose, total = echoed + len(hits), loose + hits_other, total + n
        rows.append({"id": case.get("id"), "prompt": case["prompt"], "tracks": n, "echoed": len(hits),
                     "echoed_outside_subject_and_genres": hits_other,
                     "words": sorted(words), "examples": hits[:3]})
    rows.sort(key=lambda r: -r["echoed"] / max(1, r["tracks"]))
    print(f"{'id':4s} {'echo':>9s}  prompt")
    for r in rows:
        print(f"{r['id'] or '':4s} {r['echoed']:>3d}/{r['tracks']:<3d}    {r['prompt'][:60]}  {'; '.join(r['examples'][:2])}")
    share, share_loose = echoed / max(1, total), loose / max(1, total)
    print(f"\ntracks echoing a word of the request that is not a name it read, in title, album or artist: "
          f"{echoed}/{total} ({share:.1%})")
    print(f"... nor a subject, a title request or a genre it read: {loose}/{total} ({share_loose:.1%})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"echoed": echoed, "echoed_outside_subject_and_genres": loose, "tracks": total,
                                    "share": share, "share_outside_subject_and_genres": share_loose,
                                    "requests": rows}, indent=2))


if __name__ == "__main__":
    main()
