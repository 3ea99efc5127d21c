"""Importers: what a listener brings, read into Segue's own types, with a report of what was kept and why not.

    catalogue.py    detect a catalogue's format and read it (`read_catalogue`): Segue CSV, Spotify-API CSVs,
                    JSON lines, a folder of audio files; tabular.py and audio_files.py do the reading,
                    report.py counts rows kept, rejected and repaired (and `shown` escapes names for output)
    bounds.py       the line, field, row and line-count limits of the CSV and JSONL readers
    folder.py       which files of a music folder are read at all: regular files inside it, each skip reported
    tag_reader.py   tags read in a worker process (tag_worker.py), bounded in time per file and in memory
    history.py      listening histories (Spotify, Last.fm, ListenBrainz) -> `Listen`s (`read_history`);
                    history_shapes.py models each export's layout and records with bounds, bounded_json.py
                    parses JSON within a nesting depth and number length
    matching.py     listens -> catalogue rows (`match_listens`)
    fingerprint.py  content fingerprints, so a re-import of the same file is a no-op

A new catalogue format is a reader in its own module plus a line in `catalogue.detect_format`; a new history
format is a record model in history_shapes.py, a reader in history.py and its detection in `_records_format`.
"""
