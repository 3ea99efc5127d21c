"""The types every layer shares: what a listener asked for and what they get, plain data with no I/O beyond files.

    constraints.py     `Constraints` (what the request means), a question back or a refusal, the `Report`
    playlist.py        `Playlist` and its tracks, each with a reason
    playlist_files.py  M3U8, XSPF and JSPF: write and read back (a new format goes here)
    errors.py          the error tree (from `retrieval.errors`) plus `NoPlaylist`
    settings.py        `Settings`: every SEGUE_* variable, typed, read once by the composition root
    base.py            `StrictModel`: the pydantic base that refuses unknown fields
"""
