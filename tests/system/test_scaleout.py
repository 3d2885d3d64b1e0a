"""Scale-out: two gunicorn app servers behind nginx over HTTPS, on PostgreSQL and Redis.

Run by .ci/run (`pytest -m scaleout`) with DATABASE_URL and REDIS_URL pointing at
servers and nginx and openssl installed. nginx terminates TLS with a certificate made for
the run and the apps run in production mode. Through nginx: a member's journey
(deploy/journey.py) while requests alternate between the instances, static files with
cache headers, the HTTP to HTTPS redirect and HSTS, X-Request-ID, /readyz, a stalled
body, a rolling restart under steady traffic with no failed request and no lost write,
and nginx's own request-rate limits. Everything started is stopped or dropped.
"""

import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from deploy.journey import Browser, https_session, member_journey, static_from_nginx
from deploy.stack import Stack, free_port, stack

pytestmark = pytest.mark.scaleout
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    server_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL")
    if not server_url.startswith("postgres"):
        pytest.fail("the scale-out test needs DATABASE_URL pointing at PostgreSQL")
    if not redis_url:
        pytest.fail("the scale-out test needs REDIS_URL")
    for tool in ("nginx", "openssl"):
        if shutil.which(tool) is None:
            pytest.fail(f"the scale-out test needs {tool} (apt-get install {tool})")
    runtime = tmp_path_factory.mktemp("scaleout")
    # The restart test writes steadily as one member: the app's API limit stays out of it.
    with stack(server_url, redis_url, runtime, tls=True, API_WRITE_LIMIT="1000 per minute") as up:
        yield up


@pytest.fixture
def client(running: Stack) -> requests.Session:
    return https_session(running.ca)


def test_a_member_journey_across_two_instances_over_https(running: Stack):
    assert running.url.startswith("https://")
    browser = Browser(running.url, ca=running.ca)
    path = member_journey(browser, ["app1", "app2"])
    page = browser.get(path)
    # The app sees the scheme through its one trusted proxy: its own links say https.
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page.text)
    assert canonical
    assert canonical.group(1) == running.url + path
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    session = browser.session.cookies.get_dict()
    assert session  # the production cookies (Secure) travel over HTTPS
    assert all(cookie.secure for cookie in browser.session.cookies)


def test_static_files_come_from_nginx_with_cache_headers(running: Stack, client):
    static_from_nginx(Browser(running.url, ca=running.ca))
    home = client.get(running.url, timeout=10).text
    css = re.search(r'href="(/static/css/conduit\.css\?v=[0-9a-f]+)"', home)
    assert css
    fingerprinted = client.get(running.url + css.group(1), timeout=10)
    assert fingerprinted.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fingerprinted.headers.get("Content-Encoding") == "gzip"
    assert fingerprinted.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = client.get(f"{running.url}/static/css/conduit.css", timeout=10)
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


