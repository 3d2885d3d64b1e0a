"""Off the happy path: what htmx requests get when things go wrong.

Every page is crawled for its htmx elements (tests/htmx_calls.py), and each call is
replayed as the page would send it, and again with the session ended, with a forged
form, after what it acts on was deleted elsewhere, and with the server failing. No
answer to an htmx request may nest a page (`<html`, `<main`, an `<h1>`); actions that
need an account send visitors to sign in and back; errors are small and announced.
"""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from tests.conftest import AuthActions, csrf_token
from tests.htmx_calls import Call, htmx_calls
from web.models import Article, Comment, Submission, User

NESTED_PAGE = re.compile(r"<html|<main|<h1", re.IGNORECASE)
PAGES = [
    "/",
    "/?tag=htmx",
    "/article/hello-htmx",
    "/profile/ana",
    "/profile/bob",
    "/profile/ana?tab=favorited",
    "/search?q=hello",
    "/reading-list",
]
PAGES_FOR = {
    "ana": [*PAGES, "/settings", "/editor"],
    "bob": [*PAGES, "/settings", "/editor"],
    "visitor": [*PAGES, "/login", "/register"],
}
# Pages' endpoints reached only by boosted navigation or forms (whole pages by design),
# or not by htmx at all; every other endpoint must be called by some htmx element.
BOOSTED_OR_PLAIN = {
    "home.index",
    "articles.show",
    "articles.comments",
    "articles.new",
    "articles.edit",
    "articles.delete",
    "articles.publish",
    "profiles.show",
    "settings.edit",
    "auth.login",
    "auth.register",
    "auth.logout",
    "auth.forgot_password",
    "auth.reset_password_page",
    "addresses.confirmed",
    "addresses.send_again",
    "addresses.dismiss",
    "search.index",
    "reading_list.index",
    "settings.language",  # changes the whole page: never a part of one
}

# The page marks of an English page in the given theme.
THEME_MARK = '<div id="theme" data-theme="{}" data-lang="en" data-dir="ltr" hidden></div>'


@pytest.fixture
def exploding(app: Flask) -> Flask:
    """The app, failing on purpose for requests that carry X-Explode."""

    @app.before_request
    def explode() -> None:
        from flask import request

        if request.headers.get("X-Explode"):
            raise RuntimeError("planted failure")

    return app


@pytest.fixture
def site(exploding: Flask, db):
    """ana wrote "Hello htmx" (tagged htmx); bob commented on it; both are signed in."""
    ana = exploding.test_client()
    AuthActions(ana).register("ana")
    token = csrf_token(ana)
    ana.post(
        "/editor",
        data={"title": "Hello htmx", "description": "d", "body": "b", "tags": "htmx",
              "csrf_token": token},
    )  # fmt: skip
    bob = exploding.test_client()
    AuthActions(bob).register("bob")
    bob.post(
        "/article/hello-htmx/comments", data={"body": "Nice one", "csrf_token": csrf_token(bob)}
    )
    # bob favorites it and follows ana: his pages offer the undoing buttons too.
    bob.post("/article/hello-htmx/favorite", data={"csrf_token": csrf_token(bob)})
    bob.post("/profile/ana/follow", data={"csrf_token": csrf_token(bob)})
    bob.post("/article/hello-htmx/save", data={"csrf_token": csrf_token(bob)})
    return {"ana": ana, "bob": bob, "visitor": exploding.test_client()}


# POSTs anyone may send, so an ended session changes nothing for them: the theme and
# the reading list (kept in a visitor's session), and the editor's live preview (stores
# nothing: a writer whose session ended keeps previewing, and keeps the text).
OPEN_TO_VISITORS = re.compile(r"^/theme$|^/editor/preview$|^/article/[^/]+/(un)?save$")


def crawl(client: FlaskClient, who: str = "bob") -> list[tuple[str, Call]]:
    found = []
    for page in PAGES_FOR[who]:
        response = client.get(page)
        assert response.status_code == 200, page
        found += [(page, call) for call in htmx_calls(response.text)]
    return found


def url_for_login(page: str) -> str:
    return "/login?" + urlencode({"next": page}, safe="/?")


def send(client: FlaskClient, page: str, call: Call, **extra_headers: str):
    headers = {**call.headers(page), **extra_headers}
    if call.method == "GET":
        query = MultiDict(call.data) if call.data else None
        return client.get(call.url, query_string=query, headers=headers)
    return client.post(call.url, data=MultiDict(call.data), headers=headers)


