"""Audio analysis benchmark: candidate tempo and key analysers measured on a generated library with known truth.

Needs the analysers (`pip install -e ".[audio-bench]"`: essentia, librosa) and the generator's Debian tools.
Usage (generate the library first; it is reused):
    python -m tests.audio_fixtures.library /tmp/segue-audio-200 --n 200 --workers 2
    python bench/audio_analysis.py /tmp/segue-audio-200 [--limit 60] [--workers 2] [--analysers essentia,librosa]
                                   [--excerpt 15] [--speed /tmp/segue-audio-long]

Accuracy, per analyser, over the library's tracks (truth from its manifest.json):
  BPM within 4% of the written tempo; half/double (within 4% of x2 or x1/2) and other (x3/2, x2/3, anything
  else) counted apart; key exact (tonic and mode); Camelot-compatible (same code, +-1, or relative major/minor)
  and the key confusion: fifth, relative, parallel, other. Per style for BPM.
Speed (--speed DIR: a library of long tracks, e.g. --n 4 --seconds 240): seconds per file for decoding and for
each analyser on the whole track and on a middle excerpt, and the multiple of real time.
Prints tables; writes JSON to bench/results/audio_analysis.json (per-file answers included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
RATE = 44100

from assistant.dj.sequencing import camelot, compatible  # noqa: E402

PITCH = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7, "G#": 8,
         "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}
ESSENTIA_KEY_PROFILES = ("edma", "bgate", "temperley", "krumhansl", "shaath")
# Krumhansl-Kessler probe-tone profiles (C major, C minor), for the librosa chroma key estimate.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


# ---- analysers: each takes mono float32 samples at 44.1 kHz and returns {"bpm": ...} and/or {"key": (pc, mode)}

class EssentiaAnalysers:
    def __init__(self):
        import essentia
        import essentia.standard as es

        essentia.log.infoActive = essentia.log.warningActive = False
        self.es = es
        self.rhythm_multi = es.RhythmExtractor2013(method="multifeature")
        self.rhythm_degara = es.RhythmExtractor2013(method="degara")
        self.percival = es.PercivalBpmEstimator()
        self.keys = {p: es.KeyExtractor(profileType=p) for p in ESSENTIA_KEY_PROFILES}
        self.danceability = es.Danceability()

    def run(self, audio: np.ndarray) -> dict[str, tuple[dict, float]]:
        # A reused PercivalBpmEstimator answers from its previous input unless reset (seen with essentia
        # 2.1b6.dev1389: the same 147.7 BPM for every file); reset them all, it costs nothing.
        for algorithm in (self.rhythm_multi, self.rhythm_degara, self.percival, *self.keys.values(),
                          self.danceability):
            algorithm.reset()
        out = {}
        t = time.perf_counter()
        bpm = self.rhythm_multi(audio)[0]
        out["essentia RhythmExtractor2013 multifeature"] = ({"bpm": float(bpm)}, time.perf_counter() - t)
        t = time.perf_counter()
        bpm = self.rhythm_degara(audio)[0]
        out["essentia RhythmExtractor2013 degara"] = ({"bpm": float(bpm)}, time.perf_counter() - t)
        t = time.perf_counter()
        bpm = self.percival(audio)
        out["essentia PercivalBpmEstimator"] = ({"bpm": float(bpm)}, time.perf_counter() - t)
        for p, ke in self.keys.items():
            t = time.perf_counter()
            key, scale, _strength = ke(audio)
            out[f"essentia KeyExtractor {p}"] = ({"key": (PITCH[key], 1 if scale == "major" else 0)},
                                                 time.perf_counter() - t)
        t = time.perf_counter()
        d = self.danceability(audio)[0]
        out["essentia Danceability"] = ({"danceability": float(d)}, time.perf_counter() - t)
        return out


class LibrosaAnalysers:
    def __init__(self):
        import librosa

        self.librosa = librosa

    def run(self, audio: np.ndarray) -> dict[str, tuple[dict, float]]:
        lr = self.librosa
        out = {}
        t = time.perf_counter()
        y = lr.resample(audio, orig_sr=RATE, target_sr=22050, res_type="soxr_hq")
        resample = time.perf_counter() - t
        t = time.perf_counter()
        tempo, _beats = lr.beat.beat_track(y=y, sr=22050)
        out["librosa beat_track"] = ({"bpm": float(np.atleast_1d(tempo)[0])}, time.perf_counter() - t + resample)
        t = time.perf_counter()
        chroma = lr.feature.chroma_cqt(y=y, sr=22050, hop_length=2048).mean(axis=1)
        out["librosa chroma_cqt + Krumhansl"] = ({"key": krumhansl_key(chroma)}, time.perf_counter() - t + resample)
        return out


def krumhansl_key(chroma: np.ndarray) -> tuple[int, int]:
    """The key whose rotated Krumhansl-Kessler profile correlates best with a 12-bin chroma (0 = C)."""
    best, key = -2.0, (0, 1)
    for mode, profile in ((1, KK_MAJOR), (0, KK_MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
            if r > best:
                best, key = r, (tonic, mode)
    return key


_worker: dict = {}
WARM_UP = (0.1 * np.random.default_rng(0).standard_normal(5 * RATE)).astype(np.float32)


def _analyse(job: tuple[str, list[str], float | None]) -> dict:
    """One file through the chosen analyser families (in a worker process, analysers built once per process)."""
    path, families, excerpt = job
    if not _worker:
        import essentia.standard as es

        _worker["loader"] = es
        if "essentia" in families:
            _worker["essentia"] = EssentiaAnalysers()
        if "librosa" in families:
            _worker["librosa"] = LibrosaAnalysers()
        for fam in families:  # numba compiles librosa's kernels on first use: a start-up cost, timed apart
            t = time.perf_counter()
            _worker[fam].run(WARM_UP)
            _worker[f"{fam} warm-up"] = time.perf_counter() - t
    t = time.perf_counter()
    audio = _worker["loader"].MonoLoader(filename=path, sampleRate=RATE)()
    decode = time.perf_counter() - t
    audio = middle(audio, excerpt)
    result = {"path": path, "decode_s": decode, "seconds": len(audio) / RATE, "answers": {},
              "warm_up_s": {f: _worker.pop(f"{f} warm-up") for f in families if f"{f} warm-up" in _worker}}
    for fam in families:
        for name, (answer, took) in _worker[fam].run(audio).items():
            result["answers"][name] = answer | {"s": took}
    return result


def middle(audio: np.ndarray, seconds: float | None) -> np.ndarray:
    if not seconds or len(audio) <= seconds * RATE:
        return audio
    start = (len(audio) - int(seconds * RATE)) // 2
    return audio[start: start + int(seconds * RATE)]


# ---- scoring

def tempo_class(est: float, true: float) -> str:
    if not est or est <= 0:
        return "none"
    for label, factor in (("ok", 1.0), ("half/double", 2.0), ("half/double", 0.5), ("3:2", 1.5), ("3:2", 2 / 3)):
        if abs(est - true * factor) <= 0.04 * true * factor:
            return label
    return "other"


def key_class(est: tuple[int, int], tonic: int, mode: int) -> str:
    if tuple(est) == (tonic, mode):
        return "exact"
    a, b = camelot(tonic, mode), camelot(*est)
    if a[:-1] == b[:-1]:
        return "relative"
    if compatible(a, b):
        return "fifth"
    if est[0] == tonic:
        return "parallel"
    return "other"


def score(results: list[dict], truth: dict[str, dict]) -> dict[str, dict]:
    by = defaultdict(list)
    for r in results:
        t = truth[r["path"]]
        for name, a in r["answers"].items():
            by[name].append((t, a))
    table = {}
    for name, rows in by.items():
        s = {"files": len(rows), "mean_s": statistics.fmean(a["s"] for _, a in rows)}
        if "bpm" in rows[0][1]:
            classes = Counter(tempo_class(a["bpm"], t["bpm"]) for t, a in rows)
            s |= {"bpm_within_4pct": classes["ok"] / len(rows), "bpm_classes": dict(classes)}
            per_style = defaultdict(list)
            for t, a in rows:
                per_style[t["style"]].append(tempo_class(a["bpm"], t["bpm"]) == "ok")
            s["bpm_by_style"] = {k: f"{sum(v)}/{len(v)}" for k, v in sorted(per_style.items())}
        if "key" in rows[0][1]:
            classes = Counter(key_class(a["key"], t["tonic"], t["mode"]) for t, a in rows)
            s |= {"key_exact": classes["exact"] / len(rows),
                  "camelot_compatible": sum(classes[k] for k in ("exact", "relative", "fifth")) / len(rows),
                  "key_classes": dict(classes)}
            for mode, label in ((1, "major"), (0, "minor")):
                sub = [(t, a) for t, a in rows if t["mode"] == mode]
                s[f"key_exact_{label}"] = (sum(tuple(a["key"]) == (t["tonic"], t["mode"]) for t, a in sub)
                                           / max(1, len(sub)))
        if "danceability" in rows[0][1]:
            per_style = defaultdict(list)
            for t, a in rows:
                per_style[t["style"]].append(a["danceability"])
            s["danceability_by_style"] = {k: round(statistics.fmean(v), 2) for k, v in sorted(per_style.items())}
        table[name] = s
    return table


def print_accuracy(table: dict[str, dict]) -> None:
    print(f"{'analyser':46} {'files':>5} {'BPM 4%':>7} {'x2/x½':>6} {'other':>6} {'key':>6} {'Camelot':>8} "
          f"{'s/file':>7}")
    for name, s in table.items():
        if "bpm_within_4pct" in s:
            c = s["bpm_classes"]
            hd = c.get("half/double", 0) / s["files"]
            other = 1 - s["bpm_within_4pct"] - hd
            print(f"{name:46} {s['files']:5d} {s['bpm_within_4pct']:7.1%} {hd:6.1%} {other:6.1%} {'':6} {'':8} "
                  f"{s['mean_s']:7.3f}")
        elif "key_exact" in s:
            print(f"{name:46} {s['files']:5d} {'':7} {'':6} {'':6} {s['key_exact']:6.1%} "
                  f"{s['camelot_compatible']:8.1%} {s['mean_s']:7.3f}")
        else:
            print(f"{name:46} {s['files']:5d} {'':7} {'':6} {'':6} {'':6} {'':8} {s['mean_s']:7.3f}")
    for name, s in table.items():
        if "bpm_by_style" in s:
            print(f"  {name}: BPM classes {s['bpm_classes']}; by style {s['bpm_by_style']}")
        if "key_classes" in s:
            print(f"  {name}: key classes {s['key_classes']}; exact on major {s['key_exact_major']:.0%}, "
                  f"minor {s['key_exact_minor']:.0%}")
        if "danceability_by_style" in s:
            print(f"  {name}: mean by style {s['danceability_by_style']}")


def speed(lib: Path, families: list[str], excerpts: list[float | None]) -> list[dict]:
    """Per-file seconds on long tracks: decode (whole file; and stereo for EBU R128), each analyser on the whole
    track and on middle excerpts. Runs in this process, one file at a time."""
    import essentia
    import essentia.standard as es

    essentia.log.infoActive = essentia.log.warningActive = False
    manifest = json.loads((lib / "manifest.json").read_text())
    analysers = {"essentia": EssentiaAnalysers, "librosa": LibrosaAnalysers}
    built = {f: analysers[f]() for f in families}
    for fam in built.values():
        fam.run(WARM_UP)
    loudness = es.LoudnessEBUR128()
    rows = []
    for t in manifest["tracks"]:
        path = str(lib / t["path"])
        start = time.perf_counter()
        audio = es.MonoLoader(filename=path, sampleRate=RATE)()
        row = {"path": t["path"], "format": t["format"], "seconds": len(audio) / RATE,
               "decode_mono_s": time.perf_counter() - start}
        start = time.perf_counter()
        stereo, *_ = es.AudioLoader(filename=path)()
        row["decode_stereo_s"] = time.perf_counter() - start
        start = time.perf_counter()
        row["lufs"] = float(loudness(stereo)[2])
        row["ebur128_s"] = time.perf_counter() - start
        for ex in excerpts:
            part = middle(audio, ex)
            for fam in built.values():
                for name, (_answer, took) in fam.run(part).items():
                    row[f"{name} @ {'whole' if ex is None else f'{ex:g} s'}"] = took
        rows.append(row)
    return rows


def print_speed(rows: list[dict]) -> None:
    keys = [k for k in rows[0] if k not in ("path", "format", "seconds", "lufs")]
    length = statistics.fmean(r["seconds"] for r in rows)
    print(f"\nSpeed on {len(rows)} files of {length:.0f} s ({', '.join(r['format'] for r in rows)}); "
          f"seconds per file (x real time of the whole track)")
    for k in keys:
        s = statistics.fmean(r[k] for r in rows)
        print(f"  {k:60} {s:7.3f} s  ({length / max(s, 1e-9):7.0f}x)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("library", type=Path)
    ap.add_argument("--limit", type=int, default=None, help="first N tracks only")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--analysers", default="essentia,librosa")
    ap.add_argument("--excerpt", type=float, default=None, help="analyse only the middle N seconds of each track")
    ap.add_argument("--speed", type=Path, default=None, help="a library of long tracks for the speed table")
    ap.add_argument("--out", type=Path, default=RESULTS / "audio_analysis.json")
    a = ap.parse_args(argv)
    families = [f for f in a.analysers.split(",") if f]
    manifest = json.loads((a.library / "manifest.json").read_text())
    tracks = manifest["tracks"][: a.limit]
    truth = {str(a.library / t["path"]): t for t in tracks}
    jobs = [(p, families, a.excerpt) for p in truth]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=a.workers) as pool:
        results = list(pool.map(_analyse, jobs, chunksize=4))
    wall = time.perf_counter() - start
    table = score(results, truth)
    audio_s = sum(r["seconds"] for r in results)
    print(f"{len(results)} files ({audio_s / 60:.1f} min analysed{f', middle {a.excerpt:g} s' if a.excerpt else ''}) "
          f"in {wall:.1f} s with {a.workers} worker(s); decode {statistics.fmean(r['decode_s'] for r in results):.3f}"
          f" s/file")
    warm = defaultdict(list)
    for r in results:
        for f, w in r["warm_up_s"].items():
            warm[f].append(w)
    print("first call per process (not in s/file): "
          + ", ".join(f"{f} {statistics.fmean(w):.1f} s" for f, w in warm.items()))
    print_accuracy(table)
    report = {"library": str(a.library), "files": len(results), "excerpt_s": a.excerpt, "workers": a.workers,
              "wall_s": wall, "accuracy": table, "per_file": results}
    if a.speed:
        rows = speed(a.speed, families, [None, 30.0, 15.0])
        print_speed(rows)
        report["speed"] = rows
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1, default=str))
    print(f"\nwrote {a.out}")


if __name__ == "__main__":
    main()
