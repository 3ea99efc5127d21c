"""Word lists of entity extraction (data only, tunable without touching the rules; the tokenizer is `tokens.py`).

`ENGLISH` and `english()`: ordinary words, so that a lower-case word in a request is not taken for an
unknown name (a name the catalogue lacks needs a word that is neither here, nor common in catalogue
titles, nor shaped like an English word: 'lyrically', 'arrangement', 'heavier'). `GENERIC`: words that
are never a name on their own. Then the words that open, end or split name slots.
"""

from __future__ import annotations

import re

ENGLISH = frozenset("""
able above absolute abstract accent accordion acid across act action actually add addictive adult adventure
afraid after afternoon again against age aggressive ago agony air alive all alone along already alt alternative
always amazing ambience ambient american angel angels anger angry angst animal animals anime annoying another answer
anthem anthems anxiety anxious anyway apart apocalypse appreciate april arabic area arena arm army around art
asian ask asleep atmosphere atmospheric attitude aunt autumn average awake away awesome awful baby back background
bad bar bars base basic beach bear beast beat beautiful beauty bed bedroom beer before began begin behind being
believe bell bells below best better between beyond big bird birds birthday bitter black blade blank blast blind
blood bloody blue blues boat body bold bomb bone book boom boost born boss both bottom bouncy bounce box boy boys
brain brass brave break breakup breath breathe bridge bright bring broke broken brother brothers brown brutal
build building burn burning bus busy buy cafe cage call calm came camp campfire can candle car care career careful
carry cars case cat catch cause cave celebration center century chain chance change chant chaos chapter character
charming chase cheap cheer cheerful cheesy chest child childhood children chill chills choice choir chorus
christmas church cinematic circle city class classic classy clean clear climb clock close closer cloud clouds club
coast coffee cold college color colour come comedy comfort comfortable coming common complex concert confident
cool core corner cottage could country couple course cover cowboy crazy cream create creepy crime cross crowd cruel
cruise cry crying culture cup cure curious cut cute cyber daily dance dancing danger dangerous dark darkness
date daughter dawn day days dead deal dear death decade deep definitely delicate depressed depression desert
desire despair destiny detail devil diamond die different dinner direction dirty disco distance distorted dog
dogs doing door double down dramatic dream dreaming dreams dress drink drinking drive driving drop drug drugs drum
drunk dry dusk dust dying each early earth easy eat echo edge eerie effect effects eight electric electronic
else empty end ending endless energy english enough entire epic escape euphoric evening event ever every evil
exactly example except excited exciting exercise experience experimental eye eyes face fade fairy faith fake fall
falling family famous fan fancy far fast father favorite fear feel feeling feelings feet female festival fever few
field fight fighting film final finally find fine fire first fish five flame flat flight floating floor flow
flower flowers fly flying folk follow food fool foot forest forever forget forgotten fork forward free freedom
fresh friday friend friends friendship from front frozen full fun funeral funny future game games garden gentle
ghost ghosts giant gift girl girls give glad glass glory god gods going gold golden gone good goodbye gospel got
grand grass gray great green grey grief groove ground group grow growing guilty guitar gun guns guy guys hair half
hall hand hands happy hard hate haunted head heal healing health hear heart heartbreak hearts heat heaven heavy
hell hello help hero heroes hidden high highway hill hip history hit hold hole holiday home hook hop hope horror
horse hot hotel hour hours house huge human hungry hunt hurt ice idea ideal image imagine important incredible
indie inner innocent inside inspiration instead intense interest interesting island jam jazz job journey joy
jump jungle just keep key kid kids kill killer kind king kingdom kiss kitchen knife know lady lake land language
large last late later laugh lazy lead learn leave left legend less letter level lie life light lights line lion
lips list listen little live lives living lo local lonely long lose losing loss lost lot loud love lovely lover
low lucky lullaby mad made magic main make male man many map march master match matter maybe mean meaning
meditation melancholy melodic memory memories men mess metal middle midnight might mind minimal mirror miss
mission mix modern moment money monster monsters month moody moon more morning most mother motivation mountain
mouth move movie much murder music musical must my mystery myself name nation natural nature near need neon never
new news next nice night nightmare nine noise none normal north nostalgia nostalgic note nothing now number ocean
odd off office often oil old once one only open orchestra orchestral order original other outside over own pain
paint paper paradise parent park part party pass past path peace peaceful people perfect perhaps person phone
piano picture piece pink place plan planet play player please pleasure plenty poem poetry point poison police
political pool poor pop popular power powerful pray prayer pretty pride prince princess prison problem punk pure
purple push queen quick quiet quite race radio rage rain rainbow rainy rap rather raw reach read ready real
really reason rebel record red relax relaxed relaxing remember rest rhythm rich ride right ring rise risk river
road robot rock rocket roll romance romantic roof room rose rough round royal rule run running rush sad sadness
safe sailor same saturday save say scary scene school science scream screaming sea season second secret see
seek self send sense serious set seven sex shadow shadows shake shame shape sharp shine ship shock short shot
should show side sign signal silence silent silly simple sin sing singing single sister sit six size skin sky
sleep sleeping slow small smile smoke smooth snake snow soft soldier some somebody someone something sometimes
son song soul sound sounds south space spark speak special speed spirit spiritual spring square stage standard
star stars start state station stay steel step stick still stone stop storm story strange stranger street strength
strong student study style sugar suicide summer sun sunday sunny sunrise sunset sunshine super support sure
surf surprise sweet swim symphony system table take talk tall taste tea teacher tears teen teenage teenager tell
ten tender tense terrible test thank thing things think third those though thought thousand three throw thunder
tie tiger time tiny tired today together tomorrow tone tonight too top touch tough tour town toy track train
trap travel tree trees trip trouble true trust truth try tune turn twin two ugly uncle under understand universe
until up upbeat uplifting urban use used usual valley value very vibe vibes victory video view village violence
violent voice void wait wake walk wall want war warm warrior wash watch water wave waves way weak wear weather
about absolutely accept according account acoustic actual add added adding addition admit advice afford age agree
ahead aim allow almost also although amount ancient animated annoyed anybody anymore anything appear apply
approach arrangement arrangements article artistic aside asked asking attempt attention audience available avoid
aware bagpipes ballad ballads band based basically bassline beats became become becoming beginning behavior
belong below benefit besides bigger biggest bit bits blend blended blending boring bottle bought bpm brand brief
briefly bring brought budget buildup bunch business calming called calling candy capture car care catchy caught
certain certainly chance character chord chords choruses cinema claim clip clips closer collection combination
combine combined combines comes coming commercial compare compared comparison complete completely composition
concept consider considered contain contains content context continue control conversation copy correct cost
couldn cover covers crack create creating credits crowd current currently cut cuts dancey dancy deal decent
decide decided deeply definition delivery depending describe described description design despite detailed
develop different difficult direct directly discover discovered discovering distinct drums during earlier easily
edit effort either element elements emotion emotional emotions end ending enjoyable entrance entrances entire
entirely episode equally especially essentially etc even event events eventually everybody everyday everything
everywhere evolve exact examples excerpt excerpts exist expect explain express extra extremely fact fairly familiar
far fast feature featured features feels felt figure filled finding fit fits fitting focus folks following forgot
form found fully fuzzy gave general generally genuine genuinely get gets getting given gives giving goes gone
gotten grab grabs guess guitars happen happened happens hardly harmonies harmony haven hearing heavily heavier
hello helpful hey hi hidden higher hint honest honestly hook hooks hope hoping huge idea ideas ignore imagine
include included including influence influenced influences instrument instruments intro involved isn itself kept
kinda kinds knew known language layer layers lead leads learn least leave less let level likely lines link listener
listeners literally lol looked lots loved lovers loves lyric lyrical mainly major makes making manage maybe meant
mellow mentioned merely middle mind mine minor minute minutes mixed mixing moments moreover mostly moving
multiple myself nearly necessarily needed needs neither nobody none notes noticed obviously often okay online
opening opinion options otherwise ourselves overall particular particularly parts perfectly performance period
personally piece pieces placed plays playlist plenty plus possible possibly prefer preferably probably produce
produced producer production progression proper properly provide quality question questions quite rarely reason
recent recently recommend recommended reference regular related release released remind reminds repeat
repetitive request require resemble resembles rest result return reviews rhythmic riff riffs sample samples
scene seconds section sections seem seemed seems seen sense sets setting share short showed shows similar simply
since sing singer situation slightly smooth solo solos somehow somewhat somewhere sort sorts sounding source
specific specifically spot stand start started starting stays step still stuff style styles subtle suggest
suggested suitable summary support supposed sure sweet switch synths take taken talking tempo tend texture
textures thanks theme themes themselves therefore thing thinking though through throughout thus tired title titles
totally towards tracks tried tries truly trying turned type types typical typically unique unless unlike upon
usually variety various verse verses version versions via video view vocal vocalist vocalists vocals voice
wanted wants watched watching whatever whenever whether whole whose wide within without wonder wondering
worked working worth wow wrote yeah yet
wedding week weekend weird well west wet what wheel while whisper white whole wide wild will wind window wine
winter wish without wizard wolf woman women wonder wonderful wood word words work world worry worse worst would
write wrong yard year yellow yes yesterday yet young youth zero
""".split())
# Genre words a request uses on their own ('like electronic music', 'Goth bands').
GENRES = frozenset("""
rock pop jazz blues soul funk disco house techno trance ambient metal punk grunge emo indie folk country reggae ska
dub gospel classical opera soundtrack edm electronic electronica dubstep dnb jungle garage grime drill trap rap
hiphop rnb r&b motown bluegrass americana shoegaze vaporwave synthwave chillwave darkwave retrowave krautrock
psychedelic psych stoner doom sludge thrash metalcore deathcore hardcore screamo djent industrial goth gothic noise
experimental minimal downtempo chillhop lounge celtic afrobeat afrobeats britpop electropop synthpop hyperpop phonk
idm glitch breakbeat electro swing bebop ragtime lofi acoustic instrumental orchestral choral symphonic baroque
""".split())
_SHAPE = re.compile(r"^[a-z]{3,}(?:ly|ing|tion|tions|sion|ment|ments|ness|ity|ous|ive|ful|less|ical|able|ible|"
                    r"ed|ier|iest|ies|ism|esque|ish)$")


