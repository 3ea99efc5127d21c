"""Word lists and name makers for the generated demo catalogue.

Every artist, album and track name is invented by combining these words; real artist names are
avoided (see `BLOCKED`, checked in the tests against the real catalogue's artist names).
"""

from __future__ import annotations

import random

ADJ = """Velvet Amber Hollow Silver Crimson Paper Quiet Northern Golden Wandering Painted Restless Copper Lunar
Gentle Distant Faded Burning Frozen Hidden Lucky Marble Mellow Pale Rusty Shimmering Sleepy Tangled Tender
Violet Wooden Woven Cobalt Saffron Indigo Scarlet Ivory Ember Static Feral Sunlit Dusty Hazel Lantern Briar
Clover Drifting Glimmering Honeyed Juniper Kindred Lilac Meadow Nocturnal Opal Patient Quivering Roaming Salted
Silent Tidal Umber Vagrant Weathered Yellowed Zephyr Autumn Borrowed Cinder Dappled Evergreen Flickering Granite
Harbor Inland Jasmine Knotted Lowland Moonlit Nettle Orchard Pewter Rainy Slate Thistle Upland Vesper Willow
Bramble Cedar Foggy Heather Mossy Peppered Quartz Russet Sable Tawny Wistful Brass Chalk Driftwood Fennel Gilded
Hushed Lace Mercury Oaken Pebble Rosewood Satin Tin Unseen Wicker""".split()

NOUNS = """Lantern Orchard Harbor Comet Parade Satellite Pilgrim Sparrow Anchor River Lighthouse Mirror Meadow
Compass Garden Window Ribbon Engine Valley Tide Signal Ember Feather Canyon Island Letter Postcard Carousel
Balcony Atlas Orbit Prairie Glacier Kettle Cathedral Ferry Marigold Thimble Harvest Willow Pocket Railway Cellar
Tower Furnace Lagoon Candle Hallway Quarry Cabin Thicket Junction Pavilion Beacon Bonfire Chapel Delta Estuary
Fountain Gazebo Hammock Inlet Jetty Kiosk Lattice Moth Nebula Oasis Pier Quilt Reservoir Skyline Terrace Umbrella
Vineyard Wharf Yarrow Zenith Almanac Bicycle Citadel Dynamo Evening Fable Gondola Horizon Ivy Juniper Keepsake
Locket Monsoon Nightjar Overpass Paddock Riddle Saltmarsh Tundra Undertow Veranda Wildfire Wren Apiary Banner
Corridor Drumline Eclipse Frontier Gallery Heron""".split()

PLURALS = """Lanterns Orchards Harbors Comets Parades Satellites Pilgrims Sparrows Anchors Lighthouses Mirrors
Compasses Ribbons Engines Valleys Feathers Canyons Postcards Carousels Balconies Atlases Orbits Glaciers
Kettles Ferries Marigolds Thimbles Pockets Railways Furnaces Lagoons Candles Hallways Quarries Cabins Thickets
Junctions Pavilions Beacons Bonfires Chapels Fountains Hammocks Jetties Kiosks Moths Nebulas Piers Quilts
Terraces Umbrellas Wharves Almanacs Bicycles Dynamos Fables Gondolas Lockets Monsoons Nightjars Overpasses
Paddocks Riddles Herons Wrens Banners Corridors Drumlines Eclipses Galleries Magpies Marionettes Cartographers
Lamplighters Weathervanes Telegrams Tinkers Ploughmen Ferrymen Acrobats Tailors""".split()

FIRST = """Mira Tamsin Corin Elodie Rafe Juniper Soren Linnea Marlowe Odile Caspian Wren Anselm Briony Cato Delphine
Ewan Fenna Gideon Hester Ione Jovan Kestrel Lorcan Maelle Niamh Orrin Petra Quentin Rosalind Silas Thea Ulric
Verity Wilder Xanthe Yara Zephyrine Aurelio Bexley Calla Dorian Esme Florian Greer Hollis Imogen Jarrah Koa Lark
Milo Nell Osric Perrin Rhea Saoirse Tobiah Una Vesna Wynn Ansel Blythe Cormac Davina Eamon Fable Galen Honor Isolde
Jules Kit Leontine Merritt Noor Ottilie Pim Ramsay Sable Teodor Ursa Vale Winslow Ysolde Zev Ada Bram Clementine
Dov Elska Fintan Gwen Hale Ines Joss""".split()

