"""A deterministic, offline screen run before understanding, and helpers to keep untrusted text as data.

`screen(text)` returns a `Refusal` or None: *offensive* for a slur, a request to demean a protected group, for
hate music or to bully someone; *not_music* when the text carries no music signal and a clear signal of another
task (a fact question, code, an essay, maths...), or is only an attempt to instruct the model. Music with dark
words ("Killing in the Name", "songs about suicide") passes, and in doubt the request goes through.
`looks_like_injection` spots attempts to instruct the model ("ignore previous instructions", "you are now ...",
role markers); a request that still asks for music is read with those sentences dropped. `quote_untrusted`
neutralises listener text or catalogue metadata before it goes into an LLM prompt.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

from assistant.model.constraints import Refusal

NOT_MUSIC_MESSAGE = ("I make playlists, so I can't help with that. Tell me a mood, genre, artist or occasion "
                     "(e.g. \"upbeat 90s rock for a road trip\") and I'll put one together.")
OFFENSIVE_MESSAGE = ("I won't make that. I'm happy to build a playlist for any mood, genre or occasion "
                     "that doesn't demean people.")
INJECTION_ONLY_MESSAGE = ("I can only make playlists. Tell me a mood, genre, artist or occasion and I'll put "
                          "one together.")
QUOTE_MAX_CHARS = 5000

# -- text folding ------------------------------------------------------------------------------
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_LEET = str.maketrans({"0": "o", "1": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s",
                       "7": "t", "+": "t", "8": "b"})


def fold(text: str) -> str:
    """NFKC, invisible characters dropped, curly quotes straightened, case folded, spaces collapsed. Unlike the
    name keys (`entity_key`, `normalise_name`) it keeps accents, punctuation and a leading 'the': the screen's
    patterns read the text as written."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _INVISIBLE.sub("", s)
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch != "\n" else ch for ch in s)
    return re.sub(r"[ \t]+", " ", s).casefold().strip()


