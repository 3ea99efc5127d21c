"""Install the generated demo: its catalogue and the histories of its four demo listeners (idempotent)."""

from __future__ import annotations

from retrieval.catalogue_service import CatalogueService, Progress
from retrieval.demo.catalogue import build_demo_catalogue, describe_demo
from retrieval.demo.history import generate_histories, write_histories
from retrieval.importers.fingerprint import IMPORTER_VERSION
from retrieval.listeners import ListenerService


def install_demo(catalogue: CatalogueService, listeners: ListenerService, n_tracks: int = 12_000,
                 progress: Progress | None = None) -> dict:
    """Make the fictional demo catalogue the active one and import its demo listeners, unless it already is."""
    label = describe_demo(n_tracks)
    fp = f"demo-{n_tracks}-v{IMPORTER_VERSION}"
    if catalogue.manifest().get("fingerprint") != fp:
        generated = build_demo_catalogue(n_tracks)
        generated.meta.update({"name": "demo", "source": "generated", "fingerprint": fp, "generated": True,
                               "label": label})
        catalogue.replace(generated, progress)
        tracks = [generated.track(i) for i in range(len(generated))]
        files = write_histories(generate_histories(tracks), catalogue.home.demo_dir / "histories")
        for name, path in files.items():
            listeners.import_history(path, name)
    return {"label": label, "listeners": listeners.names()}