def assert_small(response, what: str, target: str | None = None) -> None:
    """No page nested in a part of a page. Search as you type swaps the whole of <main>
    (a navigation: the URL changes): its answer is main's content, with the one <h1>
    the page then has, and never a second <main> or a document."""
    text = response.text
    if target == "main":
        assert not re.search(r"<html|<main", text, re.IGNORECASE), what
        assert len(re.findall(r"<h1", text, re.IGNORECASE)) <= 1, what
    else:
        assert not NESTED_PAGE.search(text), f"{what} nested a page: {text[:300]}"
    assert "hx-request" in response.vary.as_set(), what
    assert response.status_code != 500 or "Something went wrong" in response.text, what


def test_every_htmx_element_gets_a_part_of_a_page_never_a_page(site):
    seen = set()
    for who in ("ana", "bob", "visitor"):
        for page, call in crawl(site[who], who):
            response = send(site[who], page, call)
            assert response.status_code < 500, call.where
            assert_small(response, f"{who} on {page}: {call.where}", call.target)
            seen.add(call.url.split("?")[0])
    assert len(seen) >= 8  # search, checks, theme, favorites, follows, comments, deletes


def test_every_page_endpoint_is_called_by_htmx_or_is_a_whole_page(site, exploding):
    adapter = exploding.url_map.bind("localhost")
    called = set()
    for who in ("ana", "bob", "visitor"):
        for _page, call in crawl(site[who], who):
            endpoint, _args = adapter.match(urlsplit(call.url).path, method=call.method)
            called.add(endpoint)
    pages = {
        rule.endpoint
        for rule in exploding.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("home", "auth", "settings", "profiles", "articles",
                                           "search", "reading_list", "addresses")
    }  # fmt: skip
    assert pages - called == BOOSTED_OR_PLAIN - called
    assert called - pages == set()


def test_a_session_that_ended_elsewhere_is_sent_to_sign_in_and_back(site, exploding):
    """Tab B still shows a member's page; tab A signed out. B's actions ask to sign in."""
    for page, call in crawl(site["bob"]):
        if call.method != "POST" or OPEN_TO_VISITORS.match(call.url):
            continue
        ended = exploding.test_client()
        fresh = csrf_token(ended)  # a visitor's session, as after signing out
        call = Call(call.method, call.url, call.target,
                    tuple((k, fresh if k == "csrf_token" else v) for k, v in call.data),
                    call.where)  # fmt: skip
        response = send(ended, page, call)
        assert response.status_code == 401, call.where
        assert response.headers["HX-Redirect"] == url_for_login(page), call.where
        assert response.text == ""
        # The sign-in page says why, and signing in comes back to the page (the action
        # done there: web.http.resume; a comment's deletion lands at the comments).
        login = ended.get(response.headers["HX-Redirect"])
        assert "Please sign in to continue." in login.text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text)
        signed = ended.post(
            response.headers["HX-Redirect"],
            data={"email": "bob@example.com", "password": "correct horse",
                  "csrf_token": token.group(1)},
        )  # fmt: skip
        assert signed.status_code == 303
        assert signed.headers["Location"].split("#")[0] == page, call.where


def test_a_session_lost_with_its_csrf_token_is_also_sent_to_sign_in(site, exploding):
    """With server-side sessions an expired session loses its CSRF token too."""
    for page, call in crawl(site["bob"]):
        if call.method != "POST" or OPEN_TO_VISITORS.match(call.url):
            continue
        response = send(exploding.test_client(), page, call)
        assert response.status_code == 401, call.where
        assert response.headers["HX-Redirect"].startswith("/login?next="), call.where


def test_a_forged_or_stale_form_is_a_small_announced_400(site):
    bob = site["bob"]
    response = bob.post(
        "/theme",
        data={"theme": "dark", "csrf_token": "forged"},
        headers={"HX-Request": "true", "HX-Target": "theme"},
    )
    assert response.status_code == 400
    assert response.headers["HX-Reswap"] == "none"
    assert "This page has been open too long" in response.text
    assert_small(response, "forged theme form")


def test_things_deleted_elsewhere_give_small_announced_answers(site, db):
    calls = crawl(site["bob"])
    db.exec(select(Article)).one()  # ana's article, about to go
    for row in db.exec(select(Comment)).all():
        db.delete(row)
    db.delete(db.exec(select(Article)).one())
    db.commit()
    for page, call in calls:
        # What was typed is kept: only the article's absence is the problem.
        typed = tuple((k, v or "Still there?") if k == "body" else (k, v) for k, v in call.data)
        response = send(site["bob"], page, Call(call.method, call.url, call.target, typed, ""))
        assert_small(response, call.where, call.target)
        if "/article/hello-htmx/" in call.url and call.method == "POST":
            assert response.status_code == 404, (call.where, typed, response.text[:500])
            assert response.headers["HX-Reswap"] == "none", call.where
            assert "That article does not exist. It may have been deleted." in response.text
            assert '<div id="status" hx-swap-oob="innerHTML">' in response.text