def _words(folded: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", folded)


# -- offensive ---------------------------------------------------------------------------------
# Slurs, ROT13-encoded so the source does not spell them out (decode: codecs.decode(w, "rot13")).
# Matched as whole words after undoing leetspeak and letter spacing, with simple plural endings.
_SLURS_ROT13 = ("avttre", "avttn", "snttbg", "snt", "xvxr", "fcvp", "tbbx", "genaal", "jrgonpx", "ertuvrnq", "pbba",
                "fuvgfxva")
# Variants also common in song and album titles (hip hop's in-group usage): offensive only together
# with a demeaning cue, so asking for a famous title passes.
_TITLE_VARIANTS_ROT13 = ("avttn",)


@lru_cache(maxsize=1)
def slur_words() -> tuple[frozenset[str], frozenset[str]]:
    """(slurs that are always offensive, title variants offensive only with a demeaning cue), decoded."""
    always = frozenset(codecs.decode(w, "rot13") for w in _SLURS_ROT13)
    titles = frozenset(codecs.decode(w, "rot13") for w in _TITLE_VARIANTS_ROT13)
    return always - titles, titles


def _stem_variants(word: str) -> set[str]:
    out = {word}
    if len(word) >= 4 and word[-1] in "sz":
        out.add(word[:-1])  # plurals: "...s", "...z"
    if len(word) >= 5 and word.endswith("ies"):
        out.add(word[:-3] + "y")
    return out


def _slur_hits(folded: str) -> tuple[bool, bool]:
    """(a slur that is always offensive, a title-variant slur) in the text."""
    always, titles = slur_words()
    cands: set[str] = set()
    base = re.sub(r"[^a-z0-9@$!|+ ]", " ", folded)
    for w in base.split():
        cands |= _stem_variants(w) | _stem_variants(w.translate(_LEET))
    # letter-spaced or dotted spellings: "n i g g e r", "f.a.g.g.o.t"
    for run in re.findall(r"(?:\b\w[\s.\-_*]){2,}\w\b", folded):
        joined = re.sub(r"[\s.\-_*]", "", run).translate(_LEET)
        cands |= _stem_variants(joined)
    return bool(cands & always), bool(cands & titles)


# Protected groups (people, not genres or bands): nationality/ethnicity, religion, sexuality, gender
# identity, disability, sex.
_GROUP_ADJ = (r"black|white|brown|asian|jewish|muslim|arab|african|mexican|latino|latina|hispanic|chinese|indian|"
              r"gay|lesbian|bisexual|trans|transgender|queer|lgbt|lgbtq\+?|disabled|autistic|handicapped|deaf|blind|"
              r"mentally ill|immigrant|native|indigenous|romani|hindu|sikh|christian|catholic")
_GROUP_NOUN = (r"jews|muslims|blacks|whites|gays|lesbians|immigrants|refugees|migrants|mexicans|asians|arabs|africans|"
               r"latinos|hispanics|chinese|indians|hindus|sikhs|christians|catholics|gypsies|roma|homosexuals|queers|"
               r"transgenders|trans people|the disabled|cripples|autists|women|females|girls|lgbt|lgbtq")
GROUP = re.compile(rf"\b(?:(?:{_GROUP_ADJ})\s+(?:people|persons|folks|men|women|kids|guys|community|communities|"
                   rf"families|students|neighbou?rs)|{_GROUP_NOUN})\b")
# Demeaning cues, written as they precede the group ("mocking disabled people", "kill all gays").
_DEMEAN = re.compile(
    r"\b(?:mock(?:s|ing)?|make(?:s)? fun of|making fun of|poke(?:s)? fun at|poking fun at|ridicul\w*|demean\w*|"
    r"degrad\w*|humiliat\w*|insult\w*|belittl\w*|dehumaniz\w*|dehumanis\w*|bash(?:ing)?|jokes? about|"
    r"laugh(?:ing)? at|kill all|kill the|death to|gas the|lynch\w*|get rid of|wipe out|exterminat\w*|"
    r"deport(?:ing)? all)\s+(?:\S+\s+){0,2}$")
# "hate" only right before the group, and not for the sexes ("i hate men, breakup songs please" is venting).
_HATE = re.compile(r"\b(?:hate|hates|hating(?: on)?)\s+(?:all\s+|the\s+|those\s+|these\s+)?$")
_ANY_CUE = re.compile(r"\b(?:mock\w*|make fun|making fun|ridicul\w*|demean\w*|degrad\w*|humiliat\w*|hate|hates|"
                      r"hating|jokes? about|kill all|death to)\b")
_GENDERED = re.compile(r"^(?:women|females|girls)$")
# "<group> are subhuman", "<group> should be wiped out"
_INSULT_PRED = re.compile(
    r"\b(?:are|r|is|being)\s+(?:all\s+|just\s+|so\s+)?(?:subhuman|inferior|vermin|animals|parasites|disgusting|scum|"
    r"filth|trash|garbage|evil|a disease|a plague|cockroaches|rats|apes|monkeys|less than human|not human)\b|"
    r"\b(?:should|must|deserve to|need to)\s+(?:all\s+)?(?:die|be (?:killed|wiped out|exterminated|gassed|deported|"
    r"lynched|banned|eradicated|burned|shot))\b|\bwiped out\b")
# Asking for hate music itself ("white power anthems", "racist songs"); "anti-racist songs" passes.
_HATE_MUSIC = re.compile(
    r"(?<!anti )(?<!anti-)(?<!against )\b(?:racist|homophobic|transphobic|antisemitic|anti-semitic|islamophobic|"
    r"misogynist(?:ic)?|white power|white supremacist|neo-?nazi|nazi|hateful)\s+(?:songs?|music|playlist|anthems?|"
    r"tracks?|bangers|lyrics|rock|rap|metal|punk|jams)\b")
# Songs *about* prejudice ("songs against the mocking of disabled people") are not requests to demean.
_PROTECTIVE = re.compile(r"\b(?:anti[- ]?(?:racis\w*|fascis\w*|hate|nazi\w*)|against (?:racism|hate|homophobia|"
                         r"transphobia|antisemitism|islamophobia|bigotry|fascism|discrimination|the mocking|"
                         r"the bullying)|civil rights)\b")
_BULLY = re.compile(r"\bto (?:bully|harass|humiliate|intimidate|torment|threaten)\b")
_WINDOW = 6  # words after a group in which "are subhuman", "should die" counts


def _demeans_a_group(f: str) -> bool:
    protective = _PROTECTIVE.search(f) is not None
    for g in GROUP.finditer(f):
        before = f[: g.start()]
        if not protective and (_DEMEAN.search(before) or (_HATE.search(before) and not _GENDERED.match(g.group()))):
            return True
        if _INSULT_PRED.search(" ".join(f[g.end():].split()[:_WINDOW])):
            return True
    return False


def is_offensive(text: str) -> bool:
    """A slur, a request to demean a protected group, a request for hate music, or for harassing someone."""
    f = fold(text)
    always, title_variant = _slur_hits(f)
    if always:
        return True
    for g in {f, f.translate(_LEET)}:  # "k1ll all ..." too
        if title_variant and (_ANY_CUE.search(g) or _INSULT_PRED.search(g)):
            return True
        if _HATE_MUSIC.search(g) or _BULLY.search(g) or _demeans_a_group(g):
            return True
    return False


# -- music and other-task signals --------------------------------------------------------------
_MUSIC_WORDS = r"""music musical musics song songs playlist playlists play playing mix mixes mixtape tracks tune
tunes album albums ep lp singles band bands artist artists singer singers rapper rappers dj djs beats
bpm jams banger bangers anthem anthems ballad ballads hits b-side b-sides remix remixes covers
lyrics lyric vocals vocal instrumental instrumentals acoustic unplugged listen listening radio karaoke
setlist discography genre genres vibe vibes vibey groove grooves groovy melody melodies
chorus riff riffs guitar guitars piano drums synth synths orchestra orchestral symphony concerto sonata
opera choir choral soundtrack soundtracks ost vinyl spotify dance dancing danceable sing singing
singalong sing-along songwriter composer composers música musica musique musik canciones chansons""".split()
# Genre names that are rarely anything else.
_GENRES = r"""jazz blues techno edm dubstep dnb hip-hop hiphop r&b rnb reggae reggaeton dancehall afrobeat afrobeats
afropop amapiano ska punk grunge emo indie bluegrass americana gospel baroque ambient lofi lo-fi chillhop
chillwave synthwave vaporwave shoegaze britpop krautrock electronica electro idm downtempo breakbeat hardstyle dembow
salsa bachata merengue cumbia tango bossa samba flamenco fado k-pop kpop j-pop jpop c-pop city-pop motown doo-wop
rockabilly post-punk screamo metalcore deathcore thrash darkwave neo-soul bebop big-band ragtime dixieland
singer-songwriter chanson polka zydeco qawwali bhangra bollywood mariachi norteno corridos new-wave synthpop
trip-hop drum-and-bass""".split()
# Words that are genres but also everyday words ("which country", "a house", "rock", "drill", "latin"):
# weak signals only, like moods.
_AMBIGUOUS = r"""rock pop country house garage soul swing trap drill latin metal folk industrial surf doom stoner
goth gothic classical electronic grime prog psych psychedelic funk disco trance jungle hardcore celtic fusion bass
rap opera score record records track cover single beat jam sound""".split()
_MUSIC_PHRASES = re.compile(
    r"\b(?:sounds? like|songs? by|tracks? by|music by|stuff like|something like|similar to|in the style of|"
    r"deep cuts?|hidden gems?|one hit wonders?|slow jams?|throwbacks?|oldies|classics|bops|earworms?|"
    r"\d{2,3}\s?bpm|(?:\d+|an?|one|two|three|half an?)\s*(?:min|mins|minutes?|hours?|hrs?)\s+(?:of|long|worth)|"
    r"\d+\s+(?:songs?|tracks?|tunes|bangers)|"
    r"(?:19|20)?\d0'?s\s+(?:rock|pop|hits|music|songs|vibes|hip hop|rap|r&b|dance|soul|jazz|punk|metal|country|"
    r"funk|disco|house|folk))\b")
_MUSIC_SET = frozenset(_MUSIC_WORDS) | frozenset(_GENRES) | frozenset(w.replace("-", " ") for w in _MUSIC_WORDS + _GENRES)
# Weak signals: moods, occasions, ambiguous genre words, decades. They keep a request that is not
# clearly another task.
_MOOD_WORDS = r"""chill chilled chillout upbeat sad happy mellow energetic hype hyped moody dreamy melancholic
melancholy angry romantic sexy calm relaxing relaxed peaceful cozy cosy uplifting feel-good feelgood dark
brooding epic funky jazzy heartbreak heartbroken nostalgic nostalgia somber sombre gloomy cheerful
workout gym running run jogging road-trip roadtrip drive driving party partying pregame study studying focus
sleep sleeping bedtime meditation yoga dinner cooking cleaning commute wedding reception birthday summer winter
rainy beach sunset sunrise morning evening night late-night something anything""".split()
_MOOD_SET = frozenset(_MOOD_WORDS + _AMBIGUOUS) | frozenset(w.replace("-", " ") for w in _MOOD_WORDS)
_DECADE = re.compile(r"\b(?:(?:19|20)?\d0'?s|sixties|seventies|eighties|nineties|noughties)\b")

_OTHER_TASK = re.compile(
    r"\b(?:essay|homework|assignment|thesis|dissertation|coursework|cover letter|resume|résumé|cv|"
    r"recipe|recipes|ingredients|bake|baking|boil|"
    r"python|javascript|typescript|java|c\+\+|golang|sql|html|css|regex|code|coding|program|function|"
    r"compile|compiler|bug|debug|debugging|stack ?trace|traceback|exception|error:|\w+error|api key|"
    r"equation|integral|derivative|calculate|calculator|solve|algebra|arithmetic|"
    r"translate|translation|summari[sz]e|summary of|define|definition of|meaning of|explain|"
    r"capital of|population of|president of|prime minister|weather|forecast|temperature in|stock price|"
    r"bitcoin|news|headlines|score of the|who won|world cup|election|"
    r"tell me a joke|a joke|jokes|riddle|horoscope|diagnos\w*|symptoms?|medication|dosage|"
    r"write (?:me |my |a |an )+(?:essay|poem|story|email|letter|report|speech|paper|article|tweet|post|program|"
    r"script|function)|email to|directions to|how far is|how do i (?!listen)|how to (?!dance)|"
    r"what time is it|what day is it)\b"
    r"|(?<![\d.])(?!(?:19|20)\d\d\s*[-–/]\s*(?:19|20)?\d\d'?s?\b)\d+(?:\.\d+)?\s*(?:[-+*/x×÷^]|times|plus|minus|"
    r"divided by|multiplied by)\s*\d+")  # arithmetic, but not a year range ("2011-2014 house")
# A task word used as the occasion for music ("for coding", "while debugging") is not a task.
_OCCASION = re.compile(r"\b(?:for|while|whilst|during|when i'?m|when i am|as i)\s+(?:\w+\s+){0,2}$")
_QUESTION = re.compile(r"^(?:what|what's|whats|who|who's|whos|where|where's|when|why|how|how's|which|is|are|was|were|"
                       r"can|could|do|does|did|will|would|should)\b")
_BY_NAME = re.compile(r"\bby\s+(?:the\s+)?[A-Z0-9][\w'.&!-]*")  # "What Is Love by Haddaway"
_SMALL = frozenset("a an the of in on and or by to for at from with de la le el los las da di".split())


def _looks_like_a_title(text: str) -> bool:
    """A short Title Case text with no question: most likely a song, album or artist name ("Good News",
    "Killing in the Name", "Kill 'Em All")."""
    words = re.findall(r"[^\s\"]+", (text or "").strip().strip("\"'"))
    if not 1 <= len(words) <= 6 or text.rstrip().endswith("?"):
        return False
    if _QUESTION.match(fold(text)):
        return False
    caps = [w for w in words if w.lower() not in _SMALL]
    return bool(caps) and all(w[:1].isupper() or w[:1].isdigit() for w in caps) and words[0][:1].isupper()


def _music_signal(folded: str) -> tuple[bool, bool]:
    """(strong, weak) music signals: music words, genres, lengths, 'like X'; moods, occasions, decades."""
    words = _words(folded)
    grams = set(words) | {" ".join(words[i:i + 2]) for i in range(len(words) - 1)} | \
        {"-".join(words[i:i + 2]) for i in range(len(words) - 1)} | {"-".join(words[i:i + 3]) for i in range(len(words) - 2)}
    strong = bool(grams & _MUSIC_SET) or _MUSIC_PHRASES.search(folded) is not None
    weak = bool(grams & _MOOD_SET) or _DECADE.search(folded) is not None
    return strong, weak


def _other_task(folded: str) -> tuple[bool, bool]:
    """(strong, weak) signals of a non-music task: task words (not used as an occasion); a question."""
    strong = any(not _OCCASION.search(folded[: m.start()]) for m in _OTHER_TASK.finditer(folded))
    weak = _QUESTION.match(folded) is not None and (len(_words(folded)) >= 4 or folded.rstrip().endswith("?"))
    return strong, weak


def is_music_request(text: str) -> bool:
    """Whether the text carries any music signal (strong or weak)."""
    strong, weak = _music_signal(fold(text))
    return strong or weak


def screen(text: str) -> Refusal | None:
    """A `Refusal` for an offensive or non-music request, else None (the request goes on to be read)."""
    if is_offensive(text):
        return Refusal(kind="offensive", message=OFFENSIVE_MESSAGE)
    f = fold(text)
    music_strong, music_weak = _music_signal(f)
    music_weak = music_weak or _BY_NAME.search(text or "") is not None
    if music_strong or _looks_like_a_title(text):
        return None
    if looks_like_injection(text) and not music_weak:
        return Refusal(kind="not_music", message=INJECTION_ONLY_MESSAGE)
    other_strong, other_weak = _other_task(f)
    if other_strong or (other_weak and not music_weak):
        return Refusal(kind="not_music", message=NOT_MUSIC_MESSAGE)
    return None


# -- prompt injection --------------------------------------------------------------------------
_INJECTION = [re.compile(p) for p in (
    (r"\b(?:ignore|disregard|forget|override|bypass|skip)\s+(?:(?:all|any|the|of|every|everything)\s+)*"
     r"(?:(?:your|these|those|previous|prior|above|earlier|preceding|system|original|initial|safety|developer|"
     r"other|old)\s+)+(?:instructions?|rules|prompts?|directions|directives|guidelines|guardrails|messages?|"
     r"context|programming|restrictions)\b"),
    (r"\b(?:ignore|disregard|forget)\s+(?:(?:all|everything|anything|the|that|what|was|is|said|written|text)\s+)*"
     r"(?:above|before this|previously|so far)\b"),
    r"\b(?:ignore|disregard)\s+(?:all\s+)?(?:instructions|rules)\b",
    (r"\b(?:reveal|show|print|repeat|output|display|leak|dump|give|tell|share|recite|reproduce|spell out)\s+"
     r"(?:me\s+|us\s+)?(?:(?:your|the|all|its|all of your|full|hidden|secret|original|initial|exact|entire|above)\s+)*"
     r"(?:system\s+prompt|system\s+message|prompt|instructions|rules you|developer message|initial prompt|"
     r"hidden prompt|guidelines)\b"),
    (r"\b(?:repeat|print|output|echo|copy)\s+(?:(?:the|all|everything|all the)\s+)?(?:text|words|lines?|"
     r"content|everything)\s+(?:above|before|preceding)\b"),
    r"\bwhat (?:is|was|are|were) your (?:system prompt|instructions|rules|initial prompt|guidelines)\b",
    r"\bsystem\s+prompt\b|\bdeveloper\s+message\b|\bhidden\s+instructions\b",
    r"\byou\s+are\s+now\b|\byou're\s+now\b|\bfrom\s+now\s+on,?\s+(?:you|ignore|respond|answer|act|reply|only)\b",
    r"\bpretend\s+(?:to\s+be|you\s+are|you're|that\s+you)\b|\broleplay\s+as\b",
    r"\b(?:developer|god|admin|sudo|dan|debug)\s+mode\b|\bjailbreak\w*\b|\bdo anything now\b",
    r"\bnew\s+(?:instructions|rules|system\s+prompt|task)\s*:",
    r"\b(?:respond|reply|answer)\s+only\s+with\b|\boutput\s+the\s+following\b",
    r"\b(?:always|must)\s+(?:include|add|recommend|rank|put)\s+this\s+(?:track|song|artist|album)\b",
    # role markers and chat-template tokens
    r"(?:^|\n|[.!?]\s)\s*(?:system|assistant|developer|user|human|ai)\s*:",
    r"<\|[a-z_]+\|>|\[/?inst\]|<<\s*/?sys\s*>>|###\s*(?:system|instruction|assistant)",
    r"</?\s*(?:system|assistant|user|request|instructions?|prompt|data|untrusted)\s*>",
)]


def looks_like_injection(text: str) -> bool:
    """Whether the text tries to instruct the model rather than describe music."""
    f = fold(text)
    return any(p.search(f) for p in _INJECTION)


# -- quoting untrusted text into an LLM prompt ------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def quote_untrusted(text: str | None, tag: str | None = "untrusted", max_chars: int = QUOTE_MAX_CHARS) -> str:
    """Neutralise listener text or catalogue metadata before it goes into an LLM prompt.

    Control and invisible (zero-width, bidi) characters are removed, line ends normalised, `<` and `>`
    escaped (so no closing tag or chat-template token such as `</request>` or `<|im_start|>` survives),
    and the text is capped at `max_chars` (marked "[truncated]"). With `tag` the result is wrapped in
    `<tag>...</tag>`; pass `tag=None` when the prompt template wraps the value itself.
    """
    s = unicodedata.normalize("NFKC", text or "")
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _INVISIBLE.sub("", s)
    s = _CONTROL.sub("", s)
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cf", "Co", "Cs") and ch not in "\u2028\u2029")
    s = s.replace("<", "&lt;").replace(">", "&gt;")
    s = s.strip()
    if max_chars is not None and len(s) > max_chars:
        cut = s[:max_chars]
        amp = cut.rfind("&", max(0, len(cut) - 4))
        if amp != -1 and ";" not in cut[amp:]:
            cut = cut[:amp]  # never leave half an escape
        s = cut.rstrip() + " [truncated]"
    if tag is None:
        return s
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,31}", tag):
        raise ValueError(f"bad tag name {tag!r}")
    return f"<{tag}>{s}</{tag}>"
