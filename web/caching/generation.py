"""What is computed once and reused, and how it never goes stale.

The site's *generation* is a number that every write changing what pages show moves
on: the domain notes such writes (web.changes) and `changed()` runs once each commits
(web.caching.writes). It lives where every app server reads it, Redis when REDIS_URL
is set and otherwise the database (table site_state), and everything cached is keyed
by it. So a write is visible on the next read, on any
app server, and nothing ever needs deleting: old entries simply stop being asked for.

The values themselves live in each process, in a bounded LRU (`LRU`): pages and API
answers (web.caching.answers: a member's only to that member), rendered fragments
(web.caching.fragments), the popular tags and list totals (web.reuse). Writes made
outside the app (a script, SQL by hand) are picked up within `MAX_AGE` seconds. If the
generation cannot be read, nothing is served from cache.
"""

import sqlite3
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
from typing import Any, TypeVar

import psycopg
import pymysql
import redis
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web import reuse
from web.db import engine, quick_read
from web.infra.redis_clients import client as redis_client

T = TypeVar("T")
POPULAR_TAGS = "popular-tags"
MAX_AGE = 60.0  # seconds: the longest a value may be reused
GENERATION_KEY = "conduit:generation"
# Each process's budget: with what a worker needs besides, it stays under 150 MB.
CACHE_BYTES = 16 * 1024 * 1024
ENTRY_OVERHEAD = 400  # bytes an entry costs besides its key and value (its slot, its tuple)
BUMPS = "conduit.generation-bumps"
READ_AT_THE_DOOR = (
    "conduit.generation"  # environ: the generation web.caching.replay read for the request
)


