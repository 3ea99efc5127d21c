"""Offline DJ lines: varied templates per link kind, and the personas the LLM path can write in. Plain data.

A template is (fields it needs, text). Fields come from a link's facts, flattened: `title`/`artist`/`year`/...
of the track coming up, `prev_title`/`prev_artist` of the one just played, `first_*`/`last_*` for the intro
and outro, `request`, `minutes`, `tracks`, `occasion`, `feel`, `plays`, `since`, `artist_plays`. A template is
only used when every field it names is known, so an offline line never says more than its facts.
"""

from __future__ import annotations

# Said after a track (the "backsell"); a link is a backsell (sometimes none) then a kind sentence.
BACKSELL = (
    "That was {prev_title} from {prev_artist}.",
    "{prev_artist} there, with {prev_title}.",
    "You just heard {prev_title} by {prev_artist}.",
    "Lovely stuff from {prev_artist}: {prev_title}.",
    "{prev_title}, from {prev_artist}, just now.",
    "That one was {prev_artist}, {prev_title}.",
    "Beautiful. {prev_title} by {prev_artist}.",
    "So that was {prev_artist} and {prev_title}.",
)

STORY = (
    (("year", "album"), "Next, {artist} with {title}, from the {year} album {album}."),
    (("year", "album"), "Here's {title} by {artist}; it's on {album}, from {year}."),
    (("year", "album"), "From {year} and the album {album}, this is {artist} with {title}."),
    (("year",), "Coming up, {title} by {artist}, from {year}."),
    (("year",), "Going back to {year} now: {artist}, {title}."),
    (("year",), "Here is {artist} with {title}, a track from {year}."),
    (("album",), "Up next, {title}, from {artist}'s album {album}."),
    (("album",), "Now {artist}, off the album {album}: {title}."),
    (("chart_peak", "chart_weeks"), "{title} by {artist} reached number {chart_peak} on the Billboard Hot 100 and "
                                    "stayed on the chart {weeks_phrase}."),
    (("chart_peak", "chart_weeks", "year"), "Back in {year}, {artist} took {title} to number {chart_peak} on the "
                                            "Billboard Hot 100, with {weeks_phrase} on the chart."),
    (("chart_peak",), "Coming up, a song that made the Billboard Hot 100, peaking at number {chart_peak}: "
                      "{title} by {artist}."),
)

TRENDING = (
    (("chart_peak", "chart_weeks"), "A proper hit next: {title} by {artist} spent {weeks_phrase} on the Billboard "
                                    "Hot 100 and peaked at number {chart_peak}."),
    (("chart_peak",), "Chart time: {artist}'s {title} climbed to number {chart_peak} on the Billboard Hot 100."),
    (("popularity",), "A listener favourite next: {title} by {artist}, with a popularity score of {popularity}."),
    (("popularity",), "Plenty of people love this one: {artist}, {title}, popularity {popularity}."),
    (("popularity",), "Here's a popular one, with a popularity score of {popularity}: {title} by {artist}."),
)

MOOD = (
    (("occasion", "feel"), "Perfect for {occasion}: {title} by {artist}, {feel}."),
    (("occasion", "feel"), "Keeping {occasion} going with {artist} and {title}, {feel}."),
    (("occasion", "feel"), "{title} next, {feel}; just right for {occasion}."),
    (("occasion", "feel"), "Made for {occasion}, here's {artist} with {title}: {feel}."),
    (("feel",), "Next, {artist} and {title}, {feel}."),
    (("feel",), "Settle in for {title} by {artist}: {feel}."),
)

PERSONAL = (
    (("plays", "since"), "One you know: you've played {title} by {artist} {plays} times since {since}."),
    (("plays", "since"), "From your own history, {artist}'s {title}: {plays} plays since {since}."),
    (("plays",), "You keep coming back to this one, {plays} plays so far: {title} by {artist}."),
    (("artist_plays",), "You've played {artist} {artist_plays} times, so here's {title}."),
    (("artist_plays",), "An artist you know well, {artist_plays} plays in your history: {artist}, with {title}."),
)

INTRO = (
    (("request", "tracks", "minutes"), "Good to have you here. This is {minutes} minutes of {request}, {tracks} "
                                       "tracks, starting with {first_title} by {first_artist}."),
    (("request", "tracks", "minutes"), "Welcome in. You asked for {request}, so here are {tracks} tracks over "
                                       "{minutes} minutes, opening with {first_artist} and {first_title}."),
    (("request", "tracks"), "Hello and welcome. {tracks} tracks of {request} coming up, and we start with "
                            "{first_title} from {first_artist}."),
    (("tracks",), "Hello. {tracks} tracks lined up for you, starting with {first_artist} and {first_title}."),
)
GENERATED_NOTE = "Everything here comes from the generated demo catalogue, so the artists are invented."

OUTRO = (
    (("request", "minutes"), "That was {last_title} by {last_artist}, and that's our {minutes} minutes of "
                             "{request}. Thanks for listening."),
    ((), "{last_artist} closes the set with {last_title}. Thanks for spending the time; until next time."),
    ((), "And that brings us to the end: {last_title} by {last_artist}. Thanks for listening."),
)

# "Who is this?" during the live session: about the track playing now.
ABOUT = (
    (("year", "album"), "This is {artist}, with {title}, from the {year} album {album}."),
    (("year",), "You're hearing {title} by {artist}, from {year}."),
    (("album",), "This is {title} by {artist}, from the album {album}."),
    ((), "This is {artist}, and the track is {title}."),
)

# After "more energy": the new next track.
REQUEST = (
    ((), "More energy, coming right up: {title} by {artist}."),
    ((), "Turning it up a notch with {artist} and {title}."),
    ((), "You asked for more energy, so here's {title} by {artist}."),
)

# The line of last resort: always passes the fact check (names only).
FALLBACK = "Next: {title} by {artist}."

KINDS = {"story": STORY, "trending": TRENDING, "mood": MOOD, "personal": PERSONAL, "intro": INTRO,
         "outro": OUTRO, "about": ABOUT, "request": REQUEST}

PERSONAS = {
    "radio": "a warm, unhurried radio host who loves the records and talks like a friend; short sentences, no "
             "hype",
    "late-night": "a soft-spoken late-night host, intimate and calm, who lets the music breathe",
    "club": "an upbeat club DJ with energy and swagger, but never shouting",
    "critic": "a knowledgeable, dry music journalist who likes a precise detail",
}
DEFAULT_PERSONA = "radio"
