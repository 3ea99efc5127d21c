"""Shared fixtures: a real data home with the generated demo catalogue, built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.paths import SHARED_DATA  # noqa: E402


@pytest.fixture(scope="session")
def encoder():
    from retrieval.encoder import E5Encoder

    return E5Encoder()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory, encoder) -> Path:
    """A SEGUE_HOME holding the demo catalogue (real vectors, real FAISS, real SQLite) and demo listeners."""
    from assistant.compose import build, install_demo
    from assistant.model.settings import Settings

    home = tmp_path_factory.mktemp("segue-demo-home")
    app = build(Settings(home=home), encoder=encoder)
    install_demo(app)
    app.close()
    return home


@pytest.fixture()
def demo_app(demo_home, encoder):
    from assistant.compose import build, install_demo
    from assistant.model.settings import Settings

    app = build(Settings(home=demo_home), encoder=encoder)
    yield app
    app.close()
