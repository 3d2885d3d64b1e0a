"""Nothing waits on a stalled server: a Redis or a PostgreSQL of the test's own is paused
(SIGSTOP: it accepts connections and never answers) in the middle of traffic.

Redis paused: the app goes on without it, every answer within a second. PostgreSQL
paused: pages and API answer 503 with Retry-After within 3 s, /healthz 200 at once,
/readyz 503 within 2 s; all recovers by itself. No acknowledged write is lost or made
twice, and a write made while Redis was away is seen by the next read.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from tests.conftest import make_test_app
from tests.servers import (
    have_mariadb,
    have_postgres,
    have_redis,
    own_mariadb,
    own_postgres,
    own_redis,
    serving,
)
from web.db import dispose
from web.infra.migrate import upgrade

PASSWORD = "stall password"
# A stalled server is kept paused until every call of a burst has answered, so a call
# that waited on it would wait out the client's own timeout (HANG). A bounded one answers
# within the app's bounds (0.25 s for Redis, DATABASE_TIMEOUT for the database) plus the
# scheduling delays of a busy two-core machine: PROMPT is far below HANG and far above
# those bounds, so it tells the two apart without timing anything finer.
HANG = 30.0
PROMPT = 5.0


@dataclass
class Answer:
    what: str
    status: int
    seconds: float
    retry_after: str | None
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """A RealWorld client and a visitor, with their own connections."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.token = ""
        self.writes: list[tuple[str, int]] = []  # every title sent, and its answer

    def call(self, what: str, method: str, path: str, **kwargs: Any) -> Answer:
        headers = kwargs.pop("headers", {})
        if self.token and path.startswith("/api/"):
            headers["Authorization"] = f"Token {self.token}"
        started = time.monotonic()
        answer = requests.request(method, self.site + path, headers=headers, timeout=HANG,
                                  allow_redirects=False, **kwargs)  # fmt: skip
        return Answer(what, answer.status_code, time.monotonic() - started,
                      answer.headers.get("Retry-After"), answer.text)  # fmt: skip

    def sign_up(self, name: str) -> None:
        answer = requests.post(
            f"{self.site}/api/users",
            json={"user": {"username": name, "email": f"{name}@example.com",
                           "password": PASSWORD}},
            timeout=HANG,
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["user"]["token"]

    def write(self, title: str) -> Answer:
        """A new article titled `title` and a number of its own (each write is unique)."""
        title = f"{title} {uuid.uuid4().hex[:8]}"
        body = {"article": {"title": title, "description": "d", "body": "b"}}
        answer = self.call("write", "POST", "/api/articles", json=body)
        self.writes.append((title, answer.status))
        return answer


def mixed(client: Client, title: str) -> list[Callable[[], Answer]]:
    """A burst of what readers and writers do, each a call to make at once."""
    return [
        lambda: client.call("home", "GET", "/"),
        lambda: client.call("article list", "GET", "/api/articles"),
        lambda: client.call("sign-in page", "GET", "/login"),
        lambda: client.call(
            "api sign-in",
            "POST",
            "/api/users/login",
            json={"user": {"email": "writer@example.com", "password": PASSWORD}},
        ),
        lambda: client.write(title),
        lambda: client.call("healthz", "GET", "/healthz"),
    ]


def burst(calls: list[Callable[[], Answer]], times: int = 3) -> list[Answer]:
    with ThreadPoolExecutor(max_workers=len(calls) * times) as pool:
        futures = [pool.submit(call) for call in calls * times]
        return [future.result() for future in futures]


def titles(engine: Any) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT title FROM article")).scalars())


@pytest.mark.skipif(not have_redis(), reason="redis-server is not installed (CI has it)")
def test_a_paused_redis_holds_nothing_up(db_url):
    with own_redis() as redis_server:
        app = make_test_app(db_url, REDIS_URL=redis_server.url, RATELIMIT_ENABLED=True,
                            API_WRITE_LIMIT="1000 per minute",
                            SIGNIN_LIMIT_PER_IP="1000 per minute",
                            SIGNIN_LIMIT_PER_ACCOUNT="1000 per minute")  # fmt: skip
        try:
            with serving(app) as site:
                writer = Client(site)
                writer.sign_up("writer")
                assert writer.write("Before the pause").status == 201
                seen = writer.call("list", "GET", "/api/articles")  # cached from now on
                assert "Before the pause" in seen.body
                assert writer.call("list", "GET", "/api/articles").body == seen.body

                redis_server.pause()
                try:
                    answers = burst(mixed(writer, "Written while Redis was away"))
                finally:
                    redis_server.resume()
                for answer in answers:
                    assert answer.seconds < PROMPT, answer
                    assert answer.status < 500, answer
                writes = [a for a in answers if a.what == "write"]
                assert all(a.status == 201 for a in writes)
                # Redis answers again: the writes made while it was away are seen at once
                # (the cache was keyed by a generation those writes could not move).
                after = writer.call("list", "GET", "/api/articles")
                assert after.body.count("Written while Redis was away") == len(writes)
                assert "Before the pause" in after.body
        finally:
            dispose(app)


SERVERS = {"postgresql": (own_postgres, have_postgres), "mariadb": (own_mariadb, have_mariadb)}


@pytest.fixture(params=list(SERVERS))
def server_app(request: pytest.FixtureRequest) -> Iterator[tuple[Flask, Any, Any]]:
    """The app on a PostgreSQL or a MariaDB of this test's own (which the test pauses)."""
    own, have = SERVERS[request.param]
    if not have():
        pytest.skip(f"{request.param}'s programs are not installed (CI has them)")
    with own() as server:
        admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE conduit"))
        admin.dispose()
        url = make_url(server.url).set(database="conduit").render_as_string(False)
        # No Redis: every answer needs the database (a cached page would not).
        app = make_test_app(url, SITE_URL="http://127.0.0.1", REDIS_URL=None,
                            RATELIMIT_STORAGE_URI="conduit+db://")  # fmt: skip
        with app.app_context():
            upgrade()
        reader = create_engine(url)
        try:
            yield app, server, reader
        finally:
            reader.dispose()
            dispose(app)


def test_a_paused_database_answers_503_in_time_and_recovers(server_app):
    app, database, reader = server_app
    with serving(app) as site:
        writer = Client(site)
        writer.sign_up("writer")
        for number in range(3):
            assert writer.write(f"Before {number}").status == 201
        assert writer.call("home", "GET", "/").status == 200

        database.pause()
        try:
            answers = burst(mixed(writer, "During"), times=2)
            ready = writer.call("readyz", "GET", "/readyz")
            again = burst(mixed(writer, "During, later"), times=1)
        finally:
            database.resume()
        for answer in [*answers, *again]:
            if answer.what == "healthz":  # the process is alive: it asks no server
                assert answer.status == 200, answer
                assert answer.seconds < PROMPT, answer
                continue
            assert answer.seconds < PROMPT, answer
            if answer.status == 503:
                assert answer.retry_after, answer
            else:  # only what needed no database at all
                assert answer.what == "sign-in page", answer
                assert answer.status == 200, answer
        assert ready.status == 503
        assert ready.seconds < PROMPT, ready
        assert "unreachable" in ready.json()["checks"]["database"]

        # Back by itself: within a few seconds every kind of request succeeds again.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if writer.call("readyz", "GET", "/readyz").status == 200:
                break
            time.sleep(0.2)
        final = writer.write("After")
        assert final.status == 201, final
        assert writer.call("home", "GET", "/").status == 200
        assert writer.call("list", "GET", "/api/articles").status == 200
    stored = titles(reader)
    for title, status in writer.writes:
        if status == 201:
            assert stored.count(title) == 1, title  # acknowledged: there, once
        else:  # refused with 503: at most once (a commit the server took as it stopped)
            assert status == 503
            assert stored.count(title) <= 1, title
