#!/usr/bin/env bash
# Create .venv (once) and install Segue into it with its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Segue needs Python >= 3.11 (found: $("$PY" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.segue-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  log=$(mktemp)
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]" >"$log" 2>&1; then
    cat "$log" >&2; echo "Installing Segue into .venv failed (log above)." >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  touch "$stamp"
fi
# The concept phrase vectors for the built-in encoder are built here once (~15-50 s), not stored in git and not
# paid by a listener's first request; a current file is kept.
HF_HUB_OFFLINE=1 .venv/bin/python scripts/build_concept_vectors.py --if-missing
