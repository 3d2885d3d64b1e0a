"""Live updates: what changed, told to the pages open on it (server-sent events).

A write publishes an event once it is committed: the "comments" or the "favorites" of
one article changed, or an article was published ("articles", with its author and
tags). An event says what changed, never anyone's view of it: a page open on the
article fetches its fresh comments or buttons itself, as the reader it is (htmx
`hx-trigger="sse:comments"`), so a stream carries nothing private. Its data is only
what to announce ("New comment by alice.") or, on a feed, the "3 new articles — show
them" notice. A reader's own changes are not sent back to them.

Brokers: with REDIS_URL, events go into a capped Redis stream (XADD, MAXLEN about
HISTORY) that each process reads in one background thread (XREAD BLOCK); without it,
into a table (`live_event`) that each process with open streams reads every
POLL_SECONDS, and at once when it wrote one itself. Either way a comment written
through one process (a gunicorn worker, an app server) reaches readers connected to any
other, and each process keeps the last HISTORY events in a `Hub`, where its streams
wait. Ids are "<number>-<sequence>" (Redis's own, or the row's id and 0); a reconnecting
browser sends the last one it saw (`since` in the address, or Last-Event-ID) and gets
what it missed, or a "stale" notice (the page refetches) when more was missed than is
kept.

Each stream holds a thread and a slot while it is open: `LIVE_STREAMS_MAX` per process
and `LIVE_STREAMS_PER_CLIENT` per client address. No reader is refused for their own
earlier streams: a client at its share ends its oldest stream for the new one (a page
left behind, or a tab that reconnects and replays what it missed), and a process that
is full ends the oldest stream of the client holding the most, unless every client
holds no more than the newcomer would (then 503: the browser retries, maybe on another
server). A heartbeat comment every `LIVE_HEARTBEAT_SECONDS` notices closed pages; a
stream ends after `LIVE_STREAM_SECONDS` (the browser reconnects, missing nothing), and
at once when the process stops gracefully (gunicorn.conf.py), so a deploy never waits
on streams.
"""

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import Engine, Table, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from web.db import engine_of
from web.infra.metrics import LIVE_EVENTS, LIVE_STREAMS
from web.infra.redis_clients import client as redis_client
from web.models import LiveEvent

log = logging.getLogger("conduit.live")

HISTORY = 500
STREAM_KEY = "conduit:live"
RETRY_MS = 2000  # how soon a browser reconnects after a stream ends
POLL_SECONDS = 1.0  # how often a process with open streams reads the events table
GAP_SECONDS = 2.0  # how long a missing row id is waited for (a write not yet committed)
EVENTS: Table = LiveEvent.__table__  # type: ignore[attr-defined]  # SQLModel sets it


def _order(event_id: str) -> tuple[int, int]:
    """Ids compare as Redis stream ids do; anything malformed sorts first."""
    try:
        milliseconds, _, sequence = event_id.partition("-")
        return int(milliseconds), int(sequence or 0)
    except ValueError:
        return (0, 0)


