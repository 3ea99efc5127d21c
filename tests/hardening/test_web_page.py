"""The page under its own security headers, in real headless Chromium against `segue serve` (single-user mode):
it works with the server's Content-Security-Policy (no violation reported), it sees the headers on what it
fetches, and a page from another origin can neither frame it nor post to it (issue 13, items 2 and 10)."""

from __future__ import annotations

import http.server
import threading
from functools import partial

import httpx
import pytest

from tests.web.test_page import Server, _markup_home, _say, _wait, browser  # noqa: F401 - `browser` is a fixture

pytestmark = pytest.mark.integration
AREA = "web"

EVIL = """<!doctype html><html><body>
<iframe id="framed" src="{segue}/" width="400" height="300"></iframe>
<iframe name="sink"></iframe>
<form id="f" method="post" action="{segue}/v1/history" enctype="multipart/form-data" target="sink">
  <input type="hidden" name="format" value="lastfm">
  <textarea name="file">[]</textarea>
</form>
<script>
  document.getElementById("f").submit();
  fetch("{segue}/v1/chat", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
                            body: JSON.stringify({{message: "30 songs chosen by evil.example"}})}})
    .finally(() => {{ window.sent = true; }});
</script></body></html>"""


@pytest.fixture()
def evil_site(tmp_path):
    """Another origin (http://localhost:PORT, a plain static server) whose page frames Segue and posts to it."""
    root = tmp_path / "evil"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler,
                                                                          directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://localhost:{server.server_address[1]}"
    server.shutdown()


def csp_reports(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
            or "Refused to" in e["message"]]


def test_the_page_works_under_its_headers_and_others_cannot_use_it(browser, encoder, tmp_path, evil_site,  # noqa: F811
                                                                   fuzz_tally):
    home = _markup_home(tmp_path, encoder)
    server = Server(home, tmp_path / "server.log", auth="none")
    try:
        d = browser
        d.get_log("browser")  # start with an empty log
        d.get(server.url + "/")
        _wait(d, "return /tracks/.test(document.getElementById('health').textContent)", "the health line")
        page = _say(d, "10 electronic songs")
        assert len(page["rows"]) == 10
        reports = csp_reports(d)
        fuzz_tally.add(AREA, "the page in Chromium under its CSP: a chat turn", "ok" if not reports else "refused",
                       violations=len(reports))
        assert not reports, reports
        seen = d.execute_async_script("""
          const done = arguments[arguments.length - 1];
          Promise.all(['/', '/v1/sessions', '/static/app.js'].map((p) => fetch(p).then((r) => [p, {
            csp: r.headers.get('Content-Security-Policy'), frame: r.headers.get('X-Frame-Options'),
            sniff: r.headers.get('X-Content-Type-Options'), referrer: r.headers.get('Referrer-Policy')}])))
            .then((all) => done(Object.fromEntries(all)));""")
        for path, h in seen.items():
            fuzz_tally.add(AREA, f"headers the page sees on {path}", "ok" if all(h.values()) else "refused")
            assert "frame-ancestors 'none'" in h["csp"] and h["frame"] == "DENY", (path, h)
            assert h["sniff"] == "nosniff" and h["referrer"] == "no-referrer", (path, h)
        assert d.execute_script("return window.__dialogs") == []

        root, evil = evil_site
        (root / "evil.html").write_text(EVIL.format(segue=server.url))
        d.get_log("browser")
        d.get(f"{evil}/evil.html")
        _wait(d, "return window.sent === true", "the evil page's posts", timeout=30)
        _wait(d, "return document.readyState === 'complete'", "the evil page", timeout=30)
        framed = [m for m in d.get_log("browser") if "frame-ancestors" in m["message"]]
        fuzz_tally.add(AREA, "another origin frames the page", "refused" if framed else "ok")
        assert framed, "Chromium did not report the frame as refused"
        sessions = httpx.get(server.url + "/v1/sessions", timeout=30).json()["sessions"]
        log = server.output()
        posted = {path: f'"POST {path} HTTP/1.1" 403' in log for path in ("/v1/history", "/v1/chat")}
        for path, refused in posted.items():
            fuzz_tally.add(AREA, f"cross-site POST {path} from a real browser", "refused" if refused else "ok")
        assert posted == {"/v1/history": True, "/v1/chat": True}, log[-2000:]
        assert len(sessions) == 1, sessions  # only the page's own turn
    finally:
        server.stop()
