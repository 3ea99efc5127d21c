"""DJ benchmark: the must-show render on a real catalogue, plus a few more prompts, and (optionally) a spoken
session recorded through a pseudo-terminal.

Usage:
    .venv/bin/python bench/dj.py                         # SEGUE_HOME (default /tmp/sh-real)
    .venv/bin/python bench/dj.py --home /tmp/sh-real --session

For each prompt: the playlist Segue ranks (`Segue.playlist`), then `render_show` (sequence, write the links from
templates, speak them with espeak-ng, write links/*.wav, show.m3u8, script.json into out/dj-bench/<n>/).
Reports the transition score of the ranked order and of the sequenced order (compatible-key share, mean BPM
step, arc fit, overall), links, words, seconds of speech, render time, and whether every line passed the
grounding check against its facts and every fact traced back to the catalogue row. `--session` drives
`segue dj` through a pty (who is this?, skip, more energy, like, quit) at 60x and saves the transcript to
bench/results/dj_session.txt. Prints a table and writes JSON to bench/results/dj.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
MUST_SHOW = "rainy afternoon jazz, about 40 minutes"
PROMPTS = [MUST_SHOW, "an hour of 80s pop hits", "90s hip hop, 25 songs", "2 hours of house music for a party",
           "build to a peak at 40 minutes then cool down, an hour of techno", "motown classics"]


def traced(show, cat) -> bool:
    """Every up-next / just-played fact equals the catalogue row of the track at that place in the show."""
    from assistant.dj import spoken_title

    rows = [cat.track(cat.row_of(t)) for t in show.track_ids]
    for link in show.links:
        up = link.facts.get("up_next")
        if up:
            t = rows[link.after_position]
            if (up["artist"], up["title"]) != (t.artist, spoken_title(t.title)):
                return False
            if any(up.get(k) not in (None, getattr(t, k)) for k in ("year", "chart_peak", "chart_weeks")):
                return False
        prev = link.facts.get("just_played")
        if prev and prev["artist"] != rows[link.after_position - 1].artist:
            return False
    return True


def run_render(home: Path, every: int) -> list[dict]:
    from assistant.compose import build
    from assistant.dj import check_line, render_show
    from assistant.model.settings import Settings

    app = build(Settings(home=home))
    cat = app.planner.library().catalogue
    rows = []
    for i, prompt in enumerate(PROMPTS):
        pl = app.planner.playlist(prompt)
        out = ROOT / "out" / "dj-bench" / str(i)  # out/ is not committed
        t0 = time.perf_counter()
        show = render_show(app.planner, pl.tracks, prompt=prompt, constraints=pl.constraints, every=every, out_dir=out,
                           use_llm=False)
        seconds = time.perf_counter() - t0
        a, b = show.input_score, show.score
        rows.append({
            "prompt": prompt, "tracks": len(show.tracks), "arc": b.arc,
            "ranked": a.model_dump(exclude={"weights"}), "sequenced": b.model_dump(exclude={"weights"}),
            "links": len(show.links), "words": sum(len(x.text.split()) for x in show.links),
            "speech_seconds": round(sum(x.seconds for x in show.links), 1),
            "render_seconds": round(seconds, 3), "stages": show.seconds,
            "grounded": all(check_line(x.text, x.facts).ok for x in show.links), "traced": traced(show, cat),
            "kinds": [x.kind for x in show.links], "out": str(out.relative_to(ROOT)),
        })
    app.close()
    return rows


def run_session(home: Path) -> dict:
    import pexpect

    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1")
    path = RESULTS / "dj_session.txt"
    child = pexpect.spawn(str(ROOT / ".venv" / "bin" / "segue"),
                          ["dj", MUST_SHOW, "--speed", "60", "--every", "2"], env=env, encoding="utf-8",
                          timeout=120, dimensions=(50, 220))
    log = path.open("w")
    child.logfile_read = log
    found: dict = {}
    child.expect(r"\[1/(\d+)\] ")
    child.sendline("who is this?")
    child.expect(r"DJ \(after this track\): ([^\r\n]+)")
    found["who"] = child.match.group(1)
    child.expect(r"\[2/\d+\] ([^\r\n]+?)  0:00")
    found["skipped"] = child.match.group(1)
    child.sendline("skip")
    child.expect("skipped.")
    child.expect(r"\[3/\d+\] ")
    child.sendline("more energy")
    child.expect(r"next up after this one: ([^\r\n]+?) \(energy ([\d.]+), was ([^\r\n]+?) at ([\d.]+)\)")
    found["more_energy"] = dict(zip(("next", "energy", "was", "was_energy"), child.match.groups()))
    child.expect(r"\[4/\d+\] ([^\r\n]+?)  0:00")
    found["played_4"] = child.match.group(1)
    child.sendline("like")
    child.expect("liked")
    child.sendline("quit")
    child.expect("Show over: ([^\r\n]+)")
    found["summary"] = child.match.group(1)
    child.expect(pexpect.EOF)
    log.close()
    child.close()
    found["exit"] = child.exitstatus
    found["next_changed"] = found["more_energy"]["next"] != found["more_energy"]["was"] and \
        found["played_4"].startswith(found["more_energy"]["next"])
    with path.open(newline="") as f:  # keep the \r of the in-place clock updates to drop them for reading
        text = f.read()
    text = re.sub(r"\r(?!\n)[^\r\n]*", "", text).replace("\r\n", "\n")
    path.write_text(re.sub(r"\n{2,}", "\n", text))
    found["transcript"] = str(path.relative_to(ROOT))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("SEGUE_HOME", "/tmp/sh-real")))
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--session", action="store_true", help="also record a spoken session through a pty")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = run_render(args.home, args.every)
    head = f"{'prompt':44s} {'n':>3s} {'keys r->s':>11s} {'BPM step r->s':>14s} {'arc fit r->s':>13s} " \
           f"{'overall r->s':>13s} {'links':>5s} {'words':>5s} {'speech s':>8s} {'render s':>8s} {'ok':>3s}"
    print(head)
    for r in rows:
        a, b = r["ranked"], r["sequenced"]
        print(f"{r['prompt'][:44]:44s} {r['tracks']:3d} {a['key_compatible']:5.2f}->{b['key_compatible']:4.2f} "
              f"{a['mean_bpm_step']:6.1f}->{b['mean_bpm_step']:6.1f} {a['arc_fit']:6.3f}->{b['arc_fit']:5.3f} "
              f"{a['overall']:6.3f}->{b['overall']:5.3f} {r['links']:5d} {r['words']:5d} {r['speech_seconds']:8.1f} "
              f"{r['render_seconds']:8.2f} {'yes' if r['grounded'] and r['traced'] else 'NO':>3s}")
    result = {"home": str(args.home), "every": args.every, "shows": rows}
    if args.session:
        result["session"] = run_session(args.home)
        s = result["session"]
        print(f"session: who -> {s['who']!r}; skipped {s['skipped']!r}; more energy -> next "
              f"{s['more_energy']['next']!r} ({s['more_energy']['energy']}) instead of {s['more_energy']['was']!r} "
              f"({s['more_energy']['was_energy']}); played 4th: {s['played_4']!r}; {s['summary']}; "
              f"transcript {s['transcript']}")
    (RESULTS / "dj.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS / 'dj.json'}")


if __name__ == "__main__":
    main()
