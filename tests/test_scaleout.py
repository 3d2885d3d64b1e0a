"""Scale-out: two gunicorn app servers behind nginx, on PostgreSQL and Redis.

Run by .ci/run (`pytest -m scaleout`) with DATABASE_URL and REDIS_URL pointing at
servers and nginx installed. Through nginx it signs up, signs in, writes an article and
reads it back while requests alternate between the instances; it checks static files
come from nginx with cache headers, X-Request-ID round-trips and /readyz is green.
Everything it starts (processes, a database of its own) is stopped or dropped.
"""

import os
import re
import shutil
import uuid
from collections.abc import Iterator

import pytest
import requests

from deploy.stack import stack

pytestmark = pytest.mark.scaleout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL")
    if not server_url.startswith("postgres"):
        pytest.fail("the scale-out test needs DATABASE_URL pointing at PostgreSQL")
    if not redis_url:
        pytest.fail("the scale-out test needs REDIS_URL")
    if shutil.which("nginx") is None:
        pytest.fail("the scale-out test needs nginx (apt-get install nginx)")
    with stack(server_url, redis_url, tmp_path_factory.mktemp("scaleout")) as running:
        yield running.url


CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _token(browser: requests.Session, url: str) -> str:
    match = CSRF.search(browser.get(url, timeout=10).text)
    assert match
    return match.group(1)


def test_a_member_journey_across_two_instances(site: str):
    browser = requests.Session()
    served_by: list[str] = []
    browser.hooks["response"].append(
        lambda response, *_args, **_kwargs: served_by.append(
            response.headers.get("X-Served-By", "")
        )
    )
    name = f"scaler{uuid.uuid4().hex[:6]}"

    signed_up = browser.post(
        f"{site}/register",
        data={"username": name, "email": f"{name}@example.com", "password": "long enough",
              "csrf_token": _token(browser, f"{site}/register")},
        timeout=10,
    )  # fmt: skip
    assert signed_up.status_code == 200, signed_up.text[:500]
    assert f"Welcome to Conduit, {name}!" in signed_up.text

    browser.post(f"{site}/logout", data={"csrf_token": _token(browser, f"{site}/")}, timeout=10)
    signed_in = browser.post(
        f"{site}/login",
        data={"email": f"{name}@example.com", "password": "long enough",
              "csrf_token": _token(browser, f"{site}/login")},
        timeout=10,
    )  # fmt: skip
    assert f"Welcome back, {name}!" in signed_in.text

    written = browser.post(
        f"{site}/editor",
        data={"title": f"Scaled {name}", "description": "Two servers", "body": "**Hello**",
              "tags": "scale", "csrf_token": _token(browser, f"{site}/editor")},
        timeout=10,
    )  # fmt: skip
    assert written.status_code == 200
    assert written.url.endswith(f"/article/scaled-{name}")
    for _ in range(6):  # read it back, whichever instance answers
        page = browser.get(written.url, timeout=10)
        assert "<strong>Hello</strong>" in page.text
        assert "Edit article" in page.text  # still signed in: the session lives in Redis

    assert {"app1", "app2"} <= set(served_by), served_by


def test_static_files_come_from_nginx_with_cache_headers(site: str):
    home = requests.get(site, timeout=10).text
    css = re.search(r'href="(/static/css/conduit\.css\?v=[0-9a-f]+)"', home)
    assert css
    fingerprinted = requests.get(site + css.group(1), timeout=10)
    assert fingerprinted.status_code == 200
    assert fingerprinted.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Served-By" not in fingerprinted.headers  # nginx answered, not an app server
    assert fingerprinted.headers.get("Content-Encoding") == "gzip"
    plain = requests.get(f"{site}/static/css/conduit.css", timeout=10)
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


def test_request_ids_round_trip(site: str):
    given = requests.get(f"{site}/", headers={"X-Request-ID": "scale-req-42"}, timeout=10)
    assert given.headers["X-Request-ID"] == "scale-req-42"
    made = requests.get(f"{site}/", timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # nginx's $request_id, passed to the app


def test_ready_through_nginx(site: str):
    ready = requests.get(f"{site}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_a_body_that_never_arrives_holds_nginx_not_the_app(site: str):
    """A client announces 1000 bytes and sends 10: nginx waits for the rest (and gives
    up after its client_body_timeout); the app servers keep answering meanwhile."""
    import socket
    import time
    from urllib.parse import urlsplit

    parts = urlsplit(site)
    stalled = [socket.create_connection((parts.hostname, parts.port)) for _ in range(12)]
    try:
        for connection in stalled:  # more than the app servers' threads (2 x 4)
            connection.sendall(
                b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                b"urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a%40"
            )
        started = time.monotonic()
        for _ in range(5):
            assert requests.get(f"{site}/api/tags", timeout=5).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        for connection in stalled:
            connection.close()
