"""The test-audio generator: plans, MIDI, and a tiny rendered library (real fluidsynth and ffmpeg, a few seconds)."""

from __future__ import annotations

import json
from collections import Counter

import mido
import numpy as np
import pytest

from assistant.dj.sequencing import camelot
from tests.audio_fixtures.library import MANIFEST, TEMPO_RANGE, build_library, plan
from tests.audio_fixtures.music import (
    DRUM_CHANNEL,
    MAJOR_SCALE,
    MINOR_SCALE,
    STYLES,
    TICKS,
    SongSpec,
    compose,
    music_end,
)
from tests.audio_fixtures.render import FORMATS, decode, missing_tools, probe_seconds, read_tags

SECONDS = 8.0


def test_plan_is_deterministic_and_a_prefix_of_larger_plans():
    assert plan(12, seed=3) == plan(12, seed=3)
    assert plan(5, seed=3) == plan(12, seed=3)[:5]
    assert plan(5, seed=3) != plan(5, seed=4)


def test_plan_covers_the_tempo_range_keys_styles_and_formats():
    items = plan(400)
    bpms = [t["bpm"] for t in items]
    assert TEMPO_RANGE[0] <= min(bpms) < 66 and 174 < max(bpms) <= TEMPO_RANGE[1]
    for t in items:
        lo, hi = STYLES[t["style"]].tempo
        assert lo <= t["bpm"] <= hi, t
        assert t["camelot"] == camelot(t["tonic"], t["mode"])
        assert t["path"].endswith("." + t["format"]) and t["format"] in FORMATS
    assert len({(t["tonic"], t["mode"]) for t in items}) == 24
    assert set(Counter(t["style"] for t in items)) == set(STYLES)
    assert [t["format"] for t in items[:8]] == list(FORMATS) * 2
    assert 0.35 < sum(t["mode"] for t in items) / len(items) < 0.65


def test_style_grids_fill_one_bar():
    for s in STYLES.values():
        steps = s.beats * s.steps
        assert TICKS % s.steps == 0
        assert all(len(g) == steps for g in s.drums.values()), s.name
        assert len(s.bass_rhythm) == steps and len(s.chord_rhythm) == steps, s.name


def _notes(midi: mido.MidiFile) -> list[mido.Message]:
    return [m for t in midi.tracks for m in t if m.type == "note_on" and m.velocity > 0]


@pytest.mark.parametrize("mode", [1, 0])
def test_compose_writes_the_tempo_the_key_and_drums_on_channel_ten(mode):
    spec = SongSpec(bpm=97, tonic=9, mode=mode, style="funk", seconds=20.0, lead_in=0.5, seed=7)
    midi = compose(spec)
    tempos = [m.tempo for t in midi.tracks for m in t if m.type == "set_tempo"]
    assert [round(mido.tempo2bpm(x), 3) for x in tempos] == [97]
    notes = _notes(midi)
    drums = [m for m in notes if m.channel == DRUM_CHANNEL]
    pitched = [m for m in notes if m.channel != DRUM_CHANNEL]
    assert len(drums) > 100 and len(pitched) > 100
    scale = {(9 + d) % 12 for d in (MAJOR_SCALE if mode == 1 else MINOR_SCALE)}
    outside = Counter(m.note % 12 for m in pitched if m.note % 12 not in scale)
    # Only the raised 7th of a minor key's major V chord (G# in A minor) may leave the scale.
    assert set(outside) <= ({8} if mode == 0 else set()), outside
    # The tonic is the commonest bass pitch class, and the song ends on it.
    bass = [m.note % 12 for m in pitched if m.channel == 0]
    assert Counter(bass).most_common(1)[0][0] == 9 and bass[-1] == 9
    # The file lasts up to the end of the ringing final chord: within the spec's length plus a bar.
    assert spec.seconds - 2 < midi.length <= spec.seconds + 4 * 60 / spec.bpm
    assert 0 < music_end(spec) < spec.seconds


