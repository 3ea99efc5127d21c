"""Per-genre profiles for the generated demo catalogue.

Genre names are the real (Spotify-style, lower-case) words the parser grounds to. Each profile
gives the genre's era, typical audio features, duration, explicit rate and related genres.
"""

from __future__ import annotations

from typing import NamedTuple


class GenreProfile(NamedTuple):
    name: str
    weight: float  # share of artists whose primary genre this is
    era: tuple[int, int]  # debut years typical of the genre
    tempo: tuple[float, float]  # mean, sd (BPM)
    energy: float
    valence: float
    danceability: float
    acousticness: float
    instrumentalness: float
    speechiness: float
    loudness: float  # mean dB
    liveness: float
    minutes: float  # median duration
    explicit: float  # probability a track is explicit
    minor: float  # probability of minor mode
    ballad: float  # probability a track is a slow, quiet ballad
    style: str  # naming style (see demo_names)
    related: tuple[str, ...]


def _g(name, weight, era, tempo, e, v, d, a, i, s, loud, live, minutes, expl, minor, ballad, style, related):
    return GenreProfile(name, weight, era, tempo, e, v, d, a, i, s, loud, live, minutes, expl, minor, ballad, style,
                        tuple(related.split(",")) if related else ())


# name, weight, era, (tempo, sd), energy, valence, dance, acoustic, instr, speech, loudness, live, minutes,
# explicit, minor, ballad, style, related (comma-separated)
_ROWS = [
    _g("rock", 3.0, (1960, 2020), (122, 20), .72, .52, .50, .15, .06, .045, -7.5, .20, 4.0, .03, .35, .10, "rock",
       "classic rock,hard rock,alternative rock,indie rock,blues"),
    _g("classic rock", 2.0, (1960, 1985), (120, 20), .68, .58, .50, .22, .06, .04, -9.5, .22, 4.2, .01, .30, .10,
       "rock", "rock,hard rock,psychedelic rock,blues"),
    _g("hard rock", 2.0, (1968, 2005), (126, 18), .82, .48, .45, .08, .05, .06, -6.5, .22, 4.2, .05, .45, .08, "rock",
       "rock,heavy metal,classic rock,metal"),
    _g("grunge", 1.6, (1986, 1998), (118, 20), .80, .35, .40, .08, .08, .05, -6.5, .20, 4.1, .10, .60, .10, "rock",
       "alternative rock,hard rock,punk,rock"),
    _g("alternative rock", 2.2, (1980, 2015), (124, 20), .74, .45, .46, .14, .10, .05, -7.0, .20, 3.9, .06, .45, .10,
       "rock", "rock,indie rock,grunge,post-punk"),
    _g("indie rock", 2.0, (1985, 2022), (126, 18), .68, .48, .52, .22, .15, .04, -7.5, .17, 3.7, .05, .45, .10,
       "rock", "alternative rock,indie pop,post-punk,shoegaze"),
    _g("punk", 1.8, (1974, 2010), (165, 16), .90, .55, .42, .04, .03, .07, -5.5, .25, 2.6, .15, .40, .02, "rock",
       "post-punk,hard rock,emo,alternative rock"),
    _g("post-punk", 1.0, (1977, 2022), (138, 16), .76, .38, .55, .12, .20, .05, -8.0, .16, 3.9, .03, .60, .05, "rock",
       "punk,new wave,indie rock,shoegaze"),
    _g("emo", 0.8, (1990, 2012), (150, 18), .85, .38, .44, .06, .03, .06, -5.0, .20, 3.5, .08, .55, .12, "rock",
       "punk,alternative rock,indie rock"),
    _g("shoegaze", 0.7, (1986, 2022), (118, 16), .66, .30, .36, .10, .45, .04, -9.5, .15, 4.8, .01, .50, .05, "rock",
       "indie rock,post-punk,indie pop"),
    _g("psychedelic rock", 1.0, (1963, 1980), (118, 20), .62, .55, .48, .28, .22, .05, -10.0, .22, 4.6, .01, .45,
       .10, "rock", "classic rock,rock,blues"),
    _g("metal", 2.0, (1970, 2020), (130, 22), .90, .30, .40, .02, .12, .07, -5.5, .24, 4.8, .08, .70, .05, "metal",
       "heavy metal,hard rock,thrash metal,death metal"),
    _g("heavy metal", 1.4, (1970, 1995), (128, 20), .88, .35, .42, .03, .10, .07, -6.0, .25, 4.9, .05, .65, .05,
       "metal", "metal,hard rock,thrash metal"),
    _g("thrash metal", 1.0, (1982, 2000), (172, 16), .94, .28, .32, .01, .12, .08, -5.5, .25, 5.2, .10, .75, .02,
       "metal", "metal,heavy metal,death metal"),
    _g("death metal", 0.8, (1985, 2015), (180, 20), .96, .18, .28, .01, .30, .09, -5.0, .25, 4.6, .12, .85, .01,
       "metal", "metal,thrash metal"),
    _g("pop", 3.0, (1960, 2022), (116, 16), .66, .55, .66, .18, .01, .06, -6.0, .15, 3.4, .08, .35, .15, "pop",
       "dance pop,indie pop,synthpop,r&b"),
    _g("dance pop", 2.2, (1983, 2022), (122, 7), .78, .62, .74, .10, .01, .07, -5.0, .16, 3.3, .10, .35, .05, "pop",
       "pop,edm,synthpop"),
    _g("synthpop", 1.2, (1978, 2022), (120, 10), .72, .55, .66, .08, .12, .04, -8.0, .14, 3.9, .01, .45, .08, "pop",
       "new wave,pop,dance pop,indie pop"),
    _g("indie pop", 1.4, (1990, 2022), (118, 16), .60, .55, .60, .30, .08, .045, -8.0, .14, 3.4, .03, .35, .12, "pop",
       "indie rock,pop,synthpop"),
    _g("k-pop", 1.0, (1996, 2022), (124, 12), .80, .62, .70, .10, .01, .08, -4.0, .15, 3.3, .02, .35, .10, "kpop",
       "dance pop,pop"),
    _g("new wave", 1.0, (1977, 1990), (130, 12), .74, .62, .62, .10, .08, .04, -9.0, .16, 3.9, .01, .40, .05, "pop",
       "synthpop,post-punk,rock"),
    _g("hip hop", 3.0, (1979, 2022), (92, 8), .66, .52, .78, .12, .01, .24, -6.5, .18, 3.7, .55, .55, .04, "hiphop",
       "rap,trap,r&b"),
    _g("rap", 1.6, (1980, 2022), (95, 9), .68, .50, .76, .12, .01, .28, -6.0, .18, 3.5, .60, .55, .03, "hiphop",
       "hip hop,trap"),
    _g("trap", 1.6, (2003, 2022), (140, 8), .66, .40, .76, .10, .01, .22, -6.0, .16, 3.1, .80, .65, .02, "hiphop",
       "rap,hip hop"),
    _g("r&b", 2.2, (1985, 2022), (98, 14), .58, .50, .68, .22, .02, .10, -7.0, .14, 3.7, .25, .50, .25, "soul",
       "soul,neo soul,hip hop,pop"),
    _g("soul", 2.0, (1958, 1985), (104, 16), .55, .66, .60, .40, .02, .05, -9.5, .18, 3.3, .01, .35, .20, "soul",
       "r&b,funk,motown,gospel"),
    _g("neo soul", 0.9, (1995, 2022), (92, 12), .50, .52, .66, .35, .05, .08, -8.5, .14, 4.4, .08, .45, .20, "soul",
       "r&b,soul,funk"),
    _g("funk", 1.2, (1965, 1985), (110, 10), .70, .74, .78, .18, .10, .07, -8.0, .18, 4.5, .02, .40, .05, "soul",
       "soul,disco,r&b"),
    _g("disco", 1.0, (1972, 1984), (120, 5), .76, .78, .76, .12, .08, .05, -8.5, .15, 5.0, .00, .35, .03, "soul",
       "funk,soul,dance pop"),
    _g("motown", 0.8, (1959, 1975), (116, 12), .60, .72, .62, .35, .01, .04, -9.0, .18, 2.8, .00, .30, .12, "soul",
       "soul,r&b,funk"),
    _g("gospel", 0.7, (1955, 2022), (100, 20), .60, .60, .52, .35, .01, .06, -8.0, .35, 4.6, .00, .30, .25, "soul",
       "soul,r&b"),
    _g("house", 1.8, (1985, 2022), (124, 2.5), .82, .55, .78, .05, .55, .06, -7.0, .12, 6.0, .02, .50, .0,
       "electronic", "deep house,techno,edm"),
    _g("deep house", 1.0, (1988, 2022), (122, 2.5), .70, .48, .78, .08, .60, .05, -8.5, .10, 6.5, .01, .60, .0,
       "electronic", "house,chillout,techno"),
    _g("techno", 1.4, (1988, 2022), (130, 4), .84, .30, .70, .03, .82, .05, -8.0, .12, 6.8, .00, .70, .0,
       "electronic", "house,trance,deep house"),
    _g("trance", 1.0, (1992, 2022), (138, 3), .88, .35, .56, .03, .70, .05, -6.0, .15, 7.0, .00, .65, .0,
       "electronic", "edm,techno"),
    _g("drum and bass", 1.0, (1993, 2022), (174, 2.5), .90, .42, .56, .03, .55, .07, -5.5, .16, 5.2, .03, .65, .0,
       "electronic", "dubstep,techno"),
    _g("dubstep", 0.7, (2005, 2022), (140, 2.5), .88, .32, .58, .03, .45, .08, -4.5, .16, 4.4, .06, .70, .0,
       "electronic", "edm,techno"),
    _g("edm", 1.4, (2008, 2022), (128, 3), .86, .50, .66, .05, .20, .06, -4.5, .18, 3.5, .04, .45, .02,
       "electronic", "house,dance pop,trance"),
    _g("ambient", 1.2, (1975, 2022), (80, 15), .18, .18, .24, .80, .88, .04, -22.0, .10, 6.5, .00, .50, .0,
       "electronic", "chillout,soundtrack,lo-fi beats"),
    _g("chillout", 1.0, (1990, 2022), (95, 10), .38, .42, .56, .45, .55, .05, -13.0, .11, 4.5, .00, .45, .0,
       "electronic", "ambient,lo-fi beats,deep house"),
    _g("lo-fi beats", 1.0, (2012, 2022), (82, 8), .35, .48, .68, .55, .80, .08, -12.0, .11, 2.4, .00, .50, .0,
       "electronic", "chillout,ambient"),
    _g("jazz", 2.0, (1955, 2022), (120, 30), .38, .50, .52, .75, .55, .05, -14.0, .22, 5.8, .00, .45, .15, "jazz",
       "bebop,cool jazz,vocal jazz,smooth jazz,bossa nova"),
    _g("bebop", 1.0, (1955, 1968), (190, 28), .48, .55, .48, .82, .75, .05, -14.0, .30, 5.5, .00, .45, .05, "jazz",
       "jazz,cool jazz"),
    _g("cool jazz", 0.9, (1955, 1970), (126, 22), .30, .48, .50, .85, .70, .04, -16.0, .18, 5.5, .00, .50, .15,
       "jazz", "jazz,bebop,bossa nova"),
    _g("smooth jazz", 0.8, (1975, 2010), (98, 12), .48, .60, .64, .35, .55, .04, -11.0, .12, 4.8, .00, .35, .15,
       "jazz", "jazz,chillout"),
    _g("vocal jazz", 1.0, (1955, 2022), (108, 22), .30, .45, .50, .80, .02, .05, -13.0, .18, 3.6, .00, .40, .30,
       "jazz", "jazz,cool jazz,blues"),
    _g("bossa nova", 0.9, (1958, 1975), (128, 12), .38, .62, .62, .78, .25, .05, -13.0, .14, 3.2, .00, .45, .15,
       "jazz", "jazz,latin,cool jazz"),
    _g("blues", 1.2, (1955, 2015), (108, 22), .48, .55, .55, .55, .10, .06, -10.0, .28, 4.0, .01, .40, .15, "country",
       "rock,soul,classic rock"),
    _g("country", 2.2, (1955, 2022), (118, 20), .62, .60, .58, .30, .01, .04, -7.0, .16, 3.4, .02, .15, .20,
       "country", "folk,bluegrass,singer-songwriter,rock"),
    _g("folk", 1.6, (1958, 2022), (112, 20), .38, .50, .52, .72, .08, .04, -12.0, .14, 3.8, .01, .35, .25, "country",
       "singer-songwriter,bluegrass,country,indie pop"),
    _g("bluegrass", 0.7, (1955, 2022), (135, 22), .55, .68, .56, .78, .25, .04, -11.0, .22, 3.2, .00, .20, .10,
       "country", "country,folk"),
    _g("singer-songwriter", 1.2, (1965, 2022), (108, 20), .40, .45, .54, .65, .02, .04, -10.5, .13, 3.8, .02, .40,
       .35, "pop", "folk,indie pop,pop"),
    _g("reggae", 1.0, (1968, 2022), (80, 8), .56, .76, .78, .18, .08, .10, -8.0, .14, 4.0, .03, .40, .05, "world",
       "afrobeat,soul"),
    _g("latin", 1.8, (1960, 2022), (100, 18), .72, .72, .74, .22, .01, .08, -6.0, .16, 3.5, .05, .40, .10, "latin",
       "salsa,reggaeton,pop"),
    _g("salsa", 1.0, (1965, 2022), (176, 12), .72, .80, .66, .40, .05, .06, -8.0, .20, 4.8, .00, .45, .05, "latin",
       "latin"),
    _g("reggaeton", 1.2, (2000, 2022), (94, 4), .76, .70, .80, .15, .00, .12, -5.0, .15, 3.4, .25, .50, .02, "latin",
       "latin,dance pop"),
    _g("afrobeat", 0.7, (1968, 2022), (112, 10), .68, .74, .72, .30, .25, .07, -9.0, .16, 6.0, .01, .45, .05,
       "world", "funk,reggae,jazz"),
    _g("classical", 1.6, (1955, 2022), (96, 28), .14, .20, .28, .94, .88, .04, -22.0, .14, 7.0, .00, .45, .0,
       "classical", "soundtrack,opera"),
    _g("soundtrack", 1.0, (1960, 2022), (100, 28), .28, .22, .30, .72, .80, .04, -17.0, .12, 3.0, .00, .55, .0,
       "soundtrack", "classical,ambient"),
    _g("opera", 0.5, (1955, 2022), (92, 22), .25, .20, .25, .90, .05, .05, -16.0, .18, 5.0, .00, .45, .0,
       "classical", "classical"),
]

GENRES: dict[str, GenreProfile] = {row.name: row for row in _ROWS}
GENRE_NAMES: tuple[str, ...] = tuple(row.name for row in _ROWS)

for _row in _ROWS:  # keep the table honest: every related genre must exist
    for _rel in _row.related:
        if _rel not in GENRES:
            raise ValueError(f"demo genre {_row.name!r} lists unknown related genre {_rel!r}")
