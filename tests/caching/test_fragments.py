"""Remembered pieces (web.caching.fragments) and whole pages (web.caching.answers) show exactly what
a fresh render shows, to each reader in each state, and carry each reader's own CSRF
and one-time tokens."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AuthActions, csrf_token
from web.caching.generation import store_of

TOKENS = re.compile(r'(name="(?:csrf_token|once)"[^>]*value=")[^"]+"')
PAGES = (
    "/", "/?page=2", "/?tag=python", "/?feed=following", "/article/snakes-1",
    "/article/snakes-2", "/profile/bob", "/profile/ana?tab=favorited", "/search?q=snakes",
    "/reading-list", "/settings",
)  # fmt: skip
MEMBERS_ONLY = ("/?feed=following", "/settings")  # a visitor is sent to sign in (a message)


def member(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).register(name)
    return client


def post(client: FlaskClient, url: str, **data: str) -> None:
    answer = client.post(
        url, data={**data, "csrf_token": csrf_token(client)}, follow_redirects=True
    )  # the page after it shows (and so clears) the action's message
    assert answer.status_code == 200, (url, answer.status_code)


def write(client: FlaskClient, title: str, tags: str) -> None:
    post(client, "/editor", title=title, description=f"About {title}", body="Body", tags=tags)


def without_tokens(html: str) -> str:
    return TOKENS.sub(r'\1TOKEN"', html)


def pages_of(clients: dict[str, FlaskClient]) -> dict[tuple[str, str], str]:
    out = {}
    for who, client in clients.items():
        for url in PAGES:
            if who != "visitor" or url not in MEMBERS_ONLY:
                answer = client.get(url)
                assert answer.status_code == 200, (who, url)
                out[who, url] = without_tokens(answer.text)
    return out


@pytest.fixture
def readers(app: Flask) -> dict[str, FlaskClient]:
    app.config["FEED_PAGE_SIZE"] = 3
    bob = member(app, "bob")
    for n in range(1, 5):
        write(bob, f"Snakes {n}", "python, reptiles" if n % 2 else "python")
    ana = member(app, "ana")
    write(ana, "Cats", "pets")
    post(ana, "/article/cats/comments", body="First!")
    return {"visitor": app.test_client(), "ana": ana, "carol": member(app, "carol"), "bob": bob}


def test_remembered_pages_match_fresh_ones_for_every_reader_and_state(app, readers):
    pages_of(readers)  # pieces and pages are remembered, by whoever saw them first
    ana, carol = readers["ana"], readers["carol"]
    post(ana, "/article/snakes-1/favorite")
    post(ana, "/article/snakes-2/save")
    post(ana, "/profile/bob/follow")
    post(carol, "/article/snakes-2/comments", body="Carol was here")
    pages_of(readers)  # remembered again, after the writes
    # Personal choices that change no one else's page: a member's theme and language
    # (their account), a dismissed reminder and a visitor's language (their session).
    post(carol, "/theme", theme="dark")
    post(readers["bob"], "/language", language="de")
    post(ana, "/email/reminder/dismiss")
    post(readers["visitor"], "/language", language="fr")
    remembered = pages_of(readers)
    served = pages_of(readers)  # whole pages, from the cache
    app.config["REMEMBER_FRAGMENTS"] = False
    store_of(app).clear()
    fresh = pages_of(readers)
    assert fresh.keys() == remembered.keys() == served.keys()
    for key, html in fresh.items():
        assert remembered[key] == html, key
        assert served[key] == html, key
    # The states really differ: the check compared pieces that had to change.
    assert 'aria-pressed="true"' in remembered["ana", "/article/snakes-1"]
    assert 'aria-pressed="true"' not in remembered["carol", "/article/snakes-1"]
    assert "Unfollow bob" in remembered["ana", "/article/snakes-1"]
    assert "Follow bob" in remembered["carol", "/article/snakes-1"]
    assert 'lang="fr"' in remembered["visitor", "/"]
    assert 'lang="de"' in remembered["bob", "/"]
    assert 'data-theme="dark"' in remembered["carol", "/"]
    assert "address-reminder" in remembered["carol", "/"]
    assert "address-reminder" not in remembered["ana", "/"]


def test_a_remembered_piece_carries_each_reader_s_own_token(app, readers):
    ana, carol = readers["ana"], readers["carol"]
    first = set(TOKENS.findall(ana.get("/").text))  # renders and remembers the previews
    seen = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', carol.get("/").text)
    mine = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', ana.get("/").text)
    assert len(seen) > 5
    assert len(set(seen)) <= 2  # carol's own token (signed anew when the second turns)
    assert not set(seen) & set(mine)
    assert first
    assert "\x00" not in carol.get("/").text
    post(carol, "/article/cats/favorite")  # and it works, from a remembered preview
    assert 'aria-pressed="true"' in carol.get("/?tag=pets").text


def test_a_member_s_cached_page_gives_each_form_new_tokens(app, readers):
    ana = readers["ana"]
    once = re.compile(r'name="once"[^>]*value="([^"]+)"')
    first, second = (ana.get("/article/snakes-1").text for _ in range(2))
    assert once.search(first).group(1) != once.search(second).group(1)  # type: ignore[union-attr]
    post(ana, "/article/snakes-1/comments", body="Twice?")
    answer = ana.post("/article/snakes-1/comments", data={
        "body": "Once more", "once": once.search(second).group(1),  # type: ignore[union-attr]
        "csrf_token": csrf_token(ana)}, follow_redirects=True)  # fmt: skip
    assert "Once more" in answer.text  # a form from the cached page is a new comment


def test_a_cached_member_page_is_not_served_once_the_sign_in_ended(app, readers):
    ana = readers["ana"]
    assert "Sign out" in ana.get("/").text  # now cached for ana's sign-in
    copy = app.test_client()
    copy.set_cookie("session", ana.get_cookie("session").value)  # type: ignore[union-attr]
    assert "Sign out" in copy.get("/").text
    post(ana, "/logout")
    page = copy.get("/").text
    assert "Sign out" not in page
    assert "Sign in" in page


def test_a_fragment_key_is_derived_from_arguments_and_the_facts_its_component_reads(app):
    from web.caching.fragments import frozen

    client = app.test_client()
    AuthActions(client).register("writer")
    post(client, "/editor", title="Keyed", description="d", body="b", tags="one")
    client.get("/")
    preview = app.jinja_env.globals["article_preview"]
    # The save and favorite buttons read the reading list, the viewer and the page.
    assert {"reading_list", "current_member", "here"} <= preview.reads
    assert "current_path" in app.jinja_env.globals["site_nav"].reads
    # Nothing is keyed by identity: an argument of an unknown kind is refused loudly.
    with pytest.raises(TypeError):
        frozen(object())
    assert frozen(["a", ("b", 1)]) == ("a", ("b", 1))
    assert len(frozen("x" * 1000)) < 100  # long text by its digest


def test_a_fragment_given_what_nothing_can_key_is_rendered_but_never_kept(app, caplog):
    class Odd:
        def __str__(self) -> str:
            return "odd label"

    tag_list = app.jinja_env.globals["tag_list"]
    with app.test_request_context("/"):
        before = store_of(app).used
        html = tag_list(["one"], label=Odd())
        assert "odd label" in html
        assert store_of(app).used == before  # nothing kept under a key it could not make
    assert "rendered afresh" in caplog.text
