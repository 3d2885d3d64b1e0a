"""The JSON API against its contract (shared/API.md): every endpoint and status code."""

import re
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token

from tests.conftest import make_test_app
from web.db import dispose

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PASSWORD = "correct horse"


class Api:
    """A RealWorld client: JSON in, JSON out, `Authorization: Token <jwt>`."""

    def __init__(self, client, prefix: str = "/api") -> None:
        self.client = client
        self.prefix = prefix
        self.token: str | None = None

    def call(self, method: str, url: str, json=None, token: str | None = None, **kw):
        headers = kw.pop("headers", {})
        token = token or self.token
        if token:
            headers.setdefault("Authorization", f"Token {token}")
        return self.client.open(
            f"{self.prefix}{url}", method=method, json=json, headers=headers, **kw
        )

    def register(self, username: str):
        response = self.call(
            "POST",
            "/users",
            {
                "user": {
                    "username": username,
                    "email": f"{username}@example.com",
                    "password": PASSWORD,
                }
            },
        )
        assert response.status_code == 201, response.json
        self.token = response.json["user"]["token"]
        return response.json["user"]

    def write(self, title: str = "How to train your dragon", tags=("dragons", "training")):
        response = self.call(
            "POST",
            "/articles",
            {"article": {"title": title, "description": "Ever wonder how?",
                         "body": "You have to believe", "tagList": list(tags)}},
        )  # fmt: skip
        assert response.status_code == 201, response.json
        return response.json["article"]


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def jake(app) -> Api:
    person = Api(app.test_client())
    person.register("jake")
    return person


@pytest.fixture
def ana(app) -> Api:
    person = Api(app.test_client())
    person.register("ana")
    return person


# --- users -------------------------------------------------------------------------------