@dataclass(frozen=True)
class Event:
    id: str
    kind: str  # "comments", "favorites" or "articles"
    slug: str = ""
    actor_id: int | None = None  # who did it
    actor: str = ""  # their username, for the announcement
    change: str = ""  # "added" or "deleted" for comments
    tags: tuple[str, ...] = ()
    order: tuple[int, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", _order(self.id))

    @classmethod
    def from_fields(cls, event_id: str, fields: dict[str, str]) -> "Event":
        actor_id = fields.get("actor_id", "")
        tags = fields.get("tags", "")
        return cls(
            id=event_id,
            kind=fields.get("kind", ""),
            slug=fields.get("slug", ""),
            actor_id=int(actor_id) if actor_id.isdigit() else None,
            actor=fields.get("actor", ""),
            change=fields.get("change", ""),
            tags=tuple(tags.split(",")) if tags else (),
        )


@dataclass(eq=False)
class Slot:
    """One open stream's place in its process."""

    client: str
    ended: bool = False  # taken by a newer stream: this one ends (its page reconnects)


@dataclass
class Hub:
    """This process's recent events and the streams waiting on them."""

    history: int = HISTORY
    events: deque[Event] = field(default_factory=deque)
    changed: threading.Condition = field(default_factory=threading.Condition)
    closing: threading.Event = field(default_factory=threading.Event)
    held: dict[str, deque[Slot]] = field(default_factory=dict)  # each client's, oldest first
    streams: int = 0
    # Everything since the process started is here until the first event is dropped.
    dropped: bool = False

    def add(self, events: Iterable[Event]) -> None:
        with self.changed:
            for event in events:
                if len(self.events) == self.history:
                    self.events.popleft()
                    self.dropped = True
                self.events.append(event)
            self.changed.notify_all()

    def last_id(self) -> str:
        with self.changed:
            return self.events[-1].id if self.events else "0-0"

    def _newer(self, mark: tuple[int, int]) -> list[Event]:
        newer: list[Event] = []  # from the newest back: a waiting stream wants only the last few
        for event in reversed(self.events):
            if event.order <= mark:
                break
            newer.append(event)
        newer.reverse()
        return newer

    def after(self, last: str) -> tuple[list[Event], bool]:
        """The events after `last`, and whether that is all of them (False when some
        were dropped from the history meanwhile)."""
        mark = _order(last)
        with self.changed:
            newer = self._newer(mark)
            if not self.dropped:
                return newer, True
            # Some were dropped: all is here only if the oldest kept is not after `last`.
            return newer, self.events[0].order <= mark

    def wait(self, last: str, timeout: float, slot: Slot | None = None) -> list[Event]:
        """Block until there are events after `last` (or the timeout, or closing, or
        the slot taken by a newer stream)."""
        mark = _order(last)
        with self.changed:
            self.changed.wait_for(
                lambda: (
                    self.closing.is_set()
                    or (slot is not None and slot.ended)
                    or (bool(self.events) and self.events[-1].order > mark)
                ),
                timeout=timeout,
            )
            return self._newer(mark)

    def open(self, client: str, most: int, per_client: int) -> Slot | None:
        """A slot for a new stream of `client`, or None when the process is full with
        every client at a fair share."""
        with self.changed:
            if self.closing.is_set():
                return None
            mine = self.held.get(client, deque())
            if len(mine) >= per_client:
                self._end(mine[0])  # the page just opened matters more than an old one
            elif self.streams >= most:
                heaviest = max(self.held.values(), key=len)
                if len(heaviest) <= len(mine) + 1:
                    return None
                self._end(heaviest[0])
            slot = Slot(client)
            self.held.setdefault(client, deque()).append(slot)
            self.streams += 1
            return slot

    def close(self, slot: Slot) -> None:
        with self.changed:
            if not slot.ended:
                self._end(slot)

    def _end(self, slot: Slot) -> None:
        slot.ended = True
        mine = self.held[slot.client]
        mine.remove(slot)
        if not mine:
            del self.held[slot.client]
        self.streams -= 1
        self.changed.notify_all()

    def shut(self) -> None:
        """The process is stopping: every stream ends now (browsers reconnect elsewhere)."""
        with self.changed:
            self.closing.set()
            self.changed.notify_all()


class Broker:
    """Publishes events and feeds this process's hub from one reader thread, started
    by the first stream (so each gunicorn worker has its own after the fork)."""

    def __init__(self) -> None:
        self.hub = Hub()
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._loaded = threading.Event()  # the history is in the hub (or is unreachable)

    def publish(self, fields: dict[str, str]) -> None:
        raise NotImplementedError

    def listening(self) -> Hub:
        with self._lock:
            if self._reader is None or not self._reader.is_alive():
                self._reader = threading.Thread(target=self._read, name="live-reader", daemon=True)
                self._reader.start()
        # A first stream waits for the history: else it would take it for news.
        self._loaded.wait(timeout=2)
        return self.hub

    def _read(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """End every stream of this process now."""
        self.hub.shut()


class DatabaseBroker(Broker):
    """Events through a table every process reads: no Redis, one or many processes.

    A process writes each event as a row of its own (after the write it tells of is
    committed) and wakes its reader; each process with open streams reads the rows
    after the last it has seen. Row ids are given out when a row is written and may
    commit out of order: a missing id is waited for up to GAP_SECONDS (its row may be
    committing) before the reader moves past it, so no stream skips an event.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app
        self.nudge = threading.Event()
        self._gap_seen: float | None = None

    def publish(self, fields: dict[str, str]) -> None:
        with engine_of(self.app).begin() as connection:
            written = connection.execute(insert(EVENTS).values(body=json.dumps(fields)))
            newest = int(written.inserted_primary_key[0])  # type: ignore[index]  # one column
            if newest % 100 == 0:  # now and then, forget what no stream can still want
                connection.execute(delete(EVENTS).where(EVENTS.c.id <= newest - 2 * HISTORY))
        self.nudge.set()

    def stop(self) -> None:
        super().stop()
        self.nudge.set()
        # The reader gives its connection back before the engine can be disposed.
        reader = self._reader
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2)

    def _read(self) -> None:
        engine = engine_of(self.app)
        last: int | None = None
        while not self.hub.closing.is_set():
            self.nudge.clear()
            try:
                if last is None:
                    last = self._load(engine)
                    self._loaded.set()
                last = self._take(engine, last)
            except SQLAlchemyError as error:
                log.warning("live updates: reading events failed (%s); retrying", error)
                self._loaded.set()
            self.nudge.wait(POLL_SECONDS)

    def _load(self, engine: Engine) -> int:
        """The newest HISTORY events into the hub; the id to read on from."""
        with engine.connect() as connection:
            newest = select(EVENTS.c.id, EVENTS.c.body).order_by(EVENTS.c.id.desc())
            rows = connection.execute(newest.limit(self.hub.history)).all()
        self.hub.add(_rows(reversed(rows)))
        return rows[0][0] if rows else 0

    def _take(self, engine: Engine, last: int) -> int:
        """The rows after `last` into the hub, up to a gap not yet waited out."""
        with engine.connect() as connection:
            after = select(EVENTS.c.id, EVENTS.c.body).where(EVENTS.c.id > last)
            rows = connection.execute(after.order_by(EVENTS.c.id).limit(200)).all()
        taken = []
        for row in rows:
            if row[0] != last + 1:
                now = time.monotonic()
                self._gap_seen = self._gap_seen or now
                if now - self._gap_seen < GAP_SECONDS:
                    break
            self._gap_seen = None
            taken.append(row)
            last = row[0]
        self.hub.add(_rows(taken))
        return last


class RedisBroker(Broker):
    """Events through a capped Redis stream, read by one thread per process."""

    def __init__(self, url: str, key: str = STREAM_KEY) -> None:
        super().__init__()
        self.url = url
        self.key = key
        self.writer = redis_client(url)

    def publish(self, fields: dict[str, str]) -> None:
        self.writer.xadd(self.key, fields, maxlen=HISTORY, approximate=True)  # type: ignore[arg-type]  # redis-py wants bytes-or-str keys

    def _read(self) -> None:
        # XREAD blocks up to 5 s: its reads may take that long (a stall still ends them).
        client = redis_client(self.url, read_timeout=10)
        last: str | None = None
        while not self.hub.closing.is_set():
            try:
                if last is None:  # what Redis keeps, oldest first: the history to replay
                    # redis-py types each command as sync or async: this client is sync.
                    recent: list[Any] = client.xrevrange(self.key, count=self.hub.history)  # type: ignore[assignment]
                    self.hub.add(_events(reversed(recent)))
                    last = self.hub.last_id()
                    self._loaded.set()
                found: list[Any] | None = client.xread({self.key: last}, block=5000, count=100)  # type: ignore[assignment]  # sync
                for _stream, entries in found or []:
                    self.hub.add(_events(entries))
                    last = self.hub.last_id()
            except (redis.RedisError, OSError) as error:
                log.warning("live updates: reading from Redis failed (%s); retrying", error)
                self._loaded.set()  # streams go on without the history meanwhile
                time.sleep(1)


def _events(entries: Iterable[tuple[bytes, dict[bytes, bytes]]]) -> list[Event]:
    return [
        Event.from_fields(
            event_id.decode(), {key.decode(): value.decode() for key, value in fields.items()}
        )
        for event_id, fields in entries
    ]


def _rows(rows: Iterable[Any]) -> list[Event]:
    return [Event.from_fields(f"{row_id}-0", json.loads(body)) for row_id, body in rows]


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    key = app.config.get("LIVE_KEY") or STREAM_KEY
    app.extensions["conduit.live"] = RedisBroker(url, key) if url else DatabaseBroker(app)


def broker() -> Broker:
    return broker_of(current_app)


def broker_of(app: Flask) -> Broker:
    """The app's broker, outside a request (tests, shutdown)."""
    return app.extensions["conduit.live"]  # set by init_app


def publish(kind: str, **fields: object) -> None:
    """Tell open pages something changed. Called after the write is committed; a
    broker that cannot be reached costs the live update only (a reload shows it)."""
    if not has_app_context():  # a script outside the app: no page is listening
        return
    values = {"kind": kind, **{key: _text(value) for key, value in fields.items()}}
    try:
        broker().publish(values)
        LIVE_EVENTS.inc()
    except (redis.RedisError, OSError, SQLAlchemyError) as error:
        log.warning("live updates: publishing %s failed (%s)", kind, error)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(sorted(str(item) for item in value))
    return str(value)


# --- what one stream says ------------------------------------------------------------------


def message(name: str, data: str = "", event_id: str | None = None) -> str:
    """One server-sent event (each line of data on its own `data:` line)."""
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in (data.splitlines() or [""])]
    return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class Topic:
    """What one page listens to, and what it says about each event it cares for."""

    says: Callable[[Event], tuple[str, str] | None]  # (event name, data) or None
    stale: Callable[[], str]  # the data of the "reload" notice


def stream(
    hub: Hub,
    slot: Slot,
    topic: Topic,
    start: str | None,
    *,
    heartbeat: float,
    lifetime: float,
) -> Iterator[str]:
    """The stream for one page: what it missed since `start` (when given), then each
    event as it comes, a heartbeat when quiet, until its lifetime ends, a newer stream
    takes its slot or the process stops. The slot is given back however it ends (the
    browser left, the worker stops)."""
    LIVE_STREAMS.inc()
    try:
        yield f"retry: {RETRY_MS}\n\n"
        if start is None:
            last = hub.last_id()
            yield message("hello", event_id=last)  # the point a reconnection resumes from
        else:
            missed, complete = hub.after(start)
            last = missed[-1].id if missed else start
            if not complete:
                yield message("stale", topic.stale(), event_id=hub.last_id())
                return
            yield from _said(topic, missed)
        ends = time.monotonic() + lifetime
        while not hub.closing.is_set() and not slot.ended and time.monotonic() < ends:
            events = hub.wait(last, min(heartbeat, max(ends - time.monotonic(), 0)), slot)
            if events:
                last = events[-1].id
                yield from _said(topic, events)
            else:
                yield ": keep-alive\n\n"
    finally:
        hub.close(slot)
        LIVE_STREAMS.dec()


def _said(topic: Topic, events: list[Event]) -> Iterator[str]:
    for event in events:
        said = topic.says(event)
        if said is not None:
            yield message(*said, event_id=event.id)
        else:  # still moves the browser's resume point past it
            yield f"id: {event.id}\n\n"


def announcement(event: Event) -> str:
    """What the status region says about a change to an article's comments."""
    if event.change == "deleted":
        return gettext("A comment was deleted.")
    if event.actor:
        return gettext("New comment by %(name)s.", name=event.actor)
    return gettext("New comment.")


def article_topic(slug: str, viewer_id: int | None, stale: Callable[[], str]) -> Topic:
    """An article's page: others' comments and favorites. The reader's own changes are
    not sent back: the page that made them has shown them already (and a refetch racing
    that page's own answer could show a comment twice)."""

    def says(event: Event) -> tuple[str, str] | None:
        if event.slug != slug or event.kind not in ("comments", "favorites"):
            return None
        if viewer_id is not None and event.actor_id == viewer_id:
            return None
        return event.kind, announcement(event) if event.kind == "comments" else ""

    return Topic(says=says, stale=stale)


def feed_topic(
    wants: Callable[[Event], bool],
    notice: Callable[[int], str],
    stale: Callable[[], str],
) -> Topic:
    """A feed: each article published into it adds to the "n new articles" notice."""
    seen: list[str] = []

    def says(event: Event) -> tuple[str, str] | None:
        if event.kind != "articles" or not wants(event) or event.id in seen:
            return None
        seen.append(event.id)
        return "articles", notice(len(seen))

    return Topic(says=says, stale=stale)


def shut_down(app: Any) -> None:
    """End every stream of this process now (gunicorn.conf.py calls it on SIGTERM)."""
    live = getattr(app, "extensions", {}).get("conduit.live")
    if live is not None:
        live.stop()
