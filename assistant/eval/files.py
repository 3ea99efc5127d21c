"""The evaluations' files: the gold sets shipped beside this module (`data/`) and a reader of JSONL(.gz) files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from assistant.model.errors import BadInput

GOLD_DIR = Path(__file__).resolve().parent / "data"  # the project's own gold sets (see data/README.md)


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSONL file (gzipped when it ends in .gz); blank lines are skipped."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path} does not exist.")
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    raise BadInput(f"{path} line {n} is not valid JSON; fix or remove that line.") from None
    return rows