def test_register_login_and_current_user(api):
    user = api.register("jake")
    assert set(user) == {"email", "token", "username", "bio", "image", "links"}
    assert (user["email"], user["username"], user["bio"], user["image"]) == (
        "jake@example.com", "jake", None, None
    )  # fmt: skip
    login = api.call(
        "POST", "/users/login", {"user": {"email": "JAKE@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 200
    assert login.json["user"]["username"] == "jake"
    me = api.call("GET", "/user", token=login.json["user"]["token"])
    assert me.status_code == 200
    assert me.json["user"]["email"] == "jake@example.com"
    assert me.json["user"]["links"] == {"self": "/api/user", "profile": "/api/profiles/jake"}


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token"])
def test_token_and_bearer_schemes(jake, scheme):
    response = jake.call("GET", "/user", headers={"Authorization": f"{scheme} {jake.token}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"user": {"email": "x@example.com", "password": PASSWORD}}, "username", "can't be blank"),
        ({"user": {"username": "x", "password": PASSWORD}}, "email", "can't be blank"),
        ({"user": {"username": "x", "email": "x@example.com"}}, "password", "can't be blank"),
        ({"user": {"username": "x", "email": "nope", "password": PASSWORD}}, "email", "is invalid"),
        ({"user": {"username": "x", "email": "x@example.com", "password": "short"}}, "password",
         "is too short (minimum is 8 characters)"),
        ({"user": {"username": 5, "email": "x@example.com", "password": PASSWORD}}, "username",
         "must be a string"),
        ({"user": "jake"}, "user", "must be an object"),
        ({}, "user", "can't be blank"),
        ({"user": {"username": "JAKE", "email": "x@example.com", "password": PASSWORD}},
         "username", "has already been taken"),
        ({"user": {"username": "x", "email": "Jake@Example.com", "password": PASSWORD}},
         "email", "has already been taken"),
    ],
)  # fmt: skip
def test_register_validation(api, jake, body, field, message):
    response = api.call("POST", "/users", body)
    assert response.status_code == 422
    assert message in response.json["errors"][field]


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "null", ""])
def test_malformed_json_is_422(api, raw):
    response = api.call("POST", "/users", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json == {"errors": {"body": ["must be a JSON object"]}}


@pytest.mark.parametrize(
    ("email", "password"), [("jake@example.com", "wrong password"), ("ghost@example.com", PASSWORD)]
)
def test_wrong_credentials_are_401_without_a_hint(api, jake, email, password):
    response = api.call("POST", "/users/login", {"user": {"email": email, "password": password}})
    assert response.status_code == 401
    assert response.json == {"errors": {"credentials": ["email or password is invalid"]}}


def test_update_user(jake):
    response = jake.call(
        "PUT",
        "/user",
        {"user": {"bio": "I like to skateboard", "image": "https://i.example/j.png"}},
    )
    assert response.status_code == 200
    assert response.json["user"]["bio"] == "I like to skateboard"
    assert response.json["user"]["image"] == "https://i.example/j.png"
    renamed = jake.call(
        "PUT", "/user", {"user": {"username": "jacob", "email": "jacob@example.com"}}
    )
    assert renamed.json["user"]["username"] == "jacob"
    assert jake.call("GET", "/profiles/jake").status_code == 404


def _sign_in(api: Api, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return api.call("POST", "/users/login",
                    {"user": {"email": "jake@example.com", "password": password}})  # fmt: skip


def test_a_new_password_keeps_the_token_that_made_it_and_ends_every_other(jake, app):
    """RealWorld clients ignore the token a settings save returns: the one they hold
    must go on working. The account's other tokens and browser sessions end, and its
    owner is told by mail."""
    from tests.conftest import AuthActions

    phone = _sign_in(jake).json["user"]["token"]
    browser = app.test_client()
    assert AuthActions(browser).login("jake@example.com", PASSWORD).status_code == 303
    assert "Sign out</button>" in browser.get("/").text
    holding = jake.token
    response = jake.call("PUT", "/user", {"user": {"password": "a new password"}})
    assert response.status_code == 200
    assert jake.call("GET", "/user", token=holding).status_code == 200  # still signed in
    assert jake.call("GET", "/user", token=response.json["user"]["token"]).status_code == 200
    assert jake.call("GET", "/user", token=phone).status_code == 401
    assert "Sign out</button>" not in browser.get("/").text
    assert _sign_in(jake).status_code == 401
    assert _sign_in(jake, "a new password").status_code == 200
    # A later change from a browser ends the token that was kept, too.
    assert AuthActions(browser).login("jake@example.com", "a new password").status_code == 303
    from tests.conftest import csrf_token

    changed = browser.post(
        "/settings",
        data={"username": "jake", "email": "jake@example.com", "new_password": "third one!",
              "current_password": "a new password", "csrf_token": csrf_token(browser, "/settings")},
    )  # fmt: skip
    assert changed.status_code == 303
    assert jake.call("GET", "/user", token=holding).status_code == 401


def test_sending_the_current_password_again_changes_nothing(jake, app):
    """What RealWorld clients do on every settings save."""
    phone = _sign_in(jake).json["user"]["token"]
    same = jake.call("PUT", "/user", {"user": {"password": PASSWORD, "bio": "Still me"}})
    assert same.status_code == 200
    assert same.json["user"]["bio"] == "Still me"
    for token in (jake.token, phone, same.json["user"]["token"]):
        assert jake.call("GET", "/user", token=token).status_code == 200
    assert _sign_in(jake).status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": "ana"}, "username", "has already been taken"),
        ({"email": "ANA@example.com"}, "email", "has already been taken"),
        ({"email": "nope"}, "email", "is invalid"),
        (
            {"image": "javascript:alert(1)"},
            "image",
            "must be an https:// address (or empty, to remove the picture)",
        ),
        ({"password": "short"}, "password", "is too short (minimum is 8 characters)"),
    ],
)
def test_update_user_validation(jake, ana, change, field, message):
    response = jake.call("PUT", "/user", {"user": change})
    assert response.status_code == 422
    assert message in response.json["errors"][field]


@pytest.mark.parametrize(
    "header",
    ["", "Token", "Token not-a-jwt", "Basic abc", "Token a.b.c", "Bearer "],
)
def test_bad_or_missing_token_is_401_json(api, header):
    response = api.client.get("/api/user", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.is_json
    assert response.json["errors"]


def test_expired_token_is_401(app, jake):
    with app.app_context():
        expired = create_access_token(identity="1", expires_delta=timedelta(seconds=-1))
    assert jake.call("GET", "/user", token=expired).status_code == 401


def test_api_ignores_the_session_cookie(client, auth):
    """Signed in on the pages is not signed in on the API: unsafe calls need a token."""
    auth.register("cookie")
    assert "Sign out" in client.get("/").text
    response = client.post(
        "/api/articles",
        json={"article": {"title": "t", "description": "d", "body": "b"}},
    )
    assert response.status_code == 401
    assert client.get("/api/user").status_code == 401


# --- profiles ----------------------------------------------------------------------------


def test_profiles_and_following(jake, ana, api):
    profile = api.call("GET", "/profiles/jake").json["profile"]
    assert set(profile) == {"username", "bio", "image", "following", "links"}
    assert "email" not in profile
    assert profile["following"] is False
    followed = ana.call("POST", "/profiles/JAKE/follow")
    assert followed.status_code == 200
    assert followed.json["profile"]["following"] is True
    assert ana.call("POST", "/profiles/jake/follow").json["profile"]["following"] is True
    assert ana.call("GET", "/profiles/jake").json["profile"]["following"] is True
    assert api.call("GET", "/profiles/jake").json["profile"]["following"] is False
    assert ana.call("DELETE", "/profiles/jake/follow").json["profile"]["following"] is False
    assert ana.call("DELETE", "/profiles/jake/follow").status_code == 200


def test_following_yourself_unknown_users_and_auth(jake, api):
    assert jake.call("POST", "/profiles/jake/follow").status_code == 422
    assert jake.call("POST", "/profiles/ghost/follow").status_code == 404
    assert api.call("GET", "/profiles/ghost").json == {"errors": {"profile": ["not found"]}}
    assert api.call("POST", "/profiles/jake/follow").status_code == 401


# --- articles ----------------------------------------------------------------------------


def test_create_read_update_delete_article(jake, api):
    article = jake.write(tags=["training", "Dragons", "dragons"])
    assert article["slug"] == "how-to-train-your-dragon"
    assert article["tagList"] == ["dragons", "training"]
    assert TIMESTAMP.match(article["createdAt"])
    assert TIMESTAMP.match(article["updatedAt"])
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"]["username"] == "jake"
    assert article["links"]["comments"] == "/api/articles/how-to-train-your-dragon/comments"

    fetched = api.call("GET", "/articles/how-to-train-your-dragon").json["article"]
    assert fetched["body"] == "You have to believe"

    updated = jake.call(
        "PUT", "/articles/how-to-train-your-dragon", {"article": {"title": "Did you train it?"}}
    )
    assert updated.status_code == 200
    assert updated.json["article"]["slug"] == "did-you-train-it"
    assert updated.json["article"]["body"] == "You have to believe"
    assert api.call("GET", "/articles/how-to-train-your-dragon").status_code == 404

    assert jake.call("DELETE", "/articles/did-you-train-it").status_code == 204
    assert api.call("GET", "/articles/did-you-train-it").status_code == 404


def test_slug_collisions_get_a_suffix(jake):
    first, second = jake.write(), jake.write()
    assert first["slug"] == "how-to-train-your-dragon"
    assert re.fullmatch(r"how-to-train-your-dragon-[0-9a-f]{6}", second["slug"])


def test_only_the_author_changes_an_article(jake, ana):
    slug = jake.write()["slug"]
    forbidden = ana.call("PUT", f"/articles/{slug}", {"article": {"body": "mine"}})
    assert forbidden.status_code == 403
    assert forbidden.json == {"errors": {"article": ["can only be changed by its author"]}}
    assert ana.call("DELETE", f"/articles/{slug}").status_code == 403
    assert ana.call("PUT", "/articles/missing", {"article": {"body": "x"}}).status_code == 404


@pytest.mark.parametrize(
    ("article", "errors"),
    [
        ({"description": "d", "body": "b"}, {"title": ["can't be blank"]}),
        ({"title": "  ", "description": "d", "body": "b"}, {"title": ["can't be blank"]}),
        ({"title": "t", "body": "b"}, {"description": ["can't be blank"]}),
        ({"title": "t", "description": "d"}, {"body": ["can't be blank"]}),
        ({"title": "t", "description": "d", "body": "b", "tagList": "a,b"},
         {"tagList": ["must be a list"]}),
        ({"title": "t", "description": "d", "body": "b", "tagList": [1]},
         {"tagList": ["must be a string"]}),
        ({"title": "x" * 256, "description": "d", "body": "b"},
         {"title": ["is too long (maximum is 255 characters)"]}),
        # Tags have the same bound everywhere: one longer than 32 characters is refused,
        # never cut short silently.
        ({"title": "t", "description": "d", "body": "b", "tagList": ["t" * 33]},
         {"tagList": ["is too long (maximum is 32 characters)"]}),
        ({"title": "t", "description": "d", "body": "b", "tagList": [f"t{i}" for i in range(11)]},
         {"tagList": ["has too many items (at most 10)"]}),
    ],
)  # fmt: skip
def test_article_validation(jake, article, errors):
    response = jake.call("POST", "/articles", {"article": article})
    assert response.status_code == 422
    assert response.json == {"errors": errors}


def test_list_filters_order_and_counts(jake, ana, api):
    for n in range(3):
        jake.write(f"Jake {n}", tags=["jake"])
    ana.write("Ana 0", tags=["ana", "shared"])
    ana.call("POST", "/articles/jake-1/favorite")

    everything = api.call("GET", "/articles").json
    assert everything["articlesCount"] == 4
    assert [a["title"] for a in everything["articles"]] == ["Ana 0", "Jake 2", "Jake 1", "Jake 0"]
    assert "body" not in everything["articles"][0]

    by_tag = api.call("GET", "/articles?tag=jake").json
    assert (by_tag["articlesCount"], len(by_tag["articles"])) == (3, 3)
    by_author = api.call("GET", "/articles?author=ana").json
    assert [a["title"] for a in by_author["articles"]] == ["Ana 0"]
    favorited = api.call("GET", "/articles?favorited=ana").json
    assert [a["slug"] for a in favorited["articles"]] == ["jake-1"]
    assert api.call("GET", "/articles?author=ghost").json["articlesCount"] == 0

    page = api.call("GET", "/articles?limit=2&offset=1").json
    assert page["articlesCount"] == 4
    assert [a["title"] for a in page["articles"]] == ["Jake 2", "Jake 1"]
    assert page["links"]["next"] == "/api/articles?limit=2&offset=3"
    assert page["links"]["prev"] == "/api/articles?limit=2&offset=0"

    seen_by_ana = ana.call("GET", "/articles?tag=jake").json["articles"]
    assert [a["favorited"] for a in seen_by_ana] == [False, True, False]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=abc", "offset=-1", "offset=x", "limit=1.5"]
)
def test_bad_limit_or_offset_is_422(api, query):
    response = api.call("GET", f"/articles?{query}")
    assert response.status_code == 422
    assert set(response.json["errors"]) <= {"limit", "offset"}


def test_feed(jake, ana, api):
    jake.write("From jake")
    ana.write("From ana")
    empty = ana.call("GET", "/articles/feed").json
    assert (empty["articles"], empty["articlesCount"]) == ([], 0)
    only = "/api/articles/feed?limit=20&offset=0"
    assert empty["links"] == {"self": only, "first": only, "last": only}
    ana.call("POST", "/profiles/jake/follow")
    feed = ana.call("GET", "/articles/feed").json
    assert [a["title"] for a in feed["articles"]] == ["From jake"]
    assert feed["articles"][0]["author"]["following"] is True
    assert api.call("GET", "/articles/feed").status_code == 401


def test_search_through_the_api(jake, api):
    jake.write("Hypermedia systems")
    jake.write("Cooking pasta")
    found = api.call("GET", "/articles?q=hypermedia").json
    assert found["articlesCount"] == 1
    assert found["articles"][0]["title"] == "Hypermedia systems"
    assert api.call("GET", "/articles?q=").json["articlesCount"] == 0


def test_favorites(jake, ana):
    slug = jake.write()["slug"]
    for _ in range(2):
        response = ana.call("POST", f"/articles/{slug}/favorite")
    assert response.status_code == 200
    assert (response.json["article"]["favorited"], response.json["article"]["favoritesCount"]) == (
        True, 1
    )  # fmt: skip
    jake.call("POST", f"/articles/{slug}/favorite")
    assert jake.call("GET", f"/articles/{slug}").json["article"]["favoritesCount"] == 2
    undone = ana.call("DELETE", f"/articles/{slug}/favorite").json["article"]
    assert (undone["favorited"], undone["favoritesCount"]) == (False, 1)
    assert ana.call("POST", "/articles/missing/favorite").status_code == 404


def test_tags_in_use_most_used_first(jake, api):
    jake.write("One", tags=["common", "rare"])
    jake.write("Two", tags=["common"])
    assert api.call("GET", "/tags").json == {"tags": ["common", "rare"]}
    jake.call("DELETE", "/articles/one")
    assert api.call("GET", "/tags").json == {"tags": ["common"]}


# --- comments ----------------------------------------------------------------------------


def test_comments(jake, ana, api):
    slug = jake.write()["slug"]
    first = ana.call("POST", f"/articles/{slug}/comments", {"comment": {"body": "First"}})
    assert first.status_code == 201
    comment = first.json["comment"]
    assert set(comment) == {"id", "body", "createdAt", "updatedAt", "author", "links"}
    assert TIMESTAMP.match(comment["createdAt"])
    jake.call("POST", f"/articles/{slug}/comments", {"comment": {"body": "Second"}})
    listed = api.call("GET", f"/articles/{slug}/comments").json["comments"]
    assert [c["body"] for c in listed] == ["First", "Second"]

    url = f"/articles/{slug}/comments/{comment['id']}"
    assert jake.call("DELETE", url).status_code == 403
    assert api.call("DELETE", url).status_code == 401
    assert ana.call("DELETE", url).status_code == 204
    assert ana.call("DELETE", url).status_code == 404
    assert [c["body"] for c in api.call("GET", f"/articles/{slug}/comments").json["comments"]] == [
        "Second"
    ]


def test_comment_validation_and_unknown_article(jake):
    slug = jake.write()["slug"]
    blank = jake.call("POST", f"/articles/{slug}/comments", {"comment": {"body": "   "}})
    assert blank.json == {"errors": {"body": ["can't be blank"]}}
    assert jake.call("GET", "/articles/missing/comments").status_code == 404
    assert (
        jake.call("POST", "/articles/missing/comments", {"comment": {"body": "x"}}).status_code
        == 404
    )


# --- protocol ----------------------------------------------------------------------------


def test_unknown_url_and_wrong_method_are_json(api):
    missing = api.call("GET", "/nowhere")
    assert (missing.status_code, missing.is_json) == (404, True)
    wrong = api.call("PATCH", "/tags")
    assert wrong.status_code == 405
    assert wrong.is_json
    assert "GET" in wrong.headers["Allow"]


def test_body_too_large_is_413_json(api):
    response = api.call(
        "POST", "/users", data="x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json == {"errors": {"body": ["What you sent is larger than we accept."]}}


def test_unexpected_errors_are_json_500(db_url, monkeypatch):
    app = make_test_app(db_url, PROPAGATE_EXCEPTIONS=False)
    monkeypatch.setattr("web.api.articles.domain.popular_tags", lambda **_: 1 / 0)
    response = app.test_client().get("/api/tags")
    assert response.status_code == 500
    assert response.is_json
    assert "ZeroDivision" not in response.text
    dispose(app)


def test_cors_for_configured_origins(db_url):
    app = make_test_app(db_url, CORS_ORIGINS=["https://front.example"])
    client = app.test_client()
    allowed = client.options(
        "/api/articles",
        headers={"Origin": "https://front.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "Authorization, Content-Type"},
    )  # fmt: skip
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://front.example"
    assert "authorization" in allowed.headers["Access-Control-Allow-Headers"].lower()
    other = client.get("/api/tags", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/", headers={"Origin": "https://front.example"}).headers
    )
    dispose(app)


def test_api_login_is_rate_limited(db_url):
    app = make_test_app(db_url, RATELIMIT_ENABLED=True, SIGNIN_LIMIT_PER_ACCOUNT="2 per minute")
    api = Api(app.test_client())
    body = {"user": {"email": "x@example.com", "password": "nope"}}
    assert [api.call("POST", "/users/login", body).status_code for _ in range(3)] == [401, 401, 429]
    limited = api.call("POST", "/users/login", body)
    assert limited.is_json
    assert "Retry-After" in limited.headers
    dispose(app)


@pytest.mark.parametrize("limit", [5, 50])
def test_lists_cost_constant_queries(jake, ana, queries, limit):
    for n in range(12):
        jake.write(f"Article {n}", tags=[f"t{n}", "all"])
        ana.call("POST", f"/articles/article-{n}/favorite")
    ana.call("POST", "/profiles/jake/follow")
    for url in ["/articles", "/articles/feed", "/articles?tag=all", "/articles?favorited=ana"]:
        queries.clear()
        assert ana.call("GET", f"{url}{'&' if '?' in url else '?'}limit={limit}").status_code == 200
        # user, [filter user], count, page, tags
        assert len(queries) <= 5, (url, queries)


def test_pages_and_api_share_one_account(client, auth, api):
    """An account made on the pages signs in on the API (the same domain functions)."""
    auth.register("both")
    response = api.call(
        "POST", "/users/login", {"user": {"email": "both@example.com", "password": "correct horse"}}
    )
    assert response.status_code == 200


def test_openapi_document(api):
    doc = api.call("GET", "/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["Token"]["in"] == "header"
    assert [server["url"] for server in doc["servers"]] == ["/api/v1", "/api"]
    expected = {
        ("post", "/users"), ("post", "/users/login"), ("get", "/user"), ("put", "/user"),
        ("get", "/profiles/{username}"), ("get", "/profiles/{username}/articles"),
        ("get", "/profiles/{username}/favorites"), ("get", "/profiles/{username}/drafts"),
        ("post", "/profiles/{username}/follow"), ("delete", "/profiles/{username}/follow"),
        ("get", "/articles"), ("get", "/articles/feed"), ("post", "/articles"),
        ("get", "/articles/{slug}"), ("put", "/articles/{slug}"),
        ("delete", "/articles/{slug}"), ("get", "/articles/{slug}/comments"),
        ("post", "/articles/{slug}/comments"),
        ("get", "/articles/{slug}/comments/{comment_id}"),
        ("delete", "/articles/{slug}/comments/{comment_id}"),
        ("post", "/articles/{slug}/favorite"), ("delete", "/articles/{slug}/favorite"),
        ("get", "/tags"),
        ("post", "/articles/{slug}/reports"),
        ("post", "/articles/{slug}/comments/{comment_id}/reports"),
        ("post", "/profiles/{username}/reports"), ("get", "/moderation/reports"),
        ("post", "/moderation/{kind}/{item_id}/decisions"),
        ("get", "/moderation/members/{username}"),
        ("post", "/moderation/members/{username}/decisions"),
        ("put", "/moderation/members/{username}/role"), ("get", "/moderation/log"),
    }  # fmt: skip
    found = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert found == expected
    create = doc["paths"]["/articles"]["post"]
    assert create["security"] == [{"Token": []}]
    assert set(create["responses"]) == {"201", "401", "413", "415", "422", "429", "503"}
    assert set(create["responses"]["201"]["headers"]) >= {"Location", "ETag", "RateLimit-Limit"}
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewArticleRequest"
    }
    read = doc["paths"]["/articles/{slug}"]["get"]
    assert read["security"] == [{"Token": []}, {}]
    assert "304" in read["responses"]
    assert {"$ref": "#/components/parameters/IfNoneMatch"} in read["parameters"]
    update = doc["paths"]["/articles/{slug}"]["put"]
    assert "412" in update["responses"]
    assert {"$ref": "#/components/parameters/IfMatch"} in update["parameters"]
    listing = doc["paths"]["/articles"]["get"]["responses"]["200"]
    assert "Link" in listing["headers"]
    assert "GenericErrors" in doc["components"]["schemas"]


def test_docs_page_uses_local_assets_only(api):
    html = api.client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert not re.search(r"(src|href)=\"https?://", html)
