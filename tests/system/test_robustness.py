"""Never a 500: hostile input is refused at the edge, and a lost database is a 503.

These run on SQLite and, in CI's second pass, on PostgreSQL (which refuses NUL bytes
and integers past 2^31 outright, so a leak would be a 500 there).
"""

import json
import uuid

import pytest
from sqlmodel import func, select

from tests.conftest import AuthActions, csrf_token, make_test_app
from web.db import dispose
from web.models import Article, Comment, User

HUGE = ["99999999999999999999", "9223372036854775808", "2147483648", str(10**25), "-1", "0"]


@pytest.fixture
def ana(client):
    AuthActions(client).register("ana")
    client.post("/editor", data={"title": "Hello", "description": "d", "body": "b",
                                 "csrf_token": csrf_token(client)})  # fmt: skip
    return client


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(
    "url", ["/?page={}", "/?tag=x&page={}", "/profile/ana?page={}",
            "/profile/ana?tab=favorited&page={}", "/search?q=hello&page={}"],
)  # fmt: skip
def test_page_numbers_out_of_any_range_are_404(ana, url, number):
    response = ana.get(url.format(number))
    assert response.status_code == 404
    assert "There is no such page in this list." in response.text


@pytest.mark.parametrize("number", HUGE)
def test_comment_ids_out_of_range_are_404(ana, number):
    page = ana.post(
        f"/article/hello/comments/{number}/delete", data={"csrf_token": csrf_token(ana)}
    )
    assert page.status_code == 404
    token = ana.application.test_client()
    api = token.delete(f"/api/articles/hello/comments/{number}")
    assert api.status_code == 404
    assert api.is_json


@pytest.mark.parametrize(
    "url",
    ["/article/a%00b", "/profile/a%00b", "/editor/a%00b", "/api/articles/a%00b",
     "/api/profiles/a%00b", "/article/a%01b/comments"],
)  # fmt: skip
def test_control_characters_in_addresses_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/?tag=a%00b", "/search?q=a%00b", "/profile/x?tab=a%00b", "/?a%00=1",
     "/register/check/username?username=a%00b", "/?page=1%002"],
)  # fmt: skip
def test_control_characters_in_queries_are_400_pages(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "characters that are not allowed" in response.text


@pytest.mark.parametrize("url", ["/api/articles?author=a%00b", "/api/articles?tag=%1b"])
def test_control_characters_in_api_queries_are_422(client, url):
    response = client.get(url)
    assert response.status_code == 422
    assert response.json == {"errors": {"query": [
        "contains characters that are not allowed (control characters such as NUL)"]}}  # fmt: skip


@pytest.mark.parametrize(
    ("url", "fields", "field"),
    [
        ("/editor", {"title": "Bad\x00title", "description": "d", "body": "b"}, "title"),
        ("/editor", {"title": "t", "description": "d", "body": "b\x00", "tags": "x"}, "body"),
        ("/editor", {"title": "t", "description": "d", "body": "b", "tags": "a\x00"}, "tags"),
        ("/article/hello/comments", {"body": "hi\x07there"}, "body"),
        ("/settings", {"username": "ana", "email": "ana@example.com", "bio": "\x00"}, "bio"),
    ],
)
def test_control_characters_in_forms_are_the_fields_errors(ana, db, url, fields, field):
    before = (
        db.exec(select(func.count()).select_from(Article)).one(),
        db.exec(select(func.count()).select_from(Comment)).one(),
    )
    response = ana.post(url, data={**fields, "csrf_token": csrf_token(ana)})
    assert response.status_code == 422
    assert f'href="#{field}">This contains characters that are not allowed' in response.text
    after = (
        db.exec(select(func.count()).select_from(Article)).one(),
        db.exec(select(func.count()).select_from(Comment)).one(),
    )
    assert after == before
    assert db.exec(select(User.bio)).first() is None


def test_control_characters_in_sign_in_and_sign_up(client):
    for url in ("/login", "/register"):
        response = client.post(
            url,
            data={"username": "a\x00", "email": "a\x00@example.com", "password": "x\x00yyyyyyyy",
                  "csrf_token": csrf_token(client)},
        )  # fmt: skip
        assert response.status_code == 422
        assert "not allowed" in response.text


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/users/login", "POST", {"user": {"email": "a@b.c\u0000", "password": "x"}}, "email"),
        ("/users", "POST", {"user": {"username": "x", "email": "x@example.com",
                                     "password": "p\u0000ssword"}}, "password"),
        ("/articles", "POST", {"article": {"title": "t\u0000", "description": "d",
                                           "body": "b"}}, "title"),
        ("/articles", "POST", {"article": {"title": "t", "description": "d", "body": "b",
                                           "tagList": ["ok", "\ud800"]}}, "tagList"),
    ],
)  # fmt: skip
def test_control_characters_in_api_json_are_422(client, path, method, body, field):
    token = _token(client)
    response = client.open(
        f"/api{path}",
        method=method,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Token {token}"} if path != "/users" else {},
    )
    assert response.status_code == 422
    assert response.json["errors"][field] == [
        "contains characters that are not allowed (control characters such as NUL)"
    ]


def _token(client) -> str:
    created = client.post(
        "/api/users",
        json={"user": {"username": "tok", "email": "tok@example.com", "password": "long enough"}},
    )
    if created.status_code == 201:
        return created.json["user"]["token"]
    login = client.post(
        "/api/users/login", json={"user": {"email": "tok@example.com", "password": "long enough"}}
    )
    return login.json["user"]["token"]


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_beyond_reason_is_422(client, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 100_000 + "1" + closer * 100_000
    for path in ("/api/users", "/api/users/login"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 422
        assert response.json == {"errors": {"body": ["is nested too deeply"]}}


def test_a_lost_database_is_a_calm_503(db_url):
    shared = {"SESSION_KEY_PREFIX": f"test-{uuid.uuid4().hex}:session:"}  # with Redis
    working = make_test_app(db_url, **shared)
    member = working.test_client()
    AuthActions(member).register("ana")
    token = csrf_token(member)
    # The same site with its database gone (nothing listens on port 1).
    lost = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/conduit", **shared)
    client = lost.test_client()
    client.set_cookie("session", member.get_cookie("session").value)

    page = client.get("/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "15"
    assert "We&#39;ll be right back" in page.text
    assert '<main id="main"' in page.text
    for url in ("/article/x", "/profile/ana", "/search?q=x", "/settings", "/login"):
        assert client.get(url).status_code == 503, url

    region = client.get("/?page=2", headers={"HX-Request": "true", "HX-Target": "feed"})
    assert region.status_code == 503
    assert "<main" not in region.text
    action = client.post(
        "/article/x/favorite",
        data={"csrf_token": token},
        headers={"HX-Request": "true", "HX-Target": "favorite-1-list"},
    )
    assert action.status_code == 503
    assert action.headers["HX-Reswap"] == "none"
    assert "cannot reach its database" in action.text

    typed = client.post(
        "/article/x/comments", data={"body": "My long, careful comment", "csrf_token": token}
    )
    assert typed.status_code == 503
    sent = typed.text.split("<h2>What you sent</h2>")[1].split("</main>")[0]
    assert "My long, careful comment</textarea>" in sent  # shown back, not lost
    assert token not in sent

    api = client.get("/api/articles")
    assert api.status_code == 503
    assert api.json == {"errors": {"server": ["is temporarily unavailable: retry later"]}}
    assert api.headers["Retry-After"] == "15"
    assert client.get("/readyz").status_code == 503
    for app in (working, lost):
        dispose(app)