def test_a_member_deleted_elsewhere_cannot_be_followed(site, db):
    calls = [(p, c) for p, c in crawl(site["bob"]) if re.search(r"/(un)?follow$", c.url)]
    assert calls
    db.delete(db.exec(select(User).where(User.username == "ana")).one())
    db.commit()
    for page, call in calls:
        response = send(site["bob"], page, call)
        assert response.status_code == 404, (call, response.headers, response.text[:300])
        assert "There is no member by that name." in response.text
        assert_small(response, call.where)


def test_server_failures_are_small_announced_500s(site):
    calls = [("bob", *c) for c in crawl(site["bob"])]
    calls += [("visitor", *c) for c in crawl(site["visitor"], "visitor")]
    for who, page, call in calls:
        response = send(site[who], page, call, **{"X-Explode": "yes"})
        assert response.status_code == 500, call.where
        assert_small(response, call.where, call.target)
        assert "Something went wrong on our side." in response.text


def test_region_errors_land_in_the_region_and_keep_the_address(site):
    response = site["bob"].get("/?page=7", headers={"HX-Request": "true", "HX-Target": "feed"})
    assert response.status_code == 404
    assert response.text.lstrip().startswith('<div class="error-message">')
    assert "<h2" in response.text
    assert response.headers["HX-Push-Url"] == "false"
    checked = site["bob"].get(
        "/register/check/username?username=x",
        headers={"HX-Request": "true", "HX-Target": "username-error", "X-Explode": "1"},
    )
    assert checked.status_code == 500
    assert checked.text.startswith("<p>Something went wrong on our side.")


def test_a_malformed_current_url_is_ignored(site):
    response = site["bob"].post(
        "/article/hello-htmx/favorite",
        data={"csrf_token": csrf_token(site["bob"])},
        headers={"HX-Request": "true", "HX-Current-URL": "http://[", "HX-Target": "x"},
    )
    assert response.status_code == 200
    visitor = site["bob"].application.test_client()
    asked = visitor.post(
        "/article/hello-htmx/favorite",
        data={"csrf_token": csrf_token(visitor)},
        headers={"HX-Request": "true", "HX-Current-URL": "http://[::1"},
    )
    assert asked.status_code == 401
    assert asked.headers["HX-Redirect"] == "/login?next=/"


# --- replays: a form submitted twice creates one thing ----------------------------------


