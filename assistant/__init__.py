"""Segue assistant: what listeners mean (constraints, parsing, playlists, reports) and the CLI."""
