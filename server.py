"""Segue's web server, kept at the repository root for `from server import create_app`.

The app lives in `assistant.web` (`create_app`: routers per area, dependencies, one error map); `segue serve`
runs it with uvicorn. Importing this module builds nothing.
"""

from assistant.web import create_app

__all__ = ["create_app"]
