"""Generated test audio: songs with known tempo, key and style, rendered to real files (see library.py)."""
