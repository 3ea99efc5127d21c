"""The listener service: who listens, their imported plays and in-session feedback, and the taste built on them.

Taste profiles are cached per listener and rebuilt after new plays or feedback (`forget_taste`) or when the
catalogue changes.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from retrieval.catalogue_service import CatalogueService
from retrieval.errors import BadInput, NotReady
from retrieval.importers.fingerprint import fingerprint
from retrieval.store import Store, Stores, check_listener_name
from retrieval.taste import TasteProfile


class ListenerService:
    def __init__(self, stores: Stores, catalogue: CatalogueService):
        self.stores = stores
        self.catalogue = catalogue
        self._taste: dict[str, TasteProfile | None] = {}
        self._taste_generation = -1
        self._lock = threading.Lock()

    def store(self) -> Store:
        """The calling thread's store."""
        return self.stores.store()

    def names(self) -> list[str]:
        return self.store().listeners()

    def known(self, name: str | None) -> str | None:
        """`name` when it is a listener here, else None."""
        return name if name and name in self.names() else None

    def taste(self, user: str | None) -> TasteProfile | None:
        """The listener's taste profile, or None for no listener or one with no matched plays. An unknown name is
        NotReady (import a history first)."""
        if not user:
            return None
        with self._lock:
            if self._taste_generation != self.catalogue.generation:
                self._taste, self._taste_generation = {}, self.catalogue.generation
            if user in self._taste:
                return self._taste[user]
        from retrieval.taste import taste_from_listens

        store = self.store()
        if user not in store.listeners():
            known = ", ".join(store.listeners()) or "none yet"
            raise NotReady(f"No listener called {user!r} (known: {known}). Import a history first: "
                           f"`segue history import PATH --user {user}`.")
        lib = self.catalogue.library()
        profile = taste_from_listens(store.listens(user) + self.feedback_listens(user), lib.catalogue, lib.items)
        profile = None if profile.empty else profile
        with self._lock:
            self._taste[user] = profile
        return profile

    def feedback_listens(self, user: str) -> list:
        """Likes, dislikes and skips given in sessions, as listens: a like counts as three plays, a dislike or a
        skip as a skipped play (taste counts skips against)."""
        out = []
        for f in self.stores.sessions().feedback(user):
            ts = datetime.fromisoformat(f["at"])
            n = 3 if f["kind"] == "like" else 1
            out += [SimpleNamespace(ts=ts, track_id=f["track_id"], skipped=f["kind"] != "like")] * n
        return out

    def forget_taste(self, user: str | None) -> None:
        """Drop the cached taste of `user` (after new feedback or history)."""
        with self._lock:
            self._taste.pop(user, None)

    def import_history(self, path: Path, user: str) -> dict:
        """Read a listening-history export, match it to the catalogue and store the plays (a re-import of the same
        file adds nothing)."""
        from retrieval.importers.history import read_history
        from retrieval.importers.matching import match_listens

        try:
            check_listener_name(user)
        except ValueError as e:
            raise BadInput(str(e)) from None
        path = Path(path)
        if not path.exists():
            raise BadInput(f"{path} does not exist. Give a streaming-history JSON file or a folder of them.")
        listens, report = read_history(path)
        lib = self.catalogue.library()
        rows, match = match_listens(listens, lib.catalogue)
        ids = [lib.catalogue.ids[r] if r is not None else None for r in rows]
        try:
            added = self.store().add_listens(user, listens, ids, source_key=fingerprint(path))
        except ValueError as e:
            raise BadInput(str(e)) from None
        self.forget_taste(user)
        return {"user": user, "read": report.model_dump(mode="json"), "match": match.model_dump(mode="json"),
                "stored": added}