def test_tls_is_modern_and_speaks_http2(running: Stack):
    import ssl

    parts = urlsplit(running.url)
    context = ssl.create_default_context(cafile=running.ca)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection((parts.hostname, parts.port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
    # TLS 1.1 and older are refused (openssl speaks them on request; Python warns).
    refused = subprocess.run(
        ["openssl", "s_client", "-connect", f"{parts.hostname}:{parts.port}", "-tls1_1"],
        input=b"", capture_output=True, timeout=10, check=False,
    )  # fmt: skip
    assert refused.returncode != 0


def test_plain_http_only_redirects_to_https(running: Stack):
    plain = "http://127.0.0.1:{}".format(str(running.nginx_options["listen"]).rsplit(":", 1)[1])
    answer = requests.get(f"{plain}/article/x?y=1", allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{running.url}/article/x?y=1"
    assert "Strict-Transport-Security" not in answer.headers  # HSTS only over TLS
    assert "X-Served-By" not in answer.headers  # nginx answered, no app server


def test_request_ids_round_trip(running: Stack, client):
    given = client.get(running.url, headers={"X-Request-ID": "scale-req-42"}, timeout=10)
    assert given.headers["X-Request-ID"] == "scale-req-42"
    made = client.get(running.url, timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # nginx's $request_id, passed to the app


def test_ready_through_nginx(running: Stack, client):
    ready = client.get(f"{running.url}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_prometheus_scrapes_both_app_servers_never_through_nginx(running: Stack, client):
    """A real Prometheus scrapes each app server's /metrics (by address, as an operator
    sets it up) with the shipped alert rules loaded; a PromQL query through its HTTP API
    counts both servers' answers. The public side never sees the figures."""
    if shutil.which("prometheus") is None:
        pytest.fail("the scale-out test needs prometheus (apt-get install prometheus)")
    assert client.get(f"{running.url}/metrics", timeout=10).status_code == 404
    folder = running.runtime / "prometheus"
    folder.mkdir(exist_ok=True)
    targets = ", ".join(f"'127.0.0.1:{app.port}'" for app in running.apps)
    rules = ROOT / "deploy" / "prometheus" / "alerts.yml"
    (folder / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{rules}']\n"
        f"scrape_configs: [{{job_name: conduit, static_configs: [{{targets: [{targets}]}}]}}]\n"
    )
    port = free_port()
    with (folder / "prometheus.log").open("w") as log:
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={folder / 'prometheus.yml'}",
             f"--storage.tsdb.path={folder / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    api = f"http://127.0.0.1:{port}/api/v1"
    query = "sum by (instance) (conduit_http_requests_total)"
    try:
        for _ in range(10):  # answers from both servers (nginx takes turns)
            assert client.get(running.url, timeout=10).status_code == 200
        deadline = time.monotonic() + 60
        found: list[dict[str, object]] = []
        while time.monotonic() < deadline and len(found) < 2:
            time.sleep(1)
            try:
                answer = requests.get(f"{api}/query", params={"query": query}, timeout=5)
            except requests.ConnectionError:
                continue  # still starting
            if answer.status_code == 200:
                found = answer.json()["data"]["result"]
        instances = {item["metric"]["instance"] for item in found}  # type: ignore[index]
        assert instances == {f"127.0.0.1:{app.port}" for app in running.apps}, found
        assert all(float(item["value"][1]) > 0 for item in found)  # type: ignore[index]
        groups = requests.get(f"{api}/rules", timeout=5).json()["data"]["groups"]
        assert {rule["name"] for group in groups for rule in group["rules"]} == {
            "ConduitErrors", "ConduitSlow", "ConduitNotReady", "ConduitMailFailing"}  # fmt: skip
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=30)


def test_a_body_that_never_arrives_holds_nginx_not_the_app(running: Stack, client):
    """A client announces 1000 bytes and sends 10: nginx waits for the rest (and gives
    up after its client_body_timeout); the app servers keep answering meanwhile."""
    import ssl

    parts = urlsplit(running.url)
    context = ssl.create_default_context(cafile=running.ca)
    stalled = [
        context.wrap_socket(
            socket.create_connection((parts.hostname, parts.port)), server_hostname="localhost"
        )
        for _ in range(12)  # more than the app servers' threads (2 x 4)
    ]
    try:
        for connection in stalled:
            connection.sendall(
                b"POST /editor HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                b"urlencoded\r\nContent-Length: 1000\r\n\r\ntitle=a%40"
            )
        started = time.monotonic()
        for _ in range(5):
            assert client.get(f"{running.url}/api/tags", timeout=5).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        for connection in stalled:
            connection.close()


def like_a_browser(session: requests.Session) -> requests.Session:
    """Retry once when a kept-alive connection closes before any answer, as browsers do:
    a reloading nginx closes its idle client connections (never one mid-request)."""
    retry = Retry(total=1, connect=1, read=1, other=0, status=0, allowed_methods=None)
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def test_a_rolling_restart_loses_no_request_and_no_write(running: Stack, client):
    """Steady reads and writes through nginx while each app server in turn is drained,
    stopped gracefully and started again: every request succeeds, every write is kept."""
    api = f"{running.url}/api"
    name = f"roller{os.getpid()}"
    user = client.post(f"{api}/users", json={"user": {
        "username": name, "email": f"{name}@example.com", "password": "long enough"}},
        timeout=10).json()["user"]  # fmt: skip
    member = like_a_browser(https_session(running.ca))
    member.headers["Authorization"] = f"Token {user['token']}"
    article = member.post(f"{api}/articles", json={"article": {
        "title": f"Rolling {name}", "description": "d", "body": "b"}},
        timeout=10).json()["article"]  # fmt: skip
    comments = f"{api}/articles/{article['slug']}/comments"

    failures: list[str] = []
    written: list[int] = []
    served: set[str] = set()
    done = threading.Event()

    def reader() -> None:
        session = like_a_browser(https_session(running.ca))
        while not done.is_set():
            for path in ("/", f"/article/{article['slug']}", "/api/articles?limit=5"):
                try:
                    answer = session.get(running.url + path, timeout=10)
                    served.add(answer.headers.get("X-Served-By", ""))
                    if answer.status_code != 200:
                        failures.append(f"GET {path}: {answer.status_code}")
                except requests.RequestException as error:
                    failures.append(f"GET {path}: {error}")

    def writer() -> None:
        number = 0
        while not done.is_set():
            number += 1
            try:
                answer = member.post(
                    comments, json={"comment": {"body": f"steady {number}"}}, timeout=10
                )
                if answer.status_code == 201:
                    written.append(answer.json()["comment"]["id"])
                else:
                    failures.append(f"POST comment: {answer.status_code}")
            except requests.RequestException as error:
                failures.append(f"POST comment: {error}")
            time.sleep(0.3)  # within nginx's edge limit for API writes

    threads = [threading.Thread(target=reader) for _ in range(3)] + [
        threading.Thread(target=writer)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        old_pids = [app.pid for app in running.apps]
        for app in running.apps:
            running.restart(app)
        time.sleep(1)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)

    assert [app.pid for app in running.apps] != old_pids  # both really restarted
    assert not failures, failures[:10]
    assert len(written) >= 10
    kept = {comment["id"] for comment in member.get(comments, timeout=10).json()["comments"]}
    assert set(written) <= kept
    assert {"app1", "app2"} <= served


def _listen(session: requests.Session, url: str) -> tuple[requests.Response, "queue.Queue[str]"]:
    """Open a live-update stream; its lines arrive in a queue (read by a thread)."""
    answer = session.get(url, stream=True, timeout=(5, 60))
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        try:
            for line in answer.iter_lines(decode_unicode=True):
                lines.put(line)
        except requests.RequestException:
            pass
        lines.put("<end>")

    threading.Thread(target=read, daemon=True).start()
    return answer, lines


def _until(lines: "queue.Queue[str]", wanted: str, seconds: float = 5) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            break
        seen.append(line)
        if line == wanted:
            return seen
    raise AssertionError(f"no {wanted!r} within {seconds} s: {seen}")


def test_live_updates_cross_app_servers_and_end_at_once_on_restart(running: Stack, client):
    """A reader's stream (through nginx) is held by one app server; a comment written
    on the other reaches it through Redis. Restarting the stream's server ends it at
    once (the browser reconnects) instead of holding the restart for its graceful timeout."""
    api = f"{running.url}/api"
    name = f"streamer{os.getpid()}"
    user = client.post(f"{api}/users", json={"user": {
        "username": name, "email": f"{name}@example.com", "password": "long enough"}},
        timeout=10).json()["user"]  # fmt: skip
    token = {"Authorization": f"Token {user['token']}"}
    slug = client.post(f"{api}/articles", json={"article": {
        "title": f"Streamed {name}", "description": "d", "body": "b"}}, headers=token,
        timeout=10).json()["article"]["slug"]  # fmt: skip

    stream, lines = _listen(https_session(running.ca), f"{running.url}/live/article/{slug}")
    assert stream.status_code == 200
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    _until(lines, "event: hello")
    holder = next(
        app for app in running.apps if f"app{app.number}" == stream.headers["X-Served-By"]
    )
    other = next(app for app in running.apps if app is not holder)

    written = requests.post(
        f"http://127.0.0.1:{other.port}/api/articles/{slug}/comments",
        json={"comment": {"body": "Across servers"}}, headers=token, timeout=10,
    )  # fmt: skip
    assert written.status_code == 201
    assert written.headers["X-Served-By"] == f"app{other.number}"
    said = _until(lines, f"data: New comment by {name}.", seconds=3)
    assert "event: comments" in said
    assert "Across servers" not in "".join(said)  # what changed, never the content

    started = time.monotonic()
    running.restart(holder)
    assert "<end>" in _until(lines, "<end>", seconds=5)  # the stream ended with the server
    assert time.monotonic() - started < 15  # not held for gunicorn's 30 s graceful timeout


def test_nginx_limits_sign_in_floods_and_api_writes(running: Stack, client):
    """Last in this module: it spends this address's sign-in allowance."""
    answers = [
        client.post(f"{running.url}/login", data={"email": "x@example.com", "password": "x"},
                    timeout=10)
        for _ in range(40)
    ]  # fmt: skip
    edge = [answer for answer in answers if "X-Served-By" not in answer.headers]
    assert edge, [answer.status_code for answer in answers]
    assert all(answer.status_code == 429 for answer in edge)
    assert edge[0].headers["Retry-After"] == "60"
    assert "text/html" in edge[0].headers["Content-Type"]
    assert "<h1>Too many requests</h1>" in edge[0].text
    assert 'href="/static/css/conduit.css"' in edge[0].text  # the site's own look
    # In the browser's language (nginx's page comes from the app's catalogs).
    french = client.post(f"{running.url}/login", data={"email": "x@example.com"},
                         headers={"Accept-Language": "fr-FR,fr;q=0.9"}, timeout=10)  # fmt: skip
    assert french.status_code == 429
    assert '<html lang="fr" dir="ltr">' in french.text
    assert "<h1>Trop de requêtes</h1>" in french.text
    assert "Accept-Language" in french.headers["Vary"]
    assert client.get(f"{running.url}/login", timeout=10).status_code == 200  # reading is free

    api = [
        client.post(f"{running.url}/api/users/login", json={"user": {}}, timeout=10)
        for _ in range(30)
    ]
    limited = [answer for answer in api if answer.status_code == 429]
    assert limited
    assert "X-Served-By" not in limited[-1].headers
    assert limited[-1].headers["Content-Type"] == "application/json"
    assert limited[-1].json() == {
        "errors": {"requests": ["Too many requests. Please wait a minute and try again."]}
    }
