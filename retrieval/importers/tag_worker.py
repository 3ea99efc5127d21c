"""The child process that reads audio tags with mutagen (run by `tag_reader.TagReader`; not a command for people).

Protocol: one request per stdin line, the file's path as hex of its bytes; one JSON line per request on stdout,
{"tags": {...}, "length": seconds or null} or {"error": reason}. Each file is opened without blocking and read
only if it is still a regular file, so a FIFO or device swapped in after the folder walk cannot stall it.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any

# easy tag name -> raw ID3 frame ids (WAV and AIFF files carry plain ID3 tags).
ID3_FRAMES = {
    "title": ("TIT2",),
    "artist": ("TPE1",),
    "albumartist": ("TPE2",),
    "album": ("TALB",),
    "date": ("TDRC", "TYER", "TDRL", "TDOR"),
    "genre": ("TCON",),
}
MAX_VALUES = 16  # values kept per tag
MAX_CHARS = 500  # characters kept per value


def _clean(value: Any) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text.encode("utf-8", "replace").decode("utf-8")[:MAX_CHARS].strip()  # lone surrogates become '?'


def tag_values(tags: Any, key: str) -> list[str]:
    """Values of one tag, from easy tags (MP3, MP4, FLAC, Ogg) or raw ID3 frames (WAV, AIFF)."""
    if tags is None:
        return []
    values: Any = None
    try:
        values = tags.get(key)
    except (KeyError, ValueError, TypeError):
        values = None
    if not values and hasattr(tags, "getall"):
        for frame_id in ID3_FRAMES.get(key, ()):
            frames = tags.getall(frame_id)
            if frames:
                values = frames[0].genres if frame_id == "TCON" else frames[0].text
                break
    if not values:
        return []
    if isinstance(values, (str, bytes)):
        values = [values]
    out = [_clean(v) for v in list(values)[:MAX_VALUES] if v]
    return [v for v in out if v]


def read_tags(path: bytes) -> dict:
    """{"tags": {name: [values]}, "length": seconds or None} or {"error": reason} for one file."""
    import mutagen

    try:
        fh = open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NONBLOCK))
    except PermissionError:
        return {"error": "cannot read: permission denied"}
    except OSError as exc:
        return {"error": f"cannot open ({exc.strerror or 'error'})"}
    with fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return {"error": "not a regular file (FIFO, device or socket; skipped)"}
        try:
            audio = mutagen.File(fh, easy=True)
        except Exception:  # mutagen raises many kinds on damaged files; any of them means unreadable
            audio = None
        if audio is None:
            return {"error": "unreadable audio file"}
        tags = {key: tag_values(audio.tags, key) for key in ID3_FRAMES}
        length = getattr(getattr(audio, "info", None), "length", None)
        return {"tags": tags, "length": float(length) if isinstance(length, (int, float)) else None}


def main() -> None:
    for line in sys.stdin.buffer:
        try:
            reply = read_tags(bytes.fromhex(line.decode("ascii").strip()))
        except MemoryError:
            reply = {"error": "the tag reader ran out of memory on this file"}
        except Exception as exc:  # noqa: BLE001 - a parser bug must not end the worker
            reply = {"error": f"unreadable audio file ({type(exc).__name__})"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
