"""Malformed listening-history exports (issue 13, item 3), through both doors: `segue history import` as a
subprocess and `POST /v1/history` in-process. The literal cases of the report, each alone in its file (refused:
exit 2 / 422, one line naming the file and the field) and beside a good play (imported, the bad play counted as
`bad_record` with its field named), then a generated family: every valid export shape with one value anywhere in
it (outer layout, record, field) replaced by a wrong type, a huge number, deep nesting or an odd string.
Tallied under area "history"; no traceback, no 5xx, no hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import ROOT

pytestmark = pytest.mark.integration  # `segue` subprocesses and the real encoder
AREA = "history"
SEGUE = [sys.executable, "-m", "assistant.cli"]
CLI_TIMEOUT, WEB_BOUND_S = 120, 30
TRACKS = [("2EqlS6tkEnglzr7tkKAAYD", "Come Together", "The Beatles"), ("t2", "So What", "Miles Davis"),
          ("t3", "Feeling Good", "Nina Simone"), ("t4", "Jóga", "Björk")]


def _ext(i: int, **kw) -> dict:
    tid, title, artist = TRACKS[i]
    return {"ts": f"2024-03-0{i + 1}T10:00:00Z", "platform": "linux", "ms_played": 200_000 + i,
            "conn_country": "PT", "master_metadata_track_name": title, "master_metadata_album_artist_name": artist,
            "master_metadata_album_album_name": "Album", "spotify_track_uri": f"spotify:track:{tid}",
            "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": False, "skipped": None,
            "episode_name": None, "offline": False, "incognito_mode": False} | kw


def _account(i: int) -> dict:
    _, title, artist = TRACKS[i]
    return {"endTime": f"2024-01-2{i} 22:1{i}", "artistName": artist, "trackName": title, "msPlayed": 173_000 + i}


def _lastfm(i: int) -> dict:
    _, title, artist = TRACKS[i]
    return {"artist": {"mbid": "", "#text": artist}, "name": title, "album": {"mbid": "", "#text": "Album"},
            "date": {"uts": str(1_700_000_000 + 300 * i), "#text": "14 Nov 2023, 22:13"}}


def _lb(i: int) -> dict:
    tid, title, artist = TRACKS[i]
    return {"listened_at": 1_700_000_000 + 300 * i, "recording_msid": "m", "track_metadata": {
        "artist_name": artist, "track_name": title, "release_name": "R",
        "additional_info": {"duration_ms": 200000, "spotify_id": f"https://open.spotify.com/track/{tid}"}}}


# format -> (file name, a valid export of three plays)
SHAPES = {
    "spotify-extended": ("Streaming_History_Audio_2024_0.json", [_ext(i) for i in range(3)]),
    "spotify-account": ("StreamingHistory_music_0.json", [_account(i) for i in range(3)]),
    "lastfm": ("recenttracks.json", {"recenttracks": {"track": [_lastfm(i) for i in range(3)],
                                                      "@attr": {"user": "x", "page": "1"}}}),
    "listenbrainz": ("listens.json", {"payload": {"count": 3, "user_id": "x", "listens": [_lb(i) for i in range(3)]}}),
}
DEEP = "[" * 5000 + "]" * 5000
# the report's literal cases: (case, file name, text, what the refusal names)
LITERAL = [
    ("recenttracks-list", "recenttracks.json", '{"recenttracks":[1,2]}', "recenttracks: expected an object"),
    ("payload-listens-5", "listens.json", '{"payload":{"listens":5}}', "payload.listens: expected a list"),
    ("track_metadata-list", "listens.json", json.dumps([_lb(0) | {"track_metadata": [1]}]),
     "[0].track_metadata: expected an object"),
    ("spotify_track_uri-123", "Streaming_History_Audio_2024_0.json", json.dumps([_ext(0, spotify_track_uri=123)]),
     "[0].spotify_track_uri: expected a string"),
    ("ms_played-400-digits", "Streaming_History_Audio_2024_0.json",
     json.dumps([_ext(0, ms_played="@@")]).replace('"@@"', "9" * 400), "[0].ms_played: expected a number"),
    ("nesting-5000", "listens.json", DEEP, "nested 5,000 levels deep"),
    ("number-100000-digits", "listens.json", "[" + "1" * 100_000 + "]", "is not a listening-history layout"),
    ("number-100000-digits-in-field", "listens.json",
     json.dumps([_lb(0) | {"listened_at": "@@"}]).replace('"@@"', "7" * 100_000),
     "[0].listened_at: expected a whole number (got a 100,000-character number"),
]
# the record-level literal cases again beside a good play: imported, the bad play skipped and named
BESIDE_GOOD = [
    ("track_metadata-list+good", "listens.json", json.dumps([_lb(1), _lb(0) | {"track_metadata": [1]}]),
     "listens.json: [1].track_metadata: expected an object"),
    ("spotify_track_uri-123+good", "Streaming_History_Audio_2024_0.json",
     json.dumps([_ext(1), _ext(0, spotify_track_uri=123)]), "[1].spotify_track_uri: expected a string"),
    ("ms_played-400-digits+good", "Streaming_History_Audio_2024_0.json",
     json.dumps([_ext(1), _ext(0, ms_played="@@")]).replace('"@@"', "9" * 400), "[1].ms_played: expected a number"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory, encoder):
    """A data home with a four-track catalogue (the plays above match it)."""
    from assistant.compose import build
    from assistant.model.settings import Settings

    root = tmp_path_factory.mktemp("history-exports")
    src = root / "tracks.jsonl"
    src.write_text("".join(json.dumps({"track_id": t, "title": title, "artist": a, "year": 2000, "genres": ["rock"],
                                       "duration_ms": 200_000}) + "\n" for t, title, a in TRACKS))
    services = build(Settings(home=root / "home"), encoder=encoder)
    try:
        services.catalogue.import_catalogue(src)
    finally:
        services.close()
    return root / "home"


@pytest.fixture(scope="module")
def client(home, encoder):
    from assistant.compose import build
    from assistant.model.settings import Settings
    from assistant.web import create_app

    services = build(Settings(home=home, rate_per_minute=0, rate_per_address=0), encoder=encoder)
    with TestClient(create_app(services, auth="none"), base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        yield c
    services.close()


def _cli(home, path, user="x"):
    env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="200", PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    p = subprocess.run([*SEGUE, "history", "import", str(path), "--user", user], capture_output=True, text=True,
                       env=env, timeout=CLI_TIMEOUT, cwd=ROOT)
    return p, time.perf_counter() - t


def _cli_outcome(p) -> str:
    if "Traceback" in p.stderr or "Traceback" in p.stdout:
        return "traceback"
    return {0: "ok", 2: "refused"}.get(p.returncode, "traceback")


def _post(client, name: str, body: bytes):
    t = time.perf_counter()
    r = client.post("/v1/history", files={"file": (name, body, "application/json")})
    return r, time.perf_counter() - t


def _post_form(client, name: str, body: bytes, form: dict):
    t = time.perf_counter()
    r = client.post("/v1/history", files={"file": (name, body, "application/json")}, data=form)
    return r, time.perf_counter() - t


def _web_outcome(r, took: float) -> str:
    if "Traceback" in r.text:
        return "traceback"
    if took > WEB_BOUND_S:
        return "hang"
    return "ok" if r.status_code < 300 else "5xx" if r.status_code >= 500 else "refused"


@pytest.mark.parametrize(("case", "name", "text", "names"), LITERAL, ids=[c[0] for c in LITERAL])
def test_literal_case_is_refused_by_the_cli_naming_file_and_field(case, name, text, names, home, tmp_path,
                                                                   fuzz_tally):
    path = tmp_path / name
    path.write_text(text)
    p, took = _cli(home, path)
    fuzz_tally.add(AREA, f"cli:{case}", _cli_outcome(p), seconds=round(took, 2))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr[-2000:]
    line = p.stderr.strip()
    assert "\n" not in line and line.startswith("error: ") and name in line and names in line, line[:500]


@pytest.mark.parametrize(("case", "name", "text", "names"), LITERAL, ids=[c[0] for c in LITERAL])
def test_literal_case_is_a_422_naming_file_and_field(case, name, text, names, client, fuzz_tally):
    r, took = _post(client, name, text.encode())
    fuzz_tally.add(AREA, f"web:{case}", _web_outcome(r, took), status=r.status_code)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text[:500]
    detail = r.json()["detail"]
    assert name in detail and names in detail and "\n" not in detail and "segue-upload" not in detail, detail


def test_a_format_check_and_a_zip_refuse_the_same_way(client, fuzz_tally):
    """The `format` check parses the upload too, and a zip's members are read within the same bounds."""
    import io
    import zipfile

    r, took = _post_form(client, "listens.json", DEEP.encode(), {"format": "listenbrainz"})
    fuzz_tally.add(AREA, "web:format-check:nesting-5000", _web_outcome(r, took), status=r.status_code)
    assert r.status_code == 422 and "nested 5,000 levels deep" in r.json()["detail"], r.text[:300]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Spotify Extended Streaming History/Streaming_History_Audio_2024_0.json",
                   json.dumps([_ext(0, spotify_track_uri=123)]))
    r, took = _post(client, "my_spotify_data.zip", buf.getvalue())
    fuzz_tally.add(AREA, "web:zip:spotify_track_uri-123", _web_outcome(r, took), status=r.status_code)
    assert r.status_code == 422 and "[0].spotify_track_uri: expected a string" in r.json()["detail"], r.text[:300]
    assert "segue-upload" not in r.text and "/tmp" not in r.text