class LRU:
    """A thread-safe, size-bounded least-recently-used store (values with their size)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.used = 0
        self.items: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            born, _size, value = found
            if time.monotonic() - born > MAX_AGE:
                return None
            self.items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any, size: int | None = None) -> None:
        """Keep `value`; `size` is its weight in bytes when `weight` cannot see into it.
        Keys name what a value shows (a preview's title, tags...): they weigh too."""
        size = (weight(value) if size is None else size) + weight(key) + ENTRY_OVERHEAD
        if size > self.budget // 4:
            return  # one huge value would push out everything else
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self.items[key] = (time.monotonic(), size, value)
            self.used += size
            while self.used > self.budget and self.items:
                _key, (_born, dropped, _value) = self.items.popitem(last=False)
                self.used -= dropped

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.used = 0


def weight(thing: Any) -> int:
    """Roughly the bytes `thing` holds: its text (a page with one "—" in it stores every
    character in two bytes), and a few words for each other object."""
    if isinstance(thing, str | bytes):
        return sys.getsizeof(thing)
    if isinstance(thing, tuple | list | frozenset):
        return 56 + 8 * len(thing) + sum(weight(part) for part in thing)
    return 32  # a number, a date, None


# Moves the generation on in one command, starting it afresh when Redis lost it.
BUMP = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('incr', KEYS[1]) end
redis.call('set', KEYS[1], ARGV[1])
return tonumber(ARGV[1])
"""
RETRY_SECONDS = 0.2  # how often a bump Redis missed is tried again


class Bumps:
    """Moving the generation on in Redis, and never losing a move.

    A write committed while Redis does not answer still has to reach every reader: its
    bump is kept as pending and tried again in the background until Redis takes it
    (readers on other processes see the write as soon as it does). Meanwhile this
    process serves nothing from its cache (`settled()` is False), so its own readers
    see the write at once.
    """

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client = client
        self.key = key
        self.pending = threading.Event()
        self.lock = threading.Lock()
        self.retrier: threading.Thread | None = None

    def bump(self) -> bool:
        try:
            self.client.eval(BUMP, 1, self.key, _fresh_start())
        except redis.RedisError:
            self.pending.set()
            self._retry_later()
            return False
        self.pending.clear()
        return True

    def settled(self) -> bool:
        """True when no bump is waiting for Redis (trying the waiting one now)."""
        return not self.pending.is_set() or self.bump()

    def _retry_later(self) -> None:
        with self.lock:
            if self.retrier is None or not self.retrier.is_alive():
                self.retrier = threading.Thread(target=self._retry, name="generation-bump",
                                                daemon=True)  # fmt: skip
                self.retrier.start()

    def _retry(self) -> None:
        while self.pending.is_set():
            time.sleep(RETRY_SECONDS)
            if self.pending.is_set():
                with suppress(redis.RedisError):
                    self.client.eval(BUMP, 1, self.key, _fresh_start())
                    self.pending.clear()


def init_app(app: Flask) -> None:
    reuse.install(remember)
    app.extensions["conduit.cache"] = LRU(app.config.get("CACHE_BYTES", CACHE_BYTES))
    url = app.config.get("REDIS_URL")
    if url:
        connection = redis_client(url)
        app.extensions["conduit.generation"] = connection
        key = str(app.config.get("CACHE_KEY_PREFIX") or "conduit:") + GENERATION_KEY
        app.extensions[BUMPS] = Bumps(connection, key)


def store() -> LRU:
    return store_of(current_app)


def store_of(app: Flask) -> LRU:
    """The app's in-process store, outside a request (tests)."""
    return app.extensions["conduit.cache"]  # set by init_app


def generation() -> int | None:
    """The site's generation (read once per request); None when it cannot be read."""
    if "generation" in g:
        return g.generation
    if has_request_context() and READ_AT_THE_DOOR in request.environ:
        g.generation = request.environ.pop(READ_AT_THE_DOOR)  # None too: not asked twice
    else:
        g.generation = _read_generation()
    return g.generation


def _read_generation() -> int | None:
    client = current_app.extensions.get("conduit.generation")
    try:
        if client is not None:
            if not current_app.extensions[BUMPS].settled():
                return None  # a write of ours is not counted yet: serve nothing cached
            value = client.get(_key())
            if value is None:  # a new (or restarted) Redis: start from a fresh number
                client.set(_key(), _fresh_start(), nx=True)
                value = client.get(_key())
            return int(value or 0)
        # On a connection of its own: a failure must not spoil the request's transaction.
        rows = quick_read("SELECT value FROM site_state WHERE name = 'generation'")
        return int(rows[0][0]) if rows else None  # no row yet: nothing is cached
    except (redis.RedisError, SQLAlchemyError, sqlite3.Error, psycopg.Error, pymysql.MySQLError):
        return None


def changed() -> None:
    """Move the generation on, after a committed write that changes what pages show
    (web.changes notes them; web.caching.writes calls this when they commit).

    Outside the app (scripts) it does nothing: their writes show within MAX_AGE.
    """
    if not has_app_context():
        return
    g.pop("generation", None)
    bumps: Bumps | None = current_app.extensions.get(BUMPS)
    if bumps is not None:
        bumps.bump()
        return
    with suppress(SQLAlchemyError), engine().begin() as connection:
        moved = connection.execute(
            text("UPDATE site_state SET value = value + 1 WHERE name = 'generation'")
        )
        if moved.rowcount == 0:  # the row went (a table emptied by hand): a fresh one
            connection.execute(
                text("INSERT INTO site_state (name, value) VALUES ('generation', :value)"),
                {"value": _fresh_start()},
            )


def _fresh_start() -> int:
    # Past every number an earlier Redis gave out, so no old entry is ever matched again.
    return int(time.time() * 1000)


def _key() -> str:
    return str(current_app.config.get("CACHE_KEY_PREFIX") or "conduit:") + GENERATION_KEY


def remember(key: Hashable, compute: Callable[[], T], size: int | None = None) -> T:
    """`compute()`, reused until the next write (or for MAX_AGE seconds). Outside a
    request (scripts, tests of the domain) it simply computes."""
    if not has_app_context() or not has_request_context():
        return compute()
    now = generation()
    if now is None:
        return compute()
    found = store().get((now, key))
    if found is not None:
        return found
    value = compute()
    store().put((now, key), value, size)
    return value
