"""Songs with known tempo, key and style, written as Standard MIDI files (General MIDI: drums on channel 10).

A `SongSpec` (tempo, tonic, mode, style, length, seed) becomes a short arrangement: drums, a bass line on the
chord roots, chords and a melody in the key, over a progression that starts and ends on the tonic. The same
spec always gives the same bytes (a seeded `random.Random`, no clock). The truth labels an analyser is judged
against are the spec's: `bpm` is the quarter-note tempo as written (a half-time feel stays a half-time feel, so
half/double answers show up as such), the key is the tonic and mode of the progression.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

import mido

TICKS = 480  # ticks per quarter note
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor; progressions may raise the 7th in the V chord
DRUM_CHANNEL = 9  # "channel 10" in General MIDI's 1-based numbering
KICK, RIM, SNARE, CLAP, CLOSED_HAT, OPEN_HAT, CRASH, RIDE, SHAKER = 36, 37, 38, 39, 42, 46, 49, 51, 70
TOMS = (50, 48, 47, 45)  # high to low
CYMBALS = (CLOSED_HAT, OPEN_HAT, RIDE, SHAKER)
VELOCITY = {"X": 112, "x": 92, "o": 58}  # accent, normal, ghost; "." is a rest


@dataclass(frozen=True)
class Style:
    """An arrangement: tempo range (quarter-note BPM), beats per bar, drum grid (steps per beat), instruments."""

    name: str
    tempo: tuple[int, int]
    beats: int  # beats per bar (4 or 3)
    steps: int  # drum grid steps per beat
    drums: dict[int, str]  # GM drum note -> one bar of steps, e.g. "x...x...x...x..."
    bass: tuple[int, ...]  # GM programs to choose from
    chords: tuple[int, ...]
    lead: tuple[int, ...]
    bass_rhythm: str  # one bar of steps: "x" plays the root, "5" the fifth, "8" the octave
    chord_rhythm: str  # one bar of steps: "x" strikes the chord (held to the next strike), "a" arpeggiates
    swing: float = 0.0  # delay of every second eighth, as a share of an eighth


STYLES: dict[str, Style] = {s.name: s for s in (
    Style("ballad", (60, 82), 4, 2, {KICK: "x.......", SNARE: "....x...", CLOSED_HAT: "x.x.x.x.", CRASH: "o......."},
          (32, 33), (0, 48, 89), (73, 11, 0), "x...5...", "aaaaaaaa"),
    Style("hiphop", (66, 100), 4, 4, {KICK: "X.....x.x.......", SNARE: "....X.......X...",
                                      CLOSED_HAT: "x.x.x.x.x.x.x.x."},
          (38, 33), (4, 5, 89), (80, 11, 65), "x.....x.x.......", "x.......x.......", swing=0.3),
    Style("funk", (90, 120), 4, 4, {KICK: "X.....x...x..x..", SNARE: "....X..o.o..X...",
                                    CLOSED_HAT: "xoxoxoxoxoxoxoxo"},
          (36, 37, 33), (4, 17, 27), (65, 62), "x..8..x.5.x..x..", "..x...x...x..x.."),
    Style("pop", (90, 132), 4, 2, {KICK: "X...x.x.", SNARE: "..X...X.", CLOSED_HAT: "xxxxxxxx"},
          (33, 34), (0, 24, 25), (73, 81, 56), "x.x.x.x.", "x...x..."),
    Style("house", (115, 132), 4, 4, {KICK: "X...X...X...X...", CLAP: "....x.......x...",
                                      OPEN_HAT: "..x...x...x...x.", CLOSED_HAT: "x.o.x.o.x.o.x.o."},
          (38, 39), (88, 81, 5), (80, 81, 11), "..x...x...x...x.", "x..x..x...x..x.."),
    Style("rock", (100, 168), 4, 2, {KICK: "X...xX..", SNARE: "..X...X.", CLOSED_HAT: "xxxxxxxx", CRASH: "o......."},
          (33, 34), (29, 30, 27), (29, 81, 56), "xxxxxxxx", "x.x.x.x."),
    Style("bossa", (108, 144), 4, 4, {KICK: "x..x x..x x..x x..x".replace(" ", ""), RIM: "x..x..x...x..x..",
                                      SHAKER: "xoxoxoxoxoxoxoxo"},
          (32,), (24, 0, 4), (73, 65, 11), "x..5..x.x..5..x.", "x..x..x...x..x.."),
    Style("waltz", (84, 180), 3, 2, {KICK: "x.....", SNARE: "..x.x.", CLOSED_HAT: "x.x.x."},
          (32, 58), (48, 0, 21), (40, 73, 71), "x.5.5.", "..x.x."),
    Style("dnb", (160, 180), 4, 4, {KICK: "X.........x.....", SNARE: "....X.......X..o",
                                    CLOSED_HAT: "x.xxx.x.x.xxx.x.", RIDE: "..x...x...x...x."},
          (38, 39), (89, 91, 5), (81, 11, 80), "x.........x.....", "x...............",),
)}

# Progressions as scale degrees (0-based) of the mode; minor ones marked "V" use a major V (raised 7th).
MAJOR_PROGRESSIONS = ((0, 4, 5, 3), (0, 3, 4, 0), (0, 5, 3, 4), (0, 3, 0, 4), (0, 1, 4, 0))
MINOR_PROGRESSIONS = ((0, 5, 2, 6), (0, 3, "V", 0), (0, 6, 5, 6), (0, 3, 6, 2), (0, 5, 3, "V"))


@dataclass(frozen=True)
class SongSpec:
    """What a generated song is: the truth labels, and everything the arrangement is drawn from."""

    bpm: int
    tonic: int  # pitch class, 0 = C
    mode: int  # 1 major, 0 minor (Spotify's convention, as in the catalogue)
    style: str
    seconds: float  # length of the file
    lead_in: float  # seconds of silence before the first note
    seed: int
    intro_bars: int = 0  # bars at the start without drums (an intro to find)

    @property
    def key_name(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {'major' if self.mode == 1 else 'minor'}"

    def as_dict(self) -> dict:
        return asdict(self) | {"key_name": self.key_name}


def _triad(tonic: int, mode: int, degree) -> list[int]:
    """Pitch classes (root first) of the triad on a scale degree; "V" is the major dominant (harmonic minor)."""
    if degree == "V":
        root = (tonic + 7) % 12
        return [root, (root + 4) % 12, (root + 7) % 12]
    scale = MAJOR_SCALE if mode == 1 else MINOR_SCALE
    return [(tonic + scale[(degree + k) % 7]) % 12 for k in (0, 2, 4)]


def _near(pc: int, low: int) -> int:
    """The MIDI note of pitch class `pc` at or just above `low`."""
    return low + (pc - low) % 12


class _Events:
    """Absolute-tick events on one MIDI track, turned into mido's delta times at the end."""

    def __init__(self, name: str, channel: int, program: int | None):
        self.name, self.channel, self.program = name, channel, program
        self.notes: list[tuple[int, int, int, int]] = []  # (start tick, length, note, velocity)

    def note(self, start: int, length: int, note: int, velocity: int) -> None:
        if length > 0 and 0 <= note <= 127:
            self.notes.append((start, length, note, max(1, min(127, velocity))))

    def track(self) -> mido.MidiTrack:
        t = mido.MidiTrack([mido.MetaMessage("track_name", name=self.name, time=0)])
        if self.program is not None:
            t.append(mido.Message("program_change", channel=self.channel, program=self.program, time=0))
        timeline = []
        for start, length, note, vel in self.notes:
            timeline.append((start + length, 0, note, 0))  # note-offs sort before note-ons at the same tick
            timeline.append((start, 1, note, vel))
        now = 0
        for tick, on, note, vel in sorted(timeline):
            kind = "note_on" if on else "note_off"
            t.append(mido.Message(kind, channel=self.channel, note=note, velocity=vel, time=tick - now))
            now = tick
        return t


