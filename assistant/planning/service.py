"""The planner service: a prompt -> a reading -> a checked, personalised Playlist, over one catalogue.

It holds what reading and planning need and caches what is costly to build: the catalogue's vocabulary
(rebuilt when the catalogue changes) and the configured LLM (made on first use; None offline). `prepare` builds
at import what the vocabulary saves (its names, and the concept phrase vectors), so that commands only load it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from assistant.llm import ChatModel
from assistant.model.constraints import Constraints, Length
from assistant.model.errors import BadInput, NoPlaylist
from assistant.model.playlist import Playlist
from assistant.model.settings import Settings
from assistant.understanding import Vocabulary
from retrieval.catalogue_service import CatalogueService, Progress
from retrieval.library import Library
from retrieval.listeners import ListenerService

_UNSET = object()


class Planner:
    def __init__(self, settings: Settings, catalogue: CatalogueService, listeners: ListenerService,
                 llm_factory: Callable[[], ChatModel | None]):
        self.settings = settings
        self.catalogue = catalogue
        self.listeners = listeners
        self._llm_factory = llm_factory
        self._llm: ChatModel | None | object = _UNSET
        self._vocab: Vocabulary | None = None
        self._vocab_generation = -1
        self._lock = threading.Lock()

    # -- parts ----------------------------------------------------------------------------------------
    def library(self) -> Library:
        return self.catalogue.library()

    def llm(self) -> ChatModel | None:
        """The configured LLM, or None when Segue runs offline."""
        if self._llm is _UNSET:
            self._llm = self._llm_factory()
        return self._llm  # type: ignore[return-value]

    def vocabulary(self) -> Vocabulary:
        """The catalogue's genre terms, artists, titles and named entities, and the concept index (its phrase vectors
        cached in the data home), for grounding what a request says."""
        with self._lock:
            if self._vocab is None or self._vocab_generation != self.catalogue.generation:
                generation = self.catalogue.generation
                from assistant.understanding.concept_index import ConceptIndex

                concepts = ConceptIndex.from_path(self.catalogue.encoder, self.catalogue.home.root / "concepts")
                self._vocab = Vocabulary.from_library(self.library(), self.catalogue.encoder, concepts=concepts)
                self._vocab_generation = generation
            return self._vocab

    def prepare(self, library: Library, progress: Progress | None = None) -> None:
        """Build the vocabulary of a newly imported `library` (its names are saved beside the catalogue's index:
        `understanding.saved_vocabulary`) and the concept phrase vectors (they depend on the encoder and the concept
        inventory, not on the catalogue: shipped with Segue for the built-in ones, else encoded once into
        `<home>/concepts`)."""
        if library is not self.library():
            return  # another import replaced it meanwhile: that one prepares its own
        if progress:
            progress("vocabulary", 0, 1)
        vocabulary = self.vocabulary()
        if progress:
            progress("vocabulary", 1, 1)
        if vocabulary.concepts is not None:  # shipped: loaded; else ~11-14 s once per home on 2 CPUs
            vocabulary.concepts.load((lambda done, total: progress("concept phrases", done, total)) if progress else None)

    @property
    def defaults(self) -> dict:
        """The playlist defaults a request may leave out (length and per-artist cap)."""
        return {"default_tracks": self.settings.default_tracks,
                "default_max_per_artist": self.settings.default_max_per_artist}

    # -- reading and planning ---------------------------------------------------------------------------
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

    def plan(self, constraints: Constraints, user: str | None = None) -> Playlist:
        """Constraints -> a checked playlist for `user` (named works resolved to tracks first)."""
        from assistant.planning.planner import make_playlist
        from assistant.planning.works import resolve_works

        c, missing_works = resolve_works(constraints, self.library())
        return make_playlist(c, self.library(), self.listeners.taste(user), listener=user,
                             missing_works=missing_works, **self.defaults)

    def playlist(self, prompt: str, user: str | None = None, minutes: float | None = None,
                 tracks: int | None = None) -> Playlist:
        """The main entry point: prompt -> checked, personalised Playlist (NoPlaylist when Segue asks back or
        declines)."""
        reading = self.understand(prompt, minutes=minutes, tracks=tracks)
        if reading.kind != "playlist" or reading.constraints is None:
            raise NoPlaylist(reading)
        user = user or self.settings.user
        pl = self.plan(reading.constraints, user)
        pl.understanding = reading.summary()
        return pl