@pytest.mark.parametrize(("case", "name", "text", "names"), BESIDE_GOOD, ids=[c[0] for c in BESIDE_GOOD])
def test_a_bad_play_beside_a_good_one_is_skipped_and_named(case, name, text, names, home, client, tmp_path,
                                                            fuzz_tally):
    r, took = _post(client, name, text.encode())
    fuzz_tally.add(AREA, f"web:{case}", "refused" if r.status_code == 200 else _web_outcome(r, took),
                   status=r.status_code, note="bad play skipped and reported")
    assert r.status_code == 200, r.text[:500]
    read = r.json()["read"]
    assert read["kept"] == 1 and read["skipped"] == {"bad_record": 1} and names in read["examples"]["bad_record"][0]
    path = tmp_path / name
    path.write_text(text)
    p, took = _cli(home, path, user="y")
    fuzz_tally.add(AREA, f"cli:{case}", "refused" if p.returncode == 0 and "bad_record" in p.stdout else
                   _cli_outcome(p), seconds=round(took, 2), note="bad play skipped and reported")
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr[-2000:]
    assert "skipped 1: bad_record (e.g." in p.stdout and names in p.stdout, p.stdout


def test_an_upload_over_the_limit_is_a_413(home, encoder, fuzz_tally):
    from assistant.compose import build
    from assistant.model.settings import Settings
    from assistant.web import create_app

    services = build(Settings(home=home, rate_per_minute=0, rate_per_address=0, upload_max_bytes=64 * 1024), encoder=encoder)
    try:
        with TestClient(create_app(services, auth="none"), base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
            body = json.dumps([_lb(0)] * 1000).encode()  # ~250 kB
            r, took = _post(c, "listens.json", body)
    finally:
        services.close()
    fuzz_tally.add(AREA, "web:upload-over-limit", _web_outcome(r, took), status=r.status_code)
    assert r.status_code == 413 and "Traceback" not in r.text, r.text[:500]


# -- the generated family --------------------------------------------------------------------------------------
def _paths(value, at=()):
    """Every path in a JSON value (the root, each container and each leaf)."""
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*at, i))


