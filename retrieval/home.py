"""The data home (SEGUE_HOME): where the active catalogue, vectors, indexes and the database live.

    <home>/catalog/            the active catalogue (columns + manifest)
    <home>/vectors/<key>/      vectors for one catalogue content (cache, memory-mapped)
    <home>/index/<key>/        combined item vectors and the FAISS index built on them
    <home>/segue.db            SQLite: listeners, listens (later: sessions, turns, feedback)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def catalog_dir(self) -> Path:
        return self.root / "catalog"

    @property
    def vectors_root(self) -> Path:
        return self.root / "vectors"

    def index_dir(self, key: str) -> Path:
        return self.root / "index" / key

    @property
    def db_path(self) -> Path:
        return self.root / "segue.db"

    @property
    def demo_dir(self) -> Path:
        return self.root / "demo"

    def ensure(self) -> Home:
        self.root.mkdir(parents=True, exist_ok=True)
        return self

    def has_catalogue(self) -> bool:
        return (self.catalog_dir / "manifest.json").exists()
