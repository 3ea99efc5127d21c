"""A real uvicorn server on 127.0.0.1 for the API tests: `assistant.web.create_app` over a copy of the demo home."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_home(src: Path, dst: Path) -> Path:
    """A private copy of a data home (catalogue, vectors, index, segue.db), so tests may write to it freely."""
    import sqlite3

    with sqlite3.connect(src / "segue.db") as db:  # fold the WAL into the file before copying
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("segue.db-wal", "segue.db-shm"))
    return dst


@contextmanager
def live_server(home: Path, encoder, auth: str = "tokens", users: tuple[str, ...] = (), wrap=None, **settings):
    """Start uvicorn with the app on a free loopback port; yields (base_url, {user: token}, services).
    `wrap(app)` may put an ASGI middleware around the app (e.g. a tally of response statuses)."""
    import uvicorn

    from assistant.compose import build
    from assistant.model.settings import Settings
    from assistant.web import Users, create_app
    from assistant.web.server import server_config

    services = build(Settings(home=home, **settings), encoder=encoder)
    tokens = {name: Users(services.stores).add(name) for name in users}
    port = free_port()
    app = create_app(services, auth=auth)
    settings = services.settings
    server = uvicorn.Server(server_config(wrap(app) if wrap else app, "127.0.0.1", port, settings.header_timeout,
                                          settings.body_timeout, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", tokens, services
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class StatusTally:
    """ASGI middleware counting response statuses as the server sent them."""

    def __init__(self, app):
        from collections import Counter

        self.app, self.counts = app, Counter()

    async def __call__(self, scope, receive, send):
        async def counted(message):
            if message["type"] == "http.response.start":
                self.counts[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counted)
