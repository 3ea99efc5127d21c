"""Word lists of the offline parser, data only: moods and activities -> audio-feature targets, mood aliases and
opposites, genre spellings, filler, stop and list-separator words. They can be tuned without touching parsing code
(the tokenizing functions are in `tokens.py`, the mood lookups built from these lists in `moods.py`). Feature
values are on Spotify's 0..1 scales; when two moods set the same feature the parser averages them.
"""

from __future__ import annotations

# Words that end a name or genre phrase: a name read after a trigger stops at them.
STOP: frozenset[str] = frozenset("but with for please because so while when if than except without only like no not "
                                  "that which who to at as into on in from during then plus also by".split())
# Words and marks that separate the items of a list ('Nirvana, Pearl Jam and Soundgarden').
SEPARATORS: frozenset[str] = frozenset({",", "and", "or", "nor", "&", "n", "+"})

# Canonical mood or activity -> soft feature targets.
MOODS: dict[str, dict[str, float]] = {
    "upbeat": {"energy": 0.75, "valence": 0.7},
    "happy": {"valence": 0.8, "energy": 0.65},
    "feel good": {"valence": 0.8, "energy": 0.65},
    "sad": {"valence": 0.2, "energy": 0.35},
    "melancholic": {"valence": 0.25, "energy": 0.35},
    "heartbreak": {"valence": 0.25, "energy": 0.4},
    "chill": {"energy": 0.35},
    "relaxing": {"energy": 0.25, "acousticness": 0.6},
    "calm": {"energy": 0.25},
    "energetic": {"energy": 0.85},
    "mellow": {"energy": 0.35, "acousticness": 0.5},
    "dark": {"valence": 0.2},
    "angry": {"energy": 0.9, "valence": 0.25},
    "romantic": {"valence": 0.55, "energy": 0.4, "acousticness": 0.5},
    "sexy": {"danceability": 0.65, "energy": 0.45},
    "dreamy": {"energy": 0.35, "valence": 0.45},
    "epic": {"energy": 0.8},
    "groovy": {"danceability": 0.75},
    "danceable": {"danceability": 0.8, "energy": 0.7},
    "party": {"danceability": 0.8, "energy": 0.8, "valence": 0.7},
    "workout": {"energy": 0.85, "danceability": 0.7},
    "running": {"energy": 0.85, "danceability": 0.65},
    "road trip": {"energy": 0.7, "valence": 0.65},
    "night drive": {"energy": 0.55, "valence": 0.4},
    "study": {"instrumentalness": 0.6, "energy": 0.35},
    "sleep": {"energy": 0.15, "acousticness": 0.7, "instrumentalness": 0.5},
    "meditation": {"energy": 0.15, "acousticness": 0.6, "instrumentalness": 0.6},
    "rainy day": {"energy": 0.35, "valence": 0.35, "acousticness": 0.6},
    "summer": {"valence": 0.75, "energy": 0.7, "danceability": 0.65},
    "beach": {"valence": 0.7, "energy": 0.6},
    "winter": {"energy": 0.35, "acousticness": 0.6},
    "dinner": {"energy": 0.35, "acousticness": 0.5, "valence": 0.6},
    "morning": {"energy": 0.5, "valence": 0.65},
    "late night": {"energy": 0.4},
    "fast": {"energy": 0.8},
    "slow": {"energy": 0.3},
    "quiet": {"energy": 0.25},
    "loud": {"energy": 0.85},
    "acoustic": {"acousticness": 0.8},
    "instrumental": {"instrumentalness": 0.8, "speechiness": 0.05},
    "spoken": {"speechiness": 0.6},
    "electric": {"acousticness": 0.1},
    "undanceable": {"danceability": 0.25},
    "coding": {"instrumentalness": 0.6, "energy": 0.4},
    "reading": {"instrumentalness": 0.5, "energy": 0.25, "acousticness": 0.5},
    "yoga": {"energy": 0.2, "acousticness": 0.6, "instrumentalness": 0.6},
    "cooking": {"energy": 0.55, "valence": 0.7},
    "cafe": {"energy": 0.35, "acousticness": 0.6},
    "office": {"energy": 0.4, "valence": 0.6},
    "wedding": {"valence": 0.8, "danceability": 0.7, "energy": 0.65},
    "hangout": {"energy": 0.5, "valence": 0.65},
    "vocal": {"instrumentalness": 0.1},
    "ballad": {"energy": 0.3, "valence": 0.4, "acousticness": 0.5},
}

# Moods that are activities or contexts ("road trip", "studying"): they go to `Constraints.activities`.
ACTIVITIES: frozenset[str] = frozenset({"party", "workout", "running", "road trip", "night drive", "study", "sleep",
                                        "meditation", "dinner", "morning", "late night", "rainy day", "summer", "beach",
                                        "winter", "coding", "reading", "yoga", "cooking", "cafe", "office", "wedding",
                                        "hangout"})