def _replace(value, at, new):
    if not at:
        return new
    copy = json.loads(json.dumps(value))
    cur = copy
    for part in at[:-1]:
        cur = cur[part]
    cur[at[-1]] = new
    return copy


MARK = "@@HOSTILE@@"
SURROGATES = ["\\ud800", "\\udfff", "a\\udc00b", "\\ud83d"]  # unpaired, as JSON escapes
HOSTILE = [  # (kind, raw JSON text put in place of one value)
    *(("wrong-type", v) for v in ("1", "-1", "0", "1.5", "true", "false", "null", "[]", "[1]", "{}", '{"a": 1}',
                                  '"x"', '""', '"  "')),
    *(("huge-number", "9" * n) for n in (19, 20, 31, 400, 4301, 100_000)),
    *(("odd-number", v) for v in ("1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "-" + "9" * 5000,
                                  "0." + "1" * 500, "1700000000.5", "-1700000000")),
    *(("deep", "[" * d + "]" * d) for d in (5, 31, 33, 1000, 5000)),
    *(("deep", '{"a":' * d + "1" + "}" * d) for d in (40, 3000)),
    *(("odd-string", v) for v in (
        *(f'"{s}"' for s in SURROGATES), '"a\\u0000b"', '"\\u001b[31mred\\u001b[0m"', '"[/bold]x[red]"',
        '"\\u202eRTL"', '"' + "x" * 1_000_000 + '"', '"' + "é" * 1001 + '"', '"' + "\\n" * 5000 + '"',
        '"2024-13-45T99:99:99Z"', '"0000-01-01T00:00:00+23:59"', '"spotify:track:"')),
]
hostile = st.one_of(st.sampled_from(HOSTILE), st.tuples(st.just("text"), st.text(max_size=50).map(json.dumps)))