def compose(spec: SongSpec) -> mido.MidiFile:
    """The song of a spec as a type-1 MIDI file: a tempo track, then drums, bass, chords and melody."""
    style = STYLES[spec.style]
    rng = random.Random(spec.seed)
    step = TICKS // style.steps
    bar = TICKS * style.beats
    lead_in = round(spec.lead_in * spec.bpm / 60 * TICKS)
    music_beats = max(style.beats, (spec.seconds - spec.lead_in - 1.0) * spec.bpm / 60)  # ~1 s left to ring out
    bars = max(1, int(music_beats // style.beats))
    progression = rng.choice(MAJOR_PROGRESSIONS if spec.mode == 1 else MINOR_PROGRESSIONS)
    drums = _Events("drums", DRUM_CHANNEL, None)
    bass = _Events("bass", 0, rng.choice(style.bass))
    chords = _Events("chords", 1, rng.choice(style.chords))
    lead = _Events("melody", 2, rng.choice(style.lead))
    scale = [(spec.tonic + d) % 12 for d in (MAJOR_SCALE if spec.mode == 1 else MINOR_SCALE)]

    jitter = max(1, round(0.008 * spec.bpm / 60 * TICKS))  # humanised timing: up to ~8 ms early or late

    def at(b: int, s: int) -> int:  # tick of step s in bar b, swung and humanised
        t = lead_in + b * bar + s * step
        if style.swing and (s * step) % TICKS == TICKS // 2:
            t += round(style.swing * TICKS / 2)
        return max(0, t + rng.randint(-jitter, jitter))

    # This song's kit: cymbals dropped or swapped for the ride now and then, a fill every 4 or 8 bars.
    kit = dict(style.drums)
    if CLOSED_HAT in kit and rng.random() < 0.3:
        kit[RIDE if RIDE not in kit else SHAKER] = kit.pop(CLOSED_HAT)
    if OPEN_HAT in kit and rng.random() < 0.3:
        kit.pop(OPEN_HAT)
    fill_every, hat_drop, ghosts = rng.choice((4, 8)), rng.uniform(0.0, 0.15), rng.random() < 0.5

    melody_note = _near(spec.tonic, 67)
    for b in range(bars):
        last = b == bars - 1
        triad = _triad(spec.tonic, spec.mode, 0 if last else progression[b % len(progression)])
        steps_in_bar = style.beats * style.steps
        fill = b % fill_every == fill_every - 1 and not last
        fill_from = steps_in_bar - style.steps  # the fill takes the bar's last beat
        for drum, grid in kit.items() if b >= spec.intro_bars else ():
            for s, c in enumerate(grid[:steps_in_bar]):
                if fill and s >= fill_from and drum not in (KICK, CRASH):
                    continue
                if c == "." and ghosts and drum == SNARE and rng.random() < 0.06:
                    c = "o"
                if c in VELOCITY and not (drum == CRASH and b % 4) and not (drum in CYMBALS
                                                                          and rng.random() < hat_drop):
                    drums.note(at(b, s), step, drum, VELOCITY[c] + rng.randint(-8, 8))
        if fill and b >= spec.intro_bars:
            for k, s in enumerate(range(fill_from, steps_in_bar)):
                note = SNARE if rng.random() < 0.4 else TOMS[min(3, k * 4 // style.steps)]
                drums.note(at(b, s), step, note, 88 + rng.randint(-10, 10))
        root = _near(triad[0], 36)
        for s, c in enumerate(style.bass_rhythm):
            if c != ".":
                note = {"x": root, "5": _near(triad[2], root), "8": root + 12}[c]
                length = next((k for k in range(1, steps_in_bar - s) if style.bass_rhythm[s + k] != "."),
                              steps_in_bar - s) * step
                bass.note(at(b, s), max(step, length - step // 4), note, 96 + rng.randint(-6, 6))
        voicing = sorted(_near(pc, 55) for pc in triad)
        strikes = [s for s, c in enumerate(style.chord_rhythm) if c != "."]
        for i, s in enumerate(strikes):
            end = strikes[i + 1] if i + 1 < len(strikes) else steps_in_bar
            if style.chord_rhythm[s] == "a":  # arpeggio: one chord tone per step, cycling up
                chords.note(at(b, s), (end - s) * step, voicing[i % 3], 70 + rng.randint(-6, 6))
            else:
                for note in voicing:
                    chords.note(at(b, s), (end - s) * step - step // 4, note, 74 + rng.randint(-6, 6))
        # Melody: quarters and eighths, chord tones on the beats, stepwise in the scale between them.
        t = 0
        while t < bar:
            length = rng.choice((TICKS, TICKS // 2, TICKS // 2, TICKS * 2 if t + TICKS * 2 <= bar else TICKS))
            length = min(length, bar - t)
            if t % TICKS == 0:
                melody_note = min((_near(pc, melody_note - 6) for pc in triad), key=lambda n: abs(n - melody_note))
            else:
                idx = min(range(7), key=lambda k: abs(_near(scale[k], melody_note - 6) - melody_note))
                melody_note = _near(scale[(idx + rng.choice((-1, 1))) % 7], melody_note - 6)
            melody_note = min(max(melody_note, 62), 84)
            if rng.random() > 0.15 or t == 0:
                lead.note(lead_in + b * bar + t, length - TICKS // 16, melody_note, 84 + rng.randint(-10, 10))
            t += length
    end = lead_in + bars * bar
    chords.note(end, TICKS * style.beats, _near(spec.tonic, 48), 70)  # the final tonic rings out
    bass.note(end, TICKS * style.beats, _near(spec.tonic, 36), 90)
    drums.note(end, TICKS, CRASH, 90)

    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS)
    meta = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(spec.bpm), time=0),
                           mido.MetaMessage("time_signature", numerator=style.beats, denominator=4, time=0),
                           mido.MetaMessage("key_signature", key=_key_signature(spec), time=0)])
    meta.append(mido.MetaMessage("end_of_track", time=end + TICKS * style.beats))
    midi.tracks.append(meta)
    for part in (drums, bass, chords, lead):
        midi.tracks.append(part.track())
    return midi


def _key_signature(spec: SongSpec) -> str:
    """mido's key-signature name of a spec's key ("Eb", "F#m"); flats and sharps as a key signature spells them."""
    sharps = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    minors = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
    return sharps[spec.tonic] if spec.mode == 1 else minors[spec.tonic]


def music_end(spec: SongSpec) -> float:
    """Seconds from the file's start to the downbeat of the final ringing tonic chord."""
    style = STYLES[spec.style]
    music_beats = max(style.beats, (spec.seconds - spec.lead_in - 1.0) * spec.bpm / 60)
    bars = max(1, int(music_beats // style.beats))
    return round(spec.lead_in + bars * style.beats * 60 / spec.bpm, 3)
