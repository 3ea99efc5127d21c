"""Where the tests find things: the repository and the shared evaluation data beside it (never copied in)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
