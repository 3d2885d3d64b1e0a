"""A RealWorld front-end on another origin, in Chromium: a page served from a second
port calls the API with fetch, as a browser client does, and gets everything it offers
(trailing slashes, validators, links, limits, conditional writes) through CORS."""

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page

# The client's page: it runs the journey and leaves what it saw in <pre id="seen">.
CLIENT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another client</title></head>
<body><pre id="seen">running</pre>
<script>
const api = new URLSearchParams(location.search).get("api");
async function call(method, path, body, headers) {
  const answer = await fetch(api + path, {
    method, headers: {"Content-Type": "application/json", ...headers},
    body: body ? JSON.stringify(body) : undefined,
  });
  const h = (name) => answer.headers.get(name);
  const empty = [204, 304].includes(answer.status);
  return {status: answer.status, json: empty ? null : await answer.json(),
          etag: h("ETag"), link: h("Link"), location: h("Location"),
          remaining: h("RateLimit-Remaining"), requestId: h("X-Request-ID")};
}
(async () => {
  const name = "cors" + Date.now();
  const up = await call("POST", "/users/", {user: {username: name,
    email: name + "@example.com", password: "cors password"}});
  const auth = {Authorization: "Token " + up.json.user.token};
  const made = await call("POST", "/articles/", {article: {title: "From afar " + name,
    description: "d", body: "b", tagList: ["afar"]}}, auth);
  const list = await call("GET", "/articles/?tag=afar&limit=1");
  const stale = await call("PUT", made.location.replace(/^\\/api/, "") + "/",
    {article: {body: "changed"}}, {...auth, "If-Match": '"not-the-tag"'});
  const fresh = await call("PUT", made.location.replace(/^\\/api/, "") + "/",
    {article: {body: "changed"}}, {...auth, "If-Match": made.etag});
  const unchanged = await call("GET", made.location.replace(/^\\/api/, ""), null,
    {"If-None-Match": fresh.etag});
  // Gone again (the other browser tests count the demo's articles).
  const gone = await call("DELETE", made.location.replace(/^\\/api/, "") + "/", null,
    {...auth, "If-Match": fresh.etag});
  document.getElementById("seen").textContent = JSON.stringify({
    signedUp: up.status, location: made.location, created: made.status, etag: made.etag,
    remaining: made.remaining, link: list.link, stale: stale.status, fresh: fresh.status,
    unchanged: unchanged.status, requestId: made.requestId, gone: gone.status,
  });
})().catch((error) => { document.getElementById("seen").textContent = "failed: " + error; });
</script></body></html>
"""


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[str]:
    """A static server on a port of its own: another origin than the app's."""
    (tmp_path / "client.html").write_text(CLIENT)
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_client_on_another_origin_uses_the_whole_api(page: Page, other_origin, base_url):
    page.goto(f"{other_origin}/client.html?api={base_url}/api")
    page.wait_for_function("() => document.getElementById('seen').textContent !== 'running'")
    seen = page.evaluate("() => document.getElementById('seen').textContent")
    assert not seen.startswith("failed"), seen
    result = json.loads(seen)
    assert result["signedUp"] == 201
    assert result["created"] == 201
    assert result["location"].startswith("/api/articles/from-afar-cors")  # read: exposed
    assert result["etag"].startswith('"')
    assert int(result["remaining"]) >= 0
    assert 'rel="first"' in result["link"]
    assert result["stale"] == 412  # If-Match was sent (the preflight allowed it)...
    assert result["fresh"] == 200  # ...and honoured
    assert result["unchanged"] == 304  # If-None-Match too
    assert result["requestId"]
    assert result["gone"] == 204