def test_a_replayed_editor_form_publishes_once(site, db):
    ana = site["ana"]
    editor = ana.get("/editor").text
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', editor).group(1)
    data = {"title": "Twice", "description": "d", "body": "b", "once": once,
            "csrf_token": csrf_token(ana)}  # fmt: skip
    first = ana.post("/editor", data=data)
    second = ana.post("/editor", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == "/article/twice"
    assert len(db.exec(select(Article).where(Article.title == "Twice")).all()) == 1
    assert "That article was already published: here it is." in ana.get("/article/twice").text
    # A fresh editor carries a fresh token: a new article is a new article.
    assert once not in ana.get("/editor").text


def test_a_replayed_comment_posts_once_with_or_without_js(site, db):
    bob = site["bob"]
    page = bob.get("/article/hello-htmx").text
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', page).group(1)
    data = {"body": "Once only", "once": once, "csrf_token": csrf_token(bob)}
    htmx = {"HX-Request": "true", "HX-Target": "comments"}
    assert bob.post("/article/hello-htmx/comments", data=data, headers=htmx).status_code == 200
    again = bob.post("/article/hello-htmx/comments", data=data, headers=htmx)
    assert again.status_code == 200
    assert again.headers["HX-Reswap"] == "none"
    assert "That comment was already posted." in again.text
    plain = bob.post("/article/hello-htmx/comments", data=data)
    assert plain.status_code == 303
    assert re.fullmatch(r"/article/hello-htmx#comment-\d+", plain.headers["Location"])
    assert len(db.exec(select(Comment).where(Comment.body == "Once only")).all()) == 1
    # Only forms that sent a token are remembered (the setup's posts sent none).
    assert [s.kind for s in db.exec(select(Submission)).all()] == ["comment"]


def test_a_token_is_per_member_and_junk_tokens_count_as_none(site, db):
    ana, bob = site["ana"], site["bob"]
    for client, body in ((ana, "From ana"), (bob, "From bob")):
        client.post(
            "/article/hello-htmx/comments",
            data={
                "body": body,
                "once": "shared-token-0123456789",
                "csrf_token": csrf_token(client),
            },
        )
    for _ in range(2):
        bob.post(
            "/article/hello-htmx/comments",
            data={"body": "Junk", "once": "<x>", "csrf_token": csrf_token(bob)},
        )
    bodies = [c.body for c in db.exec(select(Comment)).all()]
    assert bodies.count("From ana") == bodies.count("From bob") == 1
    assert bodies.count("Junk") == 2


# --- derived state: every count and label an action changes, in the same answer ---------


def test_comment_counts_follow_posts_and_deletes(site, db):
    bob = site["bob"]
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://localhost/article/hello-htmx"}
    page = bob.get("/article/hello-htmx").text
    assert '<span id="comments-count" class="count">(1)</span>' in page
    assert '<p id="comments-empty" class="empty" hidden>No comments yet.</p>' in page
    posted = bob.post(
        "/article/hello-htmx/comments",
        data={"body": "Second", "csrf_token": csrf_token(bob)},
        headers={**htmx, "HX-Target": "comments"},
    )
    assert "(2)</span>" in posted.text
    for comment in db.exec(select(Comment)).all():
        url = f"/article/hello-htmx/comments/{comment.id}/delete"
        gone = bob.post(url, data={"csrf_token": csrf_token(bob)},
                        headers={**htmx, "HX-Target": f"comment-{comment.id}"})  # fmt: skip
    assert '<span id="comments-count" class="count" hx-swap-oob="true">(0)</span>' in gone.text
    assert '<p id="comments-empty" class="empty" hx-swap-oob="true">No comments' in gone.text
    page = bob.get("/article/hello-htmx").text
    assert '<p id="comments-empty" class="empty">No comments yet.</p>' in page


def test_follow_on_an_article_page_updates_both_buttons(site, db):
    ana_id = db.exec(select(User.id).where(User.username == "ana")).one()
    page = site["bob"].get("/article/hello-htmx").text
    assert page.count("Unfollow ana") == 2  # bob follows ana
    response = site["bob"].post(
        "/profile/ana/unfollow",
        data={"csrf_token": csrf_token(site["bob"])},
        headers={"HX-Request": "true", "HX-Target": f"follow-{ana_id}-banner"},
    )
    html = response.text
    assert html.lstrip().startswith(f'<form id="follow-{ana_id}-banner"')
    assert f'<form id="follow-{ana_id}-end" class="follow-form"' in html
    assert html.count(">Follow ana</button>") == 2
    assert "You no longer follow ana." in html


def test_swaps_that_change_the_page_carry_its_title_and_navigation(site):
    bob = site["bob"]
    home = "http://localhost/"
    feed = bob.get("/?tag=htmx", headers={"HX-Request": "true", "HX-Target": "feed",
                                          "HX-Current-URL": home})  # fmt: skip
    assert feed.text.startswith("<title>#htmx — Conduit</title>")
    assert 'id="site-nav"' not in feed.text  # still the home page
    found = bob.get("/search?q=hello", headers={"HX-Request": "true", "HX-Target": "main",
                                                "HX-Current-URL": home})  # fmt: skip
    assert found.text.startswith("<title>Search: hello — Conduit</title>")
    nav = re.search(r'<nav id="site-nav".*?</nav>', found.text, re.S).group(0)
    assert 'hx-swap-oob="true"' in nav
    assert "aria-current" not in nav  # no longer on Home
    assert "1 article found for “hello”." in found.text
    # Actions do not change what the page is: no title.
    faved = bob.post("/article/hello-htmx/favorite", data={"csrf_token": csrf_token(bob)},
                     headers={"HX-Request": "true", "HX-Target": "favorite-1-list"})  # fmt: skip
    assert "<title>" not in faved.text


def test_the_theme_applies_without_a_reload(site):
    bob = site["bob"]
    response = bob.post(
        "/theme",
        data={"theme": "dark", "csrf_token": csrf_token(bob)},
        headers={"HX-Request": "true", "HX-Target": "theme"},
    )
    assert response.text.startswith(THEME_MARK.format("dark"))
    assert "Using dark theme." in response.text
    # Signing in brings the member's theme with the new body (boosted navigation).
    AuthActions(bob).logout()
    assert THEME_MARK.format("system") in bob.get("/").text
    signed = AuthActions(bob).login("bob@example.com")
    assert signed.status_code == 303
    assert (
        THEME_MARK.format("dark")
        in bob.get("/", headers={"HX-Request": "true", "HX-Boosted": "true"}).text
    )