def english(word: str) -> bool:
    """A lower-case word that is most likely ordinary English."""
    return word in ENGLISH or len(word) >= 6 and bool(_SHAPE.match(word))


# Words that end a name slot when written in lower case.
STRONG_BREAK = frozenset("""
is are was were am but because cause cuz that that's which who whose please pls thanks thank im i'm i've ive i'd
songs song music tracks track stuff like similar about listening called titled named especially specifically
particularly favorite favourite except without also though although while when where if so since etc ect
album albums ep soundtrack ost score theme remix cover version vibes vibe style type kind sort genre band bands
artist artists singer singers sound sounds feel playlist lol haha it's there's what's here's who's era
recommendations recomendations suggestions recs anyone
""".split())
WEAK_BREAK = frozenset("""
my me you your it its they them their we us our he she his her in on at for with into than as or and nor to
just really very too any some more other others anything something maybe now has have had do does did
can could would should will be been
""".split())
# Words ending a work title (after a dash or a possessive) when written in lower case.
WORK_BREAK = frozenset("""please but because anyone any suggestions recommendations recomendations recs similar
songs music vibes vibe type style kind remix cover version that that's which who etc""".split())
# A lower-case word that cannot start a name: the span after it is not a name.
NO_START = frozenset("""to of in on at for with from into about as than so not no very really just being getting
having doing going i im i'm me my you your we our it its is are was were be been that which who when where if
mostly mainly usually probably generally especially maybe also even still much many lots lot""".split())
SEPARATORS = frozenset({"and", "or", "&", "n", "nor", "+", "plus", "either"})
# Words introducing a list of names.
TRIGGERS = frozenset({("like",), ("similar", "to"), ("similar", "as"), ("close", "to"), ("akin", "to"),
                      ("reminiscent", "of"), ("vein", "of"), ("lines", "of"), ("fans", "of"), ("fan", "of"),
                      ("such", "as"), ("e.g",), ("eg",), ("ex",), ("a", "la"), ("à", "la"), ("ala",),
                      ("inspired", "by"), ("influenced", "by"), ("likes", "of"), ("love",), ("loved",),
                      ("loving",), ("loves",), ("enjoy",), ("enjoyed",), ("including",), ("include",),
                      ("includes",), ("to",), ("as",), ("of",),
                      ("into",), ("than",), ("meets",), ("no",), ("except",)})
