"""Hostile music folders for the files area: every entry an attacker (or a messy disk) can put in a folder.

`build_hostile_folder(root, outside)` fills `root` and returns {case: expected} where expected is "ok" (a playable
file that must import) or "refused" (skipped and reported). `outside` is a folder beside `root` that symlinks lead to.
"""

from __future__ import annotations

import os
import random
import socket
import wave
from pathlib import Path

MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 413  # silent MPEG-1 Layer III, 128 kbit/s, 44.1 kHz


def write_wav(path: Path | bytes, seconds: float = 0.25, rate: int = 8000) -> None:
    with wave.open(open(path, "wb"), "wb") as w:  # noqa: SIM115 - wave closes it
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(rate * seconds))


def write_mp3(path: Path | bytes, frames: int = 40) -> None:
    with open(path, "wb") as fh:
        fh.write(MP3_FRAME * frames)


def _bytes(root: Path, name: bytes) -> bytes:
    return os.fsencode(root) + b"/" + name


def build_hostile_folder(root: Path, outside: Path, huge: bool = True, deep: int = 80) -> dict[str, str]:
    """Fill `root` with hostile entries; {case: "ok" | "refused"}."""
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    cases: dict[str, str] = {}
    rnd = random.Random(13)

    def case(name: str, expected: str) -> None:
        cases[name] = expected

    # the literal cases of the attack report
    os.symlink("/dev/zero", root / "z.mp3"), case("symlink to /dev/zero named z.mp3", "refused")
    os.mkfifo(root / "f.mp3"), case("FIFO named f.mp3", "refused")
    write_mp3(_bytes(root, b"undecodable \xff\xfe name.mp3")), case("undecodable bytes in a file name", "ok")
    # devices, sockets, links
    os.symlink("/dev/urandom", root / "u.flac"), case("symlink to /dev/urandom", "refused")
    os.symlink("/dev/null", root / "null.wav"), case("symlink to /dev/null", "refused")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "s.ogg"))
    sock.close()
    case("unix socket named s.ogg", "refused")
    write_wav(outside / "outside.wav")
    os.symlink(outside / "outside.wav", root / "out.wav"), case("symlink to a real file outside the folder", "refused")
    os.symlink("/etc/passwd", root / "passwd.mp3"), case("symlink to /etc/passwd", "refused")
    os.symlink("../" + outside.name + "/outside.wav", root / "relout.wav")
    case("relative symlink out of the folder", "refused")
    os.symlink(outside, root / "outdir"), case("symlinked folder out of the folder", "refused")
    os.symlink(".", root / "loopdir"), case("symlinked folder looping to itself", "refused")
    os.symlink("loop_b.mp3", root / "loop_a.mp3")
    os.symlink("loop_a.mp3", root / "loop_b.mp3")
    case("symlink loop a->b->a (a)", "refused"), case("symlink loop a->b->a (b)", "refused")
    os.symlink("self.mp3", root / "self.mp3"), case("symlink to itself", "refused")
    os.symlink("missing.mp3", root / "dangling.mp3"), case("dangling symlink", "refused")
    write_wav(root / "real inside.wav"), case("a real wav inside", "ok")
    os.symlink("real inside.wav", root / "zz link inside.wav"), case("symlink to a file inside (same file)", "refused")
    # broken content with audio names
    for ext in (".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav"):
        (root / f"empty{ext}").write_bytes(b""), case(f"0-byte {ext}", "refused")
        (root / f"random{ext}").write_bytes(rnd.randbytes(4096)), case(f"random bytes {ext}", "refused")
    write_mp3(root / "trunc_source.bin")
    (root / "truncated.mp3").write_bytes((root / "trunc_source.bin").read_bytes()[:300])
    case("truncated mp3 (300 bytes)", "refused")
    (root / "riff.wav").write_bytes(b"RIFF\xff\xff\xff\xffWAVEfmt "), case("truncated wav header", "refused")
    (root / "flac.flac").write_bytes(b"fLaC\x00\x00\x00\x22" + b"\x00" * 10), case("truncated flac header", "refused")
    (root / "ogg.ogg").write_bytes(b"OggS" + bytes(40)), case("truncated ogg page", "refused")
    (root / "m4a.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A " + b"\xff" * 64), case("broken m4a atoms", "refused")
    (root / "idbomb.mp3").write_bytes(b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + rnd.randbytes(2048))
    case("ID3 header claiming 256 MB of tags", "refused")
    if huge:
        with open(root / "huge sparse.mp3", "wb") as fh:
            fh.truncate(64 << 30)
        case("64 GB sparse .mp3", "refused")
        with open(root / "big sparse.flac", "wb") as fh:
            fh.truncate(3 << 30)
        case("3 GB sparse .flac (zeros)", "refused")
    # permissions (enforced only when the reader runs without CAP_DAC_OVERRIDE; see the test)
    write_wav(root / "noperm.wav")
    os.chmod(root / "noperm.wav", 0)
    case("000-permission wav", "refused")
    (root / "lockeddir").mkdir()
    write_wav(root / "lockeddir" / "inside locked.wav")
    os.chmod(root / "lockeddir", 0)
    case("000-permission folder", "refused")
    # names
    for label, name in (("newline in a name", b"new\nline.mp3"), ("escape sequence in a name", b"\x1b[31mred\x1b[0m.mp3"),
                        ("rich markup in a name", b"[bold]x[red] [link=x].mp3"),
                        ("carriage return and tab", b"a\rb\tc.mp3"), ("only a dash", b"-.mp3"),
                        ("long name", b"n" * 250 + b".mp3"), ("right-to-left override", "\u202eevil.mp3".encode()),
                        ("latin-1 bytes", b"caf\xe9 - Ol\xe9.mp3"), ("valid utf-8 non-latin", "日本 - 曲.mp3".encode())):
        write_mp3(_bytes(root, name))
        case(label, "ok")
    (root / "[").mkdir()
    write_mp3(root / "[" / "].mp3"), case("rich markup [/] across a folder and its file", "ok")
    # deep folders: legit tracks a few levels down, then a chain deeper than the walker goes
    deepest = root
    for level in range(deep):
        deepest = deepest / f"d{level}"
    deepest.mkdir(parents=True)
    write_wav(deepest / "deep.wav")
    case(f"wav {deep} folders deep", "refused")
    (root / "a" / "b" / "c").mkdir(parents=True)
    write_wav(root / "a" / "b" / "c" / "Shallow - Song.wav")
    case("wav 3 folders deep", "ok")
    return cases
