"""The API as a REST client uses it: /api/v1 with /api as its alias, resources nested
under their owners, Link headers, conditional requests, Location, rate limits."""

import re

import pytest

from tests.api.test_api import PASSWORD, Api
from tests.conftest import make_test_app
from web.db import dispose

V1 = "/api/v1"


@pytest.fixture
def jake(app) -> Api:
    person = Api(app.test_client(), prefix=V1)
    person.register("jake")
    return person


@pytest.fixture
def ana(app) -> Api:
    person = Api(app.test_client(), prefix=V1)
    person.register("ana")
    return person


@pytest.fixture
def visitor(app) -> Api:
    return Api(app.test_client(), prefix=V1)


def links_of(header: str) -> dict[str, str]:
    """An RFC 8288 Link header as {rel: url}."""
    return {rel: url for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', header)}


def without_token(text: str) -> str:
    """An answer with its fresh token (new on every GET /user) blanked out."""
    return re.sub(r'"token":"[^"]*"', '"token":""', text)


# --- versioning -----------------------------------------------------------------------


def test_the_alias_answers_exactly_as_v1_with_links_on_its_own_prefix(app, jake, ana):
    jake.write("Alias parity", tags=["same"])
    ana.call("POST", "/articles/alias-parity/favorite")
    ana.call("POST", "/articles/alias-parity/comments", {"comment": {"body": "Hello"}})
    ana.call("POST", "/profiles/jake/follow")
    alias = Api(app.test_client(), prefix="/api")
    alias.token = ana.token
    for url in [
        "/articles?limit=1", "/articles/feed", "/articles/alias-parity",
        "/articles/alias-parity/comments", "/profiles/jake", "/profiles/jake/articles",
        "/profiles/ana/favorites", "/tags", "/user", "/articles/missing",
    ]:  # fmt: skip
        canonical, old = ana.call("GET", url), alias.call("GET", url)
        assert canonical.status_code == old.status_code, url
        as_alias = canonical.text.replace('"/api/v1/', '"/api/')
        assert without_token(as_alias) == without_token(old.text), url
        if canonical.status_code == 200 and url != "/tags":
            assert "/api/v1/" in canonical.text, url  # links stay on the prefix called


def test_the_document_names_v1_as_canonical_and_is_served_on_both(visitor, app):
    v1 = visitor.call("GET", "/openapi.json").json
    alias = app.test_client().get("/api/openapi.json").json
    assert v1 == alias
    assert v1["servers"][0]["url"] == V1
    assert "alias" in v1["servers"][1]["description"]


# --- resource hierarchy ---------------------------------------------------------------


def test_a_profiles_articles_and_favorites_are_its_resources(jake, ana, visitor):
    for n in range(3):
        jake.write(f"Jake {n}")
    ana.write("Ana's own")
    ana.call("POST", "/articles/jake-1/favorite")
    mine = visitor.call("GET", "/profiles/jake/articles?limit=2")
    assert mine.status_code == 200
    assert [a["title"] for a in mine.json["articles"]] == ["Jake 2", "Jake 1"]
    assert mine.json["articlesCount"] == 3
    same = visitor.call("GET", "/articles?author=jake&limit=2").json
    assert mine.json["articles"] == same["articles"]
    liked = ana.call("GET", "/profiles/ana/favorites").json
    assert [a["title"] for a in liked["articles"]] == ["Jake 1"]
    assert liked["articles"][0]["favorited"] is True
    assert visitor.call("GET", "/profiles/ana/favorites").json["articles"][0]["favorited"] is False
    for missing in ["/profiles/nobody/articles", "/profiles/nobody/favorites"]:
        answer = visitor.call("GET", missing)
        assert answer.status_code == 404
        assert answer.json == {"errors": {"profile": ["not found"]}}


def test_one_comment_is_a_resource_under_its_article(jake, ana, visitor):
    jake.write("Commented")
    jake.write("Other")
    posted = ana.call("POST", "/articles/commented/comments", {"comment": {"body": "First!"}})
    comment = posted.json["comment"]
    assert comment["links"]["self"] == f"{V1}/articles/commented/comments/{comment['id']}"
    read = visitor.call("GET", f"/articles/commented/comments/{comment['id']}")
    assert read.status_code == 200
    assert read.json["comment"]["body"] == "First!"
    assert visitor.call("GET", f"/articles/other/comments/{comment['id']}").status_code == 404
    assert visitor.call("GET", "/articles/commented/comments/999999").status_code == 404


def test_created_resources_say_where_they_live(app, jake, visitor):
    article = jake.call(
        "POST",
        "/articles",
        {"article": {"title": "Located", "description": "d", "body": "b"}},
    )
    assert article.status_code == 201
    assert article.headers["Location"] == f"{V1}/articles/located"
    assert visitor.client.get(article.headers["Location"]).json == {
        "article": {**article.json["article"]}
    }
    comment = jake.call("POST", "/articles/located/comments", {"comment": {"body": "Hi"}})
    assert comment.headers["Location"] == comment.json["comment"]["links"]["self"]
    assert visitor.client.get(comment.headers["Location"]).json["comment"]["body"] == "Hi"
    body = {"user": {"username": "newbie", "email": "newbie@example.com", "password": PASSWORD}}
    registered = visitor.call("POST", "/users", body)
    assert registered.headers["Location"] == f"{V1}/profiles/newbie"
    alias = Api(app.test_client()).call(
        "POST", "/articles/located/comments", {"comment": {"body": "Old"}}, token=jake.token
    )
    assert alias.headers["Location"].startswith("/api/articles/located/comments/")


# --- pagination links -----------------------------------------------------------------


def test_link_headers_on_first_middle_and_last_pages_agree_with_the_body(jake, visitor):
    for n in range(5):
        jake.write(f"Page {n}", tags=["paged"])
    url = "/articles?tag=paged&limit=2"
    first = visitor.call("GET", url)
    header = links_of(first.headers["Link"])
    assert header == first.json["links"]
    assert header["first"] == f"{V1}/articles?tag=paged&limit=2&offset=0"
    assert header["next"] == f"{V1}/articles?tag=paged&limit=2&offset=2"
    assert header["last"] == f"{V1}/articles?tag=paged&limit=2&offset=4"
    assert "prev" not in header
    middle = visitor.client.get(header["next"])
    assert set(links_of(middle.headers["Link"])) == {"self", "first", "prev", "next", "last"}
    assert links_of(middle.headers["Link"])["prev"] == header["first"]
    last = visitor.client.get(header["last"])
    tail = links_of(last.headers["Link"])
    assert "next" not in tail
    assert tail["prev"] == header["next"]
    assert [a["title"] for a in last.json["articles"]] == ["Page 0"]
    empty = visitor.call("GET", "/articles?tag=none")
    assert links_of(empty.headers["Link"])["last"].endswith("offset=0")


def test_a_client_walks_the_whole_api_by_links_alone(jake, ana):
    """From /api/v1/articles: every page by `next`, each article by `self`, its comments,
    one comment, its author's profile and that profile's articles."""
    for n in range(3):
        jake.write(f"Walk {n}")
    ana.call("POST", "/articles/walk-0/comments", {"comment": {"body": "Walked"}})
    client, seen, url = ana.client, [], f"{V1}/articles?limit=2"
    headers = {"Authorization": f"Token {ana.token}"}
    while url:
        page = client.get(url, headers=headers)
        assert page.status_code == 200
        seen += page.json["articles"]
        url = links_of(page.headers["Link"]).get("next")
    assert len(seen) == page.json["articlesCount"] == 3
    walk = next(a for a in seen if a["title"] == "Walk 0")
    article = client.get(walk["links"]["self"], headers=headers).json["article"]
    comments = client.get(article["links"]["comments"], headers=headers).json["comments"]
    one = client.get(comments[0]["links"]["self"], headers=headers).json["comment"]
    assert one["body"] == "Walked"
    author = client.get(article["author"]["links"]["self"], headers=headers).json["profile"]
    theirs = client.get(author["links"]["articles"], headers=headers).json
    assert theirs["articlesCount"] == 3
    assert client.get(article["links"]["html"]).status_code == 200  # the page people read


# --- conditional requests -------------------------------------------------------------


def test_reads_revalidate_with_their_etag(jake, ana, visitor):
    jake.write("Cached")
    first = visitor.call("GET", "/articles/cached")
    tag = first.headers["ETag"]
    assert not tag.startswith("W/")  # strong: byte-for-byte the same answer
    assert first.headers["Cache-Control"] == "no-cache"
    again = visitor.call("GET", "/articles/cached", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == tag
    ana.call("POST", "/articles/cached/favorite")  # the count changes: so does the tag
    fresh = visitor.call("GET", "/articles/cached", headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    assert fresh.json["article"]["favoritesCount"] == 1
    assert fresh.headers["ETag"] != tag
    mine = ana.call("GET", "/articles/cached")
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in mine.headers["Vary"]
    assert mine.headers["ETag"] != fresh.headers["ETag"]  # favorited: true, for ana only
    assert ana.call("GET", "/articles/cached", headers={"If-None-Match": mine.headers["ETag"]}
                    ).status_code == 304  # fmt: skip


def test_lists_revalidate_too(jake, visitor):
    jake.write("Listed")
    first = visitor.call("GET", "/articles")
    again = visitor.call("GET", "/articles", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert links_of(again.headers["Link"]) == links_of(first.headers["Link"])
    jake.write("Another")
    assert (
        visitor.call(
            "GET", "/articles", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 200
    )


def test_a_stale_edit_is_refused_and_a_current_one_goes_through(jake):
    jake.write("Contested")
    tag = jake.call("GET", "/articles/contested").headers["ETag"]
    other_tab = jake.call("PUT", "/articles/contested", {"article": {"body": "Tab B"}},
                          headers={"If-Match": tag})  # fmt: skip
    assert other_tab.status_code == 200
    assert other_tab.headers["ETag"] != tag
    stale = jake.call("PUT", "/articles/contested", {"article": {"body": "Tab A"}},
                      headers={"If-Match": tag})  # fmt: skip
    assert stale.status_code == 412
    assert list(stale.json["errors"]) == ["resource"]
    assert jake.call("GET", "/articles/contested").json["article"]["body"] == "Tab B"
    current = jake.call("PUT", "/articles/contested", {"article": {"body": "Tab A, merged"}},
                        headers={"If-Match": other_tab.headers["ETag"]})  # fmt: skip
    assert current.status_code == 200
    assert current.json["article"]["body"] == "Tab A, merged"
    assert jake.call("DELETE", "/articles/contested",
                     headers={"If-Match": tag}).status_code == 412  # fmt: skip
    assert jake.call("DELETE", "/articles/contested",
                     headers={"If-Match": "*"}).status_code == 204  # fmt: skip
    assert jake.call("DELETE", "/articles/contested",
                     headers={"If-Match": "*"}).status_code == 404  # fmt: skip


def test_a_comment_is_deleted_only_as_it_was_read(jake, ana):
    jake.write("Talk")
    posted = ana.call("POST", "/articles/talk/comments", {"comment": {"body": "Mine"}})
    url = f"/articles/talk/comments/{posted.json['comment']['id']}"
    assert ana.call("DELETE", url, headers={"If-Match": '"stale"'}).status_code == 412
    assert ana.call("GET", url).status_code == 200
    weak = "W/" + posted.headers["ETag"]  # If-Match compares strongly
    assert ana.call("DELETE", url, headers={"If-Match": weak}).status_code == 412
    assert ana.call("DELETE", url, headers={"If-Match": posted.headers["ETag"]}).status_code == 204


# --- contract fixes -------------------------------------------------------------------


def test_the_document_says_bio_and_image_may_be_null(visitor):
    answer = visitor.call("POST", "/users", {"user": {
        "username": "fresh", "email": "fresh@example.com", "password": PASSWORD}})  # fmt: skip
    assert (answer.json["user"]["bio"], answer.json["user"]["image"]) == (None, None)
    schemas = visitor.call("GET", "/openapi.json").json["components"]["schemas"]
    for model in ("User", "Profile"):
        for name in ("bio", "image"):
            kinds = {option["type"] for option in schemas[model]["properties"][name]["anyOf"]}
            assert kinds == {"string", "null"}, (model, name)


def test_a_sign_up_with_both_taken_names_both(jake, visitor):
    body = {"user": {"username": "jake", "email": "jake@example.com", "password": PASSWORD}}
    answer = visitor.call("POST", "/users", body)
    assert answer.status_code == 422
    assert answer.json == {"errors": {"username": ["has already been taken"],
                                      "email": ["has already been taken"]}}  # fmt: skip


def test_writes_are_limited_per_member_with_standard_headers(db_url):
    app = make_test_app(db_url, RATELIMIT_ENABLED=True, API_WRITE_LIMIT="3 per minute")
    jake, ana = Api(app.test_client(), prefix=V1), Api(app.test_client())  # ana: the alias
    jake.register("jake")
    ana.register("ana")
    jake.write("Limited")
    answers = [jake.call("POST", "/articles/limited/favorite") for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["1", "0"]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert 0 < int(answers[0].headers["RateLimit-Reset"]) <= 61  # whole seconds, rounded up
    jake.prefix = "/api"  # the same count under the alias
    refused = jake.call("DELETE", "/articles/limited/favorite")
    assert refused.status_code == 429
    assert refused.json == {"errors": {"requests": [refused.json["errors"]["requests"][0]]}}
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert jake.call("GET", "/articles/limited").json["article"]["favorited"] is True
    assert jake.call("GET", "/articles/limited").status_code == 200  # reads are not limited
    assert ana.call("POST", "/articles/limited/favorite").status_code == 200  # her own count
    dispose(app)


def test_a_counter_storage_failing_after_the_check_leaves_the_answer_whole(db_url, monkeypatch):
    """Redis (or the database) going away between the limit's check and the headers
    that report it: the answer goes out without those headers, never as a 500."""
    from redis import ConnectionError as RedisConnectionError

    from web.http.limits import limiter

    app = make_test_app(db_url, RATELIMIT_ENABLED=True, API_WRITE_LIMIT="2 per minute")
    jake = Api(app.test_client(), prefix=V1)
    jake.register("jake")
    jake.write("Limited")
    with app.app_context():
        storage = limiter.storage

    def gone(*_args: object, **_kwargs: object) -> int:
        raise RedisConnectionError("Connection reset by peer")

    monkeypatch.setattr(storage, "get", gone)
    monkeypatch.setattr(storage, "get_expiry", gone)
    answered = jake.call("POST", "/articles/limited/favorite")
    assert answered.status_code == 200
    assert "RateLimit-Remaining" not in answered.headers
    jake.call("DELETE", "/articles/limited/favorite")
    refused = jake.call("POST", "/articles/limited/favorite")
    assert refused.status_code == 429
    assert "errors" in refused.json
    dispose(app)