# 'to'/'as' open a slot only a few words after one of these; 'of' right after one of OF_AFTER.
SIMILAR = frozenset("""similar similiar simular simmilar close closer akin comparable alternative alternatives
equivalent listen listened listening same compared""".split())
OF_AFTER = frozenset("fans fan vein lines reminiscent style styles sound vibe vibes discography albums likes".split())
NOT_LIKE = frozenset("""feel feels felt feeling would i'd id look looks looked seem seems seemed just more""".split())
FEAT = frozenset({"ft", "feat", "featuring", "prod", "w"})
BY_VERBS = frozenset("""made sung produced covered performed written done played recorded remixed composed sang
inspired influenced guided stand led fronted created directed released""".split())
BY_IDIOMS = frozenset("""far now then default chance accident heart ear myself yourself itself themselves way end
time same any some a an this that these those my your his her their our""".split())
HEAD_WORK = frozenset({"song", "songs", "track", "tracks", "tune", "tunes", "single", "album", "albums", "ep",
                       "lp", "record", "soundtrack", "ost", "theme", "score"})
HEAD_ARTIST = frozenset({"artist", "artists", "band", "bands", "singer", "singers", "rapper", "rappers",
                         "group", "groups", "musician", "musicians", "producer", "producers", "dj", "djs"})
