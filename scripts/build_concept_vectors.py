"""Write the concept phrase vectors Segue ships (assistant/understanding/data/concept_vectors/<key>.npy) for the
built-in encoder and concept inventory, and remove stale ones. Run it after editing the concepts' names or phrases
(tests/understanding/test_shipped_concept_vectors.py fails until then):

    .venv/bin/python scripts/build_concept_vectors.py
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
