"""Live updates: each write publishes what changed, and the streams (server-sent events)
tell the pages open on it, carrying nothing private; reconnections miss nothing; the
refresh a page makes when told answers with that reader's own view."""

import json
import queue
import re
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import func, select

from tests.conftest import AuthActions, csrf_token, make_test_app
from tests.factories import follow, make_user
from web.articles import create_article, publish_article, set_favorite
from web.comments import add_comment, delete_comment
from web.db import dispose, engine_of
from web.infra import live
from web.infra.live import broker_of
from web.models import User

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    app = make_test_app(db_url, LIVE_HEARTBEAT_SECONDS=1, LIVE_STREAM_SECONDS=30)
    yield app
    live.shut_down(app)
    dispose(app)


def hub(app: Flask) -> live.Hub:
    return broker_of(app).listening()  # type: ignore[no-any-return]


def published(app: Flask, after: str, slug: str, wait: float = 3) -> list[live.Event]:
    """The events about `slug` after `after` (Redis delivers them from its thread)."""
    deadline = time.monotonic() + wait
    found: list[live.Event] = []
    while time.monotonic() < deadline:
        found = [event for event in hub(app).after(after)[0] if event.slug == slug]
        if found:
            time.sleep(0.2)  # let any event that follows arrive too
            return [event for event in hub(app).after(after)[0] if event.slug == slug]
        time.sleep(0.05)
    return found


def test_each_write_publishes_what_changed_once_committed(app, db):
    writer, reader = make_user(db, "writer"), make_user(db, "reader")
    mark = hub(app).last_id()
    with app.app_context():  # a write made directly publishes through the app
        article = create_article(session=db, author_id=writer.id, title="Live one",
                                 description="d", body="b", tags=["news", "htmx"])  # fmt: skip
    [event] = published(app, mark, article.slug)
    assert (event.kind, event.actor_id, set(event.tags)) == (
        "articles",
        writer.id,
        {"news", "htmx"},
    )

    mark = hub(app).last_id()
    with app.app_context():  # a write made directly publishes through the app
        draft = create_article(session=db, author_id=writer.id, title="Not yet", description="d",
                               body="b", draft=True)  # fmt: skip
    assert published(app, mark, draft.slug, wait=0.5) == []  # a draft is nobody's news
    with app.app_context():  # a write made directly publishes through the app
        publish_article(session=db, slug=draft.slug, editor_id=writer.id)
    assert [e.kind for e in published(app, mark, draft.slug)] == ["articles"]

    mark = hub(app).last_id()
    with app.app_context():  # a write made directly publishes through the app
        comment = add_comment(session=db, slug=article.slug, author=reader, body="Hello")
        delete_comment(session=db, slug=article.slug, comment_id=comment.id, user_id=reader.id)
        set_favorite(session=db, slug=article.slug, user_id=reader.id, on=True)
        set_favorite(session=db, slug=article.slug, user_id=reader.id, on=True)  # no change
        set_favorite(session=db, slug=article.slug, user_id=reader.id, on=False)
    said = [(e.kind, e.change, e.actor, e.actor_id) for e in published(app, mark, article.slug)]
    assert said == [
        ("comments", "added", "reader", reader.id),
        ("comments", "deleted", "", reader.id),
        ("favorites", "", "", reader.id),
        ("favorites", "", "", reader.id),
    ]