LAST = """Calloway Ashdown Bellweather Carrow Dunmore Fairbanks Greaves Hollander Ingersoll Kestrel Lindqvist
Marchbank Northcott Okafor Pelham Quillfeather Rourke Sallow Thornbury Vantreight Wexford Yardley Zellweger
Abernethy Blackwood Castellane Dunleavy Ellery Featherstone Galloway Hartigan Inchcliffe Jessop Kilbride Lockhart
Merriweather Nettleton Oakhurst Pendergast Quarles Ravenscroft Stallworth Thistlewood Underhill Verhoeven
Whitlock Yeardley Ambrose Birchall Coldwell Daventry Estabrook Fennimore Garroway Holloway Ivers Jankowski Kettering
Langridge Moorcroft Neville-Shaw Ormsby Prendergast Rowntree Sandoval Tillinghast Upshaw Vickery Wainwright Achterberg
Bramwell Cardew Delacroix Everingham Fothergill Gansevoort Hawksworth Iredale Juniperra Kincaid Lisgar Montclair
Norcross Ostrander Pemberton Quimby Rathbone Solberg Tregarthen Valcourt Winterbourne""".split()

DARK_ADJ = """Obsidian Ashen Grave Iron-Veined Hollow Blighted Shrouded Molten Sunken Withered Cinder Wraith Thorned
Sepulchral Frostbound Ruinous Black-Winged Carrion Howling Vaulted Rusted Barbed Pale Spectral Smouldering""".split()
DARK_NOUNS = """Throne Reliquary Meridian Monolith Catacomb Pyre Bastion Crypt Gallows Oracle Maw Cairn Sepulchre
Dominion Furnace Wolfhowl Tempest Abyss Obelisk Rampart Ossuary Harbinger Covenant Labyrinth Colossus""".split()

SYL_ON = "b br c d f g k l m n p r s t v z j b d l m n r s t v".split()
SYL_V = "a e i o u a e i o a ai y".split()
SYL_CO = ["", "", "", "n", "r", "l", "s", "x", "th", "m", "nd", "rk", "sh"]

HIPHOP_PRE = "Young Kid Big Saint King Lady Prince Duke Baron Jett Slim Nova".split()
HIPHOP_WORD = """Marrow Quartz Tamarind Juniper Ferro Cobalt Mango Saffron Velour Gravel Citrine Lantern Nickel
Sorrel Basalt Tundra Harbor Cinder Opal Denim Thistle Pewter Walnut Ember Crimson Granite Sequoia Onyx""".split()

LATIN_FIRST = """Mateo Valeria Santiago Ximena Joaquín Renata Emiliano Catalina Rodrigo Paloma Iker Julieta Tadeo
Araceli Leandro Marisol Benicio Inés Ulises Soledad Cristóbal Amparo Gael Yolanda""".split()
LATIN_LAST = """Arriaga Belmonte Cifuentes Duarte Echeverri Fontana Galdós Herrera-Luz Iturbe Jaramillo Lozada
Montalvo Navarrete Olmedo Peñaranda Quintanilla Robledo Saavedra Tolosa Urrutia Valdivieso Zamudio""".split()
ES_M = "Corazón Fuego Mar Cielo Sol Camino Río Sueño Viento Verano".split()
ES_F = "Luna Noche Ventana Sombra Estrella Flor Ciudad Playa Tormenta Brisa Canción Calle Marea".split()
ES_M_PL = "Fuegos Cielos Soles Caminos Ríos Sueños Mares Corazones Vientos".split()
ES_F_PL = "Lunas Noches Ventanas Sombras Estrellas Flores Playas Tormentas Brisas Canciones Calles Mareas".split()
ES_ADJ = [(w, w) if w.endswith("e") else (w + "o", w + "a")
          for w in "Dorad Roj Lejan Dulce Salvaje Etern Perdid Nuev Tranquil Brillante Oscur Infinit".split()]

TITLE_VERBS = """Chasing,Holding,Leaving,Finding,Burning,Counting,Drawing,Keeping,Calling,Crossing,Dreaming of,
Waiting for,Running from,Singing to,Dancing with,Falling for,Building,Painting""".replace("\n", "").split(",")
TITLE_END = """Tonight Forever Again Alone Slowly Softly Together Already Tomorrow Sideways Somewhere Anyway""".split()
PLACES = """Marlow Bay,Ostend Road,Carrow Street,Silver Lake,the Old Pier,Harrow Hill,Ellis Avenue,Kettle Creek,
the Night Ferry,Pembrook,Lowmoor,the Ninth Floor,Saltash,Dunmere,Brightwater,the East Platform,Fenwick Lane,
Abbot's Cross,the Lower Fields,Calder Bridge,Wrenfield,Tollgate Park,the Blue Motel,Halsey Point,Ambergate,
Kinver Row,the Glass Arcade,Mossgiel,Penhallow,the Winter Garden,Gorse Hill,Larkspur Drive,Ottery Mill,
Redwater Junction,the Coast Road,Stillmeadow,Tanner's Yard,Vale End,Westerleigh,Yelverton Court""".replace("\n", "").split(",")

