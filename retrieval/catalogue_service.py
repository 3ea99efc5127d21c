"""The catalogue service: the active catalogue of a data home, its import, and the library loaded from it.

The library (catalogue columns, vectors, FAISS index) loads lazily and once; importing a new catalogue replaces
it and bumps `generation`, so caches built on the old one (vocabulary, taste) know to rebuild. After an import
it saves the facts derived from the catalogue (`retrieval.derived`), then runs the preparers higher layers
registered (`prepare_with`), so that they save what they derive from it too and no later command builds it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.encoder import TextEncoder
from retrieval.errors import BadInput
from retrieval.home import Home
from retrieval.importers.fingerprint import fingerprint
from retrieval.importers.report import shown
from retrieval.library import Library, load_library, prune_caches
from retrieval.tracks import Catalogue, DamagedCatalogue

Progress = Callable[[str, int, int | None], None]
Preparer = Callable[[Library, Progress | None], None]


class CatalogueService:
    """One data home's catalogue. The text encoder is made by `encoder_factory` on first use."""

    def __init__(self, home: Path, encoder_factory: Callable[[], TextEncoder], ann_threshold: int):
        self.root = Path(home)
        self.ann_threshold = ann_threshold
        self._encoder: TextEncoder | None = None
        self._encoder_factory = encoder_factory
        self._library: Library | None = None
        self._lock = threading.Lock()
        self._preparers: list[Preparer] = []
        self.generation = 0

    def prepare_with(self, preparer: Preparer) -> None:
        """Run `preparer(library, progress)` after each import, once the catalogue's own derived facts are saved:
        a higher layer (the planner) builds and saves what it derives from the new catalogue."""
        self._preparers.append(preparer)

    @property
    def home(self) -> Home:
        return Home(self.root).ensure()

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = self._encoder_factory()
        return self._encoder

    def library(self, progress: Progress | None = None) -> Library:
        """The loaded library (built on first use: vectors and index are cached in the home)."""
        if self._library is None:
            with self._lock:
                if self._library is None:
                    self._library = load_library(self.home, self.encoder, self.ann_threshold, progress=progress)
        return self._library

    def manifest(self) -> dict:
        """The active catalogue's manifest; {} when there is none or it is damaged (an import replaces it)."""
        home = self.home
        if not home.has_catalogue():
            return {}
        try:
            meta = json.loads((home.catalog_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def import_catalogue(self, path: Path, progress: Progress | None = None) -> dict:
        """Import a catalogue file or folder; a no-op when the same content is already active."""
        from retrieval.importers.catalogue import detect_format, read_catalogue

        path = Path(path)
        if not path.exists():
            raise BadInput(f"{shown(path)} does not exist. Give a CSV, JSONL or a folder of audio files.")
        detect_format(path)  # refuses what is not a catalogue (a FIFO, a device) before anything reads it whole
        fp = fingerprint(path)
        meta = self.manifest()
        if meta and meta.get("fingerprint") == fp:
            try:
                self.library(progress=progress)  # make sure vectors and index exist too
            except DamagedCatalogue:
                meta = {}  # the saved copy is damaged: import it again below
        if meta and meta.get("fingerprint") == fp:
            return {"status": "unchanged", "message": f"{shown(path)} is already the active catalogue; nothing to do.",
                    "report": meta.get("import_report")}
        tracks, report = read_catalogue(path, progress=(lambda d, t: progress("read", d, t)) if progress else None)
        if not tracks:
            hint = ("Point at a folder of playable audio files (MP3, FLAC, Ogg, Opus, M4A, WAV), or at a CSV/JSONL catalogue."
                    if report.format == "audio-folder" else
                    "Check the file's columns against `segue catalog import --help`.")
            reasons = "; ".join(f"{reason}: {n}" for reason, n in report.rejected.items()) or "no rows"
            raise BadInput(f"No usable tracks in {shown(path)} ({reasons}). {hint}")
        label = f"{shown(path.name)} ({len(tracks):,} tracks)"
        meta = {"name": shown(path.name), "source": shown(path.resolve()), "fingerprint": fp, "generated": False, "label": label,
                "import_report": report.model_dump(mode="json")}
        self.replace(Catalogue.from_tracks(tracks, meta=meta), progress)
        return {"status": "imported", "message": f"Imported {report.kept:,} tracks from {shown(path)}.",
                "report": report.model_dump(mode="json")}

    def replace(self, catalogue: Catalogue, progress: Progress | None = None) -> None:
        """Make `catalogue` the active one: save it, load its library, drop the caches of older ones, save the
        facts derived from it (`retrieval.derived`), and run the registered preparers (`prepare_with`)."""
        catalogue.save(self.home.catalog_dir)
        with self._lock:
            self._library = None
            self.generation += 1
        library = self.library(progress=progress)
        prune_caches(self.home, library, self.ann_threshold)
        from retrieval.derived import prepare

        if progress:
            progress("catalogue facts", 0, 1)
        prepare(library)  # works index, chart facts, doubt: saved now so that no command builds them
        if progress:
            progress("catalogue facts", 1, 1)
        for preparer in self._preparers:
            preparer(library, progress)

    def info(self) -> dict:
        """A summary of the active catalogue (sizes, coverage, index kind)."""
        lib = self.library()
        cat = lib.catalogue
        years = np.asarray(cat.column("year"))
        known = years[~np.isnan(years)]
        genres = sorted({g for gs in cat.genres for g in gs})
        return {
            "label": cat.meta.get("label", ""),
            "generated": cat.generated,
            "tracks": len(cat),
            "artists": int(len(np.unique(cat.artist_codes))),
            "genres": len(genres),
            "years": [int(known.min()), int(known.max())] if known.size else None,
            "with_genres": int(sum(1 for g in cat.genres if g)),
            "with_year": int(known.size),
            "with_popularity": int((~np.isnan(np.asarray(cat.column("popularity")))).sum()),
            "index": getattr(lib.index, "kind", "?"),
            **lib.doubt().counts(),
            "home": str(self.home.root),
        }
