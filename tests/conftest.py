"""Fixtures in the flaskr style: `app` (a clean database per test), `client`, `runner`.

SQLite (the default): the schema is migrated once into a template file, and every test
gets its own copy. PostgreSQL or MySQL/MariaDB (DATABASE_URL points at a server): a
database named for this run is created and migrated, emptied after every test, and
dropped at the end.
"""

import os
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ["CONDUIT_ENV"] = "testing"

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, make_url, text
from sqlmodel import Session, SQLModel

from tests.mailbox import Inbox
from web import create_app
from web.db import dispose, engine_of
from web.infra import live
from web.infra.migrate import upgrade

SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql"))
ON_MYSQL = SERVER_URL.startswith(("mysql", "mariadb"))
ON_SERVER = ON_POSTGRES or ON_MYSQL
BACKEND = "postgresql" if ON_POSTGRES else "mysql" if ON_MYSQL else "sqlite"


OUTBOX = tempfile.mkdtemp(prefix="conduit-outbox-")


def make_test_app(database_url: str, **overrides: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-for-the-suite-0123456789abcdef",
            "SITE_URL": "http://localhost",  # where the test client sends its requests
            "FEED_PAGE_SIZE": 10,
            "RATELIMIT_ENABLED": False,  # the rate-limit tests turn it on
            # With REDIS_URL set, every app gets keys of its own in the shared Redis (the
            # limiter, one per process, keeps the first app's prefix: still "test-...").
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:cache:",
            "SESSION_KEY_PREFIX": f"test-{uuid.uuid4().hex}:session:",
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "LIVE_KEY": f"test-{uuid.uuid4().hex}:live",
            # Mail is sent in the request (the queue's tests turn it on, with a name of its own).
            "MAIL_QUEUE": False,
            "MAIL_QUEUE_NAME": f"test-{uuid.uuid4().hex}-mail",
            "MAIL_OUTBOX": OUTBOX,  # never the working tree's instance folder
            "LIVE_STREAMS_MAX": 8,  # tests hold several streams in one app
            # No look for ended suspensions in the middle of a request whose cost is
            # counted (the moderation tests turn it on).
            "SUSPENSION_SWEEP_SECONDS": 0,
            **overrides,
        }
    )


def migrate(database_url: str) -> None:
    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
    dispose(app)


@pytest.fixture(scope="session", autouse=True)
def _clean_redis() -> Iterator[None]:
    """Remove the keys this run's apps left in the shared Redis (when REDIS_URL is set)."""
    yield
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    import redis

    store = redis.Redis.from_url(url)
    for pattern in ("test-*", "LIMITS:LIMITER/test-*"):
        keys = list(store.scan_iter(match=pattern, count=1000))
        if keys:
            store.delete(*keys)
    store.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The migrated database this run's tests start from."""
    if not ON_SERVER:
        template = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite:///{template}"
        migrate(url)
        yield url
        return
    from web.config import normalise_database_url

    server = make_url(normalise_database_url(SERVER_URL))
    name = f"conduit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        force = " WITH (FORCE)" if ON_POSTGRES else ""
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


@pytest.fixture
def db_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if not ON_SERVER:
        copy = tmp_path / "conduit.db"
        shutil.copyfile(make_url(database_url).database or "", copy)
        yield f"sqlite:///{copy}"
        return
    yield database_url
    engine = create_engine(database_url)
    # Everything but the cache's generation, which goes on counting (as migrated: the
    # row is there, and no number is given out twice).
    names = [t.name for t in SQLModel.metadata.sorted_tables if t.name != "site_state"]
    with engine.begin() as connection:
        if ON_POSTGRES:
            tables = ", ".join(f'"{name}"' for name in names)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            _empty_mysql(connection, ["article_fts", *names])
    engine.dispose()


def _empty_mysql(connection: Any, names: list[str]) -> None:
    """Empty MySQL's tables and restart their ids: only those that hold rows (TRUNCATE
    makes every table anew, far slower than finding the few a test wrote to)."""
    present = set(connection.execute(text("SHOW TABLES")).scalars())
    counts = " UNION ALL ".join(
        f"SELECT '{name}' FROM (SELECT 1 FROM `{name}` LIMIT 1) AS t{n}"
        for n, name in enumerate(names)
        if name in present
    )
    written = list(connection.execute(text(counts)).scalars()) if counts else []
    connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
    for name in written:
        connection.execute(text(f"TRUNCATE `{name}`"))
    connection.execute(text("SET FOREIGN_KEY_CHECKS = 1"))


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    app = make_test_app(db_url)
    yield app
    live.shut_down(app)  # its streams and the thread reading their events end
    dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def queries(app: Flask) -> Iterator[list[str]]:
    """SQL statements the app runs during the test, in order."""
    statements: list[str] = []
    engine = engine_of(app)

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def costs(client: FlaskClient, queries: list[str], *urls: str, **kwargs: Any) -> list[int]:
    """How many SQL statements each GET costs, in order."""
    found = []
    for url in urls:
        queries.clear()
        assert client.get(url, **kwargs).status_code == 200, url
        found.append(len(queries))
    return found


def assert_constant(found: list[int], *, at_most: int) -> None:
    """Costs measured on lists of different lengths: the same for each (nothing is asked
    per row), and no more than `at_most`."""
    assert len(set(found)) == 1, f"the cost grows with the list: {found}"
    assert found[0] <= at_most, f"{found[0]} statements, more than {at_most}"


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data, separate from the requests' sessions."""
    with Session(engine_of(app), expire_on_commit=False) as session:
        yield session


CSRF_INPUT = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/") -> str:
    """A valid CSRF token for the client's session, read from a page's form."""
    match = CSRF_INPUT.search(client.get(url).text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class AuthActions:
    """Sign up, in and out through the real forms (CSRF included)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def register(
        self, username: str = "ana", email: str | None = None, password: str = "correct horse"
    ):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/register",
            data={
                "username": username,
                "email": email or f"{username}@example.com",
                "password": password,
                "csrf_token": csrf_token(self.client),
            },
        )

    def login(self, email: str = "ana@example.com", password: str = "correct horse", **extra):  # type: ignore[no-untyped-def]
        data = {"email": email, "password": password, "csrf_token": csrf_token(self.client)}
        return self.client.post("/login", data={**data, **extra})

    def logout(self):  # type: ignore[no-untyped-def]
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})


def from_address(app: Flask, address: str) -> FlaskClient:
    """A client whose requests come from `address` (not a trusted proxy's)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


# --- mail: a real SMTP server in the test process ---------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox():  # type: ignore[no-untyped-def]
    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    yield handler, server.port
    server.stop()


@pytest.fixture
def mailing_app(db_url: str, inbox):  # type: ignore[no-untyped-def]
    _handler, port = inbox
    app = make_test_app(db_url, MAIL_URL=f"smtp://127.0.0.1:{port}")
    yield app
    dispose(app)
