"""MIDI -> WAV with fluidsynth and a General MIDI soundfont, WAV -> MP3/FLAC/Ogg/M4A with ffmpeg, tags with mutagen.

The tools are Debian's `fluidsynth`, `fluid-soundfont-gm` and `ffmpeg` (scripts/setup.sh installs them when it
runs as root). `missing_tools()` names what is absent so tests can skip with a reason instead of failing oddly.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

SOUNDFONTS = (Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"), Path("/usr/share/sounds/sf2/default-GM.sf2"))
RATE = 44100
# ffmpeg codec arguments per container; bit rates typical of a listener's files.
ENCODERS: dict[str, list[str]] = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "5"],
    "m4a": ["-c:a", "aac", "-b:a", "160k"],
}
FORMATS = tuple(ENCODERS)


def soundfont() -> Path | None:
    return next((p for p in SOUNDFONTS if p.is_file()), None)


def missing_tools() -> list[str]:
    """What the generator needs and this machine lacks, as Debian package names."""
    missing = [pkg for exe, pkg in (("fluidsynth", "fluidsynth"), ("ffmpeg", "ffmpeg")) if not shutil.which(exe)]
    if soundfont() is None:
        missing.append("fluid-soundfont-gm")
    return missing


def _run(cmd: list[str], what: str) -> None:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")


def render_wav(midi: Path, wav: Path, gain: float = 0.5) -> None:
    """Render a MIDI file to a 44.1 kHz stereo WAV, faster than real time (no audio driver, no shell)."""
    sf2 = soundfont()
    if sf2 is None:
        raise RuntimeError("no General MIDI soundfont: install Debian's fluid-soundfont-gm")
    _run(["fluidsynth", "-n", "-i", "-q", "-g", str(gain), "-r", str(RATE), "-F", str(wav), str(sf2), str(midi)],
         "fluidsynth")


def encode(wav: Path, out: Path, seconds: float, fade: float = 1.0) -> None:
    """Encode a WAV to the container named by `out`'s suffix, cut (or padded with silence) to exactly `seconds`,
    with a short fade-out at the end."""
    fmt = out.suffix.lstrip(".")
    af = f"apad,atrim=0:{seconds:.3f},afade=t=out:st={max(0.0, seconds - fade):.3f}:d={fade:.3f}"
    _run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav), "-af", af, "-ar", str(RATE), "-ac", "2",
          "-map_metadata", "-1", *ENCODERS[fmt], str(out)], f"ffmpeg ({fmt})")


def encode_silence(out: Path, seconds: float) -> None:
    """Digital silence of `seconds` in `out`'s container (an odd file: it decodes, but there is nothing in it)."""
    fmt = out.suffix.lstrip(".")
    _run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
          f"anullsrc=r={RATE}:cl=stereo", "-t", f"{seconds:.3f}", *ENCODERS[fmt], str(out)], f"ffmpeg ({fmt})")


def loop_to(src: Path, out: Path, seconds: float) -> None:
    """`src` played over and over up to `seconds`, as FLAC (a very long file, cheap to write)."""
    _run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", str(src), "-t",
          f"{seconds:.3f}", "-c:a", "flac", "-compression_level", "0", str(out)], "ffmpeg (loop)")


def write_tags(path: Path, tags: dict[str, str]) -> None:
    """Tags with mutagen's easy interfaces (title, artist, album, tracknumber, date, genre) on any of FORMATS."""
    from mutagen.easyid3 import EasyID3
    from mutagen.easymp4 import EasyMP4
    from mutagen.flac import FLAC
    from mutagen.id3 import ID3NoHeaderError
    from mutagen.oggvorbis import OggVorbis

    fmt = path.suffix.lstrip(".")
    if fmt == "mp3":
        try:
            f = EasyID3(path)
        except ID3NoHeaderError:
            f = EasyID3()
    else:
        f = {"flac": FLAC, "ogg": OggVorbis, "m4a": EasyMP4}[fmt](path)
    for k, v in tags.items():
        f[k] = [v]
    f.save(path) if fmt == "mp3" else f.save()


def read_tags(path: Path) -> dict[str, str]:
    """The easy tags of a file as one string each (for tests and the manifest check)."""
    import mutagen

    f = mutagen.File(path, easy=True)
    if f is None or f.tags is None:
        return {}
    return {k: str(v[0]) for k, v in f.tags.items() if v}


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """The samples ffmpeg decodes from a file, mono float32 at `rate` (what it can decode of a damaged file)."""
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "quiet", "-i", str(path), "-ac", "1", "-ar", str(rate),
                        "-f", "f32le", "-"], capture_output=True, timeout=120)
    return np.frombuffer(p.stdout, dtype=np.float32)


def probe_seconds(path: Path) -> float | None:
    """The duration ffprobe reads from a file's stream, or None when it cannot decode it."""
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                       capture_output=True, text=True, timeout=60)
    try:
        return float(p.stdout.strip()) if p.returncode == 0 else None
    except ValueError:
        return None
