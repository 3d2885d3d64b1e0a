"""Error reports (sentry-sdk), received by a local HTTP endpoint in Sentry's envelope
format: an unhandled exception is reported once, with its request id and route, and
nothing private (password, token, cookie, Authorization, body, query) is in the report."""

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from tests.conftest import AuthActions, csrf_token, make_test_app
from web.db import dispose

# Named here, far from the failing frame: a report shows the source lines around it.
PASSWORD, COOKIE, TOKEN, RESET = "hunter2-pw", "the-session-cookie", "abc.def.ghi", "reset-tkn"
DRAFT, QUERY = "An article's private draft", "private-query"


class Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # the http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def sentry() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Handler", (Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://publickey@127.0.0.1:{server.server_port}/1", received
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)  # the rest of the run reports nothing
        server.shutdown()
        server.server_close()


def events(received: list[bytes]) -> list[dict[str, object]]:
    found = []
    for envelope in received:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_unhandled_error_is_reported_without_anything_private(db_url, sentry):
    dsn, received = sentry
    app = make_test_app(db_url, SENTRY_DSN=dsn)

    @app.post("/password/reset/<token>/boom")
    def boom(token: str) -> str:
        from flask_login import current_user

        assert current_user.is_authenticated  # the view knows its member, as pages do
        raise RuntimeError("reported once")

    try:
        client = app.test_client()
        AuthActions(client).register("reporter", password=PASSWORD)
        client.set_cookie("extra", COOKIE)
        answer = client.post(
            f"/password/reset/{RESET}/boom?q={QUERY}",
            data={"password": PASSWORD, "body": DRAFT, "csrf_token": csrf_token(client)},
            headers={"X-Request-ID": "report-7", "Authorization": f"Token {TOKEN}"},
        )
        assert answer.status_code == 500  # the reader still gets the calm error page
        assert sentry_sdk.flush(timeout=5) is None
    finally:
        dispose(app)
    reported = events(received)
    assert len(reported) == 1, "one report for one error"
    (event,) = reported
    exception = event["exception"]["values"][-1]  # type: ignore[index]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "reported once"
    assert event["tags"]["request_id"] == "report-7"  # type: ignore[index]
    assert event["request"]["url"] == "/password/reset/<token>/boom"  # type: ignore[index]
    assert event["user"]["id"].isdigit()  # type: ignore[index]
    everything = b"".join(received).decode()
    for secret in (PASSWORD, COOKIE, TOKEN, RESET, DRAFT, QUERY, "Cookie", "Authorization"):
        assert secret not in everything, secret
    assert "vars" not in json.dumps(exception)  # no local variables


def test_without_a_dsn_nothing_is_sent(db_url, sentry):
    _dsn, received = sentry
    app = make_test_app(db_url)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("not reported")

    try:
        assert app.test_client().get("/boom").status_code == 500
        sentry_sdk.flush(timeout=2)
    finally:
        dispose(app)
    assert received == []