RECORDS = {"spotify-extended": (), "spotify-account": (), "lastfm": ("recenttracks", "track"),
           "listenbrainz": ("payload", "listens")}


def _expected(fmt: str, kind: str, raw: str, at: tuple) -> str | None:
    """What must come of a mutation when the mutation alone decides it: 'refused' (a 422 naming the file), 'skipped'
    (a 200 with the play counted as bad_record), or None (it depends on the field: either is right)."""
    if kind == "deep" and raw.count("[") + raw.count("{") + len(at) > 32:
        return "refused"  # deeper than the bound, whatever the path
    if kind == "deep":
        return None
    obj, empty = raw.startswith("{"), raw in ("[]", "null")
    if at == ():
        return None if raw == "[]" and fmt.startswith("spotify") else "refused"
    if at == ("payload",):
        return "refused"
    if at in (("payload", "listens"), ("recenttracks",), ("recenttracks", "track")):
        return None if empty or (obj and at[0] == "recenttracks") else "refused"
    if at[:-1] == RECORDS[fmt] and isinstance(at[-1], int) and not obj:
        return "skipped"  # a play that is not an object, beside two good ones
    name_at, number_at = FIELDS[fmt]
    if at == name_at and (raw in ("1", "-1", "1.5", "true", "[1]", '{"a": 1}') or (
            kind in ("huge-number", "odd-number") and raw != "1e-400")):  # 0.0: Last.fm's empty "#text" is no name
        return "skipped"  # a name that is not text
    if at == number_at and ((len(raw) > 30 and raw.lstrip("-")[0].isdigit()) or raw.lstrip("-") in (
            "NaN", "Infinity", "1e400")):
        return "skipped"  # a count or a time too long, or not finite
    return None


EXAMPLES = int(os.environ.get("SEGUE_HISTORY_EXAMPLES", "200"))
FAMILY: Counter = Counter()  # (format, kind of mutation, 422 / 200 / "bad_record") -> examples
SLOWEST: list[float] = [0.0]