def test_compose_intro_bars_have_no_drums_and_later_bars_vary():
    spec = SongSpec(bpm=120, tonic=0, mode=1, style="rock", seconds=30.0, lead_in=0.0, seed=3, intro_bars=2)
    on_drums, now, bars = [], 0, {}
    for m in compose(spec).tracks[1]:  # the drum track
        now += m.time
        if m.type == "note_on" and m.velocity > 0:
            on_drums.append(now)
            bars.setdefault(now // (4 * TICKS), []).append(m.note)
    jitter = round(0.008 * 120 / 60 * TICKS)
    assert min(on_drums) >= 2 * 4 * TICKS - jitter  # nothing in the first two bars
    patterns = {tuple(sorted(v)) for k, v in bars.items() if k < 12}
    assert len(patterns) > 3  # fills, dropped hats and ghost notes: not one bar repeated


def test_compose_is_deterministic_and_seeded():
    spec = SongSpec(bpm=128, tonic=2, mode=0, style="house", seconds=15.0, lead_in=0.0, seed=1)
    a, b = compose(spec), compose(spec)
    c = compose(SongSpec(**{**spec.__dict__, "seed": 2}))
    assert [list(t) for t in a.tracks] == [list(t) for t in b.tracks]
    assert [list(t) for t in a.tracks] != [list(t) for t in c.tracks]


@pytest.fixture(scope="module")
def tiny_library(tmp_path_factory):
    missing = missing_tools()
    if missing:
        pytest.fail(f"the audio generator needs Debian's {', '.join(missing)} (scripts/test.sh installs them as root)")
    root = tmp_path_factory.mktemp("audio-library")
    return root, build_library(root, n=4, seed=5, seconds=SECONDS, workers=2)


def test_library_files_decode_to_the_planned_length_with_their_tags(tiny_library):
    root, manifest = tiny_library
    assert json.loads((root / MANIFEST).read_text()) == manifest
    assert manifest["tracks"] == plan(4, seed=5, seconds=SECONDS)
    assert sorted(t["format"] for t in manifest["tracks"]) == sorted(FORMATS)
    for t in manifest["tracks"]:
        path = root / t["path"]
        assert path.is_file() and path.stat().st_size > 10_000
        assert abs(probe_seconds(path) - SECONDS) < 0.1, t["path"]
        samples = decode(path, rate=22050)
        assert abs(len(samples) / 22050 - SECONDS) < 0.1
        peak = float(np.abs(samples).max())
        rms = float(np.sqrt(np.mean(samples[int(22050 * (t["lead_in"] + 0.1)):] ** 2)))
        assert 0.05 < peak < 1.0 and rms > 0.01, (t["path"], peak, rms)
        # The lead-in is (near) silence: the first note starts when the manifest says.
        if t["lead_in"] > 0.2:
            assert np.abs(samples[: int(22050 * (t["lead_in"] - 0.05))]).max() < 0.01
        tags = read_tags(path)
        assert {k: tags.get(k) for k in t["tags"]} == t["tags"], t["path"]
        assert "genre" not in tags  # genre tags only when asked


def test_library_odd_files_are_odd(tiny_library):
    root, manifest = tiny_library
    kinds = {o["kind"]: root / o["path"] for o in manifest["odd"]}
    assert set(kinds) == {"corrupt", "empty", "not_audio", "silence", "truncated", "unreadable", "symlink_loop"}
    assert kinds["unreadable"].stat().st_mode & 0o777 == 0
    loop = kinds["symlink_loop"]
    assert loop.is_symlink() and loop.resolve() == loop.parent.resolve()
    assert kinds["empty"].stat().st_size == 0
    for kind in ("corrupt", "empty", "not_audio"):
        assert probe_seconds(kinds[kind]) is None and len(decode(kinds[kind])) == 0, kind
    silence = decode(kinds["silence"], rate=22050)
    assert abs(len(silence) / 22050 - 30.0) < 0.1 and float(np.abs(silence).max()) == 0.0
    assert read_tags(kinds["silence"])["title"] == "Silence"
    # A truncated FLAC still claims its full length in its header but decodes only the bytes that are there.
    truncated = decode(kinds["truncated"], rate=22050)
    assert abs(probe_seconds(kinds["truncated"]) - SECONDS) < 0.1 and 0 < len(truncated) / 22050 < SECONDS / 2
