"""The composition root: the one place that wires Segue's real parts.

`build()` makes the services for the CLI, the server and the tests (which pass their own settings, and may
pass an encoder and a scripted LLM); nothing is created at import time, and the heavy parts (the catalogue's
library, the encoder, the LLM) load on first use.

    Services.catalogue   retrieval.CatalogueService: the active catalogue, its import and its loaded library
    Services.listeners   retrieval.ListenerService: listeners, their plays and feedback, and their taste
    Services.planner     planning.Planner: prompt -> reading -> checked, personalised playlist
    Services.stores      retrieval.store.Stores: the calling thread's SQLite store (sessions, tokens)
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.llm import ChatModel, from_settings
from assistant.model.settings import Settings
from assistant.planning import Planner
from retrieval.catalogue_service import CatalogueService, Progress
from retrieval.encoder import TextEncoder
from retrieval.home import Home
from retrieval.listeners import ListenerService
from retrieval.store import Stores

__all__ = ["Services", "build", "install_demo"]


@dataclass(frozen=True)
class Services:
    settings: Settings
    stores: Stores
    catalogue: CatalogueService
    listeners: ListenerService
    planner: Planner

    def close(self) -> None:
        """Close every store connection opened (one per thread)."""
        self.stores.close()


def build(settings: Settings | None = None, encoder: TextEncoder | None = None, llm: ChatModel | None = None) -> Services:
    """Wire the real parts. Without `llm` the LLM comes from the settings (None: offline)."""
    from retrieval.encoder import E5Encoder

    settings = settings or Settings()
    stores = Stores(Home(settings.home).open().db_path)
    catalogue = CatalogueService(settings.home, (lambda: encoder) if encoder is not None else E5Encoder,
                                 settings.ann_threshold)
    listeners = ListenerService(stores, catalogue)
    planner = Planner(settings, catalogue, listeners, (lambda: llm) if llm is not None else (lambda: from_settings(settings)))
    catalogue.prepare_with(planner.prepare)  # an import also saves the vocabulary's names and concept vectors
    return Services(settings=settings, stores=stores, catalogue=catalogue, listeners=listeners, planner=planner)


def install_demo(services: Services, n_tracks: int = 12_000, progress: Progress | None = None) -> dict:
    """Generate the fictional demo catalogue and its demo listeners (idempotent)."""
    from retrieval.demo.install import install_demo as install

    return install(services.catalogue, services.listeners, n_tracks, progress)
