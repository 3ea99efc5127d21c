"""Hostile music folders for the files area: every entry an attacker (or a messy disk) can put in a folder.

`build_hostile_folder(root, outside)` fills `root` and returns {entry: (case, expected)}: the entry's path under
`root` (str, undecodable bytes surrogate-escaped), what it is, and "ok" (a playable file that must import) or
"refused" (skipped and reported). `outside` is a folder beside `root` that symlinks lead to.

`python -m tests.hardening.hostile_files ROOT` reads ROOT as an import does and prints {entry: outcome} as JSON
("kept", or the reason the entry was skipped), so a test can run it as a subprocess under a time limit.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sys
import wave
from pathlib import Path

MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 413  # silent MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
DEEP = 80  # folders; the walker stops at 64


def write_wav(path: Path | bytes, seconds: float = 0.25, rate: int = 8000) -> None:
    with wave.open(open(path, "wb"), "wb") as w:  # noqa: SIM115 - wave closes it
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(rate * seconds))


def write_mp3(path: Path | bytes, frames: int = 40) -> None:
    with open(path, "wb") as fh:
        fh.write(MP3_FRAME * frames)


def build_hostile_folder(root: Path, outside: Path, huge: bool = True) -> dict[str, tuple[str, str]]:
    """Fill `root` with hostile entries; {entry under root: (case, "ok" | "refused")}."""
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    cases: dict[str, tuple[str, str]] = {}
    rnd = random.Random(13)

    def at(name: str | bytes, case: str, expected: str) -> bytes:
        rel = os.fsencode(name)
        cases[os.fsdecode(rel)] = (case, expected)
        return os.fsencode(root) + b"/" + rel

    # the literal cases of the attack report
    os.symlink("/dev/zero", at("z.mp3", "symlink to /dev/zero named z.mp3", "refused"))
    os.mkfifo(at("f.mp3", "FIFO named f.mp3", "refused"))
    write_mp3(at(b"undecodable \xff\xfe name.mp3", "undecodable bytes in a file name", "ok"))
    # devices, sockets, links
    os.symlink("/dev/urandom", at("u.flac", "symlink to /dev/urandom", "refused"))
    os.symlink("/dev/null", at("null.wav", "symlink to /dev/null", "refused"))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(at("s.ogg", "unix socket named s.ogg", "refused"))
    sock.close()
    write_wav(outside / "outside.wav")
    os.symlink(outside / "outside.wav", at("out.wav", "symlink to a real file outside the folder", "refused"))
    os.symlink("/etc/passwd", at("passwd.mp3", "symlink to /etc/passwd", "refused"))
    os.symlink(f"../{outside.name}/outside.wav", at("relout.wav", "relative symlink out of the folder", "refused"))
    os.symlink(outside, at("outdir", "symlinked folder out of the folder", "refused"))
    os.symlink(".", at("loopdir", "symlinked folder looping to itself", "refused"))
    os.symlink("loop_b.mp3", at("loop_a.mp3", "symlink loop a->b->a (a)", "refused"))
    os.symlink("loop_a.mp3", at("loop_b.mp3", "symlink loop a->b->a (b)", "refused"))
    os.symlink("self.mp3", at("self.mp3", "symlink to itself", "refused"))
    os.symlink("missing.mp3", at("dangling.mp3", "dangling symlink", "refused"))
    write_wav(at("real inside.wav", "a real wav inside", "ok"))
    os.symlink("real inside.wav", at("zz link inside.wav", "symlink to a file inside (a duplicate)", "refused"))
    # broken content with audio names
    for ext in (".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav"):
        Path(os.fsdecode(at(f"empty{ext}", f"0-byte {ext}", "refused"))).write_bytes(b"")
        Path(os.fsdecode(at(f"random{ext}", f"random bytes {ext}", "refused"))).write_bytes(rnd.randbytes(4096))
    for name, case, data in (
            ("truncated.mp3", "truncated mp3 (300 bytes)", (MP3_FRAME * 40)[:300]),
            ("riff.wav", "truncated wav header", b"RIFF\xff\xff\xff\xffWAVEfmt "),
            ("flac.flac", "truncated flac header", b"fLaC\x00\x00\x00\x22" + b"\x00" * 10),
            ("ogg.ogg", "truncated ogg page", b"OggS" + bytes(40)),
            ("m4a.m4a", "broken m4a atoms", b"\x00\x00\x00\x18ftypM4A " + b"\xff" * 64),
            ("idbomb.mp3", "ID3 header claiming 256 MB of tags", b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + rnd.randbytes(2048))):
        Path(os.fsdecode(at(name, case, "refused"))).write_bytes(data)
    if huge:
        with open(at("huge sparse.mp3", "64 GB sparse .mp3", "refused"), "wb") as fh:
            fh.truncate(64 << 30)
        with open(at("big sparse.flac", "3 GB sparse .flac of zeros", "refused"), "wb") as fh:
            fh.truncate(3 << 30)
    # permissions (enforced only when the reader runs without CAP_DAC_OVERRIDE; see the test)
    noperm = at("noperm.wav", "000-permission wav", "refused")
    write_wav(noperm)
    os.chmod(noperm, 0)
    locked = at("lockeddir", "000-permission folder", "refused")
    os.mkdir(locked)
    write_wav(locked + b"/inside locked.wav")
    os.chmod(locked, 0)
    # names
    for case, name in (("newline in a name", b"new\nline.mp3"), ("escape sequence in a name", b"\x1b[31mred\x1b[0m.mp3"),
                       ("rich markup in a name", b"[bold]x[red] [link=x].mp3"),
                       ("carriage return and tab", b"a\rb\tc.mp3"), ("only a dash", b"-.mp3"),
                       ("250-byte name", b"n" * 250 + b".mp3"), ("right-to-left override", "\u202eevil.mp3".encode()),
                       ("latin-1 bytes", b"caf\xe9 - Ol\xe9.mp3"), ("non-latin utf-8", "日本 - 曲.mp3".encode())):
        write_mp3(at(name, case, "ok"))
    os.mkdir(os.fsencode(root) + b"/[")
    write_mp3(at("[/].mp3", "rich markup [/] across a folder and its file", "ok"))
    # deep folders: a track a few levels down, and a chain deeper than the walker goes
    deep = "/".join(f"d{level}" for level in range(DEEP))
    os.makedirs(root / deep)
    write_wav(at(deep + "/deep.wav", f"wav {DEEP} folders deep", "refused"))
    (root / "a" / "b" / "c").mkdir(parents=True)
    write_wav(at("a/b/c/Shallow - Song.wav", "wav 3 folders deep", "ok"))
    return cases


def scan(root: Path) -> dict[str, str]:
    """{entry under root: "kept" or the reason it was skipped}, as an import of `root` reads it."""
    from retrieval.importers.audio_files import file_track_id, read_audio_folder
    from retrieval.importers.folder import audio_files
    from retrieval.importers.report import Tally

    class EveryRef(Tally):  # keeps every reference, not just a few examples
        def __init__(self) -> None:
            super().__init__()
            self.refs: dict[str, str] = {}

        def reject(self, reason: str, ref: str) -> None:
            super().reject(reason, ref)
            self.refs[ref] = reason

    tally = EveryRef()
    tracks, _ = read_audio_folder(root, tally, None)
    entry_of: dict[str, str] = {}
    for f in audio_files(root):  # the first entry for a file is the one kept; a later link to it is a duplicate
        entry_of.setdefault(file_track_id(Path(f.target)), os.path.relpath(f.path, root))
    return tally.refs | {entry_of[t.track_id]: "kept" for t in tracks}


if __name__ == "__main__":
    print(json.dumps(scan(Path(sys.argv[1]))))
