"""Server-side sessions (Redis): readers with nothing to keep cost no stored state, a
visitor's choices live days, a member's session a month, and forms work throughout."""

from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from tests.conftest import AuthActions, csrf_token, make_test_app
from tests.factories import make_articles, make_user
from tests.servers import have_redis, own_redis
from web.db import dispose, get_session

pytestmark = pytest.mark.skipif(not have_redis(), reason="redis-server is not installed")
PREFIX = "conduit-test:session:"
DAY = 24 * 60 * 60


@pytest.fixture
def redis_app(db_url: str) -> Iterator[tuple[Flask, redis.Redis]]:
    with own_redis() as server:
        app = make_test_app(db_url, REDIS_URL=server.url, SESSION_KEY_PREFIX=PREFIX)
        with app.app_context():
            bob = make_user(get_session(), "bob")
            make_articles(get_session(), bob, 3, title="Crabs", tags=["sea"])
        store = redis.Redis.from_url(server.url)
        try:
            yield app, store
        finally:
            store.close()
            dispose(app)


def sessions(store: redis.Redis) -> list[bytes]:
    return list(store.scan_iter(match=f"{PREFIX}*"))


def test_anonymous_readers_store_nothing(redis_app):
    """200 page views by visitors who bring no cookie, then 200 by one who keeps the
    cookie and opens forms (sign-in, sign-up, the footer's pickers): no session kept."""
    app, store = redis_app
    pages = ["/", "/?tag=sea", "/article/crabs-1", "/profile/bob", "/search?q=crabs",
             "/login", "/register", "/password/forgot"]  # fmt: skip
    for number in range(200):
        assert app.test_client().get(pages[number % len(pages)]).status_code == 200
    reader = app.test_client()
    for number in range(200):
        assert reader.get(pages[number % len(pages)]).status_code == 200
    assert sessions(store) == []


def test_a_visitors_form_needs_no_stored_session(redis_app):
    app, store = redis_app
    visitor = app.test_client()
    wrong = visitor.post("/login", data={"email": "ana@example.com", "password": "not it",
                                         "csrf_token": csrf_token(visitor, "/login")})  # fmt: skip
    assert wrong.status_code == 422  # the form was accepted and checked, not "expired"
    assert "That email and password do not match an account." in wrong.text
    assert sessions(store) == []
    # Another visitor's token is worth nothing in this visitor's session.
    other = app.test_client()
    stolen = csrf_token(other, "/login")
    refused = visitor.post("/login", data={"email": "a@example.com", "password": "x",
                                           "csrf_token": stolen})  # fmt: skip
    assert refused.status_code == 400


def test_a_visitors_choices_live_days_a_members_session_a_month(redis_app):
    app, store = redis_app
    visitor = app.test_client()
    chose = visitor.post("/theme", data={"theme": "dark", "csrf_token": csrf_token(visitor)})
    assert chose.status_code == 303
    [kept] = sessions(store)
    assert 6 * DAY < store.ttl(kept) <= 7 * DAY
    assert 'data-theme="dark"' in visitor.get("/").text
    # Signing up makes it a member's session: a new id, kept a month.
    assert AuthActions(visitor).register("ana").status_code == 303
    [member] = sessions(store)
    assert member != kept
    assert 30 * DAY < store.ttl(member) <= 31 * DAY
    assert "Sign out</button>" in visitor.get("/").text
    # Signing out leaves nothing worth keeping but the theme: a visitor's session again.
    AuthActions(visitor).logout()
    [after] = sessions(store)
    assert store.ttl(after) <= 7 * DAY
    assert 'data-theme="dark"' in visitor.get("/").text
