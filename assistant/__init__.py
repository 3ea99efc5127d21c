"""Segue assistant: what listeners mean (constraints, parsing, playlists, reports) and the CLI."""

import retrieval as _retrieval  # noqa: E402,F401 - sets the BLAS thread count before numpy is imported
