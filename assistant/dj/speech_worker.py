"""The espeak-ng speech worker: `python -P speech_worker.py`, one per Segue process (see `speech.EspeakSpeaker`).

Reads one JSON request per line on stdin (`text`, `path`, `voice`, `rate`, `volume`), writes the WAV file, and
answers one JSON line on its own copy of stdout (`{"ok": true}` or `{"error": "..."}`). Everything else that would
reach stdout (pyttsx3's driver prints "Audio saved to ...") goes to /dev/null.

pyttsx3 2.99 workarounds (measured): the first `save_to_file` of a process writes no file in time (`runAndWait`
returns while espeak-ng is still synthesising on its own thread): a throw-away save runs first, and every save
waits for espeak-ng (`espeak_Synchronize`) and for the file, and is retried once. Setting a voice resets the rate:
the voice is set first, then the rate, directly on the driver, and waited for.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

SAVE_TIMEOUT = 30.0  # seconds to wait for espeak-ng to write one file


class Engine:
    """The one pyttsx3 engine of this process (espeak-ng initialises once per process)."""

    def __init__(self):
        import pyttsx3

        self.engine = pyttsx3.init("espeak")
        with tempfile.TemporaryDirectory() as tmp:  # the first save of a process writes nothing in time
            self._save("Ready.", Path(tmp) / "warm-up.wav")

    def voice_id(self, wanted: str) -> str:
        wanted = wanted.lower()
        voices = self.engine.getProperty("voices")
        for v in voices:  # by file id ("gmw/en-us", "en-us"), then language ("en-gb"), then name
            if v.id == wanted or v.id.endswith("/" + wanted):
                return v.id
        for v in voices:
            if wanted in [str(x).lower() for x in (v.languages or [])] or (v.name or "").lower() == wanted:
                return v.id
        raise LookupError(f"espeak-ng has no voice {wanted!r}; try en-us, en-gb or en (espeak-ng --voices).")

    def _save(self, text: str, path: Path) -> None:
        from pyttsx3.drivers import _espeak

        self.engine.save_to_file(text, str(path))
        self.engine.runAndWait()
        _espeak.Synchronize()  # runAndWait can return before the asynchronous synthesis has written the file
        deadline = time.monotonic() + SAVE_TIMEOUT
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.005)

    def speak(self, text: str, path: Path, voice: str, rate: int, volume: float) -> None:
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver

        # Set directly, in this order (the voice resets the rate), and wait until espeak-ng has applied them:
        # set through pyttsx3's queue, a rate can be cancelled by the loop's stop() before it takes effect.
        EspeakDriver.setProperty("voice", self.voice_id(voice))
        EspeakDriver.setProperty("rate", int(rate))
        EspeakDriver.setProperty("volume", float(volume))
        _espeak.Synchronize()
        for _ in range(2):
            path.unlink(missing_ok=True)
            self._save(text, path)
            if path.exists() and path.stat().st_size > 44:
                return
        raise RuntimeError(f"espeak-ng wrote no audio for {path.name}; check `espeak-ng -w /tmp/t.wav hello` works.")


def main() -> int:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # prints from pyttsx3 or espeak-ng never reach the replies
    engine = None
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if engine is None:
                try:
                    engine = Engine()
                except ImportError:
                    raise RuntimeError("The default voice needs pyttsx3: reinstall Segue (`bash scripts/setup.sh`).") from None
                except Exception as e:  # noqa: BLE001 - pyttsx3 raises bare errors when espeak-ng is missing
                    raise RuntimeError(f"espeak-ng could not start ({e}). Install it: `apt-get install espeak-ng` "
                                       "(macOS: `brew install espeak-ng`), or choose another voice with --voice.") from None
            engine.speak(req["text"], Path(req["path"]), req.get("voice") or "en-us", req.get("rate", 165),
                         req.get("volume", 1.0))
            reply = {"ok": True}
        except Exception as e:  # noqa: BLE001 - every failure is an answer, never a dead worker
            reply = {"error": str(e) or type(e).__name__}
        replies.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
