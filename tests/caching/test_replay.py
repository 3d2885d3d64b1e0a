"""Answers given again before the app runs (web.caching.replay): only those that are the same for
everyone who asks the same way, exactly as the app gave them, and never after a write."""

import logging
from collections.abc import Iterator

import pytest
from flask import Flask, request_started

from tests.api.test_api import Api
from tests.conftest import csrf_token, make_test_app
from web.caching.generation import store_of
from web.db import dispose

ORIGIN = "https://reader.example"


@pytest.fixture
def ran(app: Flask) -> Iterator[list[str]]:
    """The paths the Flask app itself handled (a replayed answer is not among them)."""
    paths: list[str] = []

    def started(sender: Flask, **_extra: object) -> None:
        from flask import request

        paths.append(request.full_path.rstrip("?"))

    request_started.connect(started, app)
    yield paths
    request_started.disconnect(started, app)


@pytest.fixture
def token(app: Flask) -> str:
    writer = Api(app.test_client())
    writer.register("ana")
    return str(writer.token)


def article(client, token: str, title: str, tags: list[str]) -> None:
    writer = Api(client)
    writer.token = token
    writer.write(title, tags)


def test_an_api_read_is_given_again_without_the_app_and_alike(app, token, ran):
    article(app.test_client(), token, "Hello", ["cats"])
    visitor = app.test_client()
    first = visitor.get("/api/tags")
    ran.clear()
    again = visitor.get("/api/tags")
    assert ran == []  # the app did not run
    assert again.status_code == 200
    assert again.data == first.data
    assert again.json == {"tags": ["cats"]}
    made_afresh = ("X-Request-ID", "Date")
    alike = {k: v for k, v in first.headers.items() if k not in made_afresh}
    assert {k: v for k, v in again.headers.items() if k not in made_afresh} == alike
    assert "Date" not in again.headers  # the server (gunicorn) dates every answer
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert visitor.get("/api/tags", headers={"X-Request-ID": "edge-42"}
                       ).headers["X-Request-ID"] == "edge-42"  # fmt: skip
    assert ran == []


def test_a_write_is_seen_on_the_next_read(app, token, ran):
    writer = app.test_client()
    article(writer, token, "Hello", ["cats"])
    visitor = app.test_client()
    assert visitor.get("/api/tags").json == {"tags": ["cats"]}
    visitor.get("/api/tags")
    article(writer, token, "Again", ["dogs"])
    ran.clear()
    assert sorted(visitor.get("/api/tags").json["tags"]) == ["cats", "dogs"]
    assert ran == ["/api/tags"]


def test_a_write_on_another_server_is_seen_on_the_next_read(db_url, app, token):
    shared = {"CACHE_KEY_PREFIX": "replay-test:"}
    first, second = make_test_app(db_url, **shared), make_test_app(db_url, **shared)
    try:
        reader = second.test_client()
        assert reader.get("/api/articles").json["articlesCount"] == 0
        assert reader.get("/api/articles").json["articlesCount"] == 0  # given again
        article(first.test_client(), token, "Elsewhere", [])
        assert reader.get("/api/articles").json["articlesCount"] == 1
    finally:
        dispose(first)
        dispose(second)


def test_a_matching_etag_gets_a_304(app, token, ran):
    article(app.test_client(), token, "Hello", ["cats"])
    visitor = app.test_client()
    tag = visitor.get("/api/articles/hello").headers["ETag"]
    ran.clear()
    current = visitor.get("/api/articles/hello", headers={"If-None-Match": tag})
    assert current.status_code == 304
    assert current.data == b""
    assert current.headers["ETag"] == tag
    assert "Content-Type" not in current.headers
    stale = visitor.get("/api/articles/hello", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.json["article"]["title"] == "Hello"
    assert ran == []
    # The same 304 as the app's own.
    store_of(app).clear()
    own = visitor.get("/api/articles/hello", headers={"If-None-Match": tag})
    visitor.get("/api/articles/hello")  # kept again
    assert ran == ["/api/articles/hello"] * 2
    assert own.status_code == 304
    made_afresh = ("X-Request-ID", "Date")
    assert {k: v for k, v in current.headers.items() if k not in made_afresh} == {
        k: v for k, v in own.headers.items() if k not in made_afresh}  # fmt: skip


def test_each_origin_gets_its_own_cors_answer(db_url):
    """What the app reads from the request (here the CORS origin) is part of the key."""
    second = "https://second.example"
    crossed = make_test_app(db_url, CORS_ORIGINS=[ORIGIN, second])
    try:
        visitor = crossed.test_client()
        origins = (ORIGIN, second, "https://other.example")
        for _ in range(2):  # asked of the app, then given again
            allowed = [
                visitor.get("/api/tags", headers={"Origin": origin}).headers.get(
                    "Access-Control-Allow-Origin")
                for origin in origins
            ]  # fmt: skip
            assert allowed == [ORIGIN, second, None]
    finally:
        dispose(crossed)


def test_personal_requests_and_answers_always_reach_the_app(app, token, ran):
    article(app.test_client(), token, "Hello", ["cats"])
    ran.clear()
    visitor = app.test_client()
    for _ in range(2):
        visitor.get("/api/articles", headers={"Authorization": f"Token {token}"})
        visitor.head("/api/tags")
    assert ran == ["/api/articles", "/api/tags"] * 2
    ran.clear()
    # A page or a part of one with forms (a visitor's "Read later") holds a CSRF token and
    # sets a session cookie: never kept here, whether or not the cookie comes back.
    htmx = {"HX-Request": "true", "HX-Target": "feed", "HX-Current-URL": "http://localhost/"}
    pages = [app.test_client().get("/", headers=shape) for shape in ({}, {}, htmx, htmx)]
    assert ran == ["/"] * 4
    assert all("Set-Cookie" in page.headers for page in pages)
    assert 'name="csrf_token"' in pages[-1].text
    assert csrf_token(app.test_client()) != csrf_token(app.test_client())


def test_answers_given_again_are_logged(db_url, token, caplog):
    logged = make_test_app(db_url, ACCESS_LOG=True)
    try:
        visitor = logged.test_client()
        with caplog.at_level(logging.INFO, logger="conduit.access"):
            visitor.get("/api/tags?x=1")
            answer = visitor.get("/api/tags?x=1")
        lines = [r.getMessage() for r in caplog.records if r.name == "conduit.access"]
        assert len(lines) == 2
        assert lines[1].startswith("GET /api/tags?x=1 200 ")
        assert f"id={answer.headers['X-Request-ID']}" in lines[1]
    finally:
        dispose(logged)