# format -> (a name field, a number field) of the second play
FIELDS = {"spotify-extended": ((1, "master_metadata_album_artist_name"), (1, "ms_played")),
          "spotify-account": ((1, "trackName"), (1, "msPlayed")),
          "lastfm": (("recenttracks", "track", 1, "artist", "#text"), ("recenttracks", "track", 1, "date", "uts")),
          "listenbrainz": (("payload", "listens", 1, "track_metadata", "track_name"),
                           ("payload", "listens", 1, "listened_at"))}


def _try(client, tally, fmt: str, at: tuple, kind: str, raw: str) -> None:
    """Upload the valid export of `fmt` with the value at `at` replaced by `raw`; record and check the outcome."""
    name, doc = SHAPES[fmt]
    text = json.dumps(_replace(doc, at, MARK)).replace(json.dumps(MARK), raw)
    r, took = _post(client, name, text.encode("utf-8"))
    outcome = _web_outcome(r, took)
    case = f"web:{fmt}:{'.'.join(map(str, at)) or '<root>'}={kind}:{raw[:30]}"
    bad = (r.json().get("read", {}).get("skipped", {}).get("bad_record", 0) if r.status_code == 200 else 0)
    tally.add(AREA, case, "refused" if bad else outcome, status=r.status_code, seconds=round(took, 3))
    FAMILY[(fmt, kind, "bad_record" if bad else r.status_code)] += 1
    SLOWEST[0] = max(SLOWEST[0], took)
    assert outcome in ("ok", "refused"), (case, r.status_code, r.text[:500])
    assert r.status_code in (200, 422), (case, r.text[:500])
    if r.status_code == 422:
        detail = r.json()["detail"]
        assert "\n" not in detail and "segue-upload" not in detail and (name in detail or "upload" in detail), detail
    else:
        read = r.json()["read"]
        assert read["kept"] + sum(n for k, n in read["skipped"].items() if k != "other_file") == read["read"]
        assert all(e.startswith(name) for e in read.get("examples", {}).get("bad_record", []))
    want = _expected(fmt, kind, raw, at)
    if want == "refused":
        assert r.status_code == 422, (case, r.text[:300])
    elif want == "skipped":
        assert r.status_code == 200 and bad == 1, (case, r.text[:300])


@pytest.mark.parametrize("fmt", sorted(SHAPES))
def test_every_hostile_value_in_each_shape(client, fuzz_tally, fmt):
    """Each hostile value at a name field, a number field and one more place (rotating through the export)."""
    paths = list(_paths(SHAPES[fmt][1]))
    for j, (kind, raw) in enumerate(HOSTILE):
        for at in (*FIELDS[fmt], paths[(7 * j) % len(paths)]):
            _try(client, fuzz_tally, fmt, at, kind, raw)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(SHAPES)), pick=st.integers(min_value=0), value=hostile)
def test_generated_family_of_malformed_exports(client, fuzz_tally, fmt, pick, value):
    """Hypothesis: a hostile value (or any short text) anywhere in any shape."""
    paths = list(_paths(SHAPES[fmt][1]))
    _try(client, fuzz_tally, fmt, paths[pick % len(paths)], *value)


def test_family_counts_are_recorded(fuzz_tally):
    """Runs after the family (file order): the outcome counts per format and kind, as a measure."""
    if not FAMILY:
        pytest.skip("the generated family did not run")
    by = Counter()
    for (fmt, kind, result), n in FAMILY.items():
        by[f"{fmt}/{kind}/{result}"] += n
    fuzz_tally.measure(AREA, generated_examples=sum(FAMILY.values()), generated_outcomes=dict(sorted(by.items())),
                       slowest_generated_upload_s=round(SLOWEST[0], 3))
    assert sum(FAMILY.values()) >= 0.9 * EXAMPLES + 3 * len(HOSTILE) * len(SHAPES)
