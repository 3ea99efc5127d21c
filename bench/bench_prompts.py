"""The benches' fixed playlist requests: `bench/playlist_latency.py` times all twenty, `bench/load.py` sends the
first ten (`LOAD`) to the web server."""

PROMPTS = [
    "45 minutes of upbeat 90s rock for a road trip, no Nirvana",
    "an hour of chill electronic for coding",
    "20 chill jazz songs, max 2 per artist, clean",
    "120-130 bpm house for a workout",
    "sad acoustic songs for a rainy day",
    "hidden gems of 70s soul",
    "party hip hop from 2010-2015",
    "instrumental music for studying",
    "country songs before 1980",
    "mellow folk for a sunday morning",
    "something like Radiohead but more upbeat, nothing after 2005",
    "2 hours of classic rock hits",
    "energetic metal, no ballads",
    "latin dance music for a summer party",
    "90s r&b slow jams",
    "disco and funk, 30 songs",
    "ambient music for sleep",
    "punk from the 80s, one song per artist",
    "dreamy indie pop",
    "happy pop songs",
]
LOAD = PROMPTS[:10]
