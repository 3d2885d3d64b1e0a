"""The cache stays correct: a write is visible on the next read, on any app server, and
nothing personal (a sign-in, a CSRF token, a message, a theme) reaches anyone else."""

import re
import uuid

import pytest
from sqlalchemy import text

from tests.conftest import AuthActions, csrf_token, make_test_app
from web.caching.generation import ENTRY_OVERHEAD, LRU, weight
from web.db import dispose

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@pytest.fixture
def hello(client):
    AuthActions(client).register("ana")
    client.post("/editor", data={"title": "Hello", "description": "d", "body": "b",
                                 "csrf_token": csrf_token(client)})  # fmt: skip
    AuthActions(client).logout()
    return client


def test_a_visitors_page_is_rendered_once_then_served(app, hello, queries):
    visitor = app.test_client()
    first = visitor.get("/article/hello")
    rendered = len(queries)
    queries.clear()
    again = visitor.get("/article/hello")
    assert again.status_code == 200
    assert queries == []  # only the generation is read (straight through the driver)
    assert rendered > 1
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert visitor.get("/article/hello", headers={"If-None-Match": first.headers["ETag"]}
                       ).status_code == 304  # fmt: skip


def test_a_write_is_visible_on_the_next_read(app, hello):
    visitor = app.test_client()
    assert "Comments <span id=\"comments-count\" class=\"count\">(0)" in visitor.get(
        "/article/hello").text  # fmt: skip
    AuthActions(hello).login()
    hello.post("/article/hello/comments", data={"body": "Fresh!", "csrf_token": csrf_token(hello)})
    page = visitor.get("/article/hello").text
    assert "Fresh!" in page
    assert '<span id="comments-count" class="count">(1)</span>' in page
    api = visitor.get("/api/articles/hello/comments").json
    assert [c["body"] for c in api["comments"]] == ["Fresh!"]


def test_a_write_on_one_server_is_seen_on_the_other(db_url, hello):
    """Two app instances on one database: the generation lives there (or in Redis)."""
    del hello
    shared = {"CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:cache:"}  # as servers would share
    first, second = make_test_app(db_url, **shared), make_test_app(db_url, **shared)
    reader = second.test_client()
    assert "Changed" not in reader.get("/").text  # now cached on the second server
    writer = first.test_client()
    AuthActions(writer).login()
    writer.post("/editor", data={"title": "Changed", "description": "d", "body": "b",
                                 "csrf_token": csrf_token(writer)})  # fmt: skip
    assert "Changed" in reader.get("/").text
    assert "Changed" in reader.get("/api/articles").text
    for each in (first, second):
        dispose(each)


def test_each_visitor_gets_their_own_csrf_token_and_it_works(app, hello):
    one, two = app.test_client(), app.test_client()
    first = TOKEN.search(one.get("/article/hello").text).group(1)
    second = TOKEN.search(two.get("/article/hello").text).group(1)  # served from the cache
    assert first != second
    assert "\x00" not in two.get("/article/hello").text  # the placeholder never leaks
    for client, token in ((one, first), (two, second)):
        chosen = client.post("/theme", data={"theme": "dark", "csrf_token": token})
        assert chosen.status_code == 303  # each token is good for its own session
    crossed = app.test_client()
    crossed.get("/")
    assert crossed.post("/theme", data={"theme": "dark", "csrf_token": first}).status_code == 400


def test_a_members_page_is_never_kept_by_a_browser_nor_served_to_anyone_else(app, hello):
    visitor = app.test_client()
    visitor.get("/article/hello")  # cached for visitors
    AuthActions(hello).login()
    member = hello.get("/article/hello")
    assert "Sign out</button>" in member.text
    assert member.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in member.headers
    assert "Sign out</button>" not in visitor.get("/article/hello").text