class Listener:
    """A browser's EventSource: asks for a stream and reads it in a thread of its own
    (as a server's thread runs a view and then sends its stream)."""

    def __init__(
        self, client: FlaskClient, url: str, address: str = "127.0.0.1", **headers: str
    ) -> None:
        self.messages: queue.Queue[str] = queue.Queue()
        self.answered = threading.Event()
        self.leaving = threading.Event()
        self.thread = threading.Thread(
            target=self._read, args=(client, url, address, headers), daemon=True
        )
        self.thread.start()
        assert self.answered.wait(5), f"{url} did not answer"
        self.status = self.response.status_code

    def _read(self, client: FlaskClient, url: str, address: str, headers: dict[str, str]) -> None:
        self.response = client.get(
            url, headers=headers, environ_base={"REMOTE_ADDR": address}, buffered=False
        )
        self.answered.set()
        if self.response.status_code != 200:
            return
        buffer = ""
        for chunk in self.response.response:
            buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
            while "\n\n" in buffer:
                message, buffer = buffer.split("\n\n", 1)
                self.messages.put(message)
            if self.leaving.is_set():
                break
        self.response.close()  # as a server does when the client has gone

    def next(self, name: str | None = None, wait: float = 5) -> dict[str, str]:
        """The next message (named `name`, skipping others), as its fields."""
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name or 'message'} within {wait} s")
            try:
                fields = parse(self.messages.get(timeout=remaining))
            except queue.Empty:
                raise AssertionError(f"no {name or 'message'} within {wait} s") from None
            if name is None or fields.get("event") == name:
                return fields

    def close(self) -> None:
        """The browser leaves: the server notices at the next message (a heartbeat at most)."""
        self.leaving.set()
        self.thread.join(timeout=5)