# Words that set audio-feature targets but are not moods: they show as targets, not in `Constraints.moods`.
FEATURE_WORDS: frozenset[str] = frozenset({"acoustic", "instrumental", "vocal", "danceable", "undanceable", "fast",
                                           "slow", "quiet", "loud", "spoken", "electric"})

# Other ways of saying a mood (matched as whole words, longest phrase first) -> canonical mood.
MOOD_ALIASES: dict[str, str] = {
    "up beat": "upbeat", "cheerful": "happy", "joyful": "happy", "uplifting": "happy", "feel-good": "feel good",
    "feelgood": "feel good", "good vibes": "feel good", "sunny": "happy",
    "melancholy": "melancholic", "depressing": "sad", "gloomy": "sad", "breakup": "heartbreak",
    "break up": "heartbreak", "heartbroken": "heartbreak",
    "chilled": "chill", "chill out": "chill", "chillout": "chill", "chilling": "chill", "laid back": "chill",
    "laid-back": "chill", "laidback": "chill", "easygoing": "chill", "easy going": "chill",
    "relaxed": "relaxing", "relax": "relaxing", "soothing": "relaxing", "unwind": "relaxing", "unwinding": "relaxing",
    "peaceful": "calm", "serene": "calm", "tranquil": "calm",
    "high energy": "energetic", "high-energy": "energetic", "intense": "energetic", "hype": "energetic",
    "pump up": "energetic", "pumped": "energetic", "motivational": "energetic", "motivating": "energetic",
    "moody": "dark", "brooding": "dark", "spooky": "dark", "haunting": "dark",
    "aggressive": "angry", "rage": "angry", "furious": "angry",
    "love songs": "romantic", "date night": "romantic", "sensual": "sexy",
    "dreamlike": "dreamy", "ethereal": "dreamy",
    "funky": "groovy", "dance": "danceable", "dancing": "danceable", "dancey": "danceable", "dancy": "danceable",
    "partying": "party", "pregame": "party", "pre-game": "party", "club": "party",
    "gym": "workout", "working out": "workout", "exercise": "workout", "exercising": "workout",
    "lifting": "workout", "training": "workout", "cardio": "workout",
    "run": "running", "jogging": "running", "jog": "running",
    "road-trip": "road trip", "roadtrip": "road trip", "long drive": "road trip", "driving": "road trip",
    "drive": "road trip", "night-drive": "night drive", "late-night drive": "night drive",
    "studying": "study", "focus": "study", "focusing": "study", "concentration": "study", "concentrate": "study",
    "coding": "coding", "programming": "coding", "reading": "reading", "work": "study", "working": "study",
    "sleeping": "sleep", "bedtime": "sleep", "falling asleep": "sleep", "lullaby": "sleep", "lullabies": "sleep",
    "yoga": "yoga", "meditate": "meditation", "meditating": "meditation",
    "rainy": "rainy day", "rainy-day": "rainy day", "rain": "rainy day", "rainy days": "rainy day",
    "summertime": "summer", "summery": "summer", "poolside": "summer", "pool party": "party",
    "cozy": "winter", "cosy": "winter", "wintry": "winter",
    "dinner party": "dinner", "cooking": "cooking",
    "wake up": "morning", "sunrise": "morning", "breakfast": "morning", "mornings": "morning",
    "late-night": "late night", "midnight": "late night",
    "uptempo": "fast", "up-tempo": "fast", "downtempo": "slow", "slower": "slow", "faster": "fast",
    "soft": "quiet", "gentle": "quiet",
    "unplugged": "acoustic",
    "instrumentals": "instrumental", "no vocals": "instrumental", "without vocals": "instrumental",
    "no lyrics": "instrumental", "without lyrics": "instrumental", "no singing": "instrumental",
    "vocals": "vocal", "lyrics": "vocal", "heavy": "loud", "with vocals": "vocal", "with lyrics": "vocal", "singing": "vocal", "sung": "vocal",
    "spoken word": "spoken", "speechy": "spoken", "talky": "spoken", "storytelling": "spoken",
    "podcast style": "spoken", "podcast-style": "spoken", "skits": "spoken", "talking": "spoken",
    "voice samples": "spoken", "synth heavy": "electric", "synth-heavy": "electric", "electric guitars": "electric",
    "coffee shop": "cafe", "coffeeshop": "cafe", "café": "cafe", "work day": "office", "workday": "office",
    "at work": "office", "reception": "wedding", "hanging out": "hangout", "having people over": "hangout",
    "people over": "hangout", "get together": "hangout", "get-together": "hangout", "kitchen": "cooking",
    "ballads": "ballad", "power ballad": "ballad", "power ballads": "ballad", "slow jams": "ballad",
}