AFTER_WORK = frozenset({"soundtrack", "ost", "theme", "score", "movie", "film", "game", "show", "series", "anime",
                        "commercial", "trailer", "intro", "outro", "op"})
CONTRACTIONS = frozenset("it's that's what's there's here's who's he's she's let's where's how's one's".split())
CONNECT = frozenset("of the a an and in on to for with be is my your me you it at by from up out no not all i we "
                    "its our their his her are was as or so off over into down de la le el del da di do dos van von "
                    "der den y e & n".split())
SKIP_LEAD = frozenset("the some a an any more other similar songs song tracks track music stuff artists artist bands "
                      "band singers singer albums album called titled named this these that those this, my our "
                      "their his her".split())
TRAILERS = frozenset("remix mix edit version cover bootleg flip rework remaster remastered live acoustic".split())
DECADE = re.compile(r"^(?:\d+s|\d+|\d+ish)$")
FUNCTION = frozenset("like to for and the of with similar songs song music by from in on a an or is are that this "
                     "any some me my i'm looking".split())
DEMONSTRATIVE = frozenset({"this", "these", "that", "those", "a", "an"})
QUESTION = frozenset("what how why where who which any anyone anything please help looking need suggest suggestions "
                     "recommend recommendations similar more other".split())
LOVE = frozenset({"love", "loved", "loving", "loves", "enjoy", "enjoyed", "include", "includes"})
SUBJECT = frozenset("i i'm im we you really also absolutely just totally who and still".split())

# Words of requests that are never a name on their own (pronouns, request verbs, music nouns, moods).
GENERIC = frozenset("""
a an the this that these those it its it's one ones some any anything something everything nothing all more
most other others another same such similar similiar simular like alike likes love loved loving i im i'm me my
mine you your we our us they them their he she his her him who what which whose where when why how there here
song songs track tracks tune tunes music musics album albums ep eps lp lps record records single singles band bands
artist artists singer singers rapper rappers musician musicians group groups genre genres stuff thing things vibe
vibes vibey sound sounds sounding style styles type types kind kinds sort sorts feel feels feeling mood moods
playlist playlists mix mixes remix remixes cover covers version versions soundtrack soundtracks ost score theme
themes intro outro chorus verse beat beats melody melodies lyrics vocals vocal voice voices instrumental
instrumentals piano guitar bass drums drum synth synths sax saxophone violin cello strings horns
good great best better nice cool new old older newer recent classic modern favorite favourite favorites
favourites fav fave faves top popular underground obscure famous known unknown similar different
sad happy chill chilled relaxing calm upbeat energetic dark angry mellow slow fast heavy soft loud quiet
emotional epic dreamy groovy funky catchy beautiful pretty sexy romantic depressing uplifting
recommend recommendation recommendations rec recs suggest suggestion suggestions help please thanks thank
find looking look search searching want need wanted needs listen listening listened hear heard play playing
anyone someone somebody anybody people guys everyone reddit sub subreddit question request post
early late era period day days night nights time times year years today lately recently now
lol haha ok okay yes yeah no not nope etc ect e.g eg ex ie i.e vs original extended radio official vip
hits classics essentials anthems collection compilation greatest clean explicit deluxe edition bonus
and or but nor so if then than as of to in on at by for from with without into about over under
do does did done doing have has had having be is are was were been being am can could would should will
just really very too also maybe perhaps kinda sorta pretty quite rather bit lot lots little much many
first second last next few several
""".split())
