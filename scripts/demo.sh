#!/usr/bin/env bash
# Quick start: set up, install the generated demo catalogue and listeners, print a demo playlist.
# No API key, no network beyond PyPI for the first install. Extra arguments go to `segue demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
exec .venv/bin/segue demo "$@"