def test_messages_and_themes_stay_with_their_visitor(app, hello):
    dark, plain = app.test_client(), app.test_client()
    dark.post("/theme", data={"theme": "dark", "csrf_token": csrf_token(dark)})
    assert 'data-theme="dark"' in dark.get("/").text
    assert 'data-theme="system"' in plain.get("/").text
    AuthActions(hello).logout()  # leaves "You have signed out." for hello's next page
    assert "You have signed out." in hello.get("/").text
    assert "You have signed out." not in plain.get("/").text


def test_api_reads_with_a_token_are_personal(app, hello):
    token = hello.post(
        "/api/users/login", json={"user": {"email": "ana@example.com", "password": "correct horse"}}
    ).json["user"]["token"]
    hello.post("/api/articles/hello/favorite", headers={"Authorization": f"Token {token}"})
    visitor = app.test_client()
    assert visitor.get("/api/articles/hello").json["article"]["favorited"] is False
    mine = visitor.get("/api/articles/hello", headers={"Authorization": f"Token {token}"})
    assert mine.json["article"]["favorited"] is True
    assert visitor.get("/api/articles/hello").json["article"]["favoritesCount"] == 1


def test_without_its_generation_row_nothing_is_cached_until_the_next_write(app, hello, db):
    if app.config.get("REDIS_URL"):
        pytest.skip("the generation lives in Redis here (REDIS_URL is set)")
    db.exec(text("DELETE FROM site_state"))  # type: ignore[call-overload]
    db.commit()
    visitor = app.test_client()
    visitor.get("/article/hello")
    assert "ETag" not in visitor.get("/article/hello").headers  # rendered, never kept
    AuthActions(hello).login()
    hello.post("/article/hello/comments", data={"body": "Back", "csrf_token": csrf_token(hello)})
    assert db.exec(text("SELECT count(*) FROM site_state")).one()[0] == 1  # type: ignore[call-overload]
    assert "Back" in visitor.get("/article/hello").text
    assert "ETag" in visitor.get("/article/hello").headers  # cached again


def test_the_store_weighs_keys_and_values_as_they_lie_in_memory():
    """The budget bounds what entries really hold: a key naming a preview's title and
    tags weighs, and text with one character beyond Latin-1 takes two bytes a character."""
    plain, wide = "a" * 10_000, "a" * 9_999 + "—"
    assert weight(wide) > 1.9 * weight(plain)
    key = ("preview", 7, "A title " * 50, ("tag",) * 20)
    assert weight(key) > len("A title " * 50) + 20 * len("tag")

    store = LRU(200_000)
    for number in range(100):
        store.put(("page", number, "x" * 2_000), wide)
    assert store.used <= store.budget
    kept = [number for number in range(100) if store.get(("page", number, "x" * 2_000))]
    assert kept == list(range(100 - len(kept), 100))  # the newest, least recently used out
    assert len(kept) == store.budget // (weight(wide) + weight(("page", 0, "x" * 2_000))
                                         + ENTRY_OVERHEAD)  # fmt: skip
    store.put("huge", "x" * 60_000)  # over a quarter of the budget: never kept
    assert store.get("huge") is None


def test_a_members_page_is_keyed_by_what_the_account_shows_never_its_secrets():
    from web.caching.answers import ACCOUNT_AS_SHOWN

    assert {"username", "image", "language", "theme"} <= set(ACCOUNT_AS_SHOWN)
    assert not {"password_hash", "token_epoch", "kept_token"} & set(ACCOUNT_AS_SHOWN)


def test_only_reads_marked_as_served_again_are_kept(app):
    from web.caching.answers import _served_again

    with app.test_request_context():
        kept = {name for name in app.view_functions if _served_again(name)}
    pages = {"home.index", "articles.show", "profiles.show", "search.index"}
    reads = {"list_articles", "get_article", "tags", "list_comments", "get_comment",
             "get_profile", "list_profile_articles", "list_favorites"}  # fmt: skip
    assert kept == pages | {f"{mount}.{read}" for mount in ("api", "realworld") for read in reads}
