"""Database engine, one session per request, and per-request SQL accounting."""

import math
import sqlite3
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from web.infra import mysql, postgres
from web.infra.breakers import Breaker

DEFAULT_TIMEOUT = 2.0  # seconds (DATABASE_TIMEOUT_SECONDS)
EXTENSION = "conduit.db"
QUICK_READS = "conduit.db-quick-reads"
QUICK_READERS = "conduit.db-quick-readers"  # each thread's connection for quick reads


@dataclass
class SqlStats:
    """SQL statements run while serving one request, and the time spent in them."""

    count: int = 0
    seconds: float = 0.0


def make_engine(
    url: str, timeout: float = DEFAULT_TIMEOUT, guard: Breaker | None = None, **options: Any
) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout on every
    connection; PostgreSQL and MySQL/MariaDB connections are checked before use (unless
    `pool_pre_ping` says otherwise in `options`, passed on to create_engine) and no
    request waits on the server much longer than `timeout` seconds (web.infra.postgres,
    web.infra.mysql; `guard` is the breaker the app's engines share)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 5, "check_same_thread": False}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": max(2, math.ceil(timeout))}  # libpq's least: 2
        engine = create_engine(
            url,
            connect_args=connect_args,
            **{"pool_pre_ping": True, "pool_timeout": timeout, **options},
        )
        server = f"PostgreSQL at {parsed.host}:{parsed.port or 5432}"
        kind = postgres.connection_class(guard or Breaker(server), timeout)
        event.listen(
            engine, "do_connect", lambda _dialect, _record, cargs, cparams:
            postgres.connect(kind, cargs, cparams)
        )  # fmt: skip
    elif parsed.get_backend_name() in ("mysql", "mariadb"):
        mysql_args = {**mysql.CONNECT_ARGS, "connect_timeout": max(1, math.ceil(timeout))}
        # READ COMMITTED, as on PostgreSQL: a statement sees what others committed before
        # it (a retried insert finds the row a racing request just wrote).
        defaults = {"pool_pre_ping": True, "pool_timeout": timeout, "pool_recycle": 3600,
                    "isolation_level": "READ COMMITTED"}  # fmt: skip
        engine = create_engine(url, connect_args=mysql_args, **{**defaults, **options})
        server = f"MySQL at {parsed.host}:{parsed.port or 3306}"
        made = mysql.connection_class(guard or Breaker(server), timeout)
        event.listen(
            engine, "do_connect", lambda _dialect, _record, cargs, cparams:
            mysql.connect(made, cargs, cparams)
        )  # fmt: skip
    else:
        engine = create_engine(url, **{"pool_pre_ping": True, **options})
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(engine, "after_cursor_execute", _after_cursor_execute)
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _before_cursor_execute(conn: Any, *_args: Any) -> None:
    conn.info.setdefault("query_started", []).append(time.perf_counter())


def _after_cursor_execute(conn: Any, *_args: Any) -> None:
    started = conn.info["query_started"].pop()
    if has_app_context() and "sql_stats" in g:
        g.sql_stats.count += 1
        g.sql_stats.seconds += time.perf_counter() - started


def init_app(app: Flask) -> None:
    timeout = app.config.get("DATABASE_TIMEOUT", DEFAULT_TIMEOUT)
    url = make_url(app.config["DATABASE_URL"])
    # One breaker for the app's engines: a stall seen by one holds back both.
    guard = Breaker(f"database at {url.host}:{url.port}")
    app.extensions[EXTENSION] = make_engine(app.config["DATABASE_URL"], timeout, guard)
    app.extensions[QUICK_READS] = make_engine(
        app.config["DATABASE_URL"], timeout, guard,
        isolation_level="AUTOCOMMIT", pool_pre_ping=False,
    )  # fmt: skip
    app.extensions[QUICK_READERS] = QuickReaders()
    app.before_request(_start_stats)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return engine_of(current_app)


def engine_of(app: Flask) -> Engine:
    """The app's engine, outside a request (scripts, tests)."""
    return app.extensions[EXTENSION]  # set by init_app


def engines_of(app: Flask) -> list[Engine]:
    """Every engine of the app: the one for sessions and the one for quick reads."""
    return [app.extensions[EXTENSION], app.extensions[QUICK_READS]]


class QuickReaders:
    """Each thread's connection for quick reads, and all of them, to close together.

    Kept because it earns it: read through the pool instead, the visitors' home page ran
    39% and the search page 20% slower in `make bench` (2026-12-06)."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.made: list[Any] = []
        self.lock = threading.Lock()

    def connection(self, engine: Engine) -> Any:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = engine.raw_connection()
            connection.detach()  # this thread's, for good
            self.local.connection = connection
            with self.lock:
                self.made.append(connection)
        return connection

    def drop(self, connection: Any) -> None:
        self.local.connection = None
        with self.lock:
            self.made.remove(connection)
        with suppress(Exception):
            connection.close()

    def close(self) -> None:
        with self.lock:
            made, self.made = self.made, []
        for connection in made:
            with suppress(Exception):
                connection.close()
        self.local = threading.local()


def quick_read(statement: str) -> list[Any]:
    """The rows of a one-statement read made on every request (the cache's generation).

    It runs on this thread's own connection, kept open outside the pool, in autocommit
    and unchecked: one round trip, nothing else (a pool's checkout and return cost more
    than the read). A read that fails drops the connection (the next makes a new one)
    and raises: the caller answers without what it read.
    """
    readers: QuickReaders = current_app.extensions[QUICK_READERS]
    connection = readers.connection(current_app.extensions[QUICK_READS])
    try:
        cursor = connection.cursor()
        cursor.execute(statement)
        rows = cursor.fetchall()  # read to the end: no statement stays open on SQLite
        cursor.close()
    except Exception:
        readers.drop(connection)
        raise
    stats = sql_stats()  # not seen by SQLAlchemy's events: counted by hand
    stats.count += 1
    return rows


def dispose(app: Flask, *, close: bool = True) -> None:
    """Let go of the app's database connections (`close=False` after a fork: the
    parent's connections are forgotten, not closed under it)."""
    if close:
        app.extensions[QUICK_READERS].close()
    else:  # (the parent made none: it serves no request)
        app.extensions[QUICK_READERS] = QuickReaders()
    for name in (EXTENSION, QUICK_READS):
        app.extensions[name].dispose(close=close)


def sql_stats() -> SqlStats:
    """Statements run so far in this request (empty outside a request)."""
    return g.get("sql_stats") or SqlStats()


def get_session() -> Session:
    """The request's session, opened on first use and closed when the app context ends."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def rollback_quietly() -> None:
    """Undo the request's unfinished transaction, if any (before answering an error)."""
    session: Session | None = g.get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # a lost connection: nothing left to undo
        session.invalidate()


def _start_stats() -> None:
    g.sql_stats = SqlStats()


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is not None:
            session.rollback()
        session.close()
    except Exception:  # the connection died under the request (a restarted server):
        session.invalidate()  # drop it from the pool; the answer has been given already