# Mood words inside a catalogue genre term that should not also set a mood ("new romantic" is a genre, not a mood).
MOODS_NOT_FROM_GENRES: frozenset[str] = frozenset({"romantic", "club", "work", "drive", "run", "rain", "soft"})

# A negated mood ("no sad songs", "not too fast") -> the mood to use instead.
OPPOSITES: dict[str, str] = {
    "sad": "happy", "melancholic": "happy", "dark": "upbeat", "happy": "melancholic", "upbeat": "mellow",
    "slow": "fast", "fast": "slow", "chill": "energetic", "mellow": "energetic", "calm": "energetic",
    "relaxing": "energetic", "energetic": "chill", "angry": "calm", "loud": "mellow", "quiet": "loud", "ballad": "upbeat",
    "acoustic": "electric", "instrumental": "vocal", "spoken": "instrumental",
    "danceable": "undanceable", "groovy": "undanceable", "electric": "acoustic", "vocal": "instrumental",
}

# Written spellings -> the catalogue's genre spelling (compared after genre normalisation).
GENRE_ALIASES: dict[str, str] = {
    "rnb": "r&b", "r and b": "r&b", "r b": "r&b", "hiphop": "hip hop", "dnb": "drum and bass",
    "d and b": "drum and bass", "drum n bass": "drum and bass", "lofi": "lo fi", "kpop": "k pop", "jpop": "j pop",
    "rock n roll": "rock and roll", "rock and roll": "rock and roll", "rocknroll": "rock and roll",
    "synthpop": "synth pop", "gangsta rap": "gangster rap", "postpunk": "post punk", "prog rock": "progressive rock",
    "prog": "progressive rock", "heavy metal": "metal", "hip hop": "hip hop",
}

# Well-known genre words: a leftover word in this list that the catalogue lacks gets a note with the closest terms.
KNOWN_GENRES: frozenset[str] = frozenset("""
rock pop jazz blues soul funk disco house techno trance ambient metal punk grunge emo indie folk country reggae
ska dub dancehall reggaeton salsa cumbia bachata merengue tango samba bossa flamenco fado gospel classical opera
baroque soundtrack edm electronic electronica dubstep dnb jungle garage grime drill trap rap hiphop r&b rnb motown
bluegrass americana shoegaze vaporwave synthwave chillwave darkwave retrowave outrun krautrock psychedelic psych
stoner doom sludge thrash metalcore deathcore hardcore screamo djent industrial goth gothic noise experimental
minimal downtempo chillhop lounge exotica polka celtic afrobeat afrobeats amapiano highlife kpop jpop britpop
electropop synthpop hyperpop phonk idm glitch breakbeat electro eurodance italo rockabilly surf doo-wop swing
bebop ragtime zydeco cajun mariachi ranchera norteno k-pop j-pop lo-fi lofi trip-hop post-rock math-rock
post-punk new-wave nu-metal big-band city-pop dream-pop bedroom-pop singer-songwriter hip-hop drum-and-bass
""".split())

# Words that carry no musical meaning in a request: dropped from the theme and never grounded.
FILLER: frozenset[str] = frozenset("""
a an the of for to in on at with and or but so me my i i'm im we our us you your give make create build
want need would like love please some something anything stuff thing things song songs track tracks tune tunes
music playlist playlists mix mixtape list set selection that this these those is are be been was it its it's
just really very kind sort bit little more less much lot lots good great nice best cool awesome perfect
can could should will get got let let's play playing put listen listening hear vibe vibes vibey feel feeling
mood type style sound sounds sounding maybe also too any all only from by than then while during when
what which who whose where how there here time day days hours minutes similar kinda kind of sorta maybe
perhaps anyway thanks thank hey hi hello suggest suggestions recommend recommendations recs find show
do does did doing done have has had having i'd i've i'll you're you've we're they're that's what's there's here's
he she they them their his her him it's isn't aren't wasn't don't doesn't didn't can't won't
am being about above after again against before below between both down each few further into
off once other out over own same should up through until why yes yeah yep ok okay sure
etc add include adding more most much many other others another such own same else
great amazing lovely awesome fantastic wonderful excellent nice cool fine looking look need needs want wants
wanting searching search pls plz dont im top artist artists band bands singer singers genre genres favorite favourite
""".split())


# Words that end a name without being part of it ("Radiohead songs", "Nirvana please").
NAME_TRAILERS: frozenset[str] = frozenset("""
song songs track tracks tune tunes music stuff playlist mix album albums record records vibes please etc too
also maybe instead again anymore
""".split())

# Catalogue genre terms that are also everyday words: matched only as "<word> music" ("world music").
GENERIC_TERMS: frozenset[str] = frozenset("""
abstract atmosphere axe bard bounce cartoon circuit classify coco comic corrosion drift electra environmental
healing hollywood idol ninja novelty nursery outsider parody pirate pixie poetry rosary shush sound strut
supergroup theme vogue water world wrestling stride popping
""".split())
