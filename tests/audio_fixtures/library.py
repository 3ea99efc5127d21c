"""A generated music library of real audio files with known tempo, key and style, and a JSON manifest of the truth.

    build_library(root, n=200, seed=14, seconds=30) -> manifest (also written to root/manifest.json)

Track i is drawn from `seed` and i alone, so the first 60 tracks of a 200-track library are the 60-track library.
Tempo is uniform over 60-180 BPM, the style one of those whose range holds it (narrow ranges weigh more), tonic uniform, major/minor even,
format cycling MP3/FLAC/Ogg/M4A. Files sit as Artist/Album/NN Title.ext with title, artist, album, track number
and year tags (genre tags only when asked: the issue wants a library analysed without them). Odd files beside
them: random bytes called .mp3, a truncated FLAC, a zero-length .ogg, a text file called .m4a, a tagged FLAC
of digital silence, a file with mode 000, a directory symlink to its own folder, and (on request) a FLAC hours
long. Used by tests and benches, never by a listener's Segue.

Command line (writes the library and prints a summary):
    python -m tests.audio_fixtures.library OUT_DIR [--n 200] [--seed 14] [--seconds 30] [--workers 1] [--genres]
                                               [--long-hours 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.dj.sequencing import camelot
from tests.audio_fixtures.music import STYLES, SongSpec, compose, music_end
from tests.audio_fixtures.render import FORMATS, encode, encode_silence, loop_to, render_wav, write_tags

MANIFEST = "manifest.json"
TEMPO_RANGE = (60, 180)
ARTISTS = ("The Velvet Tides", "Marlow Quinn", "Northbound Static", "Juniper Coil", "Los Satélites",
           "Ada & the Lanterns", "Kestrel Nine", "Soft Meridian", "Dust Orchard", "Halcyon Freight")
WORDS = ("amber", "signal", "river", "midnight", "glass", "summer", "paper", "engine", "lantern", "echo", "velvet",
         "harbour", "static", "orchard", "neon", "quiet", "tide", "copper", "satellite", "window", "ember", "motel",
         "cathedral", "highway", "blue", "falling", "golden", "shadow", "northern", "parade")


def plan(n: int, seed: int = 14, seconds: float = 30.0) -> list[dict]:
    """The specs and file facts of tracks 0..n-1: what `build_library` will write (nothing is rendered here)."""
    out = []
    for i in range(n):
        rng = random.Random(f"segue-audio/{seed}/{i}")
        bpm = rng.randint(*TEMPO_RANGE)
        fits = sorted((s for s in STYLES.values() if s.tempo[0] <= bpm <= s.tempo[1]), key=lambda s: s.name)
        # Weighted by 1 / the width of a style's range, so wide-ranged styles (waltz) do not crowd out the rest.
        style = rng.choices([s.name for s in fits], weights=[1 / (s.tempo[1] - s.tempo[0] + 1) for s in fits])[0]
        spec = SongSpec(bpm=bpm, tonic=rng.randrange(12), mode=rng.randrange(2), style=style, seconds=seconds,
                        lead_in=round(rng.uniform(0.0, 1.5), 2), seed=rng.randrange(2**31),
                        intro_bars=rng.choice((0, 0, 1, 2)))
        artist = ARTISTS[rng.randrange(len(ARTISTS))]
        title = " ".join(w.capitalize() for w in rng.sample(WORDS, rng.choice((1, 2, 2, 3))))
        album = f"{artist.split()[-1]} {('Sessions', 'Live', 'Demos', 'Vol. 2')[rng.randrange(4)]}"
        gain = round(rng.uniform(0.18, 0.4), 3)  # fluidsynth's master gain: levels differ, as in a real library
        fmt = FORMATS[i % len(FORMATS)]
        path = f"{_safe(artist)}/{_safe(album)}/{i + 1:03d} {_safe(title)}.{fmt}"
        out.append({"path": path, "format": fmt, **spec.as_dict(), "camelot": camelot(spec.tonic, spec.mode),
                    "music_end": music_end(spec), "gain": gain,
                    "tags": {"title": title, "artist": artist, "album": album, "tracknumber": str(i + 1),
                             "date": str(1970 + rng.randrange(55))},
                    "genre": style})
    return out


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in " .&-_'" else "_" for c in name).strip() or "_"


def _spec(item: dict) -> SongSpec:
    return SongSpec(**{k: item[k] for k in ("bpm", "tonic", "mode", "style", "seconds", "lead_in", "seed",
                                            "intro_bars")})


def render_track(item: dict, root: Path, genres: bool = False, keep_midi: bool = False) -> float:
    """Write one planned track (MIDI -> WAV -> encoded, tagged file); returns the seconds it took."""
    start = time.perf_counter()
    out = root / item["path"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="segue-audio-") as tmp:
        mid, wav = Path(tmp) / "song.mid", Path(tmp) / "song.wav"
        compose(_spec(item)).save(mid)
        render_wav(mid, wav, item["gain"])
        encode(wav, out, item["seconds"])
        if keep_midi:
            shutil.copy(mid, out.with_suffix(".mid"))
    write_tags(out, item["tags"] | ({"genre": item["genre"]} if genres else {}))
    return time.perf_counter() - start


def write_odd_files(root: Path, seed: int, sample: Path | None, long_hours: float = 0.0) -> list[dict]:
    """Files a real import meets and must report and skip (or treat as silent): see the module docstring.
    With `long_hours`, also a FLAC of the sample looped to that length (3 h: 1.1 GB of FLAC, ~20 s to write)."""
    odd = root / "Odd Files"
    odd.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"segue-audio-odd/{seed}")
    items = []

    def add(name: str, kind: str, note: str) -> None:
        items.append({"path": f"Odd Files/{name}", "kind": kind, "note": note})

    (odd / "corrupt.mp3").write_bytes(bytes(rng.randrange(256) for _ in range(64 * 1024)))
    add("corrupt.mp3", "corrupt", "64 KiB of random bytes: no decodable audio")
    (odd / "empty.ogg").write_bytes(b"")
    add("empty.ogg", "empty", "zero bytes")
    (odd / "not audio.m4a").write_text("This is a shopping list, not a song.\neggs\nmilk\n")
    add("not audio.m4a", "not_audio", "a text file with an audio suffix")
    encode_silence(odd / "silence.flac", 30.0)
    write_tags(odd / "silence.flac", {"title": "Silence", "artist": "Nobody", "album": "Nothing"})
    add("silence.flac", "silence", "30 s of digital silence, tagged: decodes, no tempo or key to find")
    if sample is not None and sample.is_file():
        data = sample.read_bytes()
        (odd / f"truncated{sample.suffix}").write_bytes(data[: len(data) // 5])
        add(f"truncated{sample.suffix}", "truncated", f"the first fifth of the bytes of {sample.name}")
    if long_hours and sample is not None and sample.is_file():
        loop_to(sample, odd / "very long.flac", long_hours * 3600)
        add("very long.flac", "long", f"{sample.name} looped to {long_hours:g} h")
    if (odd / "unreadable.mp3").exists():
        (odd / "unreadable.mp3").chmod(0o600)
    (odd / "unreadable.mp3").write_bytes(sample.read_bytes() if sample else b"\xff\xfb" * 1024)
    (odd / "unreadable.mp3").chmod(0)
    add("unreadable.mp3", "unreadable", "mode 000 (root still reads it: only a non-root import sees the error)")
    loop = odd / "loop"
    if not loop.is_symlink():
        loop.symlink_to(".", target_is_directory=True)
    add("loop", "symlink_loop", "a directory symlink to its own folder: a walk that follows links never ends")
    return items


def build_library(root: Path, n: int = 200, seed: int = 14, seconds: float = 30.0, workers: int = 1,
                  genres: bool = False, odd: bool = True, keep_midi: bool = False, long_hours: float = 0.0) -> dict:
    """Render the library into `root` and write root/manifest.json; returns the manifest."""
    root.mkdir(parents=True, exist_ok=True)
    tracks = plan(n, seed, seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:  # the work runs in fluidsynth and ffmpeg
        took = list(pool.map(lambda t: render_track(t, root, genres, keep_midi), tracks))
    sample = next((root / t["path"] for t in tracks if t["format"] == "flac"), None)
    manifest = {
        "version": 1, "seed": seed, "seconds": seconds, "genre_tags": genres,
        "build_seconds": round(time.perf_counter() - start, 2),
        "render_seconds_per_track": round(sum(took) / len(took), 3) if took else None,
        "tracks": tracks,
        "odd": write_odd_files(root, seed, sample, long_hours) if odd else [],
        "truth": "bpm: quarter-note tempo as written; tonic: pitch class (0 = C); mode: 1 major, 0 minor; "
                 "lead_in: seconds of silence before the first note; intro_bars: bars before the drums come in; music_end: downbeat of the final tonic chord; "
                 "gain: fluidsynth's master gain (the level of the file, not a truth to find)",
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def load_manifest(root: Path) -> dict:
    return json.loads((root / MANIFEST).read_text())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--genres", action="store_true", help="also write a genre tag (the style)")
    ap.add_argument("--long-hours", type=float, default=0.0, help="also an odd file this many hours long")
    a = ap.parse_args(argv)
    m = build_library(a.out, a.n, a.seed, a.seconds, a.workers, a.genres, long_hours=a.long_hours)
    audio = a.n * a.seconds
    print(f"{a.n} tracks ({audio / 60:.1f} min of audio) + {len(m['odd'])} odd files in {a.out}: "
          f"{m['build_seconds']} s ({audio / max(m['build_seconds'], 1e-9):.0f}x real time), "
          f"{m['render_seconds_per_track']} s per track")


if __name__ == "__main__":
    main()