def parse(message: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in message.splitlines():
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        fields[key or "comment"] = fields[key] + "\n" + value if key in fields else value
    return fields


@pytest.fixture
def story(app, db) -> tuple[User, str]:
    writer = make_user(db, "writer")
    with app.app_context():  # a write made directly publishes through the app
        article = create_article(session=db, author_id=writer.id, title="A story",
                                 description="d", body="b", tags=["news"])  # fmt: skip
    return writer, article.slug


def comment_through_the_page(client: FlaskClient, slug: str, body: str) -> None:
    token = csrf_token(client, f"/article/{slug}")
    answer = client.post(f"/article/{slug}/comments", data={"body": body, "csrf_token": token})
    assert answer.status_code in (200, 303), answer.text


def test_an_article_stream_tells_readers_and_carries_nothing_private(app, story):
    _writer, slug = story
    reader, commenter = app.test_client(), app.test_client()
    AuthActions(commenter).register("bob")
    AuthActions(reader).register("ann")
    stream = Listener(reader, f"/live/article/{slug}")
    assert stream.status == 200
    assert stream.response.mimetype == "text/event-stream"
    assert "no-store" in stream.response.headers["Cache-Control"]
    assert stream.response.headers["X-Accel-Buffering"] == "no"
    hello = stream.next("hello")
    assert re.fullmatch(r"\d+-\d+", hello["id"])

    comment_through_the_page(commenter, slug, "A secret-looking body")
    said = stream.next("comments")
    assert said["data"] == "New comment by bob."
    assert _order(said["id"]) > _order(hello["id"])

    # The reader's own comment is not sent back (their page showed it already)...
    comment_through_the_page(reader, slug, "Mine")
    commenter.post(f"/article/{slug}/favorite", data={"csrf_token": csrf_token(commenter)})
    named = stream.next()
    while "event" not in named:  # ...only its id passes (and heartbeats), then bob's favorite
        named = stream.next()
    assert (named["event"], named["data"]) == ("favorites", "")
    stream.close()
    everything = "".join(str(m) for m in list(stream.messages.queue))
    assert "secret-looking" not in everything
    assert "csrf" not in everything.lower()


def _order(event_id: str) -> tuple[int, int]:
    first, _, second = event_id.partition("-")
    return int(first), int(second)


def test_a_reconnection_gets_what_it_missed(app, story, db):
    _writer, slug = story
    commenter = make_user(db, "bob")
    mark = hub(app).last_id()
    with app.app_context():  # a write made directly publishes through the app
        add_comment(session=db, slug=slug, author=commenter, body="While you were away")
        add_comment(session=db, slug=slug, author=commenter, body="And again")
    published(app, mark, slug)
    for headers, url in (({"Last-Event-ID": mark}, f"/live/article/{slug}"),
                         ({}, f"/live/article/{slug}?since={mark}")):  # fmt: skip
        stream = Listener(app.test_client(), url, **headers)
        first, second = stream.next("comments"), stream.next("comments")
        assert first["data"] == second["data"] == "New comment by bob."
        stream.close()


def test_a_stream_that_missed_too_much_is_told_to_refresh(app, story, db):
    _writer, slug = story
    fed = hub(app)
    fed.add([live.Event(id=f"1-{n}", kind="favorites", slug=slug) for n in range(fed.history)])
    fed.add([live.Event(id="2-0", kind="favorites", slug=slug)])  # the oldest one is dropped
    stream = Listener(app.test_client(), f"/live/article/{slug}?since=0-5")
    assert stream.next()["retry"] == "2000"
    assert stream.next()["event"] == "stale"  # the page refetches its comments and buttons
    stream.close()


def test_quiet_streams_send_a_heartbeat_and_end_when_the_process_stops(app, story):
    _writer, slug = story
    stream = Listener(app.test_client(), f"/live/article/{slug}")
    stream.next("hello")
    assert stream.next(wait=3) == {"comment": "keep-alive"}
    live.shut_down(app)
    stream.thread.join(timeout=3)
    assert not stream.thread.is_alive()  # the stream ended: the browser reconnects elsewhere
    assert hub(app).streams == 0


def ended(stream: "Listener", wait: float = 3) -> bool:
    """Whether the server ended the stream (the browser would reconnect)."""
    stream.thread.join(timeout=wait)
    return not stream.thread.is_alive()


def test_a_reader_s_new_stream_takes_the_place_of_their_oldest(db_url, story):
    """One tab opening article after article is never refused: each new page's stream
    takes the slot of the oldest (a page left behind), which ends."""
    app = make_test_app(db_url, LIVE_STREAMS_MAX=8, LIVE_STREAMS_PER_CLIENT=2,
                        LIVE_HEARTBEAT_SECONDS=30)  # fmt: skip
    _writer, slug = story
    url = f"/live/article/{slug}"
    try:
        pages = [Listener(app.test_client(), url, address="10.0.0.1") for _ in range(5)]
        assert [page.status for page in pages] == [200] * 5
        assert all(ended(page) for page in pages[:3])  # no heartbeat needed to notice
        assert not any(ended(page, wait=0.2) for page in pages[3:])
        assert hub(app).streams == 2
        assert [len(slots) for slots in hub(app).held.values()] == [2]
        for page in pages:
            page.close()
    finally:
        live.shut_down(app)
        dispose(app)


def test_a_full_process_shares_its_streams_fairly(db_url, story):
    """No client holds more than its share when others want streams: a full process
    ends the oldest stream of the client holding the most; when every client holds no
    more than the newcomer would, it answers 503 and the browser retries."""
    app = make_test_app(db_url, LIVE_STREAMS_MAX=3, LIVE_STREAMS_PER_CLIENT=16,
                        LIVE_HEARTBEAT_SECONDS=30)  # fmt: skip
    _writer, slug = story
    url = f"/live/article/{slug}"
    try:
        greedy = [Listener(app.test_client(), url, address="10.0.0.1") for _ in range(3)]
        assert [stream.status for stream in greedy] == [200] * 3
        second = Listener(app.test_client(), url, address="10.0.0.2")
        assert second.status == 200
        assert ended(greedy[0])
        third = Listener(app.test_client(), url, address="10.0.0.3")
        assert third.status == 200
        assert ended(greedy[1])
        busy = Listener(app.test_client(), url, address="10.0.0.4")
        assert busy.status == 503  # one each: a fair share all round
        assert busy.response.headers["Retry-After"] == "5"
        assert not any(ended(stream, wait=0.2) for stream in (greedy[2], second, third))
        third.close()
        hub(app).close(next(iter(hub(app).held["10.0.0.3"])))  # as a heartbeat would find
        assert Listener(app.test_client(), url, address="10.0.0.4").status == 200
    finally:
        live.shut_down(app)
        dispose(app)


def test_without_redis_events_cross_processes_through_the_database(db_url, story, db):
    """Two processes (here two apps on one database, as two gunicorn workers): a comment
    written through one reaches a page whose stream is on the other."""
    one, other = (make_test_app(db_url, REDIS_URL=None) for _ in range(2))
    assert isinstance(broker_of(other), live.DatabaseBroker)
    _writer, slug = story
    try:
        stream = Listener(other.test_client(), f"/live/article/{slug}")
        stream.next("hello")
        commenter = one.test_client()
        AuthActions(commenter).register("bob")
        comment_through_the_page(commenter, slug, "Through the database")
        assert stream.next("comments", wait=5)["data"] == "New comment by bob."
        stream.close()
    finally:
        for app in (one, other):
            live.shut_down(app)
            dispose(app)


def test_the_database_broker_waits_for_a_row_still_committing(db_url, monkeypatch):
    """Ids are given out before rows commit: a reader that sees 2 but not 1 yet waits
    for 1 (a write still committing), and after GAP_SECONDS moves past it (a write that
    rolled back), so no stream skips an event and none waits forever."""
    app = make_test_app(db_url, REDIS_URL=None)
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(live, "GAP_SECONDS", 0.6)
    events = live.EVENTS
    try:
        fed = hub(app)
        with engine_of(app).begin() as connection:
            start = connection.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()

        def write(row_id: int, slug: str) -> None:
            with engine_of(app).begin() as connection:
                connection.execute(events.insert().values(id=row_id, body=json.dumps(
                    {"kind": "favorites", "slug": slug})))  # fmt: skip

        write(start + 2, "second")
        time.sleep(0.3)
        assert [e.slug for e in fed.after("0-0")[0]] == []  # 1 may be committing: wait
        write(start + 1, "first")
        time.sleep(0.3)
        assert [e.slug for e in fed.after("0-0")[0]] == ["first", "second"]  # in order

        write(start + 4, "fourth")  # 3 never comes (rolled back)
        time.sleep(0.2)
        assert [e.slug for e in fed.after(f"{start + 2}-0")[0]] == []
        time.sleep(1)
        assert [e.slug for e in fed.after(f"{start + 2}-0")[0]] == ["fourth"]
    finally:
        live.shut_down(app)
        dispose(app)


def test_a_stream_holds_no_database_connection(app, story):
    _writer, slug = story
    engine = engine_of(app)
    before = engine.pool.checkedout()  # the test's own session may hold one
    stream = Listener(app.test_client(), f"/live/article/{slug}")
    stream.next("hello")
    # (the broker's reader borrows one for a moment each time it looks for events)
    assert any(engine.pool.checkedout() == before or time.sleep(0.05) for _ in range(20))
    stream.close()


def test_a_draft_or_missing_article_has_no_stream(app, db):
    writer = make_user(db, "writer")
    with app.app_context():  # a write made directly publishes through the app
        draft = create_article(session=db, author_id=writer.id, title="Secret", description="d",
                               body="b", draft=True)  # fmt: skip
    assert app.test_client().get(f"/live/article/{draft.slug}").status_code == 404
    assert app.test_client().get("/live/article/nothing-here").status_code == 404


def test_feed_streams_count_new_articles_into_a_notice(app, db):
    writer, other = make_user(db, "writer"), make_user(db, "other")
    signed_in = app.test_client()
    AuthActions(signed_in).register("mia")
    follow(db, db.exec(select(User).where(User.username == "mia")).one(), writer)
    visitor = app.test_client()
    everything = Listener(visitor, "/live/feed")
    tagged = Listener(visitor, "/live/feed?tag=htmx", address="10.0.0.2")
    following = Listener(signed_in, "/live/feed?feed=following")
    for stream in (everything, tagged, following):
        stream.next("hello")

    with app.app_context():  # a write made directly publishes through the app
        create_article(session=db, author_id=other.id, title="One", description="d", body="b",
                       tags=["htmx"])  # fmt: skip
        create_article(session=db, author_id=writer.id, title="Two", description="d", body="b")
        create_article(session=db, author_id=writer.id, title="Not yet", description="d", body="b",
                       draft=True)  # fmt: skip

    first, second = everything.next("articles"), everything.next("articles")
    assert "1 new article — " in first["data"]
    assert "2 new articles — " in second["data"]
    assert re.search(r'<a href="/" hx-get="/" hx-target="#feed" hx-push-url="true">show them</a>',
                     second["data"])  # fmt: skip
    said = tagged.next("articles")["data"]
    assert "1 new article — " in said
    assert 'href="/?tag=htmx"' in said
    said = following.next("articles")["data"]
    assert "1 new article" in said
    assert 'href="/?feed=following"' in said
    with pytest.raises(AssertionError):
        following.next("articles", wait=1.5)  # other's article is not in mia's feed
    for stream in (everything, tagged, following):
        stream.close()


def test_streams_speak_each_reader_s_language(app, story, db):
    """What a stream announces is in its reader's language: the one their page is in."""
    writer, slug = story
    commenter = app.test_client()
    AuthActions(commenter).register("bob")
    arabic = Listener(app.test_client(), f"/live/article/{slug}", **{"Accept-Language": "ar"})
    french = Listener(app.test_client(), "/live/feed", address="10.0.0.3",
                      **{"Accept-Language": "fr-FR"})  # fmt: skip
    for stream in (arabic, french):
        stream.next("hello")
    comment_through_the_page(commenter, slug, "Hello")
    assert arabic.next("comments")["data"] == "تعليق جديد من bob."
    with app.app_context():  # a write made directly publishes through the app
        create_article(session=db, author_id=writer.id, title="Two", description="d", body="b")
    said = french.next("articles")["data"]
    assert "1 nouvel article — " in said
    assert ">l’afficher</a>" in said  # noqa: RUF001
    for stream in (arabic, french):
        stream.close()


def test_the_refresh_a_page_makes_is_that_readers_own_view(app, story, db):
    _writer, slug = story
    reader = app.test_client()
    AuthActions(reader).register("ann")
    ann = db.exec(select(User).where(User.username == "ann")).one()
    with app.app_context():  # a write made directly publishes through the app
        set_favorite(session=db, slug=slug, user_id=ann.id, on=True)
    bob = make_user(db, "bob")
    with app.app_context():  # a write made directly publishes through the app
        add_comment(session=db, slug=slug, author=bob, body="First!")

    comments = reader.get(f"/article/{slug}", headers={**HTMX, "HX-Target": "comments"})
    assert comments.status_code == 200
    html = comments.text
    assert html.count('<ol id="comments"') == 1
    assert "First!" in html
    assert '<span id="comments-count" class="count" hx-swap-oob="true">(1)</span>' in html
    assert "<article" not in html  # only the list (and its counts), not the page

    buttons = reader.get(f"/article/{slug}", headers={**HTMX, "HX-Target": "favorites-live"})
    html = buttons.text
    assert html.count('hx-swap-oob="true"') >= 2
    assert 'id="favorite-button-' in html
    assert 'aria-pressed="true"' in html  # ann's own view: she favorited it
    visitor = app.test_client().get(
        f"/article/{slug}", headers={**HTMX, "HX-Target": "favorites-live"}
    )
    assert 'aria-pressed="true"' not in visitor.text
    assert "Sign in to favorite" in visitor.text


def test_pages_connect_to_their_streams(app, story, client, auth, db):
    _writer, slug = story
    page = client.get(f"/article/{slug}").text
    assert f'sse-connect="/live/article/{slug}"' in page
    assert 'hx-trigger="sse:comments, sse:stale"' in page
    assert 'id="favorites-live"' in page
    home = client.get("/?tag=news").text
    assert 'sse-connect="/live/feed?tag=news"' in home
    assert 'id="live-notice"' in home
    auth.register("author")
    author = db.exec(select(User).where(User.username == "author")).one()
    with app.app_context():  # a write made directly publishes through the app
        draft = create_article(session=db, author_id=author.id, title="Draft", description="d",
                               body="b", draft=True)  # fmt: skip
    assert "sse-connect" not in client.get(f"/article/{draft.slug}").text


def test_a_broker_that_cannot_be_reached_costs_the_live_update_only(app, story, db, caplog):
    import redis

    _writer, slug = story
    reader = make_user(db, "reader")

    def unreachable(_fields: dict[str, str]) -> None:
        raise redis.ConnectionError("Redis is away")

    broker_of(app).publish = unreachable
    with app.app_context():
        comment = add_comment(session=db, slug=slug, author=reader, body="Still saved")
    assert comment.body == "Still saved"  # the write stands; a reload shows it
    assert "publishing comments failed (Redis is away)" in caplog.text
