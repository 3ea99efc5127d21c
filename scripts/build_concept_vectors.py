"""Write the concept phrase vectors Segue uses (assistant/understanding/data/concept_vectors/<key>.npy) for the
built-in encoder and concept inventory, and remove stale ones. scripts/setup.sh runs it with --if-missing (the
file is built, not stored in git); run it without after editing the concepts' names or phrases:

    .venv/bin/python scripts/build_concept_vectors.py [--if-missing]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from assistant.understanding.concept_index import SHIPPED_DIR, ConceptIndex, save_atomically
    from retrieval.encoder import E5Encoder

    index = ConceptIndex.from_path(E5Encoder())
    path = SHIPPED_DIR / f"{index.key}.npy"
    if "--if-missing" in sys.argv[1:] and index._read(path) is not None:
        return
    if path.exists():
        path.unlink()  # encode afresh rather than read this very file back
    vectors = index.load()
    save_atomically(path, vectors)
    for stale in SHIPPED_DIR.glob("*.npy"):
        if stale != path:
            stale.unlink()
    print(f"wrote {path} ({vectors.shape[0]} phrases x {vectors.shape[1]})")


if __name__ == "__main__":
    main()
