"""Live updates: what changed, told to the pages open on it (server-sent events).

A write publishes an event once it is committed: the "comments" or the "favorites" of
one article changed, or an article was published ("articles", with its author and
tags). An event says what changed, never anyone's view of it: a page open on the
article fetches its fresh comments or buttons itself, as the reader it is (htmx
`hx-trigger="sse:comments"`), so a stream carries nothing private. Its data is only
what to announce ("New comment by alice.") or, on a feed, the "3 new articles — show
them" notice. A reader's own changes are not sent back to them.

Brokers: with REDIS_URL, events go into a capped Redis stream (XADD, MAXLEN about
HISTORY) that each process reads in one background thread (XREAD BLOCK), so a comment
written through one app server reaches readers connected to any other; without Redis,
events stay in the process that made them (the development server). Either way each
process keeps the last HISTORY events in a `Hub`, where its streams wait. Ids are
"<milliseconds>-<sequence>", Redis's own; a reconnecting browser sends the last one it
saw (Last-Event-ID, or `since` in the address) and gets what it missed, or a "reload"
notice when more was missed than is kept.

Each stream holds a thread while it is open: `LIVE_STREAMS_MAX` per process (beyond it
a 503, the browser retries) and `LIVE_STREAMS_PER_CLIENT` per address (429), a
heartbeat comment every `LIVE_HEARTBEAT_SECONDS`, an end after `LIVE_STREAM_SECONDS`
(the browser reconnects, missing nothing), and an end at once when the process stops
gracefully (gunicorn.conf.py), so a deploy never waits on streams.
"""

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from flask_babel import gettext

from web.infra.redis_clients import client as redis_client

log = logging.getLogger("conduit.live")

HISTORY = 500
STREAM_KEY = "conduit:live"
RETRY_MS = 2000  # how soon a browser reconnects after a stream ends


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


@dataclass
class Hub:
    """This process's recent events and the streams waiting on them."""

    history: int = HISTORY
    events: deque[Event] = field(default_factory=deque)
    changed: threading.Condition = field(default_factory=threading.Condition)
    closing: threading.Event = field(default_factory=threading.Event)
    streams: int = 0
    per_client: Counter[str] = field(default_factory=Counter)
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

    def after(self, last: str) -> tuple[list[Event], bool]:
        """The events after `last`, and whether that is all of them (False when some
        were dropped from the history meanwhile)."""
        mark = _order(last)
        with self.changed:
            newer = [event for event in self.events if _order(event.id) > mark]
            if not self.dropped:
                return newer, True
            # Some were dropped: all is here only if the oldest kept is not after `last`.
            return newer, _order(self.events[0].id) <= mark

    def wait(self, last: str, timeout: float) -> list[Event]:
        """Block until there are events after `last` (or the timeout, or closing)."""
        mark = _order(last)
        with self.changed:
            self.changed.wait_for(
                lambda: (
                    self.closing.is_set()
                    or (bool(self.events) and _order(self.events[-1].id) > mark)
                ),
                timeout=timeout,
            )
            return [event for event in self.events if _order(event.id) > mark]

    def open(self, client: str, most: int, per_client: int) -> str | None:
        """Count a new stream in; a reason when it may not open."""
        with self.changed:
            if self.closing.is_set() or self.streams >= most:
                return "busy"
            if self.per_client[client] >= per_client:
                return "too many"
            self.streams += 1
            self.per_client[client] += 1
            return None

    def close(self, client: str) -> None:
        with self.changed:
            self.streams -= 1
            self.per_client[client] -= 1
            if self.per_client[client] <= 0:
                del self.per_client[client]

    def shut(self) -> None:
        """The process is stopping: every stream ends now (browsers reconnect elsewhere)."""
        with self.changed:
            self.closing.set()
            self.changed.notify_all()


class MemoryBroker:
    """Events for this process only: the development server's broker."""

    def __init__(self) -> None:
        self.hub = Hub()
        self._lock = threading.Lock()
        self._last = (0, 0)

    def publish(self, fields: dict[str, str]) -> None:
        with self._lock:  # ids like Redis's: milliseconds, then a sequence within one
            now = int(time.time() * 1000)
            self._last = (now, 0) if now > self._last[0] else (self._last[0], self._last[1] + 1)
            event_id = f"{self._last[0]}-{self._last[1]}"
        self.hub.add([Event.from_fields(event_id, fields)])

    def listening(self) -> Hub:
        return self.hub


class RedisBroker:
    """Events through a capped Redis stream, read by one thread per process."""

    def __init__(self, url: str, key: str = STREAM_KEY) -> None:
        self.hub = Hub()
        self.url = url
        self.key = key
        self.writer = redis_client(url)
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._loaded = threading.Event()  # the history is in the hub (or Redis is away)

    def publish(self, fields: dict[str, str]) -> None:
        self.writer.xadd(self.key, fields, maxlen=HISTORY, approximate=True)  # type: ignore[arg-type]  # redis-py wants bytes-or-str keys

    def listening(self) -> Hub:
        """The hub, fed by this process's reader thread (started on first use, so each
        gunicorn worker has its own after the fork)."""
        with self._lock:
            if self._reader is None or not self._reader.is_alive():
                self._reader = threading.Thread(target=self._read, name="live-reader", daemon=True)
                self._reader.start()
        # A first stream waits for the history: else it would take it for news.
        self._loaded.wait(timeout=2)
        return self.hub

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


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    key = app.config.get("LIVE_KEY") or STREAM_KEY
    app.extensions["conduit.live"] = RedisBroker(url, key) if url else MemoryBroker()


def broker() -> MemoryBroker | RedisBroker:
    return broker_of(current_app)


def broker_of(app: Flask) -> MemoryBroker | RedisBroker:
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
    except (redis.RedisError, OSError) as error:
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
    topic: Topic,
    start: str | None,
    *,
    heartbeat: float,
    lifetime: float,
    release: Callable[[], None],
) -> Iterator[str]:
    """The stream for one page: what it missed since `start` (when given), then each
    event as it comes, a heartbeat when quiet, until its lifetime ends or the process
    stops. `release` runs however it ends (the browser left, the worker stops)."""
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
        while not hub.closing.is_set() and time.monotonic() < ends:
            events = hub.wait(last, timeout=min(heartbeat, max(ends - time.monotonic(), 0)))
            if events:
                last = events[-1].id
                yield from _said(topic, events)
            else:
                yield ": keep-alive\n\n"
    finally:
        release()


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
        live.hub.shut()