FORMS = "Nocturne Prelude Sonata Étude Fantasia Serenade Impromptu Partita Romance Scherzo Ballade Rhapsody".split()
MOVEMENTS = "Allegro,Andante,Adagio,Largo,Presto,Allegretto,Moderato,Vivace,Lento,Andante cantabile".split(",")
KEYS = "C,C♯,D,E♭,E,F,F♯,G,A♭,A,B♭,B".split(",")
CITY = "Halvard Brennmoor Ostrellin Valmora Kessington Lindau-Rhee Corvalle Aldenmere".split()
ENSEMBLE = "Chamber Orchestra,Philharmonic,String Quartet,Baroque Ensemble,Sinfonietta,Choir".split(",")
JAZZ_GROUP = "Quartet,Trio,Quintet,Sextet,Orchestra,Ensemble,Big Band".split(",")
SHOWS = ["The Long Table", "Quiet Frequencies", "Margins of History", "Kitchen Science", "The Slow Commute"]

# Real artist names that a combination could produce; never emitted.
BLOCKED = frozenset(
    s.casefold()
    for s in """The Velvet Underground|Golden Earring|Midnight Oil|Crimson Glory|Silver Apples|Pale Waves|Glass Animals
|Neon Trees|The Cure|The Clash|Black Sabbath|Iron Maiden|Velvet Revolver|The Comets|Sparrow|Satellite|Heron|Tin Soldiers
|The Anchors|The Lighthouses|The Kites|Parachutes|Copper Blue|Yellowcard|The Wandering|Hollow Coves|Amber Run
|Violet Indiana|Golden Lanterns|Silent Lanterns|Ember Island|Kid Cudi|Big Sean|King Von|Young Thug|Lady Gaga
|Prince|Nova|Juniper|Wren|King Crimson|The Ferries|Lark|Saint Jhn|Gallows|Obelisk|Abyss|Harbinger|Covenant|Monolith""".split("|")
)


def _pick(rng: random.Random, words: list[str]) -> str:
    return words[int(rng.random() * len(words))]


def coined(rng: random.Random, syllables: int = 2) -> str:
    """An invented word such as 'Velmora' or 'Kaithon'."""
    parts = []
    for _ in range(syllables):
        parts.append(_pick(rng, SYL_ON) + _pick(rng, SYL_V))
    parts.append(_pick(rng, SYL_CO))
    return "".join(parts).capitalize()


def person(rng: random.Random) -> str:
    return f"{_pick(rng, FIRST)} {_pick(rng, LAST)}"


def artist_name(rng: random.Random, style: str) -> str:
    """An invented artist name in a style that suits the genre."""
    r = rng.random()
    if style == "metal":
        if r < 0.7:
            return f"{_pick(rng, DARK_ADJ)} {_pick(rng, DARK_NOUNS)}"
        return f"{coined(rng, 2)}{_pick(rng, ['oth', 'gar', 'heim'])}"
    if style == "hiphop":
        if r < 0.55:
            return f"{_pick(rng, HIPHOP_PRE)} {_pick(rng, HIPHOP_WORD)}"
        if r < 0.8:
            return f"{coined(rng, 2)} {_pick(rng, ['Tha Poet', 'the Architect', 'Supreme', 'Deluxe', 'Jr.', '3000'])}"
        return coined(rng, 3)
    if style == "electronic":
        if r < 0.6:
            return coined(rng, 3)
        if r < 0.8:
            return f"{coined(rng, 2)} & {coined(rng, 2)}"
        return f"{_pick(rng, ADJ)} {_pick(rng, NOUNS)} Sound System"
    if style == "kpop":
        return coined(rng, 3).upper() if r < 0.75 else f"{coined(rng, 1).upper()}{int(rng.random() * 9) + 2}"
    if style == "jazz":
        if r < 0.55:
            return f"{person(rng)} {_pick(rng, JAZZ_GROUP)}"
        return person(rng)
    if style == "latin":
        if r < 0.6:
            return f"{_pick(rng, LATIN_FIRST)} {_pick(rng, LATIN_LAST)}"
        if r < 0.7:
            m, _ = _pick(rng, ES_ADJ)
            return f"Los {_pick(rng, ES_M_PL)} {m}s"
        if r < 0.8:
            _, f = _pick(rng, ES_ADJ)
            return f"Las {_pick(rng, ES_F_PL)} {f}s"
        return f"{coined(rng, 2)} y su Orquesta"
    if style == "classical":
        if r < 0.5:
            return person(rng)
        return f"{_pick(rng, CITY)} {_pick(rng, ENSEMBLE)}"
    if style == "soundtrack":
        return person(rng) if r < 0.8 else f"{_pick(rng, CITY)} Studio Orchestra"
    if style == "country":
        if r < 0.55:
            return person(rng)
        if r < 0.8:
            return f"The {_pick(rng, LAST)} {_pick(rng, ['Brothers', 'Sisters', 'Family', 'Ramblers'])}"
        return f"{_pick(rng, ADJ)} {_pick(rng, NOUNS)} String Band"
    if style in ("soul", "pop", "world"):
        if r < 0.6:
            return person(rng)
        if r < 0.8:
            return f"{person(rng)} & the {_pick(rng, PLURALS)}"
        return f"The {_pick(rng, ADJ)} {_pick(rng, PLURALS)}"
    # rock and default
    if r < 0.5:
        return f"The {_pick(rng, ADJ)} {_pick(rng, PLURALS)}"
    if r < 0.75:
        return f"{_pick(rng, ADJ)} {_pick(rng, NOUNS)}"
    if r < 0.9:
        return person(rng)
    return f"{_pick(rng, NOUNS)} {_pick(rng, PLURALS)}"


def track_title(rng: random.Random, style: str, key: int, mode: int) -> str:
    """An invented track title; classical titles name the track's key."""
    r = rng.random()
    if style == "classical":
        key_name = f"{KEYS[key]} {'major' if mode else 'minor'}"
        if r < 0.6:
            return f"{_pick(rng, FORMS)} No. {1 + int(rng.random() * 24)} in {key_name}"
        roman = _pick(rng, ["I.", "II.", "III.", "IV."])
        return f"{_pick(rng, FORMS)} in {key_name}: {roman} {_pick(rng, MOVEMENTS)}"
    if style == "soundtrack":
        if r < 0.5:
            return f"The {_pick(rng, NOUNS)} {_pick(rng, ['Theme', 'Suite', 'Chase', 'Waltz', 'Reprise'])}"
    if style == "latin" and r < 0.7:
        if r < 0.2:
            return f"{_pick(rng, ES_M)} {_pick(rng, ES_ADJ)[0]}"
        if r < 0.4:
            return f"{_pick(rng, ES_F)} {_pick(rng, ES_ADJ)[1]}"
        return f"{_pick(rng, ES_M + ES_F)} de {_pick(rng, ES_F)}"
    if style == "metal" and r < 0.6:
        return f"{_pick(rng, DARK_NOUNS)} of the {_pick(rng, DARK_ADJ)} {_pick(rng, NOUNS)}"
    r = rng.random()
    if r < 0.25:
        return f"{_pick(rng, ADJ)} {_pick(rng, NOUNS)}"
    if r < 0.4:
        return f"{_pick(rng, NOUNS)} in the {_pick(rng, NOUNS)}"
    if r < 0.55:
        return f"{_pick(rng, TITLE_VERBS)} {_pick(rng, PLURALS)}"
    if r < 0.65:
        return f"{_pick(rng, NOUNS)} {_pick(rng, TITLE_END)}"
    if r < 0.7:
        return f"Back to {_pick(rng, PLACES)}"
    if r < 0.85:
        return _pick(rng, NOUNS)
    if r < 0.93:
        return f"{_pick(rng, ADJ)} {_pick(rng, TITLE_END)}"
    return f"Little {_pick(rng, NOUNS)}"


def _plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def album_title(rng: random.Random, style: str, first_track: str) -> str:
    """An invented album title (sometimes named after its first track)."""
    r = rng.random()
    if style == "classical":
        first, second = (_plural(_pick(rng, FORMS)) for _ in range(2))
        return f"{first} & {second}, Vol. {1 + int(rng.random() * 4)}"
    if style == "soundtrack":
        return f"{_pick(rng, ADJ)} {_pick(rng, NOUNS)} (Original Motion Picture Soundtrack)"
    if r < 0.3:
        return first_track
    if r < 0.55:
        return f"{_pick(rng, ADJ)} {_pick(rng, PLURALS)}"
    if r < 0.63:
        return f"The {_pick(rng, NOUNS)} Sessions"
    if r < 0.8:
        return f"{_pick(rng, NOUNS)} & {_pick(rng, NOUNS)}"
    if r < 0.83:
        return f"Songs from {_pick(rng, PLACES).replace('the ', 'The ')}"
    return f"{_pick(rng, ADJ)} {_pick(rng, NOUNS)}"


def episode_name(rng: random.Random) -> tuple[str, str]:
    """A fictional podcast (show, episode) pair."""
    show = _pick(rng, SHOWS)
    return show, f"Episode {1 + int(rng.random() * 200)}: {_pick(rng, ADJ)} {_pick(rng, PLURALS)}"
